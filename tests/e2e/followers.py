"""Test-side followers of the live stream: many real WebSocket clients in one event loop.

A ``Tail`` keeps every event it receives (seq, type, raw text), resumes with ``since`` = its
last seq whenever the connection ends, and stops at ``session.closed``. It never repairs a
gap itself, so a test can assert the server sent every seq exactly once, in order.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake


class Tail:
    """One follower that resumes from its last seq until the session closes or ``deadline``."""

    def __init__(self, url: str, since: int = 0) -> None:
        self.url = url  # without since
        self.since = since
        self.last = since
        self.seqs: list[int] = []
        self.raw: list[str] = []
        self.received_at: dict[int, float] = {}  # seq -> time.monotonic() of arrival
        self.closes: list[int] = []  # close codes of the connections that ended (1006: dropped)
        self.connections = 0
        self.done = False
        self.ws = None

    def _take(self, message: str) -> None:
        event = json.loads(message)
        self.seqs.append(event["seq"])
        self.raw.append(message)
        self.received_at[event["seq"]] = time.monotonic()
        self.last = max(self.last, event["seq"])
        if event["type"] == "session.closed":
            self.done = True

    async def connection(self, **options) -> None:
        """One connection from ``last``: read until it ends or the session closes."""
        self.connections += 1
        try:
            async with connect(f"{self.url}&since={self.last}", open_timeout=20, max_queue=None, **options) as ws:
                self.ws = ws
                while not self.done:
                    self._take(await ws.recv())
        except ConnectionClosed as exc:
            self.closes.append(exc.rcvd.code if exc.rcvd else 1006)
        except (OSError, InvalidHandshake, TimeoutError):
            self.closes.append(0)  # could not connect (server down)
        finally:
            self.ws = None

    async def follow(self, deadline: float, retry: float = 0.05) -> "Tail":
        """Connect, and reconnect from ``last``, until the session closes (or time.monotonic() > deadline)."""
        while not self.done and time.monotonic() < deadline:
            await self.connection()
            if not self.done:
                await asyncio.sleep(retry)  # between tries of a refused connect, not a wait for a condition
        return self

    def check_complete(self, head: int) -> None:
        """Every seq after the first ``since`` up to ``head`` exactly once, in order."""
        assert self.seqs == list(range(self.since + 1, head + 1)), _describe(self.seqs, self.since, head)


def _describe(seqs: list[int], since: int, head: int) -> str:
    expected = set(range(since + 1, head + 1))
    missing = sorted(expected - set(seqs))
    dups = sorted({s for s in seqs if seqs.count(s) > 1})
    order = next((i for i in range(1, len(seqs)) if seqs[i] <= seqs[i - 1]), None)
    return f"since={since} head={head} got {len(seqs)}: missing {missing[:10]} dup {dups[:10]} disorder at {order}"


def small_buffer_socket(port: int, rcvbuf: int = 4096) -> socket.socket:
    """A connected loopback socket with a tiny receive buffer: a follower that can be made to fall behind."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", port))
    sock.setblocking(False)
    return sock


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


async def until(condition, timeout: float, what: str, step: float = 0.02) -> None:
    """Poll ``condition()`` until true; fail with ``what`` after ``timeout`` seconds."""
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(step)
