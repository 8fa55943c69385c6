"""A large session built through the domain core alone: 500 people, 40 items, 30 polls.

Every command is decided and applied exactly as the engine does, minus I/O, so the state is
one the server could hold; the minutes tests and bench render its minutes.
"""

from __future__ import annotations

import datetime as dt

from phienhop.server.domain import Actor, Context, Role, apply, decide, new_state
from phienhop.server.domain.agenda import decode_agenda
from phienhop.server.domain.commands import (
    CastVote,
    ClosePoll,
    CloseSession,
    EndItem,
    FinishSpeaker,
    GrantSpeaker,
    MarkAttendance,
    OpenPoll,
    OpenSession,
    RecordConclusion,
    RecordNote,
    RequestSpeaker,
    StartItem,
)
from phienhop.server.domain.events import Choice, SessionCreated, Status
from phienhop.server.domain.polls import apply_ballot
from phienhop.server.domain.state import SessionState

PEOPLE, POINTS, ITEMS, POLLS = 500, 60, 40, 30
IN_HALL, PER_POINT, ABSENT = 150, 5, 20  # the rest (30) are never marked
VOTING = 300  # the first 300 people are members with a vote
ICT = dt.timezone(dt.timedelta(hours=7))
START = dt.datetime(2021, 11, 30, 8, 0, tzinfo=ICT)
CHAIR = Actor(role=Role.CHAIR, person="p0")
SECRETARY = Actor(role=Role.SECRETARY, person="p1")


def _agenda() -> dict:
    people = []
    for n in range(PEOPLE):
        online = n - IN_HALL
        point = "hoi-truong" if online < 0 or online >= POINTS * PER_POINT else f"tinh-{online // PER_POINT}"
        people.append({
            "id": f"p{n}", "name": f"Nguyễn Thị Minh Khai {n}", "position": f"Đại biểu số {n}, Ủy viên Hội đồng",
            "point": point, "voting": n < VOTING and n != 1,
        })
    points = [{"id": "hoi-truong", "name": "Hội trường Diên Hồng", "host": True}]
    points += [{"id": f"tinh-{p}", "name": f"Điểm cầu tỉnh số {p}"} for p in range(POINTS)]
    items = []
    for n in range(ITEMS):
        item = {"id": f"i{n}", "title": f"Nội dung thảo luận số {n + 1}", "presenter": f"p{n}", "duration_min": 30}
        if n < POLLS:
            ballot = "named" if n % 10 == 0 else "secret"
            item["poll"] = {"method": "yes-no-abstain", "ballot": ballot, "rule": "more-than-half-of-members"}
        items.append(item)
    return {
        "session": {
            "title": "Kỳ họp thường lệ của Hội đồng", "body": "Hội đồng Thử nghiệm Quy mô lớn", "place": "Hà Nội",
            "starts_at": START.isoformat(), "chair": "p0", "secretary": "p1", "quorum": "1/2", "language": "vi",
        },
        "points": points,
        "people": people,
        "items": items,
    }


class _Driver:
    def __init__(self) -> None:
        agenda = decode_agenda(_agenda())
        self.state = new_state(SessionCreated(seq=1, at=START, session="large", agenda=agenda))
        self.step = 0

    def run(self, actor: Actor, command, key: str | None = None):
        self.step += 1  # 20 seconds a command: times stay distinct and the day stays plausible
        ctx = Context(now=START + dt.timedelta(seconds=20 * self.step), ballot_key=key)
        decision = decide(self.state, actor, command, ctx)
        for event in decision.events:
            event.seq = self.state.seq + 1
            apply(self.state, event)
        if decision.ballot is not None:
            apply_ballot(self.state, decision.ballot)
        return decision.events


def large_state() -> SessionState:
    """The large session, closed (not finalized): everything the minutes can show, many times over."""
    d = _Driver()
    people = d.state.agenda.people
    d.run(CHAIR, OpenSession())
    for n, person in enumerate(people):
        if n < IN_HALL:
            d.run(SECRETARY, MarkAttendance(person=person.id, status=Status.PRESENT))
        elif n < IN_HALL + POINTS * PER_POINT:
            d.run(SECRETARY, MarkAttendance(person=person.id, status=Status.ONLINE))
        elif n < IN_HALL + POINTS * PER_POINT + ABSENT:
            d.run(SECRETARY, MarkAttendance(person=person.id, status=Status.ABSENT, reason="đi công tác"))
    voters = [p.id for p in people if p.voting and d.state.is_present(p.id)]
    for n, item in enumerate(d.state.agenda.items):
        d.run(CHAIR, StartItem(item=item.id))
        # Five speakers from the hall and the points; the first speaks twice.
        for person in (f"p{2 + n}", f"p{200 + 5 * n}", f"p{2 + n}", f"p{201 + 5 * n}", f"p{160 + n}", f"p{20 + n}"):
            request = d.run(CHAIR, RequestSpeaker(item=item.id, person=person))[0].request
            d.run(CHAIR, GrantSpeaker(request=request))
            d.run(CHAIR, FinishSpeaker(request=request))
        if item.poll is not None:
            poll = d.run(CHAIR, OpenPoll(item=item.id))[0].poll
            for k, voter in enumerate(voters):
                choice = Choice.YES if k % 10 < 7 else Choice.NO if k % 10 < 9 else Choice.ABSTAIN
                actor = CHAIR if voter == "p0" else Actor(role=Role.PERSON, person=voter)
                d.run(actor, CastVote(poll=poll, choice=choice), key=f"{poll}-{voter}")
            d.run(CHAIR, ClosePoll(poll=poll))
        d.run(SECRETARY, RecordNote(item=item.id, text="Ý kiến thảo luận.\n" + "Đề nghị chỉnh sửa điều khoản. " * 5))
        d.run(CHAIR, RecordConclusion(item=item.id, text="Hội đồng thống nhất với nội dung trình."))
        d.run(CHAIR, EndItem(item=item.id))
    d.run(CHAIR, CloseSession())
    return d.state
