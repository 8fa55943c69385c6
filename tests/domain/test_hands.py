"""A show of hands: the chair's counts, their limit, and the rule applied at the close."""

from __future__ import annotations

import pytest

from phienhop.server.domain import DomainError

from . import builder
from .builder import CHAIR, MEMBER, decide_only, frozen, run
from tests.support import small_agenda


def refusal(state, actor, **body):
    before = frozen(state)
    with pytest.raises(DomainError) as refused:
        decide_only(state, actor, body)
    assert frozen(state) == before
    return refused.value.status, refused.value.code, refused.value.detail


def hands_poll(rule: str = "more-than-half-of-members", absent: tuple = ("tv-4",)):
    state = builder.everyone_present(builder.created(small_agenda(ballot="hands", rule=rule)))
    for person in absent:
        run(state, CHAIR, type="attendance.mark", person=person, status="absent")
    run(state, CHAIR, type="session.open")
    run(state, CHAIR, type="item.start", item="du-thao")
    run(state, CHAIR, type="poll.open", item="du-thao")
    return state


def test_hands_counts_exceeding_the_present_members_are_refused():
    """With 4 of 5 voting members present, 5 hands are refused and exactly 4 are accepted."""
    state = hands_poll()
    assert refusal(state, CHAIR, type="poll.record_hands", poll="p1", counts={"yes": 3, "no": 1, "abstain": 1}) == (
        422, "hands.too_many", "poll.record_hands: 5 hands counted, but only 4 voting members can vote now")
    assert run(state, CHAIR, type="poll.record_hands", poll="p1", counts={"yes": 3, "no": 1}) == ["poll.hands_recorded"]
    assert state.polls["p1"].hands == {"yes": 3, "no": 1, "abstain": 0}


def test_a_show_of_hands_closes_with_the_rule_applied():
    """The last count entered is the result; 3 of 5 members is more than half of the members: adopted."""
    state = hands_poll()
    run(state, CHAIR, type="poll.record_hands", poll="p1", counts={"yes": 2, "no": 2})
    run(state, CHAIR, type="poll.record_hands", poll="p1", counts={"yes": 3, "no": 0, "abstain": 1})
    (closed,) = decide_only(state, CHAIR, {"type": "poll.close", "poll": "p1"})
    assert (closed.ballot, closed.counts, closed.votes, closed.voted, closed.not_voted, closed.outcome.value, closed.roll) == (
        "hands", {"yes": 3, "no": 0, "abstain": 1}, {"yes": 3, "no": 0, "abstain": 1}, 4, 1, "adopted", None)


def test_members_do_not_vote_in_a_show_of_hands_and_the_close_needs_the_counts():
    """vote.cast is refused in a hands poll, and closing before any count is refused."""
    state = hands_poll()
    assert refusal(state, MEMBER, type="vote.cast", poll="p1", choice="yes") == (
        409, "poll.hands", "vote.cast: poll 'p1' is a show of hands; the chair enters the counts")
    assert refusal(state, CHAIR, type="poll.close", poll="p1") == (
        409, "hands.missing", "poll.close: enter the show of hands for poll 'p1' first (poll.record_hands)")


def test_a_named_poll_takes_no_hands():
    """poll.record_hands on a named ballot is refused."""
    state = builder.opened()
    run(state, CHAIR, type="item.start", item="du-thao")
    run(state, CHAIR, type="poll.open", item="du-thao")
    assert refusal(state, CHAIR, type="poll.record_hands", poll="p1", counts={"yes": 1}) == (
        409, "poll.not_hands", "poll.record_hands: poll 'p1' is a named ballot; members vote themselves")


def test_a_show_of_hands_needs_quorum_and_unweighted_votes():
    """Below quorum a hands poll does not open; in a weighted committee it is refused."""
    state = builder.everyone_present(builder.created(small_agenda(ballot="hands")))
    for person in ("tv-2", "tv-3", "tv-4"):
        run(state, CHAIR, type="attendance.mark", person=person, status="absent")
    run(state, CHAIR, type="session.open")
    run(state, CHAIR, type="item.start", item="du-thao")
    assert refusal(state, CHAIR, type="poll.open", item="du-thao")[1] == "quorum.not_met"
    agenda = small_agenda(ballot="hands")
    agenda["people"][2]["weight"] = 2
    state = builder.everyone_present(builder.created(agenda))
    run(state, CHAIR, type="session.open")
    run(state, CHAIR, type="item.start", item="du-thao")
    assert refusal(state, CHAIR, type="poll.open", item="du-thao") == (
        409, "poll.hands_weighted",
        "poll.open: a show of hands counts heads, and this committee's votes are weighted; use a named or secret ballot")
