"""The minutes document model: what the server projects from the event log to render."""

import datetime as dt

import msgspec


class Person(msgspec.Struct, frozen=True):
    name: str
    position: str = ""


class PointAttendance(msgspec.Struct):
    point: str  # the connection point's display name
    people: list[Person]


class Absent(msgspec.Struct):
    person: Person
    reason: str = ""


class Deputy(msgspec.Struct):
    """Someone who attended for an absent member: printed "name, position (dự thay member)"."""

    person: Person
    member: Person


class Proxy(msgspec.Struct):
    """A proxy given during the session: ``grantor``'s vote cast by ``holder``."""

    grantor: Person
    holder: Person
    at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class SpeakingTime(msgspec.Struct):
    """Seconds on the floor in the whole session, for one person or one connection point."""

    name: str
    seconds: int
    turns: int
    overrun_s: int = 0


class Attendance(msgspec.Struct):
    in_hall: list[Person]
    online: list[PointAttendance]  # only points with someone online, in agenda order
    absent: list[Absent]
    deputies: list[Deputy] = []
    not_marked: list[Person] = []  # people never marked yet (a draft of an open session), each named
    points_connected: list[str] = []  # points seen online (presence evidence) with nobody listed in `online`


class Speaker(msgspec.Struct):
    person: Person
    point: str = ""  # point name when they spoke from a connection point
    at: dt.datetime | None = None  # when given the floor
    spoken_s: int | None = None  # seconds on the floor on this item (all their turns); None: not recorded
    overrun_s: int = 0  # seconds beyond the time given, summed over their turns


class RollEntry(msgspec.Struct):
    name: str
    choice: str  # "yes" | "no" | "abstain"
    by: str = ""  # who cast it for the member (proxy holder or deputy), if not the member


class PollResult(msgspec.Struct):
    """One closed poll. Heads (members) and weights (votes by weight) are kept apart, each labelled."""

    subject: str  # what was put to the vote (item title)
    ballot: str  # "named" | "secret" | "hands" (a show of hands: counts are heads)
    rule: str  # "simple" | "more-than-half-of-present" | "more-than-half-of-members" | "two-thirds-of-members" | "consultative"
    yes: int  # weighted counts
    no: int
    abstain: int
    not_voted: int  # weight of the voting members who did not vote
    entitled: int  # total weight of all voting members
    present: int  # weight present at the close (and anyone who voted)
    quorum: str  # e.g. "1/2"
    outcome: str  # "adopted" | "rejected" | "consultative"
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    roll: list[RollEntry] = []  # named ballots only
    members: int = 0  # voting members, by head
    present_at_open: int = 0  # voting members present when the poll opened, by head: the quorum check
    needed: int = 0  # heads the quorum needed when it opened
    present_at_close: int = 0  # voting members present at the close (and anyone who voted), by head
    weighted: bool = False  # some member's weight is not 1: print heads and weights apart
    heads: dict[str, int] | None = None  # heads per "yes", "no", "abstain", "not_voted"; None when withheld
    ballot_number: int = 0  # 1, 2, … when the item was put to the vote more than once; 0 for its only poll


class ItemMinutes(msgspec.Struct):
    number: int  # its place (1-based) in the agenda as it stands at the close, as the screens number it
    title: str
    presenter: Person | None = None
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    speakers: list[Speaker] = []
    notes: list[str] = []  # the secretary's notes, in order (each may contain newlines)
    polls: list[PollResult] = []
    conclusions: list[str] = []
    added: bool = False  # added during the session
    deferred: bool = False  # deferred before it started
    deferral_reason: str = ""
    not_taken_up: bool = False  # the session closed without this item ever being started (nor deferred)


class MinutesDoc(msgspec.Struct):
    language: str  # "vi" | "en"
    draft: bool  # True: mark DỰ THẢO / DRAFT visibly
    body: str  # issuing body (tên cơ quan)
    title: str  # session title (trích yếu)
    place: str
    starts_at: dt.datetime  # planned start, tz-aware
    chair: Person
    secretary: Person
    attendance: Attendance
    items: list[ItemMinutes]
    parent_body: str = ""
    record_number: str = ""  # e.g. "01/BB-UBQGCDS"; when empty print "Số: .../BB-..."
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    recipients: list[str] = []  # the "Nơi nhận" block, one line each, as the agenda gives them
    proxies: list[Proxy] = []
    speaking_people: list[SpeakingTime] = []  # in the order they first spoke
    speaking_points: list[SpeakingTime] = []  # connection points other than the hall, in agenda order
    head_hash: str = ""  # hex sha256 of the log head
    event_count: int = 0
