"""The one private path on the live stream: under ``phienhop serve``'s uvicorn, frames go straight to the socket.

``live.RawSocket`` reads uvicorn's websockets-sansio protocol (its transport, connection state
and flow control) and lets go of the handshake's request and response it keeps. This test fails
the day an upgrade takes that away, instead of the fan-out silently falling back to the slower
ASGI ``send`` (or each follower silently holding its handshake again); ``pyproject.toml`` caps
uvicorn below the next minor version so that day is a deliberate one.
"""

from __future__ import annotations

import asyncio
import json

import httpx
import msgspec
import uvicorn
from websockets.asyncio.client import connect

from phienhop.server.app import create_app
from phienhop.server.live import RawSocket
from phienhop.server.serving import uvicorn_config
from phienhop.server.settings import Settings

from ..support import ADMIN, free_port, small_agenda


async def _until(condition, what: str, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def test_live_frames_are_written_straight_to_uvicorn_s_transport(tmp_path, monkeypatch):
    """A follower under the serve configuration has a RawSocket with its handshake let go, and a live event reaches it through RawSocket.write."""
    written = []
    original = RawSocket.write

    def counting(self, frame: bytes) -> bool:
        ok = original(self, frame)
        written.append(ok)
        return ok

    monkeypatch.setattr(RawSocket, "write", counting)
    port = free_port()
    settings = Settings(db=str(tmp_path / "raw.db"), admin_token=ADMIN, port=port)
    app = create_app(settings)
    server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", port))
    serving = asyncio.create_task(server.serve())
    try:
        await _until(lambda: server.started, "uvicorn to start")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            created = (await http.post("/api/sessions", content=msgspec.json.encode(small_agenda()),
                                       headers={"Authorization": f"Bearer {ADMIN}",
                                                "Content-Type": "application/json"})).json()
            session, chair = created["id"], created["tokens"]["chair"]
            async with connect(f"ws://127.0.0.1:{port}/api/sessions/{session}/live?since=1&token={chair}") as ws:
                room = app.state.room
                await _until(lambda: room.count(session) == 1, "the follower to join")
                follower = next(iter(room.followers[session]))
                assert isinstance(follower.raw, RawSocket)
                assert follower.raw.buffered() == 0
                # The upgrade's request and response are let go once accepted (RawSocket.forget_handshake).
                protocol = follower.raw._protocol
                assert (protocol.handshake_complete, protocol.request, protocol.response) == (True, None, None)
                r = await http.post(f"/api/sessions/{session}/commands", json={"type": "session.open"},
                                    headers={"Authorization": f"Bearer {chair}"})
                assert r.status_code == 200, r.text
                event = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert (event["seq"], event["type"]) == (2, "session.opened")
                assert True in written
    finally:
        server.should_exit = True
        await serving
