"""Clients that never finish a request: let go after the deadline, capped, and /health answers throughout."""

from __future__ import annotations

import asyncio
import shutil
import time

import httpx
import pytest

from tests.support import ADMIN, Server, require_tool

ATTACKERS = 1000
DESCRIPTORS = 512
TIMEOUT = 2  # PHIENHOP_REQUEST_TIMEOUT for these tests; the default is 10


async def _slow_client(port: int, closed: list, answers: list, stop: asyncio.Event, started: list) -> None:
    """A request line, then one header byte a second, for as long as the server keeps the socket."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        closed.append(None)
        started.append(None)
        return
    opened = time.monotonic()
    try:
        writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        await writer.drain()
        started.append(opened)
        while not stop.is_set():
            try:
                data = await asyncio.wait_for(reader.read(4096), 1.0)
            except asyncio.TimeoutError:
                writer.write(b"a")
                await writer.drain()
                continue
            if not data:
                break
            answers.append(data.split(b"\r\n", 1)[0])
    except OSError:
        pass
    finally:
        closed.append(time.monotonic() - opened)
        writer.close()


@pytest.fixture
def limited(tmp_path):
    prlimit = require_tool("prlimit")
    srv = Server(tmp_path / "phienhop.db", env={"PHIENHOP_REQUEST_TIMEOUT": str(TIMEOUT)},
                 prefix=(prlimit, f"--nofile={DESCRIPTORS}")).start()
    yield srv
    srv.kill()


async def test_slow_headers_are_dropped_and_health_answers_throughout(limited):
    """1,000 clients dribbling headers at a 512-descriptor server: all let go, and /health answers all along."""
    stop = asyncio.Event()
    closed: list = []
    answers: list = []
    started: list = []
    attack = [asyncio.create_task(_slow_client(limited.port, closed, answers, stop, started))
              for _ in range(ATTACKERS)]
    health = []
    while len(started) < ATTACKERS:  # every attacker connected and sending: the probes start under attack
        await asyncio.sleep(0.01)
    try:
        async with httpx.AsyncClient(base_url=limited.base, timeout=60) as client:
            while len(closed) < ATTACKERS:
                r = await client.get("/health", headers={"Connection": "close"})
                health.append(r.status_code)
                done, _ = await asyncio.wait(attack, timeout=0.5)
                if len(done) == ATTACKERS:
                    break
                if len(health) > 200:  # ~100 s: the server is holding them
                    break
    finally:
        stop.set()
        await asyncio.gather(*attack, return_exceptions=True)
    assert len([c for c in closed if c is not None]) == ATTACKERS
    assert set(health) == {200}  # the first probe was sent with all 1,000 attackers connected
    assert len(health) >= 1
    # Each was either answered 408 at its deadline or closed to make room for a newer connection.
    assert set(answers) <= {b"HTTP/1.1 408 Request Timeout"}
    r = httpx.get(f"{limited.base}/health")
    assert r.json() == {"status": "ok"}


async def test_a_silent_connection_is_answered_408(limited):
    """A client that connects and sends nothing gets our 408 in our error shape, then the socket closes."""
    reader, writer = await asyncio.open_connection("127.0.0.1", limited.port)
    data = await asyncio.wait_for(reader.read(), 30)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0] == b"HTTP/1.1 408 Request Timeout"
    assert body == b'{"error":"request.timeout","detail":"the request did not arrive in time; send it again"}'


async def test_a_slow_body_is_dropped(limited):
    """An admin's request whose body trickles in past the deadline is answered 408 and closed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", limited.port)
    writer.write(b"POST /api/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN.encode()
                 + b"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
    await writer.drain()
    data = b""
    while True:
        try:
            chunk = await asyncio.wait_for(reader.read(4096), 0.5)
        except asyncio.TimeoutError:
            writer.write(b" ")
            await writer.drain()
            continue
        if not chunk:
            break
        data += chunk
    writer.close()
    statuses = [line for line in data.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]
    assert statuses == [b"HTTP/1.1 408 Request Timeout"]


def test_prlimit_is_what_the_server_runs_under(limited):
    """The server process really has the 512-descriptor limit the tests above rely on."""
    limits = open(f"/proc/{limited.proc.pid}/limits").read()
    if shutil.which("prlimit") and limited.prefix:
        # prlimit execs the server: the pid is the server's own.
        line = next(l for l in limits.splitlines() if l.startswith("Max open files"))
        assert line.split()[3:5] == [str(DESCRIPTORS), str(DESCRIPTORS)]


async def test_past_the_cap_with_nobody_waiting_a_newcomer_gets_503(tmp_path):
    """20 live followers fill a 20-connection cap: the next request is 503 server.busy; once one leaves, 200."""
    import websockets

    from tests.support import small_agenda

    srv = Server(tmp_path / "phienhop.db", env={"PHIENHOP_MAX_CONNECTIONS": "20"}).start()
    followers = []
    try:
        s = srv.create(small_agenda())
        srv._close_client()  # its keep-alive connection would count too
        for _ in range(20):
            ws = await websockets.connect(f"{srv.ws}/api/sessions/{s.id}/live?since=0&token={s.public}")
            assert '"session.created"' in await asyncio.wait_for(ws.recv(), 30)
            followers.append(ws)
        reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
        writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        data = await asyncio.wait_for(reader.read(), 30)
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.split(b"\r\n")[0] == b"HTTP/1.1 503 Service Unavailable"
        assert body == b'{"error":"server.busy","detail":"too many connections; try again in a moment"}'
        await followers.pop().close()
        async with httpx.AsyncClient(base_url=srv.base, timeout=30) as client:
            for _ in range(100):  # the follower's socket is released when the server sees it close
                try:
                    r = await client.get("/health", headers={"Connection": "close"})
                    if r.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)  # polling for the released place
        assert r.json() == {"status": "ok"}
    finally:
        for ws in followers:
            await ws.close()
        srv.kill()


async def test_the_http_protocol_that_upgraded_a_websocket_is_freed_at_once(tmp_path):
    """Once a connection is a WebSocket, its HTTP protocol (and parser) is freed by reference counting, not left to the collector."""
    import gc
    import weakref

    import msgspec
    import uvicorn
    from websockets.asyncio.client import connect

    from phienhop.server.app import create_app
    from phienhop.server.guard import Limits, guarded
    from phienhop.server.serving import uvicorn_config
    from phienhop.server.settings import Settings
    from tests.support import free_port, small_agenda

    made = weakref.WeakSet()

    class Recording(guarded(Limits(10.0, 100))):
        def connection_made(self, transport) -> None:
            made.add(self)
            super().connection_made(transport)

    async def until(condition, what: str) -> None:
        deadline = time.monotonic() + 20
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.01)

    port = free_port()
    app = create_app(Settings(db=str(tmp_path / "upgrade.db"), admin_token=ADMIN, port=port))
    server = uvicorn.Server(uvicorn_config(app, "127.0.0.1", port, http=Recording))
    serving = asyncio.create_task(server.serve())
    gc.disable()
    try:
        await until(lambda: server.started, "uvicorn to start")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            created = (await http.post("/api/sessions", content=msgspec.json.encode(small_agenda()),
                                       headers={"Authorization": f"Bearer {ADMIN}",
                                                "Content-Type": "application/json"})).json()
        await until(lambda: len(made) == 0, "the HTTP connection's protocol to be freed after it closed")
        session, public = created["id"], created["tokens"]["public"]
        async with connect(f"ws://127.0.0.1:{port}/api/sessions/{session}/live?since=1&token={public}"):
            await until(lambda: app.state.room.count(session) == 1, "the follower to join")
            assert len(made) == 0
    finally:
        gc.enable()
        server.should_exit = True
        await serving
