"""Connections that never finish a request are let go, and there are never more than the process can hold.

uvicorn reads a request's headers for as long as the client cares to send them: a client that
sends one header byte every few seconds holds its socket (and a file descriptor) forever, and
a thousand such clients use up the process's descriptors so that a real ``GET /health`` fails.
``GuardedHttpProtocol`` is uvicorn's own httptools protocol, given to ``uvicorn.Config(http=…)``
(which takes a protocol class), with two rules added:

- **A deadline per request.** From the moment a connection opens, or the first byte of its next
  request arrives on a kept-alive connection, the whole request (headers and body) must arrive
  within ``request_timeout`` seconds; otherwise it is answered ``408`` and closed. A WebSocket
  upgrade ends the deadline (its keepalive pings take over), so does the request's last byte
  (uvicorn's keep-alive timeout covers the idle time between requests).
- **A cap on connections.** At most ``max_connections`` sockets (HTTP and WebSocket) are open at
  once. When a new one would pass the cap, the connection that has waited longest for its
  request to arrive is closed to make room (a slow client loses its place to a fast one, whose
  request arrives at once); if none is waiting, the newcomer is answered ``503`` and closed.
  The cap stays below the descriptor limit, so ``accept`` never fails for want of one.

Behind a reverse proxy (the production setup, see the README) the proxy absorbs slow clients
first; these rules are what keeps the bare server standing when it is exposed directly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
from collections import OrderedDict

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("phienhop.guard")

REFUSED_LINGER = 1.0  # seconds a refused connection is read and dropped before it is closed
RESERVED_DESCRIPTORS = 64  # kept free of client sockets: SQLite files, the render worker's pipes, logs, keys



def _answer(status: bytes, error: str, detail: str, extra: bytes = b"") -> bytes:
    """A whole HTTP response in our error shape, written straight to the socket before closing it."""
    body = json.dumps({"error": error, "detail": detail}, separators=(",", ":")).encode()
    return (b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\nconnection: close\r\n" + extra
            + b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


_TIMEOUT = _answer(b"408 Request Timeout", "request.timeout", "the request did not arrive in time; send it again")
_FULL = _answer(b"503 Service Unavailable", "server.busy", "too many connections; try again in a moment",
                b"retry-after: 1\r\n")


def raise_descriptor_limit() -> int:
    """Raise the soft descriptor limit to the hard one (at most 65536); returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    target = min(target, 65536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft if soft != resource.RLIM_INFINITY else 65536


def connection_cap(requested: int, descriptors: int) -> int:
    """The connections allowed: ``requested`` (0: no wish), never within RESERVED_DESCRIPTORS of the limit."""
    room = max(descriptors - RESERVED_DESCRIPTORS, 16)
    return min(requested, room) if requested > 0 else room


class Limits:
    """The rules shared by every connection of one server, and the connections still waiting for a request."""

    def __init__(self, request_timeout: float, max_connections: int) -> None:
        self.request_timeout = request_timeout
        self.max_connections = max_connections
        self.waiting: OrderedDict[GuardedHttpProtocol, None] = OrderedDict()  # oldest first
        self.timed_out = 0
        self.evicted = 0
        self.refused = 0


def guarded(limits: Limits) -> type[HttpToolsProtocol]:
    """A protocol class for ``uvicorn.Config(http=…)`` bound to ``limits``."""
    return type("GuardedHttpProtocol", (GuardedHttpProtocol,), {"limits": limits})


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a per-request deadline and a connection cap (see the module)."""

    limits: Limits

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._deadline: asyncio.TimerHandle | None = None
        self._refused = False
        super().connection_made(transport)
        limits = self.limits
        # uvicorn's own set of open connections: HTTP ones, and WebSockets once upgraded.
        if len(self.connections) > limits.max_connections:
            victim = next(iter(limits.waiting), None)
            if victim is None:
                limits.refused += 1
                log.warning("connection refused: %d connections open (the cap)", limits.max_connections)
                # Answer, then stop sending but read (and drop) the request a moment longer: closing
                # with its bytes unread would reset the connection and lose the 503 on the way.
                self._refused = True
                self.connections.discard(self)
                transport.write(_FULL)
                if transport.can_write_eof():
                    transport.write_eof()
                self.loop.call_later(REFUSED_LINGER, transport.close)
                return
            limits.evicted += 1
            victim._drop(None)
        self._wait()

    def _wait(self) -> None:
        """Start the clock for the request on its way (once per request)."""
        if self._deadline is None and not self.transport.is_closing():
            self._deadline = self.loop.call_later(self.limits.request_timeout, self._drop, _TIMEOUT)
            self.limits.waiting[self] = None

    def _arrived(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
            self.limits.waiting.pop(self, None)

    def _drop(self, answer: bytes | None) -> None:
        self._arrived()
        if answer is not None:
            self.limits.timed_out += 1
        if not self.transport.is_closing():
            if answer is not None:
                self.transport.write(answer)
            self.transport.close()
        # Gone from the count now, not when the loop gets to connection_lost: the next one may take its place.
        self.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._wait()

    def on_message_complete(self) -> None:
        self._arrived()
        super().on_message_complete()

    def handle_websocket_upgrade(self) -> None:
        self._arrived()
        super().handle_websocket_upgrade()
        # This protocol is done once the WebSocket protocol took the transport; its parser refers
        # back to it (a cycle), which would leave it and its buffers to the collector, not freed now.
        self.parser = None

    def connection_lost(self, exc: Exception | None) -> None:
        self._arrived()
        super().connection_lost(exc)
