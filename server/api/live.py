"""WS /api/sessions/{id}/live?since=N: the events after N, then live, one JSON event per message."""

from __future__ import annotations

import asyncio
import contextlib

from litestar import WebSocket, websocket
from litestar.exceptions import HTTPException, WebSocketDisconnect

from ..auth import Principal, resolve, same_origin
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
    seq_of,
)

CLOSE_WAIT = 2.0  # seconds a cut-off follower gets to take its close frame; then the keepalive ends it


async def _refuse(socket: WebSocket, code: int, reason: str) -> None:
    # Accept first so the client gets our code and reason, not a bare HTTP 403 handshake refusal.
    await socket.accept()
    await socket.close(code=code, reason=reason)


def _authorize(socket: WebSocket, session_id: str) -> tuple[Principal | None, int, str]:
    try:
        principal = resolve(socket, socket.app.state.admin_token, allow_query=True)
    except HTTPException as exc:
        return None, CLOSE_UNAUTHORIZED, exc.detail
    if principal.via == "cookie" and not same_origin(socket):
        return None, CLOSE_FORBIDDEN, "cross-site WebSocket refused: the Origin is not this server"
    if principal.actor.role is not Role.ADMIN and principal.grant.session != session_id:
        return None, CLOSE_FORBIDDEN, f"this token is not for session '{session_id}'"
    return principal, 0, ""


@websocket("/api/sessions/{session_id:str}/live", exclude_from_auth=True)
async def live(socket: WebSocket, session_id: str) -> None:
    """Catch up from the log after ``since``, then forward live events; gaps are filled from the log."""
    # From app.state rather than dependency injection: Litestar resolves dependencies in an anyio
    # task group per connection, a cost a reconnect storm of thousands pays in full.
    state = socket.app.state
    engine: Engine = state.engine
    hub: Hub = state.hub
    presence: Presence = state.presence
    principal, code, reason = _authorize(socket, session_id)
    if principal is None:
        return await _refuse(socket, code, reason)
    if session_id not in engine.states:
        return await _refuse(socket, CLOSE_UNKNOWN_SESSION, f"no session '{session_id}'")
    raw_since = socket.query_params.get("since", "0")
    if not raw_since.isdigit():
        return await _refuse(socket, CLOSE_BAD_SINCE, f"'since' must be a whole number >= 0, not {raw_since!r}")
    since, head = int(raw_since), engine.states[session_id].seq
    if since > head:
        return await _refuse(socket, CLOSE_BAD_SINCE, f"'since' is {since} but the log ends at seq {head}")
    await socket.accept()
    subscriber: FollowerSubscriber = await hub.subscribe(session_id)
    handler = asyncio.current_task()
    point = principal.actor.point if principal.actor.role is Role.POINT else None
    if point:
        await presence.connected(session_id, point)
    reader = asyncio.create_task(_drain_inbound(socket))
    # When the follower goes away, wake the forwarding loop with the end-of-stream marker.
    reader.add_done_callback(lambda _: subscriber.put_nowait(None))
    subscriber.forwarded = since
    subscriber.behind = lambda: engine.states[session_id].seq > subscriber.forwarded
    try:
        subscriber.on_overflow = handler.cancel  # interrupts even a send held up by a full socket
        if subscriber.overflowed:  # already, while presence was being recorded
            handler.cancel()
        await _forward(socket, engine, session_id, subscriber)
    except asyncio.CancelledError:
        if not subscriber.overflowed:
            raise
        handler.uncancel()
        reason = f"too slow: reconnect with since={subscriber.forwarded}"
        with contextlib.suppress(Exception):
            await asyncio.wait_for(socket.close(code=CLOSE_TOO_SLOW, reason=reason), CLOSE_WAIT)
    except (WebSocketDisconnect, OSError, RuntimeError):
        return
    finally:
        subscriber.on_overflow = None
        reader.cancel()
        with contextlib.suppress(Exception):
            await hub.unsubscribe(subscriber)
        if point:
            presence.disconnected(session_id, point)


async def _forward(socket: WebSocket, engine: Engine, session_id: str, subscriber: FollowerSubscriber) -> None:
    """Send the log after ``subscriber.forwarded``, then each live event once and in order, until the end marker."""
    # Subscribed first, then read the log: anything committed after this read arrives live,
    # anything before it may also be in the backlog; overlaps are skipped by seq.
    await _from_log(socket, engine, session_id, subscriber)
    queue = subscriber._queue
    while True:
        if queue.empty():  # idle and caught up: the fan-out may write to this follower directly
            subscriber.direct = socket.send
            try:
                data = await queue.get()
            finally:
                subscriber.direct = None
        else:
            data = queue.get_nowait()
        if data is None:  # the end marker
            return
        if not data:  # the watchdog's wake-up: the channel lost the last event(s)
            await _from_log(socket, engine, session_id, subscriber)
            continue
        seq = seq_of(data)
        if seq <= subscriber.forwarded:
            continue
        if seq > subscriber.forwarded + 1:  # the channel lost something: the log has it
            await _from_log(socket, engine, session_id, subscriber, until=seq - 1)
        await socket.send_data(data)
        subscriber.forwarded = seq


async def _from_log(socket: WebSocket, engine: Engine, session_id: str, subscriber: FollowerSubscriber,
                    until: int | None = None) -> None:
    """Send the committed events after ``subscriber.forwarded`` (up to seq ``until``) from the log."""
    events = engine.events_since(session_id, subscriber.forwarded)
    for data in events if until is None else events[: until - subscriber.forwarded]:
        await socket.send_data(data)
        subscriber.forwarded += 1


async def _drain_inbound(socket: WebSocket) -> None:
    """Followers only listen; read (and ignore) what they send so a close is noticed at once."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
        while True:
            await socket.receive_data(mode="text")
