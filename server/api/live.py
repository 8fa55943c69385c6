"""WS /api/sessions/{id}/live?since=N: the events after N, then live, one JSON event per message.

A plain ASGI app that ``app.App`` serves ahead of Litestar's routing and middleware. A follower
is one long connection and a reconnect storm opens thousands at once: Litestar's middleware
stack, WebSocket wrapper and signature model cost more CPU per connection than the rest of the
handshake, and its send wrappers would run again for every event to every follower. Auth is
``auth.resolve``, the API's own, read through ``Handshake``; uvicorn enforces the inbound size
limit (1009) and runs the keepalive pings (1011).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Callable
from urllib.parse import unquote, unquote_plus

from litestar.exceptions import HTTPException

from ..auth import Principal, resolve, same_origin
from .sessions import since_beyond_head
from ..domain.actor import Role
from ..engine import Engine
from ..live import (
    CLOSE_BAD_SINCE,
    CLOSE_FORBIDDEN,
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHORIZED,
    CLOSE_UNKNOWN_SESSION,
    FollowerSubscriber,
    Hub,
    Presence,
    text_frame,
    frame_writer,
    seq_of,
)

_SINCE = re.compile(r"[0-9]{1,18}")
CLOSE_WAIT = 2.0  # seconds a cut-off follower gets to take its close frame; then the keepalive ends it
CATCH_UP_WRITE = 64 * 1024  # bytes of catch-up frames written at once while the socket takes them
PREFIX, SUFFIX = "/api/sessions/", "/live"
ACCEPT = {"type": "websocket.accept"}


def session_of(path: str) -> str | None:
    """The session id in a live stream's path; None for any other path."""
    if path.startswith(PREFIX) and path.endswith(SUFFIX):
        session = path[len(PREFIX):-len(SUFFIX)]
        if session and "/" not in session:
            return session
    return None


class Handshake:
    """What ``auth`` reads of a connection (headers, query, cookies, app), straight from the ASGI scope."""

    __slots__ = ("app", "headers", "query_params")

    def __init__(self, scope: dict, app) -> None:
        self.app = app
        self.headers: dict[str, str] = {}
        for name, value in scope["headers"]:
            self.headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
        self.query_params: dict[str, str] = {}
        for part in scope["query_string"].decode("latin-1").split("&"):
            name, _, value = part.partition("=")
            if "%" in part or "+" in part:
                name, value = unquote_plus(name), unquote_plus(value)
            self.query_params.setdefault(name, value)

    @property
    def cookies(self) -> dict[str, str]:
        cookies = {}
        for part in self.headers.get("cookie", "").split(";"):
            name, eq, value = part.partition("=")
            if eq:
                cookies[name.strip()] = unquote(value.strip().strip('"'))
        return cookies


def _authorize(hello: Handshake, session_id: str) -> tuple[Principal | None, int, str]:
    try:
        principal = resolve(hello, hello.app.state.admin_token, allow_query=True)
    except HTTPException as exc:
        return None, CLOSE_UNAUTHORIZED, exc.detail
    if principal.via == "cookie" and not same_origin(hello):
        return None, CLOSE_FORBIDDEN, "cross-site WebSocket refused: the Origin is not this server"
    if principal.actor.role is not Role.ADMIN and principal.grant.session != session_id:
        return None, CLOSE_FORBIDDEN, f"this token is not for session '{session_id}'"
    return principal, 0, ""


async def _refuse(send: Callable, code: int, reason: str) -> None:
    # Accept first so the client gets our code and reason, not a bare HTTP 403 handshake refusal.
    await send(ACCEPT)
    await send({"type": "websocket.close", "code": code, "reason": reason})


def _message(data: bytes) -> dict:
    return {"type": "websocket.send", "text": data.decode()}


async def serve(scope: dict, receive: Callable, send: Callable, app) -> None:
    """Catch up from the log after ``since``, then forward live events; gaps are filled from the log."""
    if (await receive())["type"] != "websocket.connect":
        return
    session_id = session_of(scope["path"])
    engine: Engine = app.state.engine
    hub: Hub = app.state.hub
    presence: Presence = app.state.presence
    hello = Handshake(scope, app)
    principal, code, reason = _authorize(hello, session_id)
    if principal is None:
        return await _refuse(send, code, reason)
    if not await engine.ensure(session_id):  # loads a closed session on first touch
        return await _refuse(send, CLOSE_UNKNOWN_SESSION, f"no session '{session_id}'")
    raw_since = hello.query_params.get("since", "0")
    # ASCII digits only: str.isdigit() takes '²' (which int() refuses) and '٣' (which int() reads as 3).
    if not _SINCE.fullmatch(raw_since):
        return await _refuse(send, CLOSE_BAD_SINCE, f"'since' must be a whole number >= 0, not {raw_since!r}")
    since, head = int(raw_since), engine.states[session_id].seq
    if since > head:
        return await _refuse(send, CLOSE_BAD_SINCE, since_beyond_head(since, head))
    await send(ACCEPT)
    handler = asyncio.current_task()
    point = principal.actor.point if principal.actor.role is Role.POINT else None
    # Everything taken from here on is given back in the ``finally``, also when the task is
    # cancelled while it is being set up (a subscriber or a point counted as connected would
    # otherwise stay for good, and the point online with it).
    subscriber: FollowerSubscriber | None = None
    reader: asyncio.Task | None = None
    counted = False
    try:
        subscriber = await hub.subscribe(session_id)
        if point:
            counted = True  # connected() counts the connection before its first await
            await presence.connected(session_id, point)
        reader = asyncio.create_task(_drain_inbound(receive))
        # When the follower goes away, wake the forwarding loop with the end-of-stream marker.
        reader.add_done_callback(lambda _: subscriber.put_nowait(None))
        subscriber.forwarded = since
        subscriber.behind = lambda: engine.states[session_id].seq > subscriber.forwarded
        out = _Out(send)
        subscriber.on_overflow = handler.cancel  # interrupts even a send held up by a full socket
        if subscriber.overflowed:  # already, while presence was being recorded
            handler.cancel()
        await _forward(out, engine, session_id, subscriber)
    except asyncio.CancelledError:
        if subscriber is None or not subscriber.overflowed:
            raise
        handler.uncancel()
        reason = f"too slow: reconnect with since={subscriber.forwarded}"
        with contextlib.suppress(Exception):
            await asyncio.wait_for(send({"type": "websocket.close", "code": CLOSE_TOO_SLOW, "reason": reason}),
                                   CLOSE_WAIT)
    except (OSError, RuntimeError):  # the follower went away (uvicorn's ClientDisconnected is an OSError)
        return
    finally:
        if reader is not None:
            reader.cancel()
        if subscriber is not None:
            subscriber.on_overflow = None
            with contextlib.suppress(Exception):
                await hub.unsubscribe(subscriber)
        if counted:
            presence.disconnected(session_id, point)


class _Out:
    """One follower's outbound side: frames written straight to the socket when it takes them, else ``send``."""

    __slots__ = ("send", "raw")

    def __init__(self, send: Callable) -> None:
        self.send = send
        # None when not under uvicorn's websockets-sansio. Only a frame written straight to the
        # transport is known to be all or nothing, so elsewhere fan-out takes the queued path.
        self.raw = frame_writer(send)

    async def event(self, data: bytes) -> None:
        if self.raw is None or not self.raw(text_frame(data)):
            await self.send(_message(data))


async def _forward(out: _Out, engine: Engine, session_id: str, subscriber: FollowerSubscriber) -> None:
    """Send the log after ``subscriber.forwarded``, then each live event once and in order, until the end marker."""
    # Subscribed first, then read the log: anything committed after this read arrives live,
    # anything before it may also be in the backlog; overlaps are skipped by seq.
    await _from_log(out, engine, session_id, subscriber)
    queue = subscriber._queue
    while True:
        if queue.empty():  # idle and caught up: the fan-out may write to this follower directly
            subscriber.direct = out.raw
            try:
                data = await queue.get()
            finally:
                subscriber.direct = None
        else:
            data = queue.get_nowait()
        if data is None:  # the end marker
            return
        if not data:  # the watchdog's wake-up: the channel lost the last event(s)
            await _from_log(out, engine, session_id, subscriber)
            continue
        seq = seq_of(data)
        if seq <= subscriber.forwarded:
            continue
        if seq > subscriber.forwarded + 1:  # the channel lost something: the log has it
            await _from_log(out, engine, session_id, subscriber, until=seq - 1)
        await out.event(data)
        subscriber.forwarded = seq


async def _from_log(out: _Out, engine: Engine, session_id: str, subscriber: FollowerSubscriber,
                    until: int | None = None) -> None:
    """Send the committed events after ``subscriber.forwarded`` (up to seq ``until``) from the log.

    While the socket takes them, up to CATCH_UP_WRITE bytes of frames go in one write: a storm
    of followers resuming from tens of events back costs a write each, not one per event.
    """
    events = engine.events_since(session_id, subscriber.forwarded)
    if until is not None:
        events = events[: until - subscriber.forwarded]
    i = 0
    while i < len(events):
        if out.raw is not None:
            parts, size, j = [], 0, i
            while j < len(events) and size < CATCH_UP_WRITE:
                parts.append(text_frame(events[j]))
                size += len(events[j])
                j += 1
            if out.raw(b"".join(parts)):
                subscriber.forwarded += j - i
                i = j
                continue
        await out.send(_message(events[i]))  # waits while the socket is full, or raises once it is gone
        subscriber.forwarded += 1
        i += 1


async def _drain_inbound(receive: Callable) -> None:
    """Followers only listen; read (and ignore) what they send so a close is noticed at once."""
    while (await receive())["type"] != "websocket.disconnect":
        pass
