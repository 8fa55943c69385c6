"""Polls on drafts: quorum to open, one vote per member, rules that decide the outcome.

A member's vote is cast by the member, by the holder of their standing proxy (``for``), or
by their deputy where ``deputies_vote`` allows; whoever casts it, it is one vote for that
member, counted with the member's weight, never twice. "Entitled" members are those who can
vote now: present (in person or by a voting deputy), represented by a present proxy holder,
or already voted.
"""

from __future__ import annotations

from .actor import Actor, Role, a_role
from .agenda import Ballot as BallotKind, Rule, unequal_weights
from .commands import CastVote, ClosePoll, OpenPoll
from .errors import Conflict, Forbidden, Invalid, NotFound
from .events import Choice, Outcome, PollClosed, PollOpened, RollEntry, VoteCast
from .registry import Ballot, Context, Decision, allow, applies, decides, item_of, require_status
from .state import PollState, PollStatus, Result, SessionState, SessionStatus

CHOICES = tuple(c.value for c in Choice)


def quorum_needed(members: int, share) -> int:
    """Heads needed for quorum: more than ``share`` of the voting members (1/2 of 30 -> 16)."""
    return int(members * share) + 1


def outcome(rule: Rule, counts: dict[str, int], members: int, present: int) -> Outcome:
    """Decide a poll from weighted counts. Ties and exact halves are not a majority."""
    yes, no = counts.get("yes", 0), counts.get("no", 0)
    if rule is Rule.CONSULTATIVE:
        return Outcome.CONSULTATIVE
    if rule is Rule.SIMPLE:
        adopted = yes > no
    elif rule is Rule.MORE_THAN_HALF_OF_PRESENT:
        adopted = 2 * yes > present
    elif rule is Rule.MORE_THAN_HALF_OF_MEMBERS:
        adopted = 2 * yes > members
    elif rule is Rule.TWO_THIRDS_OF_MEMBERS:
        adopted = 3 * yes >= 2 * members  # "at least two thirds"
    else:  # pragma: no cover - the enum is closed
        raise Invalid("poll.rule", f"unknown rule '{rule}'", {"action": "unknown"})
    return Outcome.ADOPTED if adopted else Outcome.REJECTED


def _poll_of(state: SessionState, poll_id: str) -> PollState:
    poll = state.polls.get(poll_id)
    if poll is None:
        raise NotFound("poll.unknown", f"no poll '{poll_id}' in this session", {"poll": poll_id})
    return poll


def entitled(state: SessionState, poll: PollState | None = None) -> list[str]:
    """Voting members who can vote now (see the module), in agenda order."""
    can = state.present_voters | state.represented() | (poll.voters if poll else set())
    return [p.id for p in state.agenda.people if p.voting and p.id in can]


_entitled = entitled


def member_voted_for(state: SessionState, actor: Actor, cmd: CastVote) -> str | None:
    """The member whose vote ``cmd`` casts: ``for``, a deputy's member, or the caller (no checks)."""
    deputy = state.deputies.get(actor.person or "")
    if deputy is not None:
        return deputy.person
    return cmd.for_ or actor.person


def _voter(state: SessionState, actor: Actor, cmd: CastVote) -> tuple[str, str | None]:
    """(member, by): whose vote this is and who casts it if not the member; raises why not."""
    me = actor.person
    deputy = state.deputies.get(me)
    if deputy is not None:
        if not state.agenda.session.deputies_vote:
            raise Forbidden("vote.deputy", "vote.cast: a deputy does not vote in this session (deputies_vote = false)", {"action": "vote.cast"})
        if cmd.for_ not in (None, me, deputy.person):
            raise Forbidden("vote.not_proxy", f"vote.cast: '{cmd.for_}' has not given '{me}' a proxy", {"action": "vote.cast"})
        member = state.person(deputy.person)
        if not member.voting:
            raise Forbidden("vote.not_member", f"vote.cast: '{member.id}' has no vote in this committee", {"action": "vote.cast"})
        return member.id, me
    if cmd.for_ is not None and cmd.for_ != me:
        proxy = state.proxies.get(cmd.for_)
        if proxy is None or proxy.holder != me:
            raise Forbidden("vote.not_proxy", f"vote.cast: '{cmd.for_}' has not given '{me}' a proxy", {"action": "vote.cast"})
        return cmd.for_, me
    person = state.person(me)
    if person is None or not person.voting:
        raise Forbidden("vote.not_member", f"vote.cast: '{me}' has no vote in this committee", {"action": "vote.cast"})
    return me, None


@decides(OpenPoll)
def open_poll(state: SessionState, actor: Actor, cmd: OpenPoll, ctx: Context):
    allow(actor, "poll.open", Role.CHAIR)
    require_status(state, "poll.open", SessionStatus.OPEN)
    item_of(state, cmd.item)
    if state.active_item != cmd.item:
        raise Conflict("item.state", f"poll.open: item '{cmd.item}' is not the active item", {"action": "poll.open", "item": cmd.item, "active": state.active_item})
    for poll in state.polls.values():
        if poll.status is PollStatus.OPEN:
            raise Conflict("poll.open", f"poll.open: poll '{poll.id}' is still open; close it first", {"action": "poll.open", "poll": poll.id})
    spec = cmd.spec or state.item(cmd.item).poll
    if spec is None:
        raise Invalid("poll.spec", f"poll.open: item '{cmd.item}' has no [items.poll]; send a 'spec'", {"action": "poll.open", "item": cmd.item})
    unequal = unequal_weights(state.agenda.people) if spec.ballot is BallotKind.SECRET else None
    if unequal:
        weights = sorted({p.weight for p in state.voting_members()})
        raise Invalid("poll.secret_weights", f"poll.open: {unequal}",
                      {"action": "poll.open", "item": cmd.item, "min_weight": weights[0], "max_weight": weights[-1]})
    if spec.ballot is BallotKind.HANDS and any(p.weight != 1 for p in state.voting_members()):
        raise Conflict("poll.hands_weighted", "poll.open: a show of hands counts heads, and this committee's votes are weighted; use a named or secret ballot", {"action": "poll.open", "item": cmd.item})
    members = len(state.voting_members())
    present = len(_entitled(state))
    needed = quorum_needed(members, state.quorum)
    if spec.rule is not Rule.CONSULTATIVE and present < needed:
        raise Conflict(
            "quorum.not_met",
            f"quorum not met: {present} of {members} voting members present, {needed} needed",
            {"action": "poll.open", "present": present, "needed": needed, "members": members, "quorum": state.agenda.session.quorum},
        )
    poll_id = f"p{len(state.polls) + 1}"
    return [
        PollOpened(
            at=ctx.now, poll=poll_id, item=cmd.item, spec=spec, members=members, present=present,
            quorum=state.agenda.session.quorum, needed=needed,
        )
    ]


@decides(CastVote)
def cast(state: SessionState, actor: Actor, cmd: CastVote, ctx: Context):
    if actor.person is None:
        raise Forbidden("forbidden", f"vote.cast is for the member themself, not {a_role(actor.role)} token", {"action": "vote.cast", "role": actor.role.value})
    member_id, by = _voter(state, actor, cmd)
    person = state.person(member_id)
    require_status(state, "vote.cast", SessionStatus.OPEN)
    poll = _poll_of(state, cmd.poll)
    if poll.status is not PollStatus.OPEN:
        raise Conflict("poll.closed", f"vote.cast: poll '{poll.id}' is closed; votes are no longer accepted", {"action": "vote.cast", "poll": poll.id})
    if poll.spec.ballot is BallotKind.HANDS:
        raise Conflict("poll.hands", f"vote.cast: poll '{poll.id}' is a show of hands; the chair enters the counts", {"action": "vote.cast", "poll": poll.id})
    secret = poll.spec.ballot is BallotKind.SECRET
    proxy = state.proxies.get(member_id)
    if proxy is not None and by != proxy.holder:
        raise Conflict("vote.proxy_given", f"vote.cast: '{member_id}' has given a proxy to '{proxy.holder}'; it must be revoked first", {"action": "vote.cast"})
    if member_id in poll.voters:
        # One vote per member, whoever casts it. The same vote again is a retry (same receipt).
        same = ctx.ballot_key in poll.ballot_keys if secret else poll.choices.get(member_id) is cmd.choice
        if same:
            return Decision(events=[], receipt=True)
        whose = "you have" if by is None else f"'{member_id}' has"
        raise Conflict("vote.already_cast", f"vote.cast: {whose} already voted in poll '{poll.id}' with another choice; a vote cannot be changed", {"action": "vote.cast", "poll": poll.id, "person": member_id})
    if by is not None and by in state.deputies and state.is_present(member_id):
        raise Conflict("vote.member_present", f"vote.cast: '{member_id}' is here and votes in person", {"action": "vote.cast", "person": member_id})
    if not state.is_present(by or member_id):
        raise Conflict("vote.not_present", f"vote.cast: '{by or member_id}' is not marked present; check in first", {"action": "vote.cast", "person": by or member_id})
    voted = len(poll.voters) + 1
    # present ∪ represented ∪ voters, kept as counts: no set union of every present member per vote
    of = len(state.present_voters) + poll.gone + sum(
        1 for g in state.represented() if g not in state.present_voters and g not in poll.voters)
    if secret:
        if not ctx.ballot_key:
            raise Invalid("vote.ballot_key", "vote.cast: no ballot key for a secret poll", {"action": "vote.cast"})
        # The log says only that this member's vote was cast (and by whom); the choice goes to the box.
        event = VoteCast(at=ctx.now, poll=poll.id, person=member_id, voted=voted, of=of, by=by)
        ballot = Ballot(poll=poll.id, key=ctx.ballot_key, choice=cmd.choice.value, weight=person.weight)
        return Decision(events=[event], ballot=ballot, receipt=True)
    event = VoteCast(
        at=ctx.now, poll=poll.id, person=member_id, voted=voted, of=of, choice=cmd.choice, weight=person.weight, by=by
    )
    return Decision(events=[event], receipt=True)


@decides(ClosePoll)
def close_poll(state: SessionState, actor: Actor, cmd: ClosePoll, ctx: Context):
    allow(actor, "poll.close", Role.CHAIR)
    require_status(state, "poll.close", SessionStatus.OPEN)
    poll = _poll_of(state, cmd.poll)
    if poll.status is not PollStatus.OPEN:
        raise Conflict("poll.closed", f"poll.close: poll '{poll.id}' is already closed", {"action": "poll.close", "poll": poll.id})
    people = {p.id: p for p in state.voting_members()}
    entitled = _entitled(state, poll)
    members = sum(p.weight for p in people.values())
    present = sum(people[p].weight for p in entitled)
    if poll.spec.ballot is BallotKind.HANDS and poll.hands is None:
        raise Conflict("hands.missing", f"poll.close: enter the show of hands for poll '{poll.id}' first (poll.record_hands)", {"action": "poll.close"})
    counts = {c: poll.tally.get(c, 0) for c in CHOICES}
    votes = {c: poll.heads.get(c, 0) for c in CHOICES}
    if poll.hands is not None:  # heads, and with no weights (refused at open) heads are the weights
        counts, votes = dict(poll.hands), dict(poll.hands)
    if poll.spec.ballot is BallotKind.SECRET and any(people[p].weight != 1 for p in poll.voters if p in people):
        # Heads beside weights would give away how a member of unusual weight voted.
        votes = {}
    voted = sum(counts.values())
    roll = None
    if poll.spec.ballot is BallotKind.NAMED:
        roll = [
            RollEntry(person=p.id, choice=poll.choices[p.id], by=poll.by.get(p.id))
            for p in state.agenda.people if p.id in poll.choices
        ]
    return [
        PollClosed(
            at=ctx.now, poll=poll.id, item=poll.item, ballot=poll.spec.ballot.value, rule=poll.spec.rule.value,
            quorum=state.agenda.session.quorum, counts=counts, votes=votes,
            weights={p: people[p].weight for p in entitled}, members=members, present=present, voted=voted,
            not_voted=members - voted, entitled=entitled,
            outcome=outcome(poll.spec.rule, counts, members, present), roll=roll,
        )
    ]


@applies(PollOpened)
def opened(state: SessionState, event: PollOpened) -> None:
    state.polls[event.poll] = PollState(
        id=event.poll, item=event.item, spec=event.spec, opened_at=event.at, members=event.members,
        present_at_open=event.present, needed=event.needed,
    )


@applies(VoteCast)
def voted(state: SessionState, event: VoteCast) -> None:
    poll = state.polls[event.poll]
    poll.voters.add(event.person)
    if event.person not in state.present_voters:
        poll.gone += 1
    if event.by is not None:
        poll.by[event.person] = event.by
    if event.choice is not None:
        poll.choices[event.person] = event.choice
        poll.tally[event.choice.value] = poll.tally.get(event.choice.value, 0) + (event.weight or 1)
        poll.heads[event.choice.value] = poll.heads.get(event.choice.value, 0) + 1


def box_weight(state: SessionState) -> int:
    """The weight each ballot in a secret box counts for: the voting members' one weight (secret ballots need it equal).

    The box keeps no weight per ballot (its ``weight`` column is written 1): a weight beside a choice
    would name the member of unusual weight.
    """
    weights = {p.weight for p in state.voting_members()}
    return weights.pop() if len(weights) == 1 else 1


def apply_ballot(state: SessionState, ballot: Ballot) -> None:
    """Count a ballot kept apart from the log (secret polls), or remember a named vote's key."""
    poll = state.polls[ballot.poll]
    if poll.status is PollStatus.CLOSED:  # a closed poll's result (from the log) is its count
        return
    if ballot.key:
        poll.ballot_keys.add(ballot.key)
    if ballot.choice:
        poll.tally[ballot.choice] = poll.tally.get(ballot.choice, 0) + ballot.weight
        poll.heads[ballot.choice] = poll.heads.get(ballot.choice, 0) + 1


@applies(PollClosed)
def closed(state: SessionState, event: PollClosed) -> None:
    poll = state.polls[event.poll]
    poll.status = PollStatus.CLOSED
    poll.closed_at = event.at
    # From now on the poll shows exactly what its result published: for a weighted secret poll
    # that is no heads per choice (they would give away how a heavy member voted).
    poll.tally, poll.heads = dict(event.counts), dict(event.votes)
    poll.result = Result(
        counts=event.counts, votes=event.votes, members=event.members, present=event.present,
        voted=event.voted, not_voted=event.not_voted, outcome=event.outcome, roll=event.roll,
        present_heads=len(event.entitled),
    )


def ballot_numbers(state: SessionState) -> dict[str, int]:
    """Poll id -> its number among the closed polls on the same item (1, 2, … in the order opened),
    for items put to the vote more than once; 0 for an item's only closed poll (no label needed)."""
    by_item: dict[str, list[str]] = {}
    for poll in state.polls.values():
        if poll.status is PollStatus.CLOSED:
            by_item.setdefault(poll.item, []).append(poll.id)
    return {pid: (n if len(ids) > 1 else 0) for ids in by_item.values() for n, pid in enumerate(ids, start=1)}
