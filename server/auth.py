"""Tokens in, roles out: Bearer header, the session cookie, or ``?token=`` on the WebSocket.

A wrong or missing token is 401; a right token for another session or role is 403. A command
carried by the cookie must come from our own origin (SameSite=Strict plus an Origin check),
so another site cannot make a member's browser act for them.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from urllib.parse import urlsplit

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from .domain.actor import Actor, Role, a_role
from .tokens import Grant

COOKIE = "phienhop_token"  # the one cookie of older pages; still read when a request names no tab key
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
TAB_KEY = re.compile(r"^[0-9a-f]{16}$")


def tab_key(token: str) -> str:
    """The name a join link's cookie goes by: 16 hex digits of the token's hash (not the token).

    Each join sets its own cookie ``phienhop_<key>`` and sends the page ``?as=<key>``; a page
    names its key on every request (header ``X-Phienhop-As``, or ``as=`` in the query for the
    WebSocket and links), so a chair tab and a member tab in one browser each keep their role.
    """
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def tab_cookie(key: str) -> str:
    return f"phienhop_{key}"


class Principal(msgspec.Struct, frozen=True):
    """The authenticated caller and how its token arrived (``bearer``, ``cookie`` or ``query``)."""

    grant: Grant
    via: str

    @property
    def actor(self) -> Actor:
        return self.grant.actor


def _raw_header(connection: ASGIConnection, name: bytes) -> str:
    """One request header, or "": from the ASGI scope for Litestar's connections (names are lower-case there).

    Cheaper than Litestar's ``connection.headers``, which builds a case-insensitive multidict per
    request; the live stream's handshake (``api.live``) already holds its headers as a dict.
    """
    if not isinstance(connection, ASGIConnection):
        return connection.headers.get(name.decode("latin-1"), "")
    for key, value in connection.scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


def token_from(connection: ASGIConnection, allow_query: bool) -> tuple[str | None, str]:
    header = _raw_header(connection, b"authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise NotAuthorizedException(detail="Authorization header must be 'Bearer <token>'")
        return value.strip(), "bearer"
    if allow_query and connection.query_params.get("token"):
        return connection.query_params["token"], "query"
    if not _raw_header(connection, b"cookie"):
        return None, ""
    key = _raw_header(connection, b"x-phienhop-as") or connection.query_params.get("as")
    if key:
        # A tab that names its key uses that cookie or none: never another role's cookie.
        cookie = connection.cookies.get(tab_cookie(key)) if TAB_KEY.match(key) else None
        if not cookie:
            raise NotAuthorizedException(detail="this tab's join cookie is gone: open your join link again")
        return cookie, "cookie"
    cookie = connection.cookies.get(COOKIE)
    if cookie:
        return cookie, "cookie"
    return None, ""


def resolve(connection: ASGIConnection, admin_token: str, allow_query: bool = False) -> Principal:
    """The caller's Principal; raises 401 with a clear detail when there is none."""
    token, via = token_from(connection, allow_query)
    if not token:
        raise NotAuthorizedException(detail="no token: send 'Authorization: Bearer <token>' or open your join link")
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Principal(Grant(None, Actor(role=Role.ADMIN)), via)
    grant = connection.app.state.engine.grant(token)
    if grant is None:
        raise NotAuthorizedException(detail="unknown token: check the link or ask the admin for a new one")
    return Principal(grant, via)


def same_origin(connection: ASGIConnection) -> bool:
    """True when the request's Origin (or Referer) is this server: its Host, or PHIENHOP_PUBLIC_URL.

    The public URL lets a reverse proxy that rewrites Host still pass the check.
    """
    theirs = origin_of(connection.headers.get("origin") or connection.headers.get("referer") or "")
    if theirs is None:
        return False
    scheme = (getattr(connection, "scope", None) or {}).get("scheme", "http")
    if theirs == origin_of(f"{scheme}://{connection.headers.get('host', '')}"):
        return True
    public = getattr(connection.app.state, "settings", None)
    return bool(public and public.public_url) and theirs == origin_of(public.public_url)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> tuple[str, str, int] | None:
    """``(scheme, host, port)`` of an http(s) or ws(s) URL, lower-cased, with the default port filled in; None if it is not one."""
    try:
        parts = urlsplit(url.strip())
        scheme = {"ws": "http", "wss": "https"}.get(parts.scheme.lower(), parts.scheme.lower())
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return None
        return scheme, parts.hostname.lower(), parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:  # a port that is not a number, or out of range
        return None


class TokenAuth(AbstractAuthenticationMiddleware):
    """Authenticates every HTTP route not marked ``exclude_from_auth``.

    A route with a ``{session_id}`` in its path is also checked here for the token's session
    (403 otherwise), as ``of_this_session`` does as a guard: the commands route relies on this
    check alone, because Litestar copies the route handler for every guard on every request.
    """

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        principal = resolve(connection, connection.app.state.admin_token)
        if principal.via == "cookie" and connection.scope.get("method", "GET") not in SAFE_METHODS:
            if not same_origin(connection):
                raise PermissionDeniedException(detail="cross-site request refused: the Origin is not this server")
        session = connection.scope.get("path_params", {}).get("session_id")
        if session is not None and principal.grant.session != session and principal.actor.role is not Role.ADMIN:
            raise PermissionDeniedException(detail=f"this token is not for session '{session}'")
        if session is not None:  # a closed session is loaded on first touch, before any handler reads it
            await connection.app.state.engine.ensure(session)
        return AuthenticationResult(user=principal, auth=principal.via)


# -- guards: async, because Litestar runs a sync guard in a worker thread on every request ----


async def admin_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.user.actor.role is not Role.ADMIN:
        raise PermissionDeniedException(detail="this needs the admin token")


async def of_this_session(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The token must belong to the session in the path (the admin may read any)."""
    principal: Principal = connection.user
    session = connection.path_params.get("session_id")
    if principal.actor.role is Role.ADMIN:
        return
    if principal.grant.session != session:
        raise PermissionDeniedException(detail=f"this token is not for session '{session}'")


def roles(*allowed: Role):
    """A guard that lets only ``allowed`` roles through."""

    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        role = connection.user.actor.role
        if role not in allowed:
            names = ", ".join(r.value for r in allowed)
            raise PermissionDeniedException(detail=f"this is for the {names}; {a_role(role)} token may not")

    return guard
