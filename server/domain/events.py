"""Events: the only things ever written to a session's log.

Each is a flat JSON object: ``type``, ``seq``, ``at``, ``v``, then its own fields.

Events outlive the code that wrote them, so each type has a schema version (``VERSION``, written
as ``"v"``; logs from before versions existed have no ``"v"``, which means 1) and reading upcasts
an old event step by step, x → x+1, to the current shape before it becomes a struct. Stored bytes
are never rewritten: they are what the hash chain covers. Changing a type's fields in a way an old
event would not decode as (a rename, a removal, a new field without a default, a changed meaning;
for ``session.created`` the same goes for any field of the agenda) means: raise its ``VERSION``
and register an ``@upcaster(tag, old_version)`` that turns the old dict into the new one.
tests/server/test_event_versions.py opens a database written by every earlier release.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Callable, ClassVar

import msgspec

from .agenda import Agenda, Item, PollSpec


class Status(enum.Enum):
    """Attendance as marked: in the hall, online at a point, or absent."""

    PRESENT = "present"
    ONLINE = "online"
    ABSENT = "absent"


class Choice(enum.Enum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Outcome(enum.Enum):
    ADOPTED = "adopted"
    REJECTED = "rejected"
    CONSULTATIVE = "consultative"


class Event(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=False):
    VERSION: ClassVar[int] = 1  # this type's schema version; raise it with an upcaster from the old one

    seq: int = 0
    at: dt.datetime
    v: int = 1  # the schema version the bytes were written in (absent in logs before versions: 1)


def _tag(name: str) -> dict:
    return {"tag": name, "kw_only": True}


class SessionCreated(Event, **_tag("session.created")):
    session: str
    agenda: Agenda


class SessionOpened(Event, **_tag("session.opened")):
    pass


class SessionClosed(Event, **_tag("session.closed")):
    """The session ends. ``absent``: the people never marked, recorded absent without a reason by the close.

    ``present`` / ``online``: the people never marked who acted in the session under their own role
    (the chair, the secretary, a member who voted or asked for the floor), recorded by the close as
    present in the hall / online at their own point. Logs written before these lists read them empty.
    """

    absent: list[str] = []
    present: list[str] = []
    online: list[str] = []


class ItemStarted(Event, **_tag("item.started")):
    item: str
    ends_at: dt.datetime


class ItemEnded(Event, **_tag("item.ended")):
    item: str


class ItemAdded(Event, **_tag("item.added")):
    """An item added during the session, placed after ``after`` (None: first)."""

    item: Item
    after: str | None = None


class ItemMoved(Event, **_tag("item.moved")):
    item: str
    after: str | None = None  # None: first


class ItemDeferred(Event, **_tag("item.deferred")):
    item: str
    reason: str


class DeputyAssigned(Event, **_tag("deputy.assigned")):
    """``deputy`` (a new person id, with its own join link) attends for the absent member ``person``."""

    deputy: str
    person: str
    name: str
    position: str = ""
    by: str = ""


class ProxyGranted(Event, **_tag("proxy.granted")):
    grantor: str = msgspec.field(name="from")
    holder: str = msgspec.field(name="to")
    by: str = ""


class ProxyRevoked(Event, **_tag("proxy.revoked")):
    grantor: str = msgspec.field(name="from")
    holder: str = msgspec.field(name="to")
    by: str = ""


class AttendanceMarked(Event, **_tag("attendance.marked")):
    person: str
    status: Status
    point: str | None = None
    reason: str = ""
    by: str = ""


class SpeakerRequested(Event, **_tag("speaker.requested")):
    request: str
    item: str
    person: str | None = None
    point: str | None = None
    by: str = ""
    point_of_order: bool = False


class SpeakerGranted(Event, **_tag("speaker.granted")):
    request: str
    limit_s: int | None = None  # the speaking time given, in seconds; None: no limit


class SpeakerFinished(Event, **_tag("speaker.finished")):
    """The floor given back; ``spoken_s`` and ``overrun_s`` (beyond ``limit_s``) are whole seconds."""

    request: str
    spoken_s: int | None = None
    overrun_s: int | None = None


class SpeakerWithdrawn(Event, **_tag("speaker.withdrawn")):
    request: str
    by: str = ""


class PollOpened(Event, **_tag("poll.opened")):
    poll: str
    item: str
    spec: PollSpec
    members: int  # voting members, by head
    present: int  # voting members present when it opened, by head
    quorum: str
    needed: int  # heads needed for quorum


class VoteCast(Event, **_tag("vote.cast")):
    """One vote counted for ``person``. ``choice`` and ``weight`` only for named ballots.

    ``by`` names who cast it when not the member themself: a proxy holder or a deputy.
    """

    poll: str
    person: str
    voted: int  # heads that have voted so far
    of: int  # heads entitled right now
    choice: Choice | None = None
    weight: int | None = None
    by: str | None = None


class HandsRecorded(Event, **_tag("poll.hands_recorded")):
    """A show of hands as the chair counted it (heads per choice); a new count replaces the last."""

    poll: str
    counts: dict[str, int]
    present: int  # heads entitled to vote when counted


class RollEntry(msgspec.Struct, frozen=True, omit_defaults=True):
    person: str
    choice: Choice
    by: str | None = None  # the proxy holder or deputy who cast it, if not the member


class PollClosed(Event, **_tag("poll.closed")):
    poll: str
    item: str
    ballot: str
    rule: str
    quorum: str
    counts: dict[str, int]  # weight per choice
    votes: dict[str, int]  # heads per choice
    weights: dict[str, int]  # the weight of each voter (person -> weight), entitled ones only
    members: int  # total weight of voting members
    present: int  # weight of voting members present at close (and anyone who voted)
    voted: int  # weight that voted
    not_voted: int  # members - voted
    entitled: list[str]  # persons entitled at close
    outcome: Outcome
    roll: list[RollEntry] | None = None  # named ballots only


class NoteRecorded(Event, **_tag("note.recorded")):
    """A note, or with ``revises`` a new text for the note recorded at that seq (it keeps its place)."""

    item: str
    text: str
    revises: int | None = None


class ConclusionRecorded(Event, **_tag("conclusion.recorded")):
    item: str
    text: str


class MinutesFinalized(Event, **_tag("minutes.finalized")):
    sha256: str
    size: int
    head_hash: str  # the log head the PDF names
    event_count: int
    sealed_by: str | None = None  # the issuing body's seal (its certificate's name); None: unsealed


class SignedBy(msgspec.Struct, frozen=True):
    """One signature a signed copy added: who (the certificate's name and subject), when they say, trusted here or not."""

    signer: str
    subject: str
    signed_at: dt.datetime | None
    trusted: bool  # chains to the server's trust list; false: "valid signature, signer not trusted here"


class MinutesSigned(Event, **_tag("minutes.signed")):
    """A signed copy of the final minutes was accepted: revision ``revision`` (1 = the first signed copy)."""

    revision: int
    sha256: str  # of the whole signed copy as stored and served
    size: int
    signatures: list[SignedBy]  # the signatures this copy added, in file order


class PointOnline(Event, **_tag("point.online")):
    point: str


class PointOffline(Event, **_tag("point.offline")):
    point: str


AnyEvent = (
    SessionCreated
    | SessionOpened
    | SessionClosed
    | ItemStarted
    | ItemEnded
    | AttendanceMarked
    | SpeakerRequested
    | SpeakerGranted
    | SpeakerFinished
    | SpeakerWithdrawn
    | PollOpened
    | VoteCast
    | PollClosed
    | NoteRecorded
    | ConclusionRecorded
    | MinutesFinalized
    | MinutesSigned
    | PointOnline
    | PointOffline
    | ItemAdded
    | ItemMoved
    | ItemDeferred
    | DeputyAssigned
    | ProxyGranted
    | ProxyRevoked
    | HandsRecorded
)

Upcast = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownVersion(ValueError):
    """An event written by a newer phienhop (its ``v`` is above this code's ``VERSION``)."""


class Codec:
    """Encodes events stamped with their type's version and decodes any version, upcasting old ones.

    ``types``: the event structs (a union's members); ``upcasters``: ``{(tag, x): f}`` with
    ``f(dict at version x) -> dict at version x+1``. Every step below each type's ``VERSION``
    must be there (checked here, so a missing step fails at import, not on a customer's log).
    """

    def __init__(self, types: tuple[type[Event], ...], upcasters: dict[tuple[str, int], Upcast]) -> None:
        self.versions = {t.__struct_config__.tag: t.VERSION for t in types}
        missing = [f"{tag} {x}->{x + 1}" for tag, top in self.versions.items() for x in range(1, top)
                   if (tag, x) not in upcasters]
        if missing:
            raise LookupError(f"no upcaster for {', '.join(missing)}")
        self.upcasters = upcasters
        union = types[0] if len(types) == 1 else _union(types)
        self._typed = msgspec.json.Decoder(union)
        self._encoder = msgspec.json.Encoder()
        self._type = union

    def encode(self, event: Event) -> bytes:
        event.v = type(event).VERSION
        return self._encoder.encode(event)

    def decode(self, data: bytes) -> Event:
        """The event in ``data`` at its type's current version; msgspec.DecodeError (or
        UnknownVersion, a ValueError) when it cannot be read."""
        try:
            event = self._typed.decode(data)
            if event.v == type(event).VERSION:  # the common case: one pass
                return event
        except msgspec.ValidationError:
            pass  # perhaps an older shape: upcast below
        raw = msgspec.json.decode(data)
        if not isinstance(raw, dict) or raw.get("type") not in self.versions:
            return self._typed.decode(data)  # raises the decoder's own message
        return msgspec.convert(self.upcast(raw), self._type)

    def upcast(self, raw: dict[str, Any]) -> dict[str, Any]:
        """``raw`` (an event as a JSON dict) brought to its type's current version, one step at a time."""
        tag = raw["type"]
        version, top = raw.get("v", 1), self.versions[tag]
        if not isinstance(version, int) or version < 1:
            raise msgspec.ValidationError(f"{tag}: bad version {version!r}")
        if version > top:
            raise UnknownVersion(f"{tag} version {version} is newer than this phienhop (it reads up to {top}); upgrade phienhop")
        while version < top:
            raw = self.upcasters[(tag, version)](dict(raw))
            version += 1
            raw["v"] = version
        return raw


def _union(types: tuple[type, ...]):
    union = types[0]
    for t in types[1:]:
        union = union | t
    return union


UPCASTERS: dict[tuple[str, int], Upcast] = {}


def upcaster(tag: str, version: int) -> Callable[[Upcast], Upcast]:
    """Registers ``f(event dict at version) -> event dict at version + 1`` for the event type ``tag``."""

    def register(f: Upcast) -> Upcast:
        UPCASTERS[(tag, version)] = f
        return f

    return register


# -- upcasters: one per (type, old version), oldest first ------------------------------------
# (none yet: every type is at version 1)


_codec = Codec(AnyEvent.__args__, UPCASTERS)


def encode(event: Event) -> bytes:
    """The canonical bytes of an event, stamped with its type's version: stored, hashed and sent as they are."""
    return _codec.encode(event)


def decode(data: bytes) -> Event:
    """An event from its stored bytes, of any version, at its type's current version."""
    return _codec.decode(data)
