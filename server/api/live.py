"""WS /api/sessions/{id}/live?since=N[&epoch=H]: the events after N, then live, one JSON event per message.

A plain ASGI app (``handler``) that the primary (``app.Routes``) and an edge (``edge.py``) both
serve ahead of everything else. A follower is one long connection and a reconnect storm opens
thousands at once: Litestar's middleware stack, WebSocket wrapper and signature model cost more
CPU per connection than the rest of the handshake. The handler sees only a ``LiveContext``: the
session view (head, epoch, events, tokens), the room (fan-out) and presence. Auth reads the
token as the API does (``auth.token_from``); uvicorn enforces the inbound size limit (1009) and
runs the keepalive pings (1011).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Callable
from urllib.parse import unquote, unquote_plus

import msgspec
from litestar.exceptions import HTTPException

from .. import faults
from ..auth import same_origin, token_from
from ..domain.actor import Role
from ..domain.audiences import audience_of
from ..live import (
    CLOSE_BAD_SINCE,
    CLOSE_FORBIDDEN,
    CLOSE_HISTORY_CHANGED,
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHORIZED,
    CLOSE_UNKNOWN_SESSION,
    CLOSE_WAIT,
    REVOKED,
    Follower,
    Presence,
    RawSocket,
    Room,
)
from ..relay import text_frame
from ..tokens import Grant, token_hash
from ..view import SessionView
from .sessions import SINCE, since_beyond_head, since_not_a_number, since_repeated

log = logging.getLogger("phienhop.live")

CATCH_UP_WRITE = 64 * 1024  # bytes of catch-up frames written at once while the socket takes them
PREFIX, SUFFIX = "/api/sessions/", "/live"
ACCEPT = {"type": "websocket.accept"}
SETUP_PAUSE = float(faults.value("live-setup-pause") or 0)  # tests only: a cancel while a connection is set up
ADMIT_HOLD = faults.value("live-admit-hold")  # tests only: a rotation between the token check and the join


class LiveContext(msgspec.Struct):
    """What the live handler works with: the view of sessions, the room, presence, and the settings."""

    view: SessionView
    room: Room
    presence: Presence
    settings: object  # settings.Settings: public_url for the Origin check

    @property
    def state(self):  # ``auth.same_origin`` reads ``connection.app.state.settings``
        return self


def session_of(path: str) -> str | None:
    """The session id in a live stream's path; None for any other path."""
    if path.startswith(PREFIX) and path.endswith(SUFFIX):
        session = path[len(PREFIX):-len(SUFFIX)]
        if session and "/" not in session:
            return session
    return None


class Handshake:
    """What ``auth`` reads of a connection (headers, query, cookies, app), straight from the ASGI scope."""

    __slots__ = ("app", "headers", "query_params", "token", "repeated")

    def __init__(self, scope: dict, app) -> None:
        self.app = app
        self.token: str | None = None
        self.headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            self.headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        self.query_params: dict[str, str] = {}
        self.repeated: dict[str, int] = {}  # names given more than once: how many times
        for part in scope["query_string"].decode("latin-1").split("&"):
            name, _, value = part.partition("=")
            if "%" in part or "+" in part:
                name, value = unquote_plus(name), unquote_plus(value)
            if name in self.query_params:
                self.repeated[name] = self.repeated.get(name, 1) + 1
            else:
                self.query_params[name] = value

    @property
    def cookies(self) -> dict[str, str]:
        cookies = {}
        for part in self.headers.get("cookie", "").split(";"):
            name, eq, value = part.partition("=")
            if eq:
                cookies[name.strip()] = unquote(value.strip().strip('"'))
        return cookies


async def _authorize(hello: Handshake, ctx: LiveContext, session_id: str) -> tuple[Grant | None, int, str]:
    try:
        token, via = token_from(hello, allow_query=True)
    except HTTPException as exc:
        return None, CLOSE_UNAUTHORIZED, exc.detail
    hello.token = token
    if not token:
        return None, CLOSE_UNAUTHORIZED, "no token: send 'Authorization: Bearer <token>' or open your join link"
    grant = await ctx.view.grant(session_id, token)
    if grant is None:
        return None, CLOSE_UNAUTHORIZED, "unknown token: check the link or ask the admin for a new one"
    if via == "cookie" and not same_origin(hello):
        return None, CLOSE_FORBIDDEN, "cross-site WebSocket refused: the Origin is not this server"
    if grant.actor.role is not Role.ADMIN and grant.session != session_id:
        return None, CLOSE_FORBIDDEN, f"this token is not for session '{session_id}'"
    return grant, 0, ""


async def _refuse(send: Callable, code: int, reason: str) -> None:
    # Accept first so the client gets our code and reason, not a bare HTTP 403 handshake refusal.
    await send(ACCEPT)
    await send({"type": "websocket.close", "code": code, "reason": reason})


def _message(data: bytes) -> dict:
    return {"type": "websocket.send", "text": data.decode()}


async def serve(scope: dict, receive: Callable, send: Callable, ctx: LiveContext) -> None:
    """Catch up from the view after ``since``, then forward live entries in seq order; holes are filled from the view."""
    if (await receive())["type"] != "websocket.connect":
        return
    session_id = session_of(scope["path"])
    hello = Handshake(scope, ctx)
    grant, code, reason = await _authorize(hello, ctx, session_id)
    if grant is None:
        return await _refuse(send, code, reason)
    view, room, presence = ctx.view, ctx.room, ctx.presence
    raw_since = hello.query_params.get("since", "0")
    good_since = SINCE.fullmatch(raw_since) is not None  # ASCII digits only (see sessions.SINCE)
    head = await view.head(session_id, at_least=int(raw_since) if good_since else 0)
    if head is None:
        return await _refuse(send, CLOSE_UNKNOWN_SESSION, f"no session '{session_id}'")
    if not good_since:
        return await _refuse(send, CLOSE_BAD_SINCE, since_not_a_number(raw_since))
    if "since" in hello.repeated:
        return await _refuse(send, CLOSE_BAD_SINCE, since_repeated(hello.repeated["since"]))
    since = int(raw_since)
    # The epoch first: in another history a ``since`` means nothing (it may well be past this head).
    epoch = hello.query_params.get("epoch")
    if epoch and epoch != await view.epoch(session_id):
        return await _refuse(send, CLOSE_HISTORY_CHANGED,
                             "history changed: this session's log is not the one you followed; reload from since=0")
    if since > head:
        return await _refuse(send, CLOSE_BAD_SINCE, since_beyond_head(since, head))
    token = hello.token
    if ADMIT_HOLD:
        await _hold(ADMIT_HOLD)
    # Admitted: what the handshake read (its copies of the headers and the query) is let go, and so
    # are the request headers in the scope: nobody reads them again, and an idle follower is
    # mostly what it keeps (bench/fanout.py: RSS per idle follower).
    del hello
    scope["headers"] = []
    await send(ACCEPT)
    follower = room.join(session_id, audience_of(grant.actor.role), since)
    follower.token = token_hash(token)
    follower.raw = raw = RawSocket.of(send)
    if raw is not None:  # a peer that stops reading is let go by the kernel too, even once uvicorn has closed it
        raw.drop_after(room.stall_limit)
        raw.forget_handshake()
    handler = asyncio.current_task()
    point = grant.actor.point if grant.actor.role is Role.POINT else None
    gone = False
    try:
        follower.on_cut = handler.cancel  # interrupts even a send held up by a full socket
        # The token was checked before the awaits above; a rotation that committed since cut the
        # room's followers, not this one, which was not in it yet. Asked again now that it is in.
        if await view.grant(session_id, token) is None:
            follower.cut(CLOSE_UNAUTHORIZED, REVOKED)
        del token
        if point:
            await presence.connected(session_id, point)
        if SETUP_PAUSE:
            await asyncio.sleep(SETUP_PAUSE)
        if follower.cut_off is not None:  # already, while presence was being recorded
            handler.cancel()
        await _forward(send, receive, raw, view, follower, handler)
    except asyncio.CancelledError:
        if follower.cut_off is None:
            raise
        handler.uncancel()
        code, reason = follower.cut_off
        reason = reason or f"too slow: reconnect with since={follower.forwarded}"
        with contextlib.suppress(Exception):
            await asyncio.wait_for(send({"type": "websocket.close", "code": code, "reason": reason}), CLOSE_WAIT)
    except (OSError, RuntimeError):  # the follower went away (uvicorn's ClientDisconnected is an OSError)
        gone = True
    finally:
        follower.on_cut = None
        room.leave(follower)
        if point:
            presence.disconnected(session_id, point)
        if raw is not None and not gone:
            _abort_unless_drained(raw, now=follower.cut_off is not None)


async def _hold(path: str) -> None:
    """The live-admit-hold fault: wait until ``path`` exists."""
    import os

    log.warning("live-admit-hold: holding until %s exists", path)
    while not os.path.exists(path):
        await asyncio.sleep(0.05)


def _abort_unless_drained(raw: RawSocket, now: bool) -> None:
    """Abort a connection whose peer has not taken what was sent (it may never read): ``now``, and again after ``CLOSE_WAIT``."""
    def check() -> None:
        with contextlib.suppress(Exception):
            if raw.buffered():
                raw.abort()

    if now:
        check()
    asyncio.get_running_loop().call_later(CLOSE_WAIT, check)


async def _forward(send: Callable, receive: Callable, raw: RawSocket | None, view: SessionView, follower: Follower,
                   handler: asyncio.Task) -> None:
    """Send the log after ``follower.forwarded``, then each live entry once and in order, until the follower leaves."""
    # Joined first, then read the log: anything committed after this read arrives live, anything
    # before it may also be queued; overlaps are skipped by seq.
    await _from_view(send, raw, view, follower)
    audience = follower.audience
    while True:
        if not follower.queued():  # idle and caught up: the fan-out may write to this follower directly
            if not await _park(receive, raw, follower, handler):
                return  # the follower went away
            continue
        entry = follower.take()
        if entry is None:  # the end marker
            return
        seq = entry.seq
        if seq <= follower.forwarded:
            continue
        if seq > follower.forwarded + 1:  # a hole: the view has it
            await _from_view(send, raw, view, follower, until=seq - 1)
            if seq <= follower.forwarded:
                continue
        if raw is None or not raw.write(entry.frame(audience)):
            await send(_message(entry.data(audience)))  # waits while the socket is full, or raises once it is gone
        follower.forwarded = seq


async def _from_view(send: Callable, raw: RawSocket | None, view: SessionView, follower: Follower,
                     until: int | None = None) -> None:
    """Send the committed events after ``follower.forwarded`` (up to seq ``until``) from the view.

    While the socket takes them, up to CATCH_UP_WRITE bytes of frames go in one write: a storm
    of followers resuming from tens of events back costs a write each, not one per event.
    """
    events = await view.events_since(follower.session, follower.forwarded, follower.audience, until)
    i = 0
    while i < len(events):
        if raw is not None:
            parts, size, j = [], 0, i
            while j < len(events) and size < CATCH_UP_WRITE:
                parts.append(text_frame(events[j]))
                size += len(events[j])
                j += 1
            if raw.write(b"".join(parts)):
                follower.forwarded += j - i
                i = j
                continue
        await send(_message(events[i]))  # waits while the socket is full, or raises once it is gone
        follower.forwarded += 1
        i += 1


async def _park(receive: Callable, raw: RawSocket | None, follower: Follower, handler: asyncio.Task) -> bool:
    """Wait, idle and caught up, reading the socket: True once an entry is queued, False once the follower went away.

    Followers only listen: what they send is read and ignored, so a close is noticed at once. The
    fan-out writes straight to the socket meanwhile; when it queues an entry instead it wakes this
    handler by cancelling the read (``Follower.park``), which this undoes. A cut, or a cancellation
    from elsewhere (shutdown), goes on up.
    """
    follower.park(handler.cancel, raw.write if raw is not None else None)
    try:
        while (await receive())["type"] != "websocket.disconnect":
            pass
    except asyncio.CancelledError:
        if follower.unpark() and follower.cut_off is None:
            handler.uncancel()
            return True
        raise
    finally:
        follower.unpark()
    return False
