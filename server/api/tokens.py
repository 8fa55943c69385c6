"""POST /api/sessions/{id}/tokens/rotate (admin): a new join link for one role, person or point (or all), the old one revoked."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from ..auth import admin_only
from ..domain.actor import Role
from ..domain.errors import Invalid, NotFound
from ..engine import Engine
from ..tokens import SessionTokens
from .sessions import strict_body


class Rotate(msgspec.Struct, forbid_unknown_fields=True):
    """Which link to replace: ``role`` chair, secretary or public (no subject), person or point (``subject``: its id), or all."""

    role: Literal["chair", "secretary", "public", "person", "point", "all"]
    subject: str | None = None


class Rotated(msgspec.Struct):
    """The new link of one role/subject; the old token is revoked (401 from now on)."""

    role: str
    subject: str | None
    token: str
    link: str


class RotatedAll(msgspec.Struct):
    """Every link of the session, all new (the shape of POST /api/sessions' answer)."""

    id: str
    tokens: SessionTokens


def targets(agenda, role: str, subject: str | None) -> list[tuple[Role, str | None]]:
    """The (role, subject) pairs whose tokens a rotation replaces; raises for an unknown person or point."""
    s = agenda.session
    if role == "all":
        return ([(Role.CHAIR, s.chair), (Role.SECRETARY, s.secretary), (Role.PUBLIC, None)]
                + [(Role.PERSON, p.id) for p in agenda.people] + [(Role.POINT, p.id) for p in agenda.points])
    if role in ("chair", "secretary", "public"):
        own = {"chair": s.chair, "secretary": s.secretary, "public": None}[role]
        if subject not in (None, own):
            raise Invalid("token.subject", f"tokens.rotate: the {role} link has no subject; leave it out", {"role": role})
        return [(Role(role), own)]
    if not subject:
        raise Invalid("token.subject", f"tokens.rotate: name the {role} in 'subject'", {"role": role})
    known = {p.id for p in (agenda.people if role == "person" else agenda.points)}
    if subject not in known:
        code = "person.unknown" if role == "person" else "point.unknown"
        raise NotFound(code, f"no {role} '{subject}' in this session", {role: subject})
    return [(Role(role), subject)]


@post("/api/sessions/{session_id:str}/tokens/rotate", guards=[admin_only], status_code=200,
      before_request=strict_body(Rotate))
async def rotate(
    session_id: FromPath[str], data: JSONBody[Rotate], request: Request, engine: NamedDependency[Engine]
) -> Rotated | RotatedAll:
    """Revoke a join link and return its replacement (``role: all``: every link of the session)."""
    agenda = engine.state(session_id).agenda
    wanted = targets(agenda, data.role, data.subject)
    before = {h for h, g in engine.grants.items() if g.session == session_id}
    fresh = await engine.rotate_tokens(session_id, wanted)
    # An open live stream of a revoked link is closed now (4401), as the edges do on their next look at the token map.
    request.app.state.room.revoke(session_id, before - engine.grants.keys())
    if data.role == "all":
        n = len(agenda.people)
        tokens = SessionTokens(
            chair=fresh[0], secretary=fresh[1], public=fresh[2],
            people={p.id: t for p, t in zip(agenda.people, fresh[3:3 + n])},
            points={p.id: t for p, t in zip(agenda.points, fresh[3 + n:])},
        )
        return RotatedAll(id=session_id, tokens=tokens)
    base = request.app.state.settings.base_url
    return Rotated(role=data.role, subject=wanted[0][1], token=fresh[0], link=f"{base}/join/{fresh[0]}")
