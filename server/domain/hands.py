"""A show of hands: a poll opened with ``ballot = "hands"`` whose counts the chair enters.

The counts are heads (such a poll is refused where votes are weighted); they cannot exceed the
members entitled to vote when counted. A new count replaces the last until the poll closes; the
close applies the poll's rule and quorum as for any poll.
"""

from __future__ import annotations

from .actor import Actor, Role
from .agenda import Ballot as BallotKind
from .commands import RecordHands
from .errors import Conflict, Invalid, NotFound
from .events import HandsRecorded
from .polls import CHOICES, entitled
from .registry import Context, allow, applies, decides, require_status
from .state import PollStatus, SessionState, SessionStatus


@decides(RecordHands)
def record(state: SessionState, actor: Actor, cmd: RecordHands, ctx: Context):
    allow(actor, "poll.record_hands", Role.CHAIR)
    require_status(state, "poll.record_hands", SessionStatus.OPEN)
    poll = state.polls.get(cmd.poll)
    if poll is None:
        raise NotFound("poll.unknown", f"no poll '{cmd.poll}' in this session", {"poll": cmd.poll})
    if poll.status is not PollStatus.OPEN:
        raise Conflict("poll.closed", f"poll.record_hands: poll '{poll.id}' is closed", {"action": "poll.record_hands"})
    if poll.spec.ballot is not BallotKind.HANDS:
        raise Conflict("poll.not_hands", f"poll.record_hands: poll '{poll.id}' is a {poll.spec.ballot.value} ballot; members vote themselves", {"action": "poll.record_hands"})
    counts = {c: getattr(cmd.counts, c) for c in CHOICES}
    total, present = sum(counts.values()), len(entitled(state, poll))
    if total > present:
        raise Invalid("hands.too_many", f"poll.record_hands: {total} hands counted, but only {present} voting members can vote now", {"action": "poll.record_hands", "total": total, "present": present})
    return [HandsRecorded(at=ctx.now, poll=poll.id, counts=counts, present=present)]


@applies(HandsRecorded)
def recorded(state: SessionState, event: HandsRecorded) -> None:
    state.polls[event.poll].hands = dict(event.counts)
