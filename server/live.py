"""The live room: followers per session, fan-out in seq order, one frame per event and audience, presence.

A relay (``relay.py``) tells the room each committed entry, in seq order; the room offers it to
every follower of that session. A follower that is caught up and idle gets the entry's frame
written at once from the fan-out loop (``Follower.direct``: one frame per audience shared by
all, no queue, no task switch per follower, as websockets' ``broadcast()`` does); anything else
goes to its own bounded queue (``backlog`` entries), which wakes its handler. Named overflow
policy, *disconnect*: the first entry that does not fit cuts the follower off (close 4408, then
the connection is aborted after ``CLOSE_WAIT`` if it still does not read); it resumes with
``since`` from the log. The fan-out never awaits a follower, and an error in one follower's
offer is contained to that follower.

Close codes (the client acts on each):
  1000 normal; 1009 message too big (inbound limit, 16 KiB; followers only listen);
  1011 keepalive ping timeout (uvicorn); 1012 server restarting (uvicorn's shutdown);
  4400 bad ``since`` (not a whole number, or beyond the log's head): do not retry as is;
  4401 no or unknown token; 4403 token of another session or a bad Origin: do not retry;
  4404 unknown session; 4408 too slow (queue overflow, or a socket that stopped taking data):
  reconnect with ``since``; 4409 history changed (the epoch differs): reload from 0.

The direct write, the abort and the release of the handshake's request and response (held for
the connection's life otherwise) reach into uvicorn's websockets-sansio protocol (``RawSocket``):
the one private path left on the hot path, capped by ``uvicorn<0.55`` and guarded by
``tests/server/test_live_raw.py``, which fails the day a uvicorn no longer has what it reads.
Without it (another server, another uvicorn) every frame takes the plain ASGI ``send``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import socket
import struct
from typing import Callable

import msgspec

from .domain.audiences import Audience
from .relay import Entry, text_frame

try:  # the frame writer reads this uvicorn protocol's internals; without it, the plain ASGI path
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol as _SansIO
except ImportError:  # pragma: no cover - another uvicorn, or another server
    _SansIO = None
from websockets.protocol import State

_OPEN = State.OPEN
_FULL, _PUBLIC = Audience.FULL, Audience.PUBLIC
_LINGER_0 = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() resets
_LINGER_OFF = struct.pack("ii", 0, 0)

log = logging.getLogger("phienhop.live")

CLOSE_BAD_SINCE = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN_SESSION = 4404
CLOSE_TOO_SLOW = 4408
CLOSE_HISTORY_CHANGED = 4409

REVOKED = "this link was revoked: ask the admin for a new one"  # the close reason of a rotated link's open stream

FOLLOWER_BACKLOG = 256  # entries queued for one follower before it is cut off
PRESENCE_DEBOUNCE = 5.0  # seconds a point may be gone before it counts as offline
CLOSE_WAIT = 2.0  # seconds a cut-off follower gets to take its close frame before its connection is aborted
STALL_LIMIT = 10.0  # seconds a socket may hold unsent bytes without taking any before the follower is cut off
STALL_EVERY = 1.0  # seconds between the stall checks


class _SeqOnly(msgspec.Struct):
    seq: int


_seq_decoder = msgspec.json.Decoder(_SeqOnly)


def seq_of(data: bytes) -> int:
    """The seq of an encoded event, without decoding the rest."""
    return _seq_decoder.decode(data).seq


class RawSocket:
    """The socket under uvicorn's websockets-sansio connection: write a whole frame now, see its buffer, abort.

    Frames from a server are not masked and we negotiate no extension, so one event's frame is
    the same bytes for every follower: built once, written to each transport as it is. Anything
    but an open, writable connection makes ``write`` answer False and the caller takes ``send``.
    """

    __slots__ = ("_protocol", "_conn", "_transport", "_writable")

    def __init__(self, protocol) -> None:
        self._protocol, self._conn = protocol, protocol.conn
        self._transport, self._writable = protocol.transport, protocol.writable

    @classmethod
    def of(cls, send: Callable) -> "RawSocket | None":
        """The raw socket behind an ASGI ``send``, or None when it is not uvicorn's websockets-sansio (as 0.54 has it)."""
        protocol = getattr(send, "__self__", None)
        if _SansIO is None or not isinstance(protocol, _SansIO):
            return None
        try:
            raw = cls(protocol)
            if (not hasattr(protocol, "close_sent") or not hasattr(protocol, "handshake_complete")
                    or raw._conn.extensions):  # deflate: frames differ per connection
                return None
            raw._transport.get_write_buffer_size
        except AttributeError:
            return None
        return raw

    def write(self, frame: bytes) -> bool:
        p = self._protocol
        if p.close_sent or self._conn.state is not _OPEN or not self._writable.is_set() or self._transport.is_closing():
            return False
        self._transport.write(frame)
        return True

    def forget_handshake(self) -> None:
        """Let go of the upgrade request and response the protocol keeps for the connection's life.

        uvicorn (0.54) reads them only until the handshake completes; an idle follower held ~3 KiB
        of their headers (bench/fanout.py, RSS per idle follower). Call it once the accept is sent.
        """
        p = self._protocol
        if p.handshake_complete:
            p.request = p.response = None

    def buffered(self) -> int:
        """Bytes written but not yet taken by the peer's socket."""
        return self._transport.get_write_buffer_size()

    def abort(self) -> None:
        """Drop the connection now, unsent bytes and all (a peer that never reads would hold it forever).

        With SO_LINGER 0 the kernel answers with a reset and frees the socket's buffers at once;
        a plain close would leave them queued (FIN-WAIT-1) for as long as the peer keeps its window shut.
        """
        self.reset_on_close()
        self._transport.abort()

    def drop_after(self, seconds: float) -> None:
        """Have the kernel drop the connection once sent bytes go unacknowledged, or wait behind a shut window,
        for ``seconds`` (TCP_USER_TIMEOUT): also after the socket is closed, when nobody else is watching it."""
        with contextlib.suppress(Exception):
            sock = self._transport.get_extra_info("socket")
            if sock is not None and hasattr(socket, "TCP_USER_TIMEOUT"):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_USER_TIMEOUT, int(seconds * 1000))

    def reset_on_close(self, on: bool = True) -> None:
        """From now on, however this connection is closed (by us, or by uvicorn's ping timeout), unsent bytes are
        dropped with a reset (``on``), or flushed before a FIN as usual (not ``on``)."""
        with contextlib.suppress(Exception):
            sock = self._transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_0 if on else _LINGER_OFF)


_WOKEN = object()  # Follower._wake once the parked handler's wake was called


class Follower:
    """One live connection's place in the room: its audience, the last seq it was sent, its bounded queue."""

    __slots__ = ("session", "audience", "forwarded", "_queue", "backlog", "direct", "cut_off", "on_cut",
                 "_wake", "raw", "_stall", "token")

    def __init__(self, session: str, audience: Audience, since: int, backlog: int) -> None:
        self.session, self.audience, self.forwarded, self.backlog = session, audience, since, backlog
        self._queue: collections.deque[Entry | None] | None = None  # made when first needed: most followers never queue
        self.direct: Callable[[bytes], bool] | None = None  # set while the handler is idle and caught up
        self.cut_off: tuple[int, str] | None = None  # (close code, reason) once the room let it go
        self.on_cut: Callable[[], object] | None = None  # the handler's interrupt (cancels even a held-up send)
        # While its handler is parked (reading its socket): the callable that wakes it, _WOKEN once called.
        self._wake: Callable[[], object] | object | None = None
        self.raw: RawSocket | None = None
        self._stall = (0, 0.0)  # (bytes buffered, seconds it has not shrunk) at the last stall check
        self.token: str | None = None  # the hash of the token it follows with (an edge cuts it when revoked)

    def offer(self, entry: Entry | None) -> None:
        """Queue ``entry`` (None: the end marker) for the handler; never waits. (``Room.deliver`` writes the next entry
        of a caught-up, idle follower itself; what reaches here is anything else.)"""
        queue = self._queue
        if entry is not None and self.direct is not None and not queue:
            if entry.seq <= self.forwarded:
                return  # sent already
            self.direct = None  # not the next one: the handler takes over, from its queue
        if queue is None:
            queue = self._queue = collections.deque()
        if entry is not None and len(queue) >= self.backlog:
            self.cut()
            return
        queue.append(entry)
        wake = self._wake
        if wake is not None and wake is not _WOKEN:
            self._wake = _WOKEN
            wake()

    def cut(self, code: int = CLOSE_TOO_SLOW, reason: str = "") -> None:
        """Let this follower go with ``code`` (default: too slow); the first cut wins."""
        if self.cut_off is None:
            self.cut_off = (code, reason)
            self.direct = None
            if self.raw is not None and code == CLOSE_TOO_SLOW:  # it may never read again: do not let the kernel keep its bytes
                self.raw.reset_on_close()
            if self._wake is _WOKEN:  # its parked handler is being woken already, and will see cut_off
                return
            self._wake = None
            if self.on_cut is not None:
                self.on_cut()

    @property
    def queue(self) -> collections.deque[Entry | None]:
        """The entries waiting for the handler, oldest first (an empty one is made on demand)."""
        if self._queue is None:
            self._queue = collections.deque()
        return self._queue

    def queued(self) -> int:
        """How many entries wait for the handler."""
        return len(self._queue) if self._queue is not None else 0

    def take(self) -> Entry | None:
        """The oldest queued entry (there must be one); an emptied queue is let go (an idle follower holds none)."""
        queue = self._queue
        entry = queue.popleft()
        if not queue:
            self._queue = None
        return entry

    def park(self, wake: Callable[[], object], direct: Callable[[bytes], bool] | None) -> None:
        """The handler, idle and caught up, waits elsewhere (on its own socket): the fan-out writes through
        ``direct`` meanwhile, and calls ``wake`` once when it queues an entry instead (the handler's interrupt:
        no second task and no future per idle follower)."""
        self.direct, self._wake = direct, wake

    def unpark(self) -> bool:
        """The handler is back; True when it was woken by a queued entry (or by a cut that came after one)."""
        woken = self._wake is _WOKEN
        self.direct = self._wake = None
        return woken

    def stalled(self, every: float, limit: float) -> bool:
        """Called every ``every`` s: True once the socket has held unsent bytes, never fewer, for ``limit`` s."""
        raw = self.raw
        if raw is None:
            return False
        size = raw.buffered()
        before, held = self._stall
        if size and size >= before:
            held += every
            if held == 2 * every:  # it stopped reading: whoever closes it must not leave its bytes to the kernel
                raw.reset_on_close()
        else:
            if held >= 2 * every:
                raw.reset_on_close(False)
            held = 0.0
        self._stall = (size, held)
        return held >= limit


class Room:
    """The followers of every session in this process; ``deliver`` is a relay listener."""

    def __init__(self, backlog: int = FOLLOWER_BACKLOG, stall_limit: float = STALL_LIMIT) -> None:
        self.backlog = backlog
        self.stall_limit = stall_limit
        self.followers: dict[str, set[Follower]] = {}
        self._watch: asyncio.Task | None = None

    def join(self, session: str, audience: Audience, since: int) -> Follower:
        follower = Follower(session, audience, since, self.backlog)
        self.followers.setdefault(session, set()).add(follower)
        if self._watch is None or self._watch.done():
            self._watch = asyncio.get_running_loop().create_task(self._watch_stalls(), name="phienhop-stalls")
        return follower

    def leave(self, follower: Follower) -> None:
        group = self.followers.get(follower.session)
        if group is not None:
            group.discard(follower)
            if not group:
                del self.followers[follower.session]

    def deliver(self, session: str, entry: Entry) -> None:
        """Offer ``entry`` to each follower of ``session``; one failing follower is cut off, the rest go on.

        The common case — a follower caught up, idle, with nothing queued — is written here, without
        the call to ``Follower.offer`` (this loop runs once per follower and event: 1,000 followers
        spend ~0.2 ms of Python per event in it); anything else goes through ``offer``."""
        group = self.followers.get(session)
        if not group:
            return
        seq = entry.seq
        before = seq - 1
        frames = entry.frames()
        full, public = frames[_FULL], frames[_PUBLIC]  # no Enum hash per follower (it is a Python call)
        for follower in tuple(group):
            try:
                direct = follower.direct
                if direct is not None and follower.forwarded == before and follower._queue is None:
                    if direct(full if follower.audience is _FULL else public):
                        follower.forwarded = seq
                        continue
                    follower.direct = None  # not writable now: offer queues it
                follower.offer(entry)
            except Exception:
                log.exception("fan-out to one follower of %s failed; cutting it off", session)
                follower.cut()

    def cut(self, session: str, code: int, reason: str) -> None:
        """Let every follower of ``session`` go (e.g. 4409 when its history changed)."""
        for follower in list(self.followers.get(session, ())):
            follower.cut(code, reason)

    def revoke(self, session: str, token_hashes) -> int:
        """Close 4401 every follower of ``session`` that follows with one of these (now revoked) token hashes; how many."""
        revoked = set(token_hashes)
        cut = 0
        for follower in list(self.followers.get(session, ())):
            if follower.token in revoked:
                follower.cut(CLOSE_UNAUTHORIZED, REVOKED)
                cut += 1
        return cut

    def count(self, session: str | None = None) -> int:
        if session is not None:
            return len(self.followers.get(session, ()))
        return sum(len(g) for g in self.followers.values())

    async def _watch_stalls(self) -> None:
        """Cut off followers whose socket stopped taking data (the keepalive cannot: its ping sits behind the data)."""
        while self.followers:
            await asyncio.sleep(STALL_EVERY)
            for group in list(self.followers.values()):
                for follower in list(group):
                    try:
                        if follower.stalled(STALL_EVERY, self.stall_limit):
                            follower.cut()
                    except Exception:  # a transport already gone: its handler is ending anyway
                        pass

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()


class Presence:
    """Counts open connections per point; reports online at once and offline after a debounce."""

    def __init__(self, report, debounce: float = PRESENCE_DEBOUNCE) -> None:
        self._report = report  # async (session, point, online) -> None
        self._debounce = debounce
        self._open: dict[tuple[str, str], int] = {}
        self._pending: dict[tuple[str, str], asyncio.Task] = {}
        self._remote: dict[str, tuple[set[tuple[str, str]], asyncio.TimerHandle | None]] = {}  # edge -> held, lapse

    async def connected(self, session: str, point: str) -> None:
        key = (session, point)
        self._open[key] = self._open.get(key, 0) + 1
        pending = self._pending.pop(key, None)
        if pending:
            pending.cancel()
        if self._open[key] == 1:
            await self._safe_report(session, point, True)

    def disconnected(self, session: str, point: str) -> None:
        key = (session, point)
        self._open[key] = self._open.get(key, 1) - 1
        if self._open[key] <= 0:
            del self._open[key]
            self._pending[key] = asyncio.create_task(self._offline_later(session, point))

    def expect_back(self, session: str, points) -> None:
        """Points the log shows online at start-up (a crash left them so): offline unless back in time."""
        for point in points:
            key = (session, point)
            if key not in self._open and key not in self._pending:
                self._pending[key] = asyncio.create_task(self._offline_later(session, point))

    async def _offline_later(self, session: str, point: str) -> None:
        await asyncio.sleep(self._debounce)
        self._pending.pop((session, point), None)
        if (session, point) not in self._open:
            await self._safe_report(session, point, False)

    async def _safe_report(self, session: str, point: str, online: bool) -> None:
        try:
            await self._report(session, point, online)
        except Exception:  # presence is evidence only; never break a connection over it
            log.warning("presence of %s/%s not recorded", session, point, exc_info=True)

    async def remote(self, holder: str, held: dict[str, list[str]], ttl: float) -> None:
        """``holder`` (an edge) holds these points open for ``ttl`` seconds: counted as one connection each.

        A new report replaces the last; a report not renewed in time lapses (an edge killed -9
        says nothing), and the points it held go offline after the debounce, unless held elsewhere.
        """
        now = {(s, p) for s, points in held.items() for p in points}
        before, timer = self._remote.pop(holder, (set(), None))
        if timer is not None:
            timer.cancel()
        self._remote[holder] = (now, asyncio.get_running_loop().call_later(ttl, self._lapse, holder))
        for session, point in sorted(now - before):
            await self.connected(session, point)
        for session, point in sorted(before - now):
            self.disconnected(session, point)

    def _lapse(self, holder: str) -> None:
        held, _ = self._remote.pop(holder, (set(), None))
        for session, point in sorted(held):
            self.disconnected(session, point)

    def online(self, session: str) -> set[str]:
        return {p for (s, p) in self._open if s == session}

    def held(self) -> dict[str, list[str]]:
        """The points with an open connection here, per session (what an edge reports to the primary)."""
        out: dict[str, list[str]] = {}
        for session, point in self._open:
            out.setdefault(session, []).append(point)
        return out


__all__ = ["Room", "Follower", "Presence", "RawSocket", "seq_of", "text_frame", "Entry"]
