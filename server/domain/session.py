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
    # Someone who chaired, took the notes, voted or asked for the floor was there: the close
    # records them attending (not "absent without a reason"), unless a mark already says otherwise.
    acted, hall = took_part(state), {p.id for p in state.agenda.points if p.host}
    chairs = {state.agenda.session.chair, state.agenda.session.secretary}
    absent, present, online = [], [], []
    for person in state.agenda.people:
        if person.id in state.attendance:
            continue
        if person.id not in acted:
            absent.append(person.id)
        elif person.id in chairs or person.point in hall:
            present.append(person.id)
        else:
            online.append(person.id)
    return [SessionClosed(at=ctx.now, absent=absent, present=present, online=online)]


def unmarked(state: SessionState) -> list[str]:
    """The people of the agenda never marked present, online or absent, in agenda order."""
    return [p.id for p in state.agenda.people if p.id not in state.attendance]


def took_part(state: SessionState) -> set[str]:
    """Person ids who acted in the session under their own role: the chair, the secretary, whoever
    cast a vote themselves (not a member whose vote a proxy or deputy cast), asked for the floor or had it."""
    acted = {state.agenda.session.chair, state.agenda.session.secretary}
    for poll in state.polls.values():
        acted.update(poll.by.get(voter, voter) for voter in poll.voters)
    acted.update(r.person for r in state.requests.values() if r.person)
    return acted


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
    for person in event.present:
        state.attendance[person] = Mark(status=Status.PRESENT, at=event.at)
    for person in event.online:  # point None: their own point, as the minutes read it
        state.attendance[person] = Mark(status=Status.ONLINE, at=event.at)
    # Presence is tracked only while the session runs: after the close no point.online/offline is recorded
    # (presence_change), so a point still counted here would stay "connected" for ever once its screen is gone.
    state.online_points.clear()
