"""Audiences: who may read an event whole, and the same event as everyone else receives it.

DESIGN's rule: the secretary's working notes (``note.recorded``) reach the chair, the secretary
and the admin with their text; every other follower gets, at the same seq, the same event with
the text left out (``"text": null, "private": true``), so seqs stay gapless for everyone. Each
event is encoded once per audience, never once per follower.
"""

from __future__ import annotations

import enum

import msgspec

from .actor import Role


class Audience(enum.Enum):
    """Who reads an event: ``FULL`` (chair, secretary, admin) or ``PUBLIC`` (everyone else)."""

    FULL = "full"
    PUBLIC = "public"


PRIVILEGED = frozenset({Role.CHAIR, Role.SECRETARY, Role.ADMIN})
PRIVATE_TYPES = frozenset({"note.recorded"})  # events whose text only the FULL audience reads

_MARK = b'"type":"note.recorded"'  # canonical bytes start with the type: a cheap test before decoding


def audience_of(role: Role) -> Audience:
    """The audience a token's role belongs to."""
    return Audience.FULL if role in PRIVILEGED else Audience.PUBLIC


def public_bytes(data: bytes) -> bytes:
    """``data`` (an event's canonical bytes) as the PUBLIC audience reads it.

    The very same object when nothing is hidden (so fan-out shares one frame); for a note, the
    event with ``"text": null`` and ``"private": true``, fields otherwise in the same order.
    """
    if _MARK not in data[:40]:
        return data
    event = msgspec.json.decode(data)
    if event.get("type") not in PRIVATE_TYPES:
        return data
    event["text"] = None
    event["private"] = True
    return msgspec.json.encode(event)


def public_view(event: dict) -> dict:
    """A decoded event (a dict) as the PUBLIC audience reads it; the dict itself when nothing is hidden."""
    if event.get("type") not in PRIVATE_TYPES:
        return event
    return {**event, "text": None, "private": True}
