"""Polls in the pure core: the rules at their boundaries, quorum, and every refusal of vote.cast."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from phienhop.server.domain import Actor, Context, Decision, Role, SessionState, apply, decide
from phienhop.server.domain.agenda import AgendaError, Ballot, PollSpec, Rule, decode_agenda
from phienhop.server.domain.commands import CastVote, ClosePoll, EndItem, MarkAttendance, OpenPoll, OpenSession, StartItem
from phienhop.server.domain.errors import Conflict, Forbidden, Invalid, NotFound
from phienhop.server.domain.events import Choice, Outcome, PollClosed, RollEntry, SessionCreated, Status
from phienhop.server.domain.polls import apply_ballot, outcome, quorum_needed
from tests.support import small_agenda

NOW = dt.datetime(2021, 11, 30, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
CHAIR = Actor(role=Role.CHAIR, person="chu-toa")
SECRETARY = Actor(role=Role.SECRETARY, person="thu-ky")


def member(person: str) -> Actor:
    return Actor(role=Role.PERSON, person=person)


def ids(voters: int) -> list[str]:
    """The voting members of ``small_agenda(voters)``, in agenda order."""
    return ["chu-toa"] + [f"tv-{i}" for i in range(1, voters)]


class Meeting:
    """A session state driven through decide/apply exactly as the engine does, minus I/O."""

    def __init__(self, voters: int = 5, rule: str = "simple", ballot: str = "named", weights: dict | None = None,
                 quorum: str = "1/2") -> None:
        data = small_agenda(voters=voters, rule=rule, ballot=ballot, quorum=quorum)
        for person in data["people"]:
            if weights and person["id"] in weights:
                person["weight"] = weights[person["id"]]
        agenda = decode_agenda(data)
        self.state = SessionState(id="s1", agenda=agenda)
        apply(self.state, SessionCreated(seq=1, at=NOW, session="s1", agenda=agenda))
        self.secret = ballot == "secret"

    def run(self, actor: Actor, command, key: str | None = None) -> Decision:
        decision = decide(self.state, actor, command, Context(now=NOW, ballot_key=key))
        for event in decision.events:
            event.seq = self.state.seq + 1
            apply(self.state, event)
        if decision.ballot is not None:
            apply_ballot(self.state, decision.ballot)
        return decision

    def ready(self, present: list[str]) -> "Meeting":
        """Open the session, mark ``present`` in the hall and start the item that has a poll."""
        self.run(CHAIR, OpenSession())
        for person in present:
            self.run(CHAIR, MarkAttendance(person=person, status=Status.PRESENT))
        self.run(CHAIR, StartItem(item="du-thao"))
        return self

    def open(self, spec: PollSpec | None = None) -> str:
        return self.run(CHAIR, OpenPoll(item="du-thao", spec=spec)).events[0].poll

    def vote(self, person: str, choice: str, poll: str = "p1") -> Decision:
        key = f"receipt-hash-{person}-{choice}" if self.secret else None
        actor = CHAIR if person == "chu-toa" else member(person)
        return self.run(actor, CastVote(poll=poll, choice=Choice(choice)), key=key)

    def close(self, poll: str = "p1") -> PollClosed:
        return self.run(CHAIR, ClosePoll(poll=poll)).events[0]


def poll_with(votes: dict[str, str], voters: int = 5, present: list[str] | None = None, **kw) -> PollClosed:
    meeting = Meeting(voters=voters, **kw).ready(ids(voters) if present is None else present)
    meeting.open()
    for person, choice in votes.items():
        meeting.vote(person, choice)
    return meeting.close()


# -- outcome(): the rules at their boundaries ------------------------------------------------


@pytest.mark.parametrize(
    "rule, counts, members, present, expected",
    [
        (Rule.SIMPLE, {"yes": 3, "no": 3}, 10, 10, Outcome.REJECTED),  # a tie is not a majority
        (Rule.SIMPLE, {"yes": 4, "no": 3}, 10, 10, Outcome.ADOPTED),
        (Rule.SIMPLE, {"yes": 1, "no": 0, "abstain": 9}, 10, 10, Outcome.ADOPTED),  # abstentions do not count
        (Rule.SIMPLE, {"yes": 0, "no": 0, "abstain": 5}, 10, 10, Outcome.REJECTED),
        (Rule.SIMPLE, {}, 10, 10, Outcome.REJECTED),
        (Rule.MORE_THAN_HALF_OF_PRESENT, {"yes": 5, "no": 0}, 30, 10, Outcome.REJECTED),  # exactly half
        (Rule.MORE_THAN_HALF_OF_PRESENT, {"yes": 6, "no": 4}, 30, 10, Outcome.ADOPTED),
        (Rule.MORE_THAN_HALF_OF_PRESENT, {"yes": 5, "no": 0, "abstain": 4}, 30, 9, Outcome.ADOPTED),  # 5 > 4.5
        (Rule.MORE_THAN_HALF_OF_PRESENT, {"yes": 4, "no": 0, "abstain": 5}, 30, 9, Outcome.REJECTED),
        (Rule.MORE_THAN_HALF_OF_MEMBERS, {"yes": 15, "no": 0}, 30, 30, Outcome.REJECTED),  # exactly half
        (Rule.MORE_THAN_HALF_OF_MEMBERS, {"yes": 16, "no": 14}, 30, 30, Outcome.ADOPTED),
        (Rule.MORE_THAN_HALF_OF_MEMBERS, {"yes": 10, "no": 0}, 30, 10, Outcome.REJECTED),  # all present, too few members
        (Rule.MORE_THAN_HALF_OF_MEMBERS, {"yes": 5, "no": 4}, 9, 9, Outcome.ADOPTED),
        (Rule.TWO_THIRDS_OF_MEMBERS, {"yes": 20, "no": 10}, 30, 30, Outcome.ADOPTED),  # exactly two thirds
        (Rule.TWO_THIRDS_OF_MEMBERS, {"yes": 19, "no": 0}, 30, 30, Outcome.REJECTED),
        (Rule.TWO_THIRDS_OF_MEMBERS, {"yes": 6, "no": 3}, 9, 9, Outcome.ADOPTED),
        (Rule.TWO_THIRDS_OF_MEMBERS, {"yes": 6, "no": 0}, 10, 10, Outcome.REJECTED),  # 6 < 6.67
        (Rule.TWO_THIRDS_OF_MEMBERS, {"yes": 7, "no": 3}, 10, 10, Outcome.ADOPTED),
        (Rule.CONSULTATIVE, {"yes": 30, "no": 0}, 30, 30, Outcome.CONSULTATIVE),
        (Rule.CONSULTATIVE, {"yes": 0, "no": 30}, 30, 30, Outcome.CONSULTATIVE),
    ],
)
def test_outcome_at_the_boundaries(rule, counts, members, present, expected):
    """Each rule adopts strictly above its threshold (two thirds: at it) and rejects ties and exact halves."""
    assert outcome(rule, counts, members, present) is expected


@pytest.mark.parametrize("members, share, needed", [(30, "1/2", 16), (31, "1/2", 16), (9, "2/3", 7), (10, "1/2", 6)])
def test_quorum_needed_is_more_than_the_share(members, share, needed):
    """Quorum is more than the share of voting members, counted by head."""
    from phienhop.server.domain.agenda import parse_quorum

    assert quorum_needed(members, parse_quorum(share)) == needed


# -- the rules through decide/apply -----------------------------------------------------------


def test_simple_tie_is_rejected_and_the_roll_is_recorded():
    """A simple-majority tie is rejected; the named roll lists each voter in agenda order."""
    closed = poll_with({"tv-1": "yes", "chu-toa": "no", "tv-2": "abstain", "tv-3": "yes", "tv-4": "no"})
    assert closed.counts == {"yes": 2, "no": 2, "abstain": 1}
    assert closed.votes == {"yes": 2, "no": 2, "abstain": 1}
    assert closed.outcome is Outcome.REJECTED
    assert (closed.rule, closed.ballot, closed.quorum) == ("simple", "named", "1/2")
    assert closed.roll == [
        RollEntry("chu-toa", Choice.NO), RollEntry("tv-1", Choice.YES), RollEntry("tv-2", Choice.ABSTAIN),
        RollEntry("tv-3", Choice.YES), RollEntry("tv-4", Choice.NO),
    ]


def test_simple_majority_ignores_abstentions_and_non_voters():
    """One yes against no noes adopts under ``simple`` even when the rest abstain or do not vote."""
    closed = poll_with({"tv-1": "yes", "tv-2": "abstain", "tv-3": "abstain"})
    assert closed.outcome is Outcome.ADOPTED
    assert (closed.voted, closed.not_voted, closed.members, closed.present) == (3, 2, 5, 5)


def test_weights_count_in_simple_majority():
    """A weight-3 yes beats two noes and loses to three."""
    weights = {"chu-toa": 3}
    assert poll_with({"chu-toa": "yes", "tv-1": "no", "tv-2": "no"}, weights=weights).outcome is Outcome.ADOPTED
    tied = poll_with({"chu-toa": "yes", "tv-1": "no", "tv-2": "no", "tv-3": "no"}, weights=weights)
    assert tied.counts == {"yes": 3, "no": 3, "abstain": 0}
    assert tied.votes == {"yes": 1, "no": 3, "abstain": 0}
    assert tied.outcome is Outcome.REJECTED


def test_more_than_half_of_present_counts_abstentions_as_present():
    """With 4 of 6 present, 2 yes is exactly half and rejected; 3 yes adopts."""
    present = ["chu-toa", "tv-1", "tv-2", "tv-3"]
    half = poll_with({"chu-toa": "yes", "tv-1": "yes", "tv-2": "abstain", "tv-3": "no"}, voters=6,
                     present=present, rule="more-than-half-of-present")
    assert (half.members, half.present, half.voted, half.not_voted) == (6, 4, 4, 2)
    assert half.entitled == present
    assert half.outcome is Outcome.REJECTED
    more = poll_with({"chu-toa": "yes", "tv-1": "yes", "tv-2": "yes"}, voters=6, present=present,
                     rule="more-than-half-of-present")
    assert more.outcome is Outcome.ADOPTED


def test_more_than_half_of_present_uses_weights():
    """Present weight 4+1+1+1 = 7: a weight-4 yes is more than half, three weight-1 yeses are not."""
    present = ["chu-toa", "tv-1", "tv-2", "tv-3"]
    kw = dict(voters=6, present=present, rule="more-than-half-of-present", weights={"chu-toa": 4})
    heavy = poll_with({"chu-toa": "yes", "tv-1": "no", "tv-2": "no", "tv-3": "no"}, **kw)
    assert (heavy.present, heavy.members, heavy.counts["yes"]) == (7, 9, 4)
    assert heavy.weights == {"chu-toa": 4, "tv-1": 1, "tv-2": 1, "tv-3": 1}
    assert heavy.outcome is Outcome.ADOPTED
    light = poll_with({"chu-toa": "no", "tv-1": "yes", "tv-2": "yes", "tv-3": "yes"}, **kw)
    assert light.outcome is Outcome.REJECTED


def test_more_than_half_of_members_counts_absent_members():
    """Of 6 members, 3 yes is exactly half and rejected even when only 3 are present; 4 yes adopts."""
    half = poll_with({"chu-toa": "yes", "tv-1": "yes", "tv-2": "yes"}, voters=6, present=["chu-toa", "tv-1", "tv-2", "tv-3"],
                     rule="more-than-half-of-members")
    assert (half.counts["yes"], half.members) == (3, 6)
    assert half.outcome is Outcome.REJECTED
    more = poll_with({"chu-toa": "yes", "tv-1": "yes", "tv-2": "yes", "tv-3": "yes"}, voters=6,
                     rule="more-than-half-of-members")
    assert more.outcome is Outcome.ADOPTED


def test_more_than_half_of_members_uses_weights():
    """Members weigh 4+1+1+1+1 = 8: the weight-4 yes alone is exactly half; with one more it adopts."""
    kw = dict(rule="more-than-half-of-members", weights={"chu-toa": 4})
    half = poll_with({"chu-toa": "yes", "tv-1": "no"}, **kw)
    assert (half.members, half.counts, half.outcome) == (8, {"yes": 4, "no": 1, "abstain": 0}, Outcome.REJECTED)
    assert half.not_voted == 3
    assert poll_with({"chu-toa": "yes", "tv-1": "yes"}, **kw).outcome is Outcome.ADOPTED


def test_two_thirds_of_members_at_exactly_two_thirds():
    """Of 9 members, 6 yes is exactly two thirds and adopts; 5 yes rejects."""
    voters = ids(9)
    six = {p: ("yes" if i < 6 else "no") for i, p in enumerate(voters)}
    assert poll_with(six, voters=9, rule="two-thirds-of-members").outcome is Outcome.ADOPTED
    five = {p: ("yes" if i < 5 else "abstain") for i, p in enumerate(voters)}
    assert poll_with(five, voters=9, rule="two-thirds-of-members").outcome is Outcome.REJECTED


def test_two_thirds_of_members_uses_weights():
    """Members weigh 5+1+1+1+1 = 9: the weight-5 yes plus one is exactly two thirds; alone it is not."""
    kw = dict(rule="two-thirds-of-members", weights={"chu-toa": 5})
    exact = poll_with({"chu-toa": "yes", "tv-1": "yes", "tv-2": "no"}, **kw)
    assert (exact.members, exact.counts["yes"], exact.outcome) == (9, 6, Outcome.ADOPTED)
    assert poll_with({"chu-toa": "yes", "tv-1": "no"}, **kw).outcome is Outcome.REJECTED


def test_consultative_shows_counts_and_opens_without_quorum():
    """A consultative poll opens with 1 of 5 present and closes with its counts and outcome 'consultative'."""
    closed = poll_with({"chu-toa": "yes"}, present=["chu-toa"], rule="consultative")
    assert closed.counts == {"yes": 1, "no": 0, "abstain": 0}
    assert (closed.present, closed.members, closed.not_voted) == (1, 5, 4)
    assert closed.outcome is Outcome.CONSULTATIVE


def test_secret_poll_counts_from_ballots_and_has_no_roll():
    """A secret poll's counts come from its ballots; its vote events and closing event name no choice per person."""
    meeting = Meeting(ballot="secret").ready(ids(5))
    meeting.open()
    casts = [meeting.vote(p, c) for p, c in [("chu-toa", "yes"), ("tv-1", "no"), ("tv-2", "yes")]]
    for d in casts:
        (event,) = d.events
        assert (event.choice, event.weight) == (None, None)
        assert d.ballot is not None and d.receipt
    closed = meeting.close()
    assert closed.counts == {"yes": 2, "no": 1, "abstain": 0}
    assert closed.roll is None
    assert closed.outcome is Outcome.ADOPTED


def test_a_secret_ballot_among_unequal_weights_is_refused_at_the_agenda():
    """An agenda with a secret poll and voting weights that differ is refused at the poll's ballot key, with why."""
    with pytest.raises(AgendaError) as refused:
        Meeting(ballot="secret", weights={"tv-1": 7})
    assert refused.value.path == "items[1].poll.ballot"
    assert refused.value.reason == (
        "a secret ballot needs equal voting weights, and these differ (1 to 7): the totals would show how a member "
        "of unusual weight voted; hold a named ballot, or give every voting member the same weight")


def test_a_secret_spec_at_poll_open_among_unequal_weights_is_refused():
    """poll.open with a secret spec in a weighted committee is refused (422 poll.secret_weights), nothing opened."""
    meeting = Meeting(ballot="named", weights={"tv-1": 7}).ready(ids(5))
    with pytest.raises(Invalid) as refused:
        meeting.run(CHAIR, OpenPoll(item="du-thao", spec=PollSpec(ballot=Ballot.SECRET)))
    assert (refused.value.code, refused.value.status) == ("poll.secret_weights", 422)
    assert refused.value.detail.startswith("poll.open: a secret ballot needs equal voting weights, and these differ (1 to 7)")
    assert meeting.state.polls == {}


def test_vote_events_count_voted_of_entitled():
    """Each vote.cast says how many have voted of those entitled at that moment."""
    meeting = Meeting(voters=5).ready(["chu-toa", "tv-1", "tv-2"])
    meeting.open()
    first = meeting.vote("tv-1", "yes").events[0]
    meeting.run(CHAIR, MarkAttendance(person="tv-3", status=Status.ONLINE, point="tra-vinh"))
    second = meeting.vote("tv-3", "no").events[0]
    meeting.run(CHAIR, MarkAttendance(person="tv-1", status=Status.ABSENT, reason="left early"))
    third = meeting.vote("chu-toa", "yes").events[0]
    assert [(e.voted, e.of) for e in (first, second, third)] == [(1, 3), (2, 4), (3, 4)]  # tv-1 voted: still counted
    closed = meeting.close()
    assert closed.entitled == ["chu-toa", "tv-1", "tv-2", "tv-3"]


def test_voter_who_leaves_and_returns_is_entitled_once():
    """A voter marked absent and then present again counts once in a later vote's 'of', not twice."""
    meeting = Meeting(voters=5).ready(["chu-toa", "tv-1", "tv-2"])
    meeting.open()
    meeting.vote("tv-1", "yes")
    meeting.run(CHAIR, MarkAttendance(person="tv-1", status=Status.ABSENT, reason="left early"))
    meeting.run(CHAIR, MarkAttendance(person="tv-1", status=Status.PRESENT))
    meeting.run(CHAIR, MarkAttendance(person="tv-1", status=Status.ONLINE, point="tra-vinh"))
    second = meeting.vote("tv-2", "no").events[0]
    assert (second.voted, second.of) == (2, 3)


# -- quorum ----------------------------------------------------------------------------------


def test_binding_poll_refuses_to_open_without_quorum():
    """With 12 of 30 present the poll is refused with the numbers; with 15 (exactly half) too; 16 opens it."""
    voters = ids(30)
    meeting = Meeting(voters=30, rule="more-than-half-of-members").ready(voters[:12])
    seq = meeting.state.seq
    with pytest.raises(Conflict) as refused:
        meeting.open()
    assert (refused.value.code, refused.value.status) == ("quorum.not_met", 409)
    assert refused.value.detail == "quorum not met: 12 of 30 voting members present, 16 needed"
    assert refused.value.params == {"action": "poll.open", "present": 12, "needed": 16, "members": 30, "quorum": "1/2"}
    assert meeting.state.seq == seq and meeting.state.polls == {}
    for person in voters[12:15]:
        meeting.run(CHAIR, MarkAttendance(person=person, status=Status.PRESENT))
    with pytest.raises(Conflict) as half:
        meeting.open()
    assert half.value.detail == "quorum not met: 15 of 30 voting members present, 16 needed"
    meeting.run(CHAIR, MarkAttendance(person=voters[15], status=Status.ONLINE, point="tra-vinh"))
    assert meeting.open() == "p1"
    assert (meeting.state.polls["p1"].present_at_open, meeting.state.polls["p1"].needed) == (16, 16)


def test_quorum_ignores_non_voting_people_present():
    """The secretary and guests being present do not make quorum."""
    meeting = Meeting(voters=4).ready(["chu-toa", "thu-ky", "khach-0"])
    with pytest.raises(Conflict) as refused:
        meeting.open()
    assert refused.value.detail == "quorum not met: 1 of 4 voting members present, 3 needed"


def test_poll_open_takes_a_spec_from_the_command():
    """A ``spec`` in poll.open overrides the item's [items.poll]."""
    meeting = Meeting(rule="simple").ready(ids(5))
    meeting.open(PollSpec(rule=Rule.TWO_THIRDS_OF_MEMBERS))
    assert meeting.state.polls["p1"].spec.rule is Rule.TWO_THIRDS_OF_MEMBERS
    for person in ids(5)[:3]:
        meeting.vote(person, "yes")
    assert meeting.close().outcome is Outcome.REJECTED  # 3 of 5 is less than two thirds


# -- vote.cast: the retry and every refusal ---------------------------------------------------


def _open_meeting(ballot: str = "named") -> Meeting:
    meeting = Meeting(voters=5, ballot=ballot).ready(["chu-toa", "thu-ky", "tv-1", "tv-2", "khach-0"])
    meeting.open()
    meeting.vote("tv-1", "yes")
    return meeting


@pytest.mark.parametrize("ballot", ["named", "secret"])
def test_resending_the_same_vote_counts_once(ballot):
    """The same vote again causes no event and no ballot, and still gives a receipt."""
    meeting = _open_meeting(ballot)
    before = msgspec.to_builtins(meeting.state)
    again = meeting.vote("tv-1", "yes")
    assert (again.events, again.ballot, again.receipt) == ([], None, True)
    assert msgspec.to_builtins(meeting.state) == before
    closed = meeting.close()
    assert (closed.votes, closed.voted) == ({"yes": 1, "no": 0, "abstain": 0}, 1)


REFUSALS = [
    # (who, poll, choice, error class, code, detail)
    ("tv-1", "p1", "no", Conflict, "vote.already_cast",
     "vote.cast: you have already voted in poll 'p1' with another choice; a vote cannot be changed"),
    ("tv-3", "p1", "yes", Conflict, "vote.not_present", "vote.cast: 'tv-3' is not marked present; check in first"),
    ("thu-ky", "p1", "yes", Forbidden, "vote.not_member", "vote.cast: 'thu-ky' has no vote in this committee"),
    ("khach-0", "p1", "yes", Forbidden, "vote.not_member", "vote.cast: 'khach-0' has no vote in this committee"),
    ("nobody", "p1", "yes", Forbidden, "vote.not_member", "vote.cast: 'nobody' has no vote in this committee"),
    ("tv-2", "p2", "yes", NotFound, "poll.unknown", "no poll 'p2' in this session"),
    ("point:tra-vinh", "p1", "yes", Forbidden, "forbidden", "vote.cast is for the member themself, not a point token"),
    ("public", "p1", "yes", Forbidden, "forbidden", "a public token can only follow the session"),
    ("admin", "p1", "yes", Forbidden, "forbidden", "vote.cast is for the member themself, not an admin token"),
]


def _actor(who: str) -> Actor:
    if who == "thu-ky":
        return SECRETARY
    if who.startswith("point:"):
        return Actor(role=Role.POINT, point=who.split(":")[1])
    if who in ("public", "admin"):
        return Actor(role=Role(who))
    return member(who)


@pytest.mark.parametrize("ballot", ["named", "secret"])
@pytest.mark.parametrize("who, poll, choice, error, code, detail", REFUSALS, ids=[r[2] + "-" + r[4] for r in REFUSALS])
def test_vote_refusals_name_the_reason_and_change_nothing(ballot, who, poll, choice, error, code, detail):
    """Each refused vote raises its named error with its code and words, and the state stays as it was."""
    meeting = _open_meeting(ballot)
    before = msgspec.to_builtins(meeting.state)
    key = f"receipt-hash-{who}-{choice}" if ballot == "secret" else None
    with pytest.raises(error) as refused:
        meeting.run(_actor(who), CastVote(poll=poll, choice=Choice(choice)), key=key)
    assert (refused.value.code, refused.value.detail) == (code, detail)
    assert refused.value.status == {Conflict: 409, Forbidden: 403, NotFound: 404}[error]
    assert msgspec.to_builtins(meeting.state) == before


def test_vote_on_a_closed_poll_is_refused_and_the_result_stays():
    """After poll.close a vote is refused with poll.closed, and a second close too; the result is unchanged."""
    meeting = _open_meeting()
    meeting.close()
    result = msgspec.to_builtins(meeting.state.polls["p1"].result)
    with pytest.raises(Conflict) as late:
        meeting.vote("tv-2", "yes")
    assert (late.value.code, late.value.detail) == ("poll.closed", "vote.cast: poll 'p1' is closed; votes are no longer accepted")
    with pytest.raises(Conflict) as again:
        meeting.close()
    assert (again.value.code, again.value.detail) == ("poll.closed", "poll.close: poll 'p1' is already closed")
    assert msgspec.to_builtins(meeting.state.polls["p1"].result) == result


def test_vote_needs_an_open_session():
    """Once the session is closed a vote is refused with session.state."""
    meeting = _open_meeting()
    meeting.close()
    meeting.run(CHAIR, EndItem(item="du-thao"))
    from phienhop.server.domain.commands import CloseSession

    meeting.run(CHAIR, CloseSession())
    with pytest.raises(Conflict) as refused:
        meeting.vote("tv-2", "yes")
    assert (refused.value.code, refused.value.detail) == ("session.state", "vote.cast needs the session open; it is closed")


def test_secret_vote_without_a_ballot_key_is_invalid():
    """A secret vote the adapter gave no ballot key is refused as invalid (422), not counted."""
    meeting = _open_meeting("secret")
    with pytest.raises(Invalid) as refused:
        meeting.run(member("tv-2"), CastVote(poll="p1", choice=Choice.YES), key=None)
    assert (refused.value.code, refused.value.status) == ("vote.ballot_key", 422)
    assert meeting.state.polls["p1"].voters == {"tv-1"}


def test_only_the_chair_opens_and_closes_polls():
    """A member may neither open nor close a poll."""
    meeting = Meeting().ready(ids(5))
    with pytest.raises(Forbidden) as opening:
        meeting.run(member("tv-1"), OpenPoll(item="du-thao"))
    assert opening.value.detail == "poll.open is for the chair, not a person token"
    meeting.open()
    with pytest.raises(Forbidden) as closing:
        meeting.run(SECRETARY, ClosePoll(poll="p1"))
    assert closing.value.detail == "poll.close is for the chair, not a secretary token"




def test_an_unweighted_secret_poll_publishes_heads_too():
    """With every weight 1, heads per choice equal the counts and reveal nothing more, so they are published."""
    meeting = Meeting(ballot="secret").ready(ids(5))
    meeting.open()
    for person, choice in [("chu-toa", "yes"), ("tv-1", "no"), ("tv-2", "yes")]:
        meeting.vote(person, choice)
    closed = meeting.close()
    assert closed.counts == closed.votes == {"yes": 2, "no": 1, "abstain": 0}
