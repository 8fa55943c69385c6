"""Deputies (người dự thay): someone who attends for an absent member.

A deputy gets a person id of their own (``d1``, ``d2``, ...) and a join link; they check in,
follow and may ask for the floor. Whether they may vote for the member is the agenda's
``[session] deputies_vote`` (default false); where they may, a present deputy also counts
the member as present for quorum and the vote counts with the member's weight.
"""

from __future__ import annotations

from .actor import Actor, Role
from .agenda import nfc
from .attendance import refresh_voter
from .commands import AssignDeputy
from .errors import Conflict, Invalid
from .events import DeputyAssigned
from .registry import Context, allow, applies, decides, person_of, require_status
from .state import Deputy, SessionState, SessionStatus


def _new_id(state: SessionState) -> str:
    """The next free ``dN``: never one of the agenda's ids or an added item's."""
    agenda = state.agenda
    used = {x.id for x in (*agenda.people, *agenda.points, *agenda.items)} | set(state.added_items) | set(state.deputies)
    n = len(state.deputies) + 1
    while f"d{n}" in used:
        n += 1
    return f"d{n}"


@decides(AssignDeputy)
def assign(state: SessionState, actor: Actor, cmd: AssignDeputy, ctx: Context):
    allow(actor, "deputy.assign", Role.CHAIR, Role.SECRETARY)
    require_status(state, "deputy.assign", SessionStatus.SCHEDULED, SessionStatus.OPEN)
    member = person_of(state, cmd.person)
    if cmd.person in state.deputies:
        raise Invalid("deputy.member", f"deputy.assign: '{cmd.person}' is a deputy; a deputy stands for a member", {"action": "deputy.assign"})
    if state.is_present(cmd.person):
        raise Conflict("deputy.present", f"deputy.assign: '{cmd.person}' is marked present; a deputy stands for an absent member", {"action": "deputy.assign"})
    existing = state.deputy_for(cmd.person)
    if existing is not None:
        raise Conflict("deputy.exists", f"deputy.assign: '{existing.name}' already stands for '{cmd.person}'", {"action": "deputy.assign"})
    name = nfc(cmd.name).strip()
    if not name:
        raise Invalid("deputy.name", "deputy.assign: the deputy's name is empty", {"action": "deputy.assign"})
    return [
        DeputyAssigned(
            at=ctx.now, deputy=_new_id(state), person=member.id, name=name, position=nfc(cmd.position).strip(),
            by=actor.label(),
        )
    ]


@applies(DeputyAssigned)
def assigned(state: SessionState, event: DeputyAssigned) -> None:
    state.deputies[event.deputy] = Deputy(
        id=event.deputy, person=event.person, name=event.name, position=event.position, at=event.at
    )
    refresh_voter(state, event.person)
