"""Keepalive on the live stream, on the primary and on an edge: a follower that answers pings stays; one that does not is dropped (1011).

``--ping-every 1`` (the default is 20 s) so the test sees several rounds; the connections are
made by hand so that the test decides whether a pong goes back.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import struct

import pytest

from ..support import EdgeServer, Server, small_agenda
from .followers import until
from .test_live_nonreading import open_never_reading

PING, PONG, CLOSE, TEXT = 0x9, 0xA, 0x8, 0x1


class HandFollower:
    """A live-stream connection read frame by frame; pongs only when told to."""

    def __init__(self, port: int, path: str) -> None:
        self.sock: socket.socket = open_never_reading(port, path)
        self.sock.settimeout(30)

    def _exactly(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError(f"connection ended after {len(data)} of {n} bytes")
            data += chunk
        return data

    def frame(self) -> tuple[int, bytes]:
        """The next frame from the server: (opcode, payload). Server frames are never masked."""
        first, second = self._exactly(2)
        size = second & 0x7F
        if size == 126:
            size = struct.unpack("!H", self._exactly(2))[0]
        elif size == 127:
            size = struct.unpack("!Q", self._exactly(8))[0]
        return first & 0x0F, self._exactly(size)

    def pong(self, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x80 | PONG, 0x80 | len(payload)]) + mask + masked)

    def close(self) -> None:
        self.sock.close()


def _path(s, token: str) -> str:
    return f"/api/sessions/{s.id}/live?since=0&token={token}"


def _seq(payload: bytes) -> int:
    return json.loads(payload)["seq"]


def _presence(s) -> list[tuple[str, str]]:
    return [(e["type"], e["point"]) for e in s.events(0) if e["type"] in ("point.online", "point.offline")]


@pytest.fixture(params=["primary", "edge"])
def where(request, tmp_path):
    """(server the commands go to, port the followers use): the primary itself, or an edge in front of it."""
    env = {"PHIENHOP_PING_EVERY": "1", "PHIENHOP_PRESENCE_DEBOUNCE": "1"}
    if request.param == "primary":
        primary = Server(tmp_path / "phienhop.db", env=env).start()
        yield primary, primary.port
        primary.kill()
        return
    redis = request.getfixturevalue("redis_server")
    primary = Server(tmp_path / "phienhop.db", env={**env, "PHIENHOP_REDIS_URL": redis.url}).start()
    edge = EdgeServer(tmp_path / "edge", primary.base, redis.url, "--ping-every", "1").start()
    yield primary, edge.port
    edge.kill()
    primary.kill()


async def test_a_follower_that_answers_pings_stays_and_one_that_does_not_is_dropped(where):
    """Pinged every second: the public screen answers three pings and still gets the next event; a point that never answers gets one ping, then 1011, then offline."""
    server, port = where
    s = server.create(small_agenda())
    head = s.ok(s.chair, type="session.open")["seq"]
    answering = HandFollower(port, _path(s, s.public))
    silent = HandFollower(port, _path(s, s.point("tra-vinh")))
    await until(lambda: _presence(s) == [("point.online", "tra-vinh")], 10, "point.online")

    def answer_pings(count: int, until_seq: int = 0) -> tuple[int, int]:
        """Read ``answering`` and pong each ping until ``count`` pings and an event with ``until_seq``; (pings, last seq)."""
        pings, seq = 0, 0
        while pings < count or seq < until_seq:
            opcode, payload = answering.frame()
            assert opcode in (PING, TEXT), (opcode, payload)
            if opcode == PING:
                answering.pong(payload)
                pings += 1
            else:
                seq = _seq(payload)
        return pings, seq

    pings, _ = await asyncio.to_thread(answer_pings, 3)
    assert pings == 3

    def read_until_closed() -> list[tuple[int, bytes]]:
        frames = []
        while True:
            try:
                frames.append(silent.frame())
            except EOFError:
                return frames

    frames = await asyncio.to_thread(read_until_closed)
    opcodes = [opcode for opcode, _ in frames]
    assert opcodes.count(PING) == 1, opcodes
    assert opcodes[-1] == CLOSE and struct.unpack("!H", frames[-1][1][:2])[0] == 1011, frames[-1]
    assert [_seq(payload) for opcode, payload in frames if opcode == TEXT] == list(range(1, head + 2))  # its point.online last
    await until(lambda: _presence(s) == [("point.online", "tra-vinh"), ("point.offline", "tra-vinh")], 10,
                "point.offline")

    seq = s.ok(s.chair, type="attendance.mark", person="tv-1", status="present")["seq"]
    _, got = await asyncio.to_thread(answer_pings, 0, seq)
    assert got == seq
    answering.close()
    silent.close()
