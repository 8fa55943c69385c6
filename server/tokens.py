"""Join tokens: one per role and per person and point; only their hashes are kept."""

from __future__ import annotations

import hashlib
import secrets

import msgspec

from .domain.actor import Actor, Role
from .domain.agenda import Agenda
from .store import TokenRow


class Grant(msgspec.Struct, frozen=True):
    """What a token lets its holder be: a role in a session (or the admin, session None)."""

    session: str | None
    actor: Actor


class SessionTokens(msgspec.Struct):
    """The tokens handed out when a session is created (the 201 body of POST /api/sessions)."""

    chair: str
    secretary: str
    public: str
    people: dict[str, str]
    points: dict[str, str]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(24)


def issue(session: str, agenda: Agenda) -> tuple[SessionTokens, list[TokenRow]]:
    """Fresh tokens for every role, person and point of ``agenda``, and the rows to store."""
    tokens = SessionTokens(
        chair=new_token(),
        secretary=new_token(),
        public=new_token(),
        people={p.id: new_token() for p in agenda.people},
        points={p.id: new_token() for p in agenda.points},
    )
    rows = [
        TokenRow(token_hash(tokens.chair), session, Role.CHAIR.value, agenda.session.chair),
        TokenRow(token_hash(tokens.secretary), session, Role.SECRETARY.value, agenda.session.secretary),
        TokenRow(token_hash(tokens.public), session, Role.PUBLIC.value, None),
    ]
    rows += [TokenRow(token_hash(t), session, Role.PERSON.value, pid) for pid, t in tokens.people.items()]
    rows += [TokenRow(token_hash(t), session, Role.POINT.value, pid) for pid, t in tokens.points.items()]
    return tokens, rows


def grant_of(row: TokenRow) -> Grant:
    role = Role(row.role)
    if role is Role.ADMIN:
        return Grant(None, Actor(role=role))
    if role is Role.POINT:
        return Grant(row.session, Actor(role=role, point=row.subject))
    return Grant(row.session, Actor(role=role, person=row.subject))
