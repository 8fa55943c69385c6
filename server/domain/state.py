"""A session's state: what the log adds up to. Built only by ``apply``."""

from __future__ import annotations

import datetime as dt
import enum
from collections import OrderedDict
from fractions import Fraction

import msgspec

from .agenda import Agenda, Item, Person, Point, PollSpec, parse_quorum
from .events import Choice, Outcome, RollEntry, SignedBy, Status


class SessionStatus(enum.Enum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class ItemStatus(enum.Enum):
    PENDING = "pending"
    ACTIVE = "active"
    DONE = "done"
    DEFERRED = "deferred"  # put off before it started (item.defer), with a reason


class RequestStatus(enum.Enum):
    QUEUED = "queued"
    SPEAKING = "speaking"
    FINISHED = "finished"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"  # still queued when its item ended


class PollStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class ItemState(msgspec.Struct):
    id: str
    status: ItemStatus = ItemStatus.PENDING
    started_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    added: bool = False  # added during the session (item.add)
    deferred_at: dt.datetime | None = None
    reason: str = ""  # why it was deferred


class Mark(msgspec.Struct):
    status: Status
    point: str | None = None
    reason: str = ""
    at: dt.datetime | None = None


class SpeakerRequest(msgspec.Struct):
    id: str
    item: str
    person: str | None
    point: str | None
    status: RequestStatus = RequestStatus.QUEUED
    requested_at: dt.datetime | None = None
    granted_at: dt.datetime | None = None
    granted_seq: int = 0  # the seq of the grant: the order speakers had the floor (times can tie)
    finished_at: dt.datetime | None = None
    point_of_order: bool = False  # goes ahead of the other requests (first-come among points of order)
    limit_s: int | None = None  # speaking time given with the floor
    spoken_s: int | None = None  # seconds on the floor, recorded when finished
    overrun_s: int | None = None  # seconds beyond limit_s, recorded when finished


class Deputy(msgspec.Struct):
    """Someone attending for an absent member (người dự thay); ``id`` is the deputy's own person id."""

    id: str
    person: str  # the member they stand for
    name: str
    position: str = ""
    at: dt.datetime | None = None


class Proxy(msgspec.Struct):
    """A standing proxy (ủy quyền): ``holder`` casts ``grantor``'s vote too."""

    grantor: str = msgspec.field(name="from")
    holder: str = msgspec.field(name="to")
    at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None


class Result(msgspec.Struct):
    counts: dict[str, int]
    votes: dict[str, int]
    members: int
    present: int  # weight present at the close (and anyone who voted)
    voted: int
    not_voted: int
    outcome: Outcome
    roll: list[RollEntry] | None = None
    present_heads: int = 0  # voting members present at the close (and anyone who voted), by head


class PollState(msgspec.Struct):
    id: str
    item: str
    spec: PollSpec
    status: PollStatus = PollStatus.OPEN
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    members: int = 0
    present_at_open: int = 0
    needed: int = 0
    voters: set[str] = msgspec.field(default_factory=set)
    choices: dict[str, Choice] = msgspec.field(default_factory=dict)  # named ballots only
    tally: dict[str, int] = msgspec.field(default_factory=dict)  # weight per choice, from ballots
    heads: dict[str, int] = msgspec.field(default_factory=dict)  # heads per choice
    ballot_keys: set[str] = msgspec.field(default_factory=set)  # receipts' hashes: no person in them
    gone: int = 0  # voters not present now (derived): 'of' is present + gone, without a set union per vote
    by: dict[str, str] = msgspec.field(default_factory=dict)  # member -> who cast their vote (proxy or deputy)
    hands: dict[str, int] | None = None  # a show of hands: the counts the chair entered
    result: Result | None = None


class SignedCopy(msgspec.Struct):
    """An accepted signed copy of the final minutes."""

    revision: int
    sha256: str
    signatures: list[SignedBy]
    at: dt.datetime
    seq: int


class Record(msgspec.Struct):
    """A note or conclusion, as entered (a revised note: its latest text)."""

    item: str
    text: str
    at: dt.datetime
    seq: int = 0  # the seq of the event that recorded it


class SessionState(msgspec.Struct):
    id: str
    agenda: Agenda
    status: SessionStatus = SessionStatus.SCHEDULED
    seq: int = 0
    head: str = ""  # hash of the last event
    created_at: dt.datetime | None = None
    opened_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    items: dict[str, ItemState] = msgspec.field(default_factory=dict)
    order: list[str] = msgspec.field(default_factory=list)  # item ids as planned now (agenda, then changes)
    added_items: dict[str, Item] = msgspec.field(default_factory=dict)  # items added during the session
    taken: list[str] = msgspec.field(default_factory=list)  # item ids in the order they were started
    active_item: str | None = None
    attendance: dict[str, Mark] = msgspec.field(default_factory=dict)
    requests: dict[str, SpeakerRequest] = msgspec.field(default_factory=dict)
    floor: str | None = None  # the request that has the floor
    polls: dict[str, PollState] = msgspec.field(default_factory=dict)
    deputies: dict[str, Deputy] = msgspec.field(default_factory=dict)  # deputy id -> deputy
    proxies: dict[str, Proxy] = msgspec.field(default_factory=dict)  # grantor -> standing proxy
    proxy_history: list[Proxy] = msgspec.field(default_factory=list)  # every proxy granted, revoked ones too
    notes: list[Record] = msgspec.field(default_factory=list)
    conclusions: list[Record] = msgspec.field(default_factory=list)
    online_points: set[str] = msgspec.field(default_factory=set)
    present_voters: set[str] = msgspec.field(default_factory=set)  # voting members here in person or by a voting deputy (derived)
    points_seen: set[str] = msgspec.field(default_factory=set)
    minutes_sha256: str | None = None
    minutes_head: str | None = None
    minutes_sealed_by: str | None = None  # the seal's signer, when the server sealed the final PDF
    minutes_signed: list[SignedCopy] = msgspec.field(default_factory=list)  # accepted signed copies, in order

    # lookups, derived from the agenda and not part of the snapshot
    def person(self, person_id: str) -> Person | None:
        """An agenda person, or a deputy as a person without a vote of their own."""
        person = _index(self.agenda).people.get(person_id)
        if person is None and person_id in self.deputies:
            deputy = self.deputies[person_id]
            member = _index(self.agenda).people[deputy.person]
            person = Person(id=deputy.id, name=deputy.name, position=deputy.position, point=member.point, voting=False)
        return person

    def point(self, point_id: str) -> Point | None:
        return _index(self.agenda).points.get(point_id)

    def item(self, item_id: str) -> Item | None:
        """The item's definition: from the agenda, or as added during the session."""
        return _index(self.agenda).items.get(item_id) or self.added_items.get(item_id)

    def items_in_order(self) -> list[Item]:
        """Every item, in the planned order as it stands now (moves and additions included)."""
        return [self.item(i) for i in self.order]

    def deputy_for(self, member_id: str) -> Deputy | None:
        for deputy in self.deputies.values():
            if deputy.person == member_id:
                return deputy
        return None

    def represented(self) -> set[str]:
        """Members whose standing proxy's holder is present: their vote can be cast now."""
        return {g for g, proxy in self.proxies.items() if self.is_present(proxy.holder)}

    @property
    def quorum(self) -> Fraction:
        return parse_quorum(self.agenda.session.quorum)

    def voting_members(self) -> list[Person]:
        return [p for p in self.agenda.people if p.voting]

    def is_present(self, person_id: str) -> bool:
        mark = self.attendance.get(person_id)
        return mark is not None and mark.status is not Status.ABSENT


class _Index(msgspec.Struct):
    people: dict[str, Person]
    points: dict[str, Point]
    items: dict[str, Item]


INDEXES_KEPT = 64  # agendas indexed at once: the sessions in use; an older one is re-indexed when asked
_indexes: OrderedDict[int, tuple[Agenda, _Index]] = OrderedDict()


def _index(agenda: Agenda) -> _Index:
    # Agendas are frozen, so an index per agenda object stays valid; keyed by id() with the
    # agenda kept alive beside it so the id cannot be reused. Least recently used go first, so
    # sessions let go of (and their agendas) are not kept alive here.
    key = id(agenda)
    hit = _indexes.get(key)
    if hit is None or hit[0] is not agenda:
        index = _Index(
            people={p.id: p for p in agenda.people},
            points={p.id: p for p in agenda.points},
            items={i.id: i for i in agenda.items},
        )
        _indexes[key] = (agenda, index)
        _indexes.move_to_end(key)
        while len(_indexes) > INDEXES_KEPT:
            _indexes.popitem(last=False)
        return index
    if len(_indexes) > 1:
        _indexes.move_to_end(key)
    return hit[1]
