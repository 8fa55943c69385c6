"""Events: the only things ever written to a session's log.

Each is a flat JSON object: ``type``, ``seq``, ``at``, then its own fields.
"""

from __future__ import annotations

import datetime as dt
import enum

import msgspec

from .agenda import Agenda, PollSpec


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
    seq: int = 0
    at: dt.datetime


def _tag(name: str) -> dict:
    return {"tag": name, "kw_only": True}


class SessionCreated(Event, **_tag("session.created")):
    session: str
    agenda: Agenda


class SessionOpened(Event, **_tag("session.opened")):
    pass


class SessionClosed(Event, **_tag("session.closed")):
    pass


class ItemStarted(Event, **_tag("item.started")):
    item: str
    ends_at: dt.datetime


class ItemEnded(Event, **_tag("item.ended")):
    item: str


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


class SpeakerGranted(Event, **_tag("speaker.granted")):
    request: str


class SpeakerFinished(Event, **_tag("speaker.finished")):
    request: str


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
    """One vote counted. ``choice`` and ``weight`` only for named ballots."""

    poll: str
    person: str
    voted: int  # heads that have voted so far
    of: int  # heads entitled right now
    choice: Choice | None = None
    weight: int | None = None


class RollEntry(msgspec.Struct, frozen=True):
    person: str
    choice: Choice


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
    | PointOnline
    | PointOffline
)

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(AnyEvent)


def encode(event: Event) -> bytes:
    """The canonical bytes of an event: stored, hashed and sent as they are."""
    return _encoder.encode(event)


def decode(data: bytes) -> Event:
    return _decoder.decode(data)
