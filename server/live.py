"""The live stream: fan-out through Litestar's channels, resume from the log, point presence.

Each committed event is published once as its canonical bytes; the channels plugin puts the
same bytes object in every follower's bounded queue (``FOLLOWER_BACKLOG`` events), and never
waits for a follower. A follower whose queue overflows is cut off at once with
``CLOSE_TOO_SLOW`` (a send its full socket holds up is abandoned) and resumes from its last
seq; the publisher and the other followers never wait for it. A follower that is caught up and
idle is written to directly from the fan-out loop (``FollowerSubscriber.direct``): one frame
per event shared by all (under uvicorn's websockets-sansio; elsewhere the queued ASGI path), no queue and no task
switch per follower; it falls back to its queue on anything unusual. Frames are not compressed (``phienhop serve`` turns
permessage-deflate off): deflate runs per connection, once per event per follower. Because every follower carries
its seq and repairs gaps from the log, an event the channel drops (a full queue, litestar#5011
and friends) costs a resend, never a hole. We use no channel history, so #5011's deadlock
(history larger than the backlog under "backoff") cannot happen, and ``FollowerSubscriber.put``
never blocks, so neither can its twin in ``unsubscribe``.

Close codes (the client acts on each):
  1000 normal; 1009 message too big (inbound limit, 16 KiB; followers only listen);
  1011 keepalive ping timeout (uvicorn); 1012 server restarting (uvicorn's shutdown);
  4400 bad ``since`` (not a whole number, or beyond the log's head): do not retry as is;
  4401 no or unknown token; 4403 token of another session or a bad Origin: do not retry;
  4404 unknown session; 4408 too slow (queue overflow): reconnect with ``since``.
"""

from __future__ import annotations

import asyncio
import logging
from asyncio import QueueFull
from typing import Callable

import msgspec
from websockets.frames import Frame, Opcode
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.subscriber import Subscriber
try:  # the frame writer reads this uvicorn protocol's internals; without it, the plain ASGI path
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol as _SansIO
except ImportError:  # pragma: no cover - another uvicorn, or another server
    _SansIO = None
from websockets.protocol import State

_OPEN = State.OPEN

log = logging.getLogger("phienhop.live")

CLOSE_BAD_SINCE = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_UNKNOWN_SESSION = 4404
CLOSE_TOO_SLOW = 4408

FOLLOWER_BACKLOG = 256  # events queued for one follower before it is cut off
PRESENCE_DEBOUNCE = 5.0  # seconds a point may be gone before it counts as offline
WATCHDOG_EVERY = 1.0  # seconds between checks for followers left behind by a lost last event


def channel(session: str) -> str:
    return f"session.{session}"


class _SeqOnly(msgspec.Struct):
    seq: int


_seq_decoder = msgspec.json.Decoder(_SeqOnly)


def seq_of(data: bytes) -> int:
    """The seq of an encoded event, without decoding the rest."""
    return _seq_decoder.decode(data).seq


def text_frame(data: bytes) -> bytes:
    """One unmasked, unfragmented text frame (what a server sends), serialized by websockets itself."""
    return Frame(Opcode.TEXT, data).serialize(mask=False)


_last: list = [None, 0, None]  # the bytes just fanned out, their seq and their frame


def _fanned(data: bytes) -> tuple[int, bytes]:
    """Seq and frame of ``data``, computed once per event: fan-out offers the same bytes to all."""
    if _last[0] is not data:
        _last[:] = [data, seq_of(data), text_frame(data)]
    return _last[1], _last[2]


Writer = Callable[[bytes], bool]  # frame -> written now, without waiting?


def frame_writer(send: Callable) -> Writer | None:
    """Under uvicorn's websockets-sansio protocol, the event's frame written straight to the socket; else None.

    Frames from a server are not masked and we negotiate no extension, so one event's frame is
    the same bytes for every follower: built once, written to each transport as it is, with
    none of the per-follower framing, coroutine and ASGI dispatch of ``send`` (what websockets'
    broadcast() still pays). Anything but an open, writable connection answers False, and the
    caller falls back to ``send``, which waits or raises as uvicorn decides.
    """
    protocol = getattr(send, "__self__", None)
    if _SansIO is None or not isinstance(protocol, _SansIO):
        return None
    try:  # what ``write`` reads, as uvicorn 0.54 names it; another uvicorn inside gets the plain path
        conn, transport, writable = protocol.conn, protocol.transport, protocol.writable
        if not hasattr(protocol, "close_sent") or conn.extensions:  # permessage-deflate: frames differ per connection
            return None
    except AttributeError:
        return None

    def write(frame: bytes) -> bool:
        if protocol.close_sent or conn.state is not _OPEN or not writable.is_set() or transport.is_closing():
            return False
        transport.write(frame)
        return True

    return write


class FollowerSubscriber(Subscriber):
    """A channels subscriber whose overflow is not silent and whose unsubscribe never blocks.

    Named policy: *disconnect* — on the first event that does not fit, the subscriber flags
    itself and calls ``on_overflow`` (the handler interrupts even a send that the follower's
    full socket holds up), then closes with CLOSE_TOO_SLOW; the follower resumes with ``since``.
    """

    overflowed: bool = False
    on_overflow: Callable[[], object] | None = None
    session: str = ""  # the session followed (set by Hub.subscribe)
    forwarded: int = 0  # the last seq sent to the follower (kept by the handler)
    behind: Callable[[], bool] = staticmethod(lambda: False)  # is the log's head past ``forwarded``?
    _suspect: int = -1  # ``forwarded`` when the watchdog last found it behind with nothing queued
    direct: Writer | None = None  # while the handler is idle and the follower caught up

    def put_nowait(self, item: bytes | None) -> bool:
        # Fast path: a caught-up follower gets the next event written now, in the fan-out loop
        # itself, with no queue, no task switch and no per-follower encoding (as websockets'
        # broadcast() does). Anything else (a gap, a full socket, a closing connection) goes
        # to the queue, which wakes the handler and disarms this path until it is idle again.
        if self.direct is not None and item:
            seq, frame = _fanned(item)
            if seq <= self.forwarded:
                return True
            if seq == self.forwarded + 1 and self.direct(frame):
                self.forwarded = seq
                return True
            self.direct = None
        try:
            self._queue.put_nowait(item)
            return True
        except QueueFull:
            if not self.overflowed:
                self.overflowed = True
                if self.on_overflow is not None:
                    self.on_overflow()
            return False

    async def put(self, item: bytes | None) -> None:
        # Litestar's unsubscribe awaits put(None); on a full queue nobody would ever take
        # from (litestar#5011's pattern) that would hang the handler forever. The end marker takes
        # the oldest event's place instead: the follower is going away and resumes from the log.
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except QueueFull:
                self._queue.get_nowait()


class Hub:
    """The fan-out seam: publish committed bytes, subscribe followers. Swap the backend to scale out."""

    def __init__(self, backend=None, backlog: int = FOLLOWER_BACKLOG) -> None:
        self.backlog = backlog
        self._followers: set[FollowerSubscriber] = set()
        self._watchdog: asyncio.Task | None = None
        self.plugin = ChannelsPlugin(
            backend=backend or MemoryChannelsBackend(),
            arbitrary_channels_allowed=True,
            subscriber_max_backlog=backlog,
            subscriber_backlog_strategy="backoff",
            subscriber_class=FollowerSubscriber,
        )

    def publish(self, session: str, data: bytes) -> None:
        try:
            self.plugin.publish(data, channels=[channel(session)])
        except (AttributeError, RuntimeError):
            # Not started yet (sessions created during start-up): nobody can be subscribed,
            # and followers read these events from the log.
            pass

    async def subscribe(self, session: str) -> FollowerSubscriber:
        subscriber = await self.plugin.subscribe([channel(session)])
        subscriber.session = session
        self._followers.add(subscriber)
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = asyncio.create_task(self._watch(), name="phienhop-live-watchdog")
        return subscriber

    def following(self, session: str) -> bool:
        """True while anyone follows ``session`` here (the engine keeps such a session in memory)."""
        return any(f.session == session for f in self._followers)

    async def unsubscribe(self, subscriber: Subscriber) -> None:
        self._followers.discard(subscriber)
        await self.plugin.unsubscribe(subscriber)

    async def _watch(self) -> None:
        """Wake a follower that stays behind the log with nothing queued: the channel lost its tail.

        A lost event in the middle of the stream is repaired by the next one (a seq gap); a lost
        *last* event has no next one. Twice in a row behind, with the same seq and an empty queue,
        means lost rather than in flight; the empty wake-up makes the handler send from the log.
        """
        while self._followers:
            await asyncio.sleep(WATCHDOG_EVERY)
            for subscriber in list(self._followers):
                if subscriber.qsize or not subscriber.behind():
                    subscriber._suspect = -1
                elif subscriber._suspect == subscriber.forwarded:
                    subscriber.put_nowait(b"")
                else:
                    subscriber._suspect = subscriber.forwarded


class Presence:
    """Counts open connections per point; reports online at once and offline after a debounce."""

    def __init__(self, report, debounce: float = PRESENCE_DEBOUNCE) -> None:
        self._report = report  # async (session, point, online) -> None
        self._debounce = debounce
        self._open: dict[tuple[str, str], int] = {}
        self._pending: dict[tuple[str, str], asyncio.Task] = {}

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

    def online(self, session: str) -> set[str]:
        return {p for (s, p) in self._open if s == session}
