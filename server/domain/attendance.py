"""Attendance: present in the hall, online at a point, absent with a reason, or not yet marked."""

from __future__ import annotations

from .actor import Actor, Role
from .agenda import nfc
from .commands import MarkAttendance
from .errors import Forbidden, Invalid, NotFound
from .events import AttendanceMarked, Status
from .registry import Context, applies, decides, person_of, require_not_finalized, require_status
from .state import Mark, PollStatus, SessionState, SessionStatus


@decides(MarkAttendance)
def mark(state: SessionState, actor: Actor, cmd: MarkAttendance, ctx: Context):
    person = person_of(state, cmd.person)
    if actor.role in (Role.CHAIR, Role.SECRETARY):
        statuses = (SessionStatus.SCHEDULED, SessionStatus.OPEN, SessionStatus.CLOSED)
    elif actor.role is Role.PERSON and actor.person == cmd.person:
        statuses = (SessionStatus.SCHEDULED, SessionStatus.OPEN)
    elif actor.role is Role.POINT and person.point == actor.point:
        statuses = (SessionStatus.SCHEDULED, SessionStatus.OPEN)
    elif actor.role is Role.POINT:
        raise Forbidden("forbidden", f"attendance.mark: '{cmd.person}' does not belong to point '{actor.point}'", {"action": "attendance.mark", "person": cmd.person, "point": actor.point})
    elif actor.role is Role.PERSON:
        raise Forbidden("forbidden", "attendance.mark: a member may only mark themself", {"action": "attendance.mark", "role": actor.role.value})
    else:
        raise Forbidden("forbidden", f"attendance.mark is not for a {actor.role.value} token", {"action": "attendance.mark", "role": actor.role.value})
    if actor.role is Role.POINT and cmd.status is Status.PRESENT and not state.point(actor.point).host:
        # A remote room cannot see the hall: it marks its people online there, or absent.
        raise Forbidden("forbidden", f"attendance.mark: point '{actor.point}' marks its people online there or absent; "
                        "present in the hall is for the chair, the secretary or the hall's own point",
                        {"action": "attendance.mark", "point": actor.point, "status": cmd.status.value})
    require_status(state, "attendance.mark", *statuses)
    require_not_finalized(state, "attendance.mark")
    point = cmd.point
    reason = nfc(cmd.reason)
    if cmd.status is Status.ONLINE:
        point = point or person.point or None
        if point is None:
            raise Invalid("attendance.point", f"attendance.mark: 'online' needs the point where '{cmd.person}' is", {"action": "attendance.mark", "person": cmd.person})
        if state.point(point) is None:
            raise NotFound("point.unknown", f"no point '{point}' in this session", {"point": point})
        if actor.role is Role.POINT and point != actor.point:
            raise Forbidden("forbidden", f"attendance.mark: point '{actor.point}' can only mark people online there", {"action": "attendance.mark", "point": actor.point})
    elif point is not None:
        raise Invalid("attendance.point", f"attendance.mark: a point goes only with status 'online', not '{cmd.status.value}'", {"action": "attendance.mark", "status": cmd.status.value})
    if reason and cmd.status is not Status.ABSENT:
        raise Invalid("attendance.reason", "attendance.mark: a reason goes only with status 'absent'", {"action": "attendance.mark", "status": cmd.status.value})
    current = state.attendance.get(cmd.person)
    if current and (current.status, current.point, current.reason) == (cmd.status, point, reason):
        return []  # already so: nothing to record
    return [
        AttendanceMarked(at=ctx.now, person=cmd.person, status=cmd.status, point=point, reason=reason, by=actor.label())
    ]


@applies(AttendanceMarked)
def marked(state: SessionState, event: AttendanceMarked) -> None:
    state.attendance[event.person] = Mark(status=event.status, point=event.point, reason=event.reason, at=event.at)
    deputy = state.deputies.get(event.person)
    refresh_voter(state, deputy.person if deputy else event.person)


def refresh_voter(state: SessionState, member_id: str) -> None:
    """Keep ``present_voters`` true for one member: here in person, or by a deputy who may vote.

    Open polls' ``gone`` (voters not present now) follows, so a vote's 'of' stays a count.
    """
    person = state.person(member_id)
    if person is None or not person.voting:
        return
    present = state.is_present(member_id)
    if not present and state.agenda.session.deputies_vote:
        deputy = state.deputy_for(member_id)
        present = deputy is not None and state.is_present(deputy.id)
    if present == (member_id in state.present_voters):
        return
    if present:
        state.present_voters.add(member_id)
    else:
        state.present_voters.discard(member_id)
    for poll in state.polls.values():  # a voter who leaves still counts in an open poll's 'of'
        if poll.status is PollStatus.OPEN and member_id in poll.voters:
            poll.gone += -1 if present else 1
