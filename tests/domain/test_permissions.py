"""Every command by every role in every session state: accepted with its events, or refused by name."""

from __future__ import annotations

import pytest

from phienhop.server.domain import DomainError

from . import builder
from .builder import CHAIR, GUEST, MEMBER, POINT, ROLES, SECRETARY, decide_only, frozen, run
from .permissions_table import CASES, STATUS, TABLE, case_id


def state_for(row, state_name: str):
    if state_name == "closed":
        return builder.closed()
    state = builder.scheduled() if state_name == "scheduled" else builder.opened()
    for role, body in row.prep:
        run(state, ROLES[role], **body)
    if state_name == "scheduled":
        return state
    for role, body in row.setup:
        run(state, ROLES[role], **body)
    return state


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_command_role_state(case):
    """The table's outcome holds: events of the listed types, or a refusal with its code that changes nothing."""
    row, role, state_name, outcome = case
    state = state_for(row, state_name)
    body = row.body_for(role)
    before, seq = frozen(state), state.seq
    if outcome == "ok":
        assert run(state, ROLES[role], **body) == row.events
        assert state.seq == seq + len(row.events)
        return
    with pytest.raises(DomainError) as refused:
        decide_only(state, ROLES[role], body)
    assert (refused.value.code, refused.value.status) == (outcome, STATUS[outcome])
    if role == "public":
        assert refused.value.detail in ("a public token can only follow the session",
                                        "minutes.finalize is for the secretary, not a public token")
    else:
        assert refused.value.detail.startswith(row.type), refused.value.detail
    assert frozen(state) == before and state.seq == seq


def test_table_covers_every_command():
    """The table has one row per command type the API accepts."""
    from phienhop.server.domain.commands import COMMAND_TYPES

    assert {row.type for row in TABLE} == set(COMMAND_TYPES)
    assert len({row.name for row in TABLE}) == len(TABLE)


def refusal(state, actor, **body) -> tuple[int, str, str]:
    before = frozen(state)
    with pytest.raises(DomainError) as refused:
        decide_only(state, actor, body)
    assert frozen(state) == before
    return refused.value.status, refused.value.code, refused.value.detail


def test_role_refusal_names_who_may():
    """A member starting an item is told the command is for the chair."""
    assert refusal(builder.opened(), MEMBER, type="item.start", item="khai-mac") == (
        403, "forbidden", "item.start is for the chair, not a person token")


def test_state_refusal_names_the_state():
    """The chair starting an item before the session opens is told the session is scheduled."""
    assert refusal(builder.scheduled(), CHAIR, type="item.start", item="khai-mac") == (
        409, "session.state", "item.start needs the session open; it is scheduled")


def test_member_marks_only_themself():
    """A member marking someone else's attendance is refused."""
    assert refusal(builder.opened(), MEMBER, type="attendance.mark", person="tv-2", status="present") == (
        403, "forbidden", "attendance.mark: a member may only mark themself")


def test_point_marks_only_its_people():
    """A point marking a person who belongs to another point is refused, naming both."""
    assert refusal(builder.opened(), POINT, type="attendance.mark", person="tv-1", status="online") == (
        403, "forbidden", "attendance.mark: 'tv-1' does not belong to point 'tra-vinh'")


def test_point_marks_its_people_only_online_there():
    """A point cannot mark its own person online at another point."""
    assert refusal(builder.opened(), POINT, type="attendance.mark", person="tv-2", status="online",
                   point="hoi-truong") == (
        403, "forbidden", "attendance.mark: point 'tra-vinh' can only mark people online there")


def test_member_asks_the_floor_only_for_themself():
    """A member naming another person in speaker.request is refused."""
    state = builder.opened()
    run(state, CHAIR, type="item.start", item="du-thao")
    assert refusal(state, MEMBER, type="speaker.request", item="du-thao", person="tv-2") == (
        403, "forbidden", "speaker.request: a member may only ask the floor for themself")


def test_member_withdraws_only_their_own_request():
    """A member cannot withdraw the guest's request; the guest can."""
    state = builder.opened()
    run(state, CHAIR, type="item.start", item="du-thao")
    run(state, GUEST, type="speaker.request", item="du-thao")
    assert refusal(state, MEMBER, type="speaker.withdraw", request="r1") == (
        403, "forbidden", "speaker.withdraw is for the chair or whoever asked for the floor")
    assert run(state, GUEST, type="speaker.withdraw", request="r1") == ["speaker.withdrawn"]


def test_guest_cannot_vote():
    """A non-voting guest casting a vote is refused as not a member."""
    state = builder.opened()
    run(state, CHAIR, type="item.start", item="du-thao")
    run(state, CHAIR, type="poll.open", item="du-thao")
    assert refusal(state, GUEST, type="vote.cast", poll="p1", choice="yes") == (
        403, "vote.not_member", "vote.cast: 'khach-0' has no vote in this committee")


def test_final_minutes_freeze_the_record():
    """After the secretary finalizes, notes, conclusions and attendance are refused as final."""
    state = builder.closed()
    assert run(state, SECRETARY, type="minutes.finalize") == ["minutes.finalized"]
    assert refusal(state, SECRETARY, type="note.record", item="du-thao", text="x") == (
        409, "minutes.final", "note.record: the minutes are final; the record can no longer change")
    assert refusal(state, CHAIR, type="conclusion.record", item="du-thao", text="x")[1] == "minutes.final"
    assert refusal(state, CHAIR, type="attendance.mark", person="tv-2", status="absent")[1] == "minutes.final"
    assert refusal(state, SECRETARY, type="minutes.finalize")[1] == "minutes.final"


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"type": "item.start", "item": "nope"}, (404, "item.unknown", "no item 'nope' in this session")),
        ({"type": "speaker.grant", "request": "r9"},
         (404, "request.unknown", "no speaker request 'r9' in this session")),
        ({"type": "poll.close", "poll": "p9"}, (404, "poll.unknown", "no poll 'p9' in this session")),
        ({"type": "attendance.mark", "person": "nobody", "status": "present"},
         (404, "person.unknown", "no person 'nobody' in this session")),
        ({"type": "attendance.mark", "person": "tv-1", "status": "online", "point": "nowhere"},
         (404, "point.unknown", "no point 'nowhere' in this session")),
    ],
    ids=["item", "request", "poll", "person", "point"],
)
def test_unknown_ids_are_not_found(body, expected):
    """An id the session does not know is a 404 naming the id."""
    assert refusal(builder.opened(), CHAIR, **body) == expected


def test_one_speaker_on_the_floor():
    """Granting a second request while one has the floor is refused; ending the item finishes the floor."""
    state = builder.opened()
    run(state, CHAIR, type="item.start", item="du-thao")
    run(state, MEMBER, type="speaker.request", item="du-thao")
    run(state, POINT, type="speaker.request", item="du-thao")
    run(state, CHAIR, type="speaker.grant", request="r1")
    assert refusal(state, CHAIR, type="speaker.grant", request="r2") == (
        409, "speaker.floor", "speaker.grant: request 'r1' has the floor; finish it first")
    assert run(state, CHAIR, type="item.end", item="du-thao") == ["speaker.finished", "item.ended"]
    assert (state.requests["r1"].status.value, state.requests["r2"].status.value) == ("finished", "lapsed")


def test_close_needs_the_item_ended():
    """The chair cannot close the session while an item is active."""
    state = builder.opened()
    run(state, CHAIR, type="item.start", item="khai-mac")
    assert refusal(state, CHAIR, type="session.close") == (
        409, "item.active", "session.close: end item 'khai-mac' first")


def test_a_vote_cannot_change():
    """A second vote with another choice is refused; the same choice again is a retry with no event."""
    state = builder.opened()
    run(state, CHAIR, type="item.start", item="du-thao")
    run(state, CHAIR, type="poll.open", item="du-thao")
    assert run(state, MEMBER, type="vote.cast", poll="p1", choice="yes") == ["vote.cast"]
    assert run(state, MEMBER, type="vote.cast", poll="p1", choice="yes") == []
    assert refusal(state, MEMBER, type="vote.cast", poll="p1", choice="no") == (
        409, "vote.already_cast",
        "vote.cast: you have already voted in poll 'p1' with another choice; a vote cannot be changed")


def test_poll_needs_quorum():
    """Opening a binding poll with too few voting members present is refused with the counts."""
    state = builder.created()
    run(state, CHAIR, type="attendance.mark", person="tv-1", status="present")
    run(state, CHAIR, type="session.open")
    run(state, CHAIR, type="item.start", item="du-thao")
    assert refusal(state, CHAIR, type="poll.open", item="du-thao") == (
        409, "quorum.not_met", "quorum not met: 1 of 5 voting members present, 3 needed")


def test_the_halls_own_point_may_mark_its_people_present():
    """The host point is the hall: it may mark its people present there; a remote point may not (the table)."""
    from phienhop.server.domain import Actor, Role

    hall = Actor(role=Role.POINT, point="hoi-truong")
    state = builder.created()
    assert run(state, hall, type="attendance.mark", person="tv-1", status="present") == ["attendance.marked"]
    assert refusal(builder.opened(), POINT, type="attendance.mark", person="tv-2", status="present") == (
        403, "forbidden", "attendance.mark: point 'tra-vinh' marks its people online there or absent; "
        "present in the hall is for the chair, the secretary or the hall's own point")
