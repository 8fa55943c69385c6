"""Text people read: what may not be in it, how long it may be, and ids by full match.

Every name, title and note ends up on a big screen and in signed minutes. Characters that
cannot be seen, or that reorder what is seen, would let a name display as something else
("bidi spoofing"), so they are refused with the key path where they were found:

- control characters (C0, DEL, C1); line breaks and tabs only in multi-line text (drafts, notes);
- bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069) and the
  invisible direction marks (U+200E, U+200F, U+061C);
- zero-width characters (U+200B..U+200D, U+2060..U+2064, U+FEFF, U+180E);
- lone surrogates (they cannot be written as UTF-8 at all).

Pure: no I/O.
"""

from __future__ import annotations

import re
import unicodedata

ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"  # as JSON Schema and msgspec show it; checked by full match below
_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")

_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ZERO_WIDTH = "\u180e\u200b-\u200d\u2060-\u2064\ufeff"
_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_LINE = "\t\n\r"
_SURROGATE = "\ud800-\udfff"
_SINGLE_LINE_BAD = re.compile(f"[{_CONTROL}{_LINE}{_BIDI}{_ZERO_WIDTH}{_SURROGATE}]")
_MULTI_LINE_BAD = re.compile(f"[{_CONTROL}{_BIDI}{_ZERO_WIDTH}{_SURROGATE}]")


def is_id(value: str) -> bool:
    """True when ``value`` is an id, whole: ``"tv-1"`` is, ``"tv-1\\n"`` is not (``$`` would let it pass)."""
    return _ID.fullmatch(value) is not None


# What a refused character is, (vi, en), by kind.
KINDS: dict[str, tuple[str, str]] = {
    "line": ("dấu xuống dòng hoặc tab (nội dung này chỉ có một dòng)", "a line break or tab (this text is one line)"),
    "bidi": ("ký tự điều khiển chiều viết (có thể làm chữ hiện thành chữ khác)",
             "a bidirectional control character (it can make text display as something else)"),
    "zero_width": ("ký tự có độ rộng bằng không (không nhìn thấy)", "a zero-width character (invisible)"),
    "surrogate": ("nửa cặp thay thế đứng riêng (không phải một ký tự)", "a lone surrogate (not a character)"),
    "control": ("ký tự điều khiển", "a control character"),
}
HIDDEN = ("{label} ở ký tự thứ {at} là {kind}; hãy xóa nó", "{label} at character {at} is {kind}; remove it")
BLANK = ("không được để trống", "must not be blank")


def _kind(char: str) -> str:
    if char in "\t\n\r":
        return "line"
    if re.match(f"[{_BIDI}]", char):
        return "bidi"
    if re.match(f"[{_ZERO_WIDTH}]", char):
        return "zero_width"
    if re.match(f"[{_SURROGATE}]", char):
        return "surrogate"
    return "control"


def text_fault(value: str, *, multiline: bool = False, required: bool = False) -> tuple[str, dict] | None:
    """What is wrong with ``value`` as text people read: ``("text.hidden", {label, at, kind})``, ``("text.blank", {})``, or None.

    ``kind`` is a key of ``KINDS``; ``HIDDEN`` and ``BLANK`` say it in both languages.
    """
    bad = (_MULTI_LINE_BAD if multiline else _SINGLE_LINE_BAD).search(value)
    if bad:
        char = bad.group()
        name = unicodedata.name(char, "") if not "\ud800" <= char <= "\udfff" else ""
        label = f"U+{ord(char):04X}" + (f" ({name})" if name else "")
        return "text.hidden", {"label": label, "at": bad.start() + 1, "kind": _kind(char)}
    if required and not value.strip():
        return "text.blank", {}
    return None


def text_problem(value: str, *, multiline: bool = False, required: bool = False) -> str | None:
    """What is wrong with ``value`` as text people read, in English, or None when it is fine."""
    fault = text_fault(value, multiline=multiline, required=required)
    if fault is None:
        return None
    code, params = fault
    if code == "text.blank":
        return BLANK[1]
    return HIDDEN[1].format(**{**params, "kind": KINDS[params["kind"]][1]})


def visible(value: str, limit: int = 200) -> str:
    """``value`` safe to print on one line: hidden characters as ``\\uXXXX``, at most ``limit`` characters (then "…").

    For the key paths a refusal echoes back: a key with U+202E printed raw turned the rest of the
    terminal line around (values are shown with repr, which escapes them, and cut by the caller).
    """
    shown = _SINGLE_LINE_BAD.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def check_command_text(command) -> None:
    """Refuse (422 ``text.invalid``, naming the field) a command whose text fields have hidden characters or are blank.

    ``text`` fields (notes, conclusions) may span lines; every other string is one line.
    """
    from .errors import Invalid

    for name in command.__struct_fields__:
        value = getattr(command, name)
        if isinstance(value, str):
            problem = text_problem(value, multiline=name == "text", required=name == "text")
            if problem:
                raise Invalid("text.invalid", f"{command.__struct_config__.tag}: {name}: {problem}",
                              {"field": name})
