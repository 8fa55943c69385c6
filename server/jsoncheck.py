"""What msgspec's JSON decoder lets pass or cannot place: a key given twice, a number out of range.

msgspec keeps the last of two equal keys in one object (``{"person": "a", "person": "b"}`` is
``b``), so a body could say two things and be read as one of them; and a float beyond the
double range (``1e400``) fails the whole decode with no key path. ``problem`` reads the text
once more with the standard library's parser to find either, with the key path where it is.
Bodies reach it already bounded in size and depth (the routes refuse deeper nesting first).
"""

from __future__ import annotations

import json
import math
import threading

DUPLICATE, OUT_OF_RANGE = "duplicate", "out of range"


class _Object(dict):
    """A decoded JSON object that remembers the keys it was given more than once."""

    __slots__ = ("twice",)


class _Huge(float):
    """A number the text gives that a double cannot hold (it decoded to an infinity)."""


_state = threading.local()  # the decode is synchronous: one flag per thread says whether a hook saw a problem


def _pairs(items: list) -> dict:
    obj = _Object(items)
    if len(obj) != len(items):
        seen: set = set()
        obj.twice = tuple(k for k, _ in items if k in seen or seen.add(k))
        _state.found = True
    else:
        obj.twice = ()
    return obj


def _number(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        _state.found = True
        return _Huge(value)
    return value


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=_number)  # built once: json.loads(**hooks) builds one per call


def _scan(text: str) -> tuple[object, bool]:
    _state.found = False
    return _DECODER.decode(text), _state.found


def _first(value, path: list) -> tuple[str, list, str] | None:
    """The first problem in ``value`` (depth first, in key order): (kind, key path, the key given twice or '')."""
    if isinstance(value, _Object):
        if value.twice:
            return DUPLICATE, path, value.twice[0]
        for key, item in value.items():
            found = _first(item, [*path, key])
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = _first(item, [*path, i])
            if found:
                return found
    elif isinstance(value, _Huge):
        return OUT_OF_RANGE, path, ""
    return None


def problem(text: str) -> tuple[str, list, str] | None:
    """``(DUPLICATE, path, key)`` for a key given twice in the object at ``path``; ``(OUT_OF_RANGE, path, "")`` for a
    number no double holds at ``path``; None when there is neither, or when the text is not JSON at all (the
    decoder's own error says that). A path is a list of keys (str) and indexes (int)."""
    try:
        value, found = _scan(text)
        return _first(value, []) if found else None
    except (ValueError, RecursionError):  # not JSON, a 4,300-digit integer, or nested past Python's stack:
        return None  # the decoder (and an agenda's depth check) answers for it


def dollar_path(path: list) -> str:
    """``$.spec.method``, ``$.items[0]``: msgspec's way of naming where a value is."""
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def key_path(path: list) -> str:
    """``items[0].poll.rule``: the agenda's way (AgendaError.path); ``(file)`` for the top level."""
    text = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
    return text or "(file)"
