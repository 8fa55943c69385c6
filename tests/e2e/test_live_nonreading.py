"""A follower that never reads is let go: cut off and its connection aborted, while a reading follower gets everything."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from ..support import small_agenda
from . import script
from .followers import Tail, until

NON_READERS = 10
EVENTS, SIZE = 600, 19_000  # ~11 MB per follower: more than a socket's buffers and the backlog together
ESTABLISHED, TIME_WAIT = "01", "06"


def open_never_reading(port: int, path: str) -> socket.socket:
    """A real WebSocket connection (handshake done by hand) that will never read another byte."""
    sock = socket.create_connection(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(1)  # byte by byte: nothing after the handshake is read
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return sock


def server_side(server_port: int, client_ports: set[int], states: tuple[str, ...] | None = None) -> int:
    """How many of these clients' connections the server side still holds (from /proc/net/tcp), in ``states`` or any but TIME_WAIT.

    Any: a connection closed without a reset sits in FIN-WAIT-1 with its send queue for as long
    as the peer keeps its window shut, still holding the kernel's memory.
    """
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            wanted = state in states if states else state != TIME_WAIT
            if wanted and int(local.rsplit(":", 1)[1], 16) == server_port \
                    and int(remote.rsplit(":", 1)[1], 16) in client_ports:
                count += 1
    return count


def _flood(base: str, session: str, chair: str) -> int:
    """Record EVENTS conclusions of SIZE characters, 16 at a time (group commits); the last seq acknowledged."""
    text = "Kết luận " + "k" * SIZE
    local = threading.local()

    def one(i: int) -> int:
        if not hasattr(local, "http"):
            local.http = httpx.Client(base_url=base, timeout=60)
        r = local.http.post(f"/api/sessions/{session}/commands", headers={"Authorization": f"Bearer {chair}"},
                            json={"type": "conclusion.record", "item": "khai-mac", "text": f"{i} {text}"})
        assert r.status_code == 200, r.text
        return r.json()["seq"]

    with ThreadPoolExecutor(16) as pool:
        return max(pool.map(one, range(EVENTS)))


async def test_followers_that_never_read_are_let_go_and_their_sockets_closed(server):
    """Ten public followers that never read, ~600 events of ~19 KB: every one's socket is gone on the server soon after; a reader gets all."""
    s = server.create(small_agenda())
    await asyncio.to_thread(script.opening, s)
    base = s.snapshot()["seq"]
    path = f"/api/sessions/{s.id}/live?since={base}&token={s.public}"
    stuck = [open_never_reading(server.port, path) for _ in range(NON_READERS)]
    ports = {sock.getsockname()[1] for sock in stuck}
    reader = Tail(s.live_url(s.public).replace("?since=0&", "?"), since=base)
    reading = asyncio.create_task(reader.follow(time.monotonic() + 300))
    try:
        await until(lambda: reader.ws is not None, 20, "the reading follower to connect")
        assert server_side(server.port, ports, (ESTABLISHED,)) == NON_READERS
        started = time.monotonic()
        flood = asyncio.create_task(asyncio.to_thread(_flood, server.base, s.id, s.chair))
        await until(lambda: server_side(server.port, ports) == 0, 300,
                    "the server to let every non-reading follower go")
        now = time.monotonic()
        head = await flood
        acked = time.monotonic()
        print(f"\n{NON_READERS} non-reading followers, {EVENTS} events of {SIZE} B sent over {acked - started:.1f} s: "
              f"all their sockets gone on the server {now - started:.1f} s after the first event "
              f"({acked - now:.1f} s before the last was acknowledged)")
        await until(lambda: reader.last >= head, 60, "the reading follower to get every event")
        assert reader.seqs == list(range(base + 1, head + 1))
        assert reader.connections == 1
    finally:
        reader.done = True
        reading.cancel()
        for sock in stuck:
            sock.close()
