"""What edges ask the primary (admin token): a session's token map and epoch, and the points they hold open."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import post, get
from litestar.di import NamedDependency
from litestar.params import Body, FromPath

from ..auth import admin_only
from ..engine import Engine
from ..live import Presence
from .sessions import strict_body

PRESENCE_TTL_MAX = 120.0  # seconds an edge's report may stand without being renewed, at most


class SessionGrants(msgspec.Struct):
    """A session's head seq, epoch and every live token: ``grants`` maps sha256(token) -> [role, person, point]."""

    seq: int
    epoch: str
    grants: dict[str, list[str | None]]


class EdgePresence(msgspec.Struct, forbid_unknown_fields=True):
    """The points an edge holds open, per session; the report lapses after ``ttl`` seconds unless renewed."""

    edge: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    held: dict[str, list[str]]
    ttl: Annotated[float, msgspec.Meta(gt=0, le=PRESENCE_TTL_MAX)] = 15.0


@get("/api/sessions/{session_id:str}/grants", guards=[admin_only], include_in_schema=True)
async def grants(session_id: FromPath[str], engine: NamedDependency[Engine]) -> SessionGrants:
    """For an edge: the tokens of the session (hashes only), with its head seq and epoch; 404 for an unknown session."""
    state = engine.state(session_id)
    mine = {h: [g.actor.role.value, g.actor.person, g.actor.point] for h, g in engine.grants.items()
            if g.session == session_id}
    return SessionGrants(seq=state.seq, epoch=engine.epochs.get(session_id, ""), grants=mine)


@post("/api/edges/presence", guards=[admin_only], status_code=200, before_request=strict_body(EdgePresence))
async def presence(data: Annotated[EdgePresence, Body()], presence: NamedDependency[Presence],
                   engine: NamedDependency[Engine]) -> dict:
    """An edge's points held open: the primary, the one writer of point.online/offline, counts them with its own."""
    held = {s: [p for p in points if engine.states[s].point(p) is not None]
            for s, points in data.held.items() if s in engine.states}
    await presence.remote(data.edge, held, data.ttl)
    return {"edge": data.edge, "held": sum(len(p) for p in held.values())}
