"""The pure domain core: ``decide(state, actor, command, ctx)`` and ``apply(state, event)``.

No I/O here: no litestar, aiosqlite, websockets or weasyprint imports.
"""

from __future__ import annotations

from . import attendance, deputies, hands, items, polls, presence, proxies, records, session, speakers  # noqa: F401  (registers)
from .actor import Actor, Role
from .errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from .events import Event, SessionCreated
from .registry import APPLIERS, DECIDERS, Ballot, Context, Decision
from .state import SessionState

__all__ = [
    "Actor", "Ballot", "Conflict", "Context", "Decision", "DomainError", "Forbidden", "Invalid", "NotFound",
    "Role", "SessionState", "apply", "decide", "new_state",
]


def decide(state: SessionState, actor: Actor, command, ctx: Context) -> Decision:
    """The events ``command`` causes in ``state``, or a DomainError saying why not."""
    if actor.role is Role.PUBLIC:
        raise Forbidden("forbidden", "a public token can only follow the session", {"role": "public"})
    result = DECIDERS[type(command)](state, actor, command, ctx)
    return result if isinstance(result, Decision) else Decision(events=result)


def apply(state: SessionState, event: Event) -> SessionState:
    """Fold one committed event into ``state`` (in place, for speed) and return it."""
    APPLIERS[type(event)](state, event)
    state.seq = event.seq
    return state


def new_state(created: SessionCreated) -> SessionState:
    """The state right after the ``session.created`` event."""
    return apply(SessionState(id=created.session, agenda=created.agenda), created)
