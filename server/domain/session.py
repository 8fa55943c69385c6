"""Session lifecycle: scheduled -> open -> closed."""

from __future__ import annotations

from .actor import Actor, Role
from .commands import CloseSession, OpenSession
from .errors import Conflict
from .events import SessionClosed, SessionCreated, SessionOpened, Status
from .registry import Context, allow, applies, decides, require_status
from .state import ItemState, Mark, PollStatus, SessionState, SessionStatus


@decides(OpenSession)
def open_session(state: SessionState, actor: Actor, cmd: OpenSession, ctx: Context):
    allow(actor, "session.open", Role.CHAIR)
    require_status(state, "session.open", SessionStatus.SCHEDULED)
    return [SessionOpened(at=ctx.now)]


@decides(CloseSession)
def close_session(state: SessionState, actor: Actor, cmd: CloseSession, ctx: Context):
    allow(actor, "session.close", Role.CHAIR)
    require_status(state, "session.close", SessionStatus.OPEN)
    if state.active_item:
        raise Conflict("item.active", f"session.close: end item '{state.active_item}' first", {"action": "session.close", "item": state.active_item})
    open_polls = [p.id for p in state.polls.values() if p.status is PollStatus.OPEN]
    if open_polls:
        raise Conflict("poll.open", f"session.close: close poll '{open_polls[0]}' first", {"action": "session.close", "poll": open_polls[0]})
    # A legal record names every member: whoever was never marked did not attend, and the log
    # says so here rather than leaving the minutes to guess (the chair is shown who, first).
    return [SessionClosed(at=ctx.now, absent=unmarked(state))]


def unmarked(state: SessionState) -> list[str]:
    """The people of the agenda never marked present, online or absent, in agenda order."""
    return [p.id for p in state.agenda.people if p.id not in state.attendance]


@applies(SessionCreated)
def created(state: SessionState, event: SessionCreated) -> None:
    state.created_at = event.at
    state.items = {item.id: ItemState(id=item.id) for item in event.agenda.items}
    state.order = [item.id for item in event.agenda.items]


@applies(SessionOpened)
def opened(state: SessionState, event: SessionOpened) -> None:
    state.status = SessionStatus.OPEN
    state.opened_at = event.at


@applies(SessionClosed)
def closed(state: SessionState, event: SessionClosed) -> None:
    state.status = SessionStatus.CLOSED
    state.closed_at = event.at
    for person in event.absent:
        state.attendance[person] = Mark(status=Status.ABSENT, at=event.at)
