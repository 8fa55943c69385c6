"""Proxies (ủy quyền): granting, revoking, and casting a represented member's vote exactly once."""

from __future__ import annotations

import pytest

from phienhop.server.domain import DomainError
from phienhop.server.domain.polls import entitled

from . import builder
from .builder import CHAIR, SECRETARY, Actor, Role, decide_only, frozen, run
from tests.support import small_agenda

TV1, TV2, TV3 = (Actor(role=Role.PERSON, person=f"tv-{i}") for i in (1, 2, 3))


def refusal(state, actor, **body):
    before = frozen(state)
    with pytest.raises(DomainError) as refused:
        decide_only(state, actor, body)
    assert frozen(state) == before
    return refused.value.status, refused.value.code, refused.value.detail


def session(ballot: str = "named", weights: dict | None = None):
    """Open, everyone present but tv-2 (absent), item du-thao running; no poll yet."""
    agenda = small_agenda(ballot=ballot)
    for person in agenda["people"]:
        person["weight"] = (weights or {}).get(person["id"], 1)
    state = builder.everyone_present(builder.created(agenda))
    run(state, CHAIR, type="attendance.mark", person="tv-2", status="absent", reason="Ốm")
    run(state, CHAIR, type="session.open")
    run(state, CHAIR, type="item.start", item="du-thao")
    return state


def test_a_proxy_from_an_absent_member_to_a_present_one_and_back():
    """tv-1 votes for absent tv-2 under a proxy; once it is revoked and tv-2 is back, tv-2 votes in person in the next poll."""
    state = session()
    assert run(state, SECRETARY, type="proxy.grant", **{"from": "tv-2", "to": "tv-1"}) == ["proxy.granted"]
    run(state, CHAIR, type="poll.open", item="du-thao")
    assert state.polls["p1"].present_at_open == 5  # tv-2 represented by tv-1, who is here
    (event,) = decide_only(state, TV1, {"type": "vote.cast", "poll": "p1", "choice": "yes", "for": "tv-2"})
    assert (event.person, event.by, event.choice.value, event.voted, event.of) == ("tv-2", "tv-1", "yes", 1, 5)
    run(state, TV1, type="vote.cast", poll="p1", choice="yes", **{"for": "tv-2"})
    run(state, TV1, type="vote.cast", poll="p1", choice="no")
    run(state, CHAIR, type="attendance.mark", person="tv-2", status="present")
    assert refusal(state, TV2, type="vote.cast", poll="p1", choice="no") == (
        409, "vote.proxy_given", "vote.cast: 'tv-2' has given a proxy to 'tv-1'; it must be revoked first")
    run(state, CHAIR, type="poll.close", poll="p1")
    result = state.polls["p1"].result
    assert [(r.person, r.choice.value, r.by) for r in result.roll] == [("tv-1", "no", None), ("tv-2", "yes", "tv-1")]
    assert (result.counts, result.voted) == ({"yes": 1, "no": 1, "abstain": 0}, 2)

    assert run(state, CHAIR, type="proxy.revoke", **{"from": "tv-2", "to": "tv-1"}) == ["proxy.revoked"]
    assert state.proxies == {} and state.proxy_history[0].revoked_at is not None
    run(state, CHAIR, type="poll.open", item="du-thao")
    assert run(state, TV2, type="vote.cast", poll="p2", choice="abstain") == ["vote.cast"]
    assert refusal(state, TV1, type="vote.cast", poll="p2", choice="yes", **{"for": "tv-2"}) == (
        403, "vote.not_proxy", "vote.cast: 'tv-2' has not given 'tv-1' a proxy")


def test_nobody_votes_twice_for_the_same_member():
    """After tv-1 voted for tv-2, neither tv-2 (proxy revoked) nor a new holder can vote for tv-2 again in that poll."""
    state = session()
    run(state, CHAIR, type="proxy.grant", **{"from": "tv-2", "to": "tv-1"})
    run(state, CHAIR, type="poll.open", item="du-thao")
    run(state, TV1, type="vote.cast", poll="p1", choice="yes", **{"for": "tv-2"})
    assert run(state, TV1, type="vote.cast", poll="p1", choice="yes", **{"for": "tv-2"}) == []  # a retry
    assert refusal(state, TV1, type="vote.cast", poll="p1", choice="no", **{"for": "tv-2"}) == (
        409, "vote.already_cast",
        "vote.cast: 'tv-2' has already voted in poll 'p1' with another choice; a vote cannot be changed")
    run(state, CHAIR, type="proxy.revoke", **{"from": "tv-2", "to": "tv-1"})
    run(state, CHAIR, type="proxy.grant", **{"from": "tv-2", "to": "tv-3"})
    assert refusal(state, TV3, type="vote.cast", poll="p1", choice="no", **{"for": "tv-2"})[1] == "vote.already_cast"
    run(state, CHAIR, type="proxy.revoke", **{"from": "tv-2", "to": "tv-3"})
    run(state, CHAIR, type="attendance.mark", person="tv-2", status="present")
    assert refusal(state, TV2, type="vote.cast", poll="p1", choice="no")[1] == "vote.already_cast"
    assert state.polls["p1"].tally == {"yes": 1}


def test_the_grantor_cannot_vote_while_the_proxy_stands():
    """A present grantor's own vote is refused until the proxy is revoked."""
    state = session()
    run(state, CHAIR, type="proxy.grant", **{"from": "tv-3", "to": "tv-1"})
    run(state, CHAIR, type="poll.open", item="du-thao")
    assert refusal(state, TV3, type="vote.cast", poll="p1", choice="yes") == (
        409, "vote.proxy_given", "vote.cast: 'tv-3' has given a proxy to 'tv-1'; it must be revoked first")
    run(state, CHAIR, type="proxy.revoke", **{"from": "tv-3", "to": "tv-1"})
    assert run(state, TV3, type="vote.cast", poll="p1", choice="yes") == ["vote.cast"]


def test_a_proxy_holder_who_leaves_cannot_use_it_and_the_member_is_not_counted():
    """With the holder marked absent the represented member drops out of the entitled and the vote is refused."""
    state = session()
    run(state, CHAIR, type="proxy.grant", **{"from": "tv-2", "to": "tv-1"})
    run(state, CHAIR, type="poll.open", item="du-thao")
    assert "tv-2" in entitled(state, state.polls["p1"])
    run(state, CHAIR, type="attendance.mark", person="tv-1", status="absent", reason="Về sớm")
    assert entitled(state, state.polls["p1"]) == ["chu-toa", "tv-3", "tv-4"]
    assert refusal(state, TV1, type="vote.cast", poll="p1", choice="yes", **{"for": "tv-2"}) == (
        409, "vote.not_present", "vote.cast: 'tv-1' is not marked present; check in first")
    (event,) = decide_only(state, TV3, {"type": "vote.cast", "poll": "p1", "choice": "yes"})
    assert (event.voted, event.of) == (1, 3)


def test_a_secret_proxy_vote_names_no_choice_and_has_the_members_own_key():
    """In a secret poll the represented vote's event has no choice and its ballot is keyed for the member, not the holder."""
    state = session(ballot="secret")
    run(state, CHAIR, type="proxy.grant", **{"from": "tv-2", "to": "tv-1"})
    run(state, CHAIR, type="poll.open", item="du-thao")
    from phienhop.server.domain import Context, decide
    from phienhop.server.domain.polls import member_voted_for

    body = builder.command(type="vote.cast", poll="p1", choice="no", **{"for": "tv-2"})
    assert member_voted_for(state, TV1, body) == "tv-2"
    decision = decide(state, TV1, body, Context(now=builder.NOW, ballot_key="k-tv-2"))
    (event,) = decision.events
    assert (event.person, event.by, event.choice, event.weight) == ("tv-2", "tv-1", None, None)
    assert (decision.ballot.key, decision.ballot.choice, decision.receipt) == ("k-tv-2", "no", True)


def test_a_represented_vote_counts_with_the_members_weight():
    """In a named poll tv-1's vote for tv-2 (weight 3) carries weight 3, tv-1's own weight 1."""
    state = session(weights={"tv-2": 3})
    run(state, CHAIR, type="proxy.grant", **{"from": "tv-2", "to": "tv-1"})
    run(state, CHAIR, type="poll.open", item="du-thao")
    run(state, TV1, type="vote.cast", poll="p1", choice="no", **{"for": "tv-2"})
    run(state, TV1, type="vote.cast", poll="p1", choice="yes")
    run(state, CHAIR, type="poll.close", poll="p1")
    result = state.polls["p1"].result
    assert (result.counts, result.voted, result.members) == ({"yes": 1, "no": 3, "abstain": 0}, 4, 7)


@pytest.mark.parametrize(
    "prep, body, expected",
    [
        ((), {"from": "tv-1", "to": "tv-1"}, (422, "proxy.self", "proxy.grant: a member cannot give a proxy to themself")),
        ((), {"from": "thu-ky", "to": "tv-1"}, (422, "proxy.not_member", "proxy.grant: 'thu-ky' has no vote to give")),
        ((), {"from": "tv-2", "to": "khach-0"},
         (422, "proxy.not_member", "proxy.grant: 'khach-0' has no vote; a proxy goes to a voting member")),
        ((), {"from": "tv-3", "to": "tv-2"},
         (409, "proxy.not_present", "proxy.grant: 'tv-2' is not marked present; a proxy goes to a member present")),
        (({"from": "tv-2", "to": "tv-1"},), {"from": "tv-2", "to": "tv-3"},
         (409, "proxy.exists", "proxy.grant: 'tv-2' has already given a proxy to 'tv-1'; revoke it first")),
        (({"from": "tv-2", "to": "tv-1"},), {"from": "tv-3", "to": "tv-2"},
         (409, "proxy.chain", "proxy.grant: 'tv-2' has given their own vote to 'tv-1'; a proxy is not passed on")),
        (({"from": "tv-3", "to": "tv-1"},), {"from": "tv-4", "to": "tv-3"},
         (409, "proxy.chain", "proxy.grant: 'tv-3' has given their own vote to 'tv-1'; a proxy is not passed on")),
        (({"from": "tv-2", "to": "tv-1"},), {"from": "tv-1", "to": "tv-3"},
         (409, "proxy.chain", "proxy.grant: 'tv-1' holds a proxy from 'tv-2'; a proxy is not passed on")),
        ((), {"from": "tv-9", "to": "tv-1"}, (404, "person.unknown", "no person 'tv-9' in this session")),
    ],
    ids=["self", "grantor-no-vote", "holder-no-vote", "holder-absent", "exists", "to-a-grantor",
         "holder-gave-away", "grantor-holds", "unknown"],
)
def test_proxy_grant_refusals(prep, body, expected):
    """Each refusal of proxy.grant names what is wrong and changes nothing."""
    state = session()
    for p in prep:
        run(state, CHAIR, type="proxy.grant", **p)
    assert refusal(state, CHAIR, type="proxy.grant", **body) == expected


def test_revoking_a_proxy_that_does_not_stand_is_not_found():
    """proxy.revoke names the pair that has no standing proxy."""
    assert refusal(session(), CHAIR, type="proxy.revoke", **{"from": "tv-2", "to": "tv-1"}) == (
        404, "proxy.unknown", "proxy.revoke: no proxy from 'tv-2' to 'tv-1' stands")
