"""The session view: what the live handler needs to know about a session, wherever it runs.

Head seq, epoch, the events after a seq (per audience) and the grant behind a token. The
primary answers from its engine's memory (``LocalView``); an edge answers from its relay and
the primary's HTTP API (``edge.RemoteView``). The live handler sees only this and the room.
"""

from __future__ import annotations

import abc
import hmac

from .domain.actor import Actor, Role
from .domain.audiences import Audience
from .tokens import Grant

ADMIN_GRANT = Grant(None, Actor(role=Role.ADMIN))


class SessionView(abc.ABC):
    """Read-only facts about sessions, for the live stream."""

    @abc.abstractmethod
    async def head(self, session: str, at_least: int = 0) -> int | None:
        """The session's last committed seq; None when there is no such session.

        ``at_least``: the seq a follower already holds; a view that may lag (an edge) checks again when below it.
        """

    @abc.abstractmethod
    async def epoch(self, session: str) -> str | None:
        """The hash of the session's first event (its *epoch*); None when unknown."""

    @abc.abstractmethod
    async def events_since(self, session: str, since: int, audience: Audience, until: int | None = None) -> list[bytes]:
        """The committed events with ``since`` < seq (<= ``until``), in order, as ``audience`` reads them."""

    @abc.abstractmethod
    async def grant(self, session: str, token: str) -> Grant | None:
        """What ``token`` may be (the admin's grant for the admin token); None for an unknown token."""


class LocalView(SessionView):
    """The primary's view: its engine's committed memory, no I/O."""

    def __init__(self, engine, admin_token: str) -> None:
        self.engine = engine
        self.admin_token = admin_token

    async def head(self, session: str, at_least: int = 0) -> int | None:
        if not await self.engine.ensure(session):  # loads a closed session on first touch
            return None
        state = self.engine.states.get(session)
        return state.seq if state is not None else None

    async def epoch(self, session: str) -> str | None:
        return self.engine.epochs.get(session)

    async def events_since(self, session: str, since: int, audience: Audience, until: int | None = None) -> list[bytes]:
        events = self.engine.events_since(session, since, audience)
        return events[: until - since] if until is not None else events

    async def grant(self, session: str, token: str) -> Grant | None:
        if self.admin_token and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return ADMIN_GRANT
        return self.engine.grant(token)
