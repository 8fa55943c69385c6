"""Deputies (người dự thay): who may be sent, what they may do, and when their vote counts for the member."""

from __future__ import annotations

import pytest

from phienhop.server.domain import DomainError
from phienhop.server.domain.polls import entitled

from . import builder
from .builder import CHAIR, MEMBER, SECRETARY, Actor, Role, decide_only, frozen, run
from tests.support import small_agenda

DEPUTY = Actor(role=Role.PERSON, person="d1")


def refusal(state, actor, **body):
    before = frozen(state)
    with pytest.raises(DomainError) as refused:
        decide_only(state, actor, body)
    assert frozen(state) == before
    return refused.value.status, refused.value.code, refused.value.detail


def session(deputies_vote: bool = False):
    """Open, everyone present but tv-2 (absent), a deputy d1 assigned for tv-2, item du-thao running."""
    agenda = small_agenda()
    agenda["session"]["deputies_vote"] = deputies_vote
    state = builder.everyone_present(builder.created(agenda))
    run(state, CHAIR, type="attendance.mark", person="tv-2", status="absent", reason="Đi công tác")
    run(state, CHAIR, type="session.open")
    assert run(state, SECRETARY, type="deputy.assign", person="tv-2", name="Trần Văn Thay",
               position="Phó Vụ trưởng") == ["deputy.assigned"]
    run(state, CHAIR, type="item.start", item="du-thao")
    return state


def test_a_deputy_is_a_person_without_a_vote_of_their_own():
    """The assigned deputy gets the id d1, is a person of the session (at the member's point) and has no vote."""
    state = session()
    deputy = state.person("d1")
    assert (deputy.name, deputy.position, deputy.point, deputy.voting) == ("Trần Văn Thay", "Phó Vụ trưởng", "tra-vinh", False)
    assert state.deputies["d1"].person == "tv-2"


def test_a_deputy_stands_only_for_an_absent_member_and_only_one():
    """A deputy for a member marked present is refused; so is a second deputy for the same member."""
    state = session()
    assert refusal(state, CHAIR, type="deputy.assign", person="tv-1", name="Ai Đó") == (
        409, "deputy.present", "deputy.assign: 'tv-1' is marked present; a deputy stands for an absent member")
    assert refusal(state, CHAIR, type="deputy.assign", person="tv-2", name="Người Khác") == (
        409, "deputy.exists", "deputy.assign: 'Trần Văn Thay' already stands for 'tv-2'")
    assert refusal(state, CHAIR, type="deputy.assign", person="d1", name="Người Khác") == (
        422, "deputy.member", "deputy.assign: 'd1' is a deputy; a deputy stands for a member")


def test_a_deputy_without_a_vote_checks_in_and_asks_for_the_floor_but_cannot_vote():
    """Where deputies_vote is false the deputy attends and speaks; the vote is refused and the member is not counted present."""
    state = session(deputies_vote=False)
    assert run(state, DEPUTY, type="attendance.mark", person="d1", status="online") == ["attendance.marked"]
    assert run(state, DEPUTY, type="speaker.request", item="du-thao") == ["speaker.requested"]
    assert (state.requests["r1"].person, state.requests["r1"].point) == ("d1", "tra-vinh")
    run(state, CHAIR, type="poll.open", item="du-thao")
    assert "tv-2" not in entitled(state, state.polls["p1"])
    assert refusal(state, DEPUTY, type="vote.cast", poll="p1", choice="yes") == (
        403, "vote.deputy", "vote.cast: a deputy does not vote in this session (deputies_vote = false)")


def test_a_deputy_with_a_vote_votes_once_for_the_member():
    """Where deputies_vote is true the present deputy counts the member present and casts one vote for them."""
    state = session(deputies_vote=True)
    assert "tv-2" not in state.present_voters
    run(state, DEPUTY, type="attendance.mark", person="d1", status="present")
    assert "tv-2" in state.present_voters
    run(state, CHAIR, type="poll.open", item="du-thao")
    assert state.polls["p1"].present_at_open == 5
    events = decide_only(state, DEPUTY, {"type": "vote.cast", "poll": "p1", "choice": "no"})
    assert [(e.person, e.by, e.choice.value, e.voted, e.of) for e in events] == [("tv-2", "d1", "no", 1, 5)]
    run(state, DEPUTY, type="vote.cast", poll="p1", choice="no")
    assert refusal(state, DEPUTY, type="vote.cast", poll="p1", choice="yes")[1] == "vote.already_cast"
    run(state, CHAIR, type="poll.close", poll="p1")
    assert [(r.person, r.choice.value, r.by) for r in state.polls["p1"].result.roll] == [("tv-2", "no", "d1")]


def test_a_deputy_does_not_vote_when_the_member_is_back():
    """The member marked present again votes in person; the deputy's vote is refused."""
    state = session(deputies_vote=True)
    run(state, DEPUTY, type="attendance.mark", person="d1", status="present")
    run(state, CHAIR, type="attendance.mark", person="tv-2", status="present")
    run(state, CHAIR, type="poll.open", item="du-thao")
    assert refusal(state, DEPUTY, type="vote.cast", poll="p1", choice="yes") == (
        409, "vote.member_present", "vote.cast: 'tv-2' is here and votes in person")


def test_a_deputy_who_leaves_no_longer_counts_the_member_present():
    """Marking the voting deputy absent takes the member out of the present voters."""
    state = session(deputies_vote=True)
    run(state, DEPUTY, type="attendance.mark", person="d1", status="present")
    run(state, DEPUTY, type="attendance.mark", person="d1", status="absent")
    assert "tv-2" not in state.present_voters
    run(state, CHAIR, type="poll.open", item="du-thao")
    assert refusal(state, DEPUTY, type="vote.cast", poll="p1", choice="yes") == (
        409, "vote.not_present", "vote.cast: 'd1' is not marked present; check in first")


def test_only_the_chair_or_secretary_assigns_a_deputy():
    """A member assigning a deputy is refused by role."""
    state = session()
    assert refusal(state, MEMBER, type="deputy.assign", person="tv-4", name="X") == (
        403, "forbidden", "deputy.assign is for the chair or secretary, not a person token")
