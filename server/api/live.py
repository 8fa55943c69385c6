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
    Hub,
    Presence,
    seq_of,
)


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
async def live(socket: WebSocket, session_id: str, engine: Engine, hub: Hub, presence: Presence) -> None:
    """Catch up from the log after ``since``, then forward live events; gaps are filled from the log."""
    principal, code, reason = _authorize(socket, session_id)
    if principal is None:
        return await _refuse(socket, code, reason)
    if session_id not in engine.states:
        return await _refuse(socket, CLOSE_UNKNOWN_SESSION, f"no session '{session_id}'")
    raw_since = socket.query_params.get("since", "0")
    if not raw_since.isdigit():
        return await _refuse(socket, CLOSE_BAD_SINCE, f"'since' must be a whole number >= 0, not {raw_since!r}")
    last = int(raw_since)
    await socket.accept()
    subscriber = await hub.subscribe(session_id)
    point = principal.actor.point if principal.actor.role is Role.POINT else None
    if point:
        await presence.connected(session_id, point)
    reader = asyncio.create_task(_drain_inbound(socket))
    # When the follower goes away, wake the loop below with the end-of-stream marker.
    reader.add_done_callback(lambda _: subscriber.put_nowait(None))
    try:
        # Subscribed first, then read the log: anything committed after this read arrives live,
        # anything before it is in the backlog; overlaps are skipped by seq.
        for data in engine.events_since(session_id, last):
            await socket.send_data(data)
        last = max(last, engine.states[session_id].seq)
        async for data in subscriber.iter_events():
            if subscriber.overflowed:
                await socket.close(code=CLOSE_TOO_SLOW, reason=f"too slow: reconnect with since={last}")
                return
            if reader.done():
                return
            if not data:
                continue
            seq = seq_of(data)
            if seq <= last:
                continue
            if seq > last + 1:  # the channel lost something: the log has it
                for missed in engine.events_since(session_id, last)[: seq - last - 1]:
                    await socket.send_data(missed)
            await socket.send_data(data)
            last = seq
    except (WebSocketDisconnect, ConnectionError, RuntimeError):
        return
    finally:
        reader.cancel()
        with contextlib.suppress(Exception):
            await hub.unsubscribe(subscriber)
        if point:
            presence.disconnected(session_id, point)


async def _drain_inbound(socket: WebSocket) -> None:
    """Followers only listen; read (and ignore) what they send so a close is noticed at once."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            await socket.receive_data(mode="text")
