"""The live relay: committed events on their way to followers, in seq order, per session.

One small interface, two implementations: ``MemoryRelay`` (the embedded default: the primary's
own followers, in process) and ``relay_redis.RedisRelay`` (one Redis stream per session whose
entry ids are our seqs, read by edge processes). The relay is never the truth — the primary's
SQLite log is — so a reader that finds a hole (trimmed, flushed, a restarted Redis) fills it
from the session view (``view.py``) and never delivers out of order.

An ``Entry`` is one committed event encoded once per audience (``domain.audiences``): ``full``
for the chair, the secretary and the admin, ``public`` for everyone else (the same object when
nothing is hidden), and the session's *epoch* (the hash of its first event), which tells a
reader that the history it holds is the history the primary holds.
"""

from __future__ import annotations

import abc
import collections
import logging
from typing import Callable, Sequence

from .domain.audiences import Audience

log = logging.getLogger("phienhop.relay")

KEEP = 10_000  # entries a relay keeps per session (Redis: MAXLEN ~ KEEP); older ones come from the log


class Entry:
    """One committed event: its seq, its bytes per audience, the session's epoch; frames built once, on demand."""

    __slots__ = ("seq", "full", "public", "epoch", "_frames")

    def __init__(self, seq: int, full: bytes, public: bytes, epoch: str) -> None:
        self.seq, self.full, self.public, self.epoch = seq, full, public, epoch
        self._frames: dict[Audience, bytes] | None = None

    def data(self, audience: Audience) -> bytes:
        return self.full if audience is Audience.FULL else self.public

    def frame(self, audience: Audience) -> bytes:
        """The WebSocket text frame of this event for ``audience``: serialized once for every follower."""
        frames = self._frames
        if frames is None:
            frames = self._frames = {}
        frame = frames.get(audience)
        if frame is None:
            data = self.data(audience)
            other = Audience.PUBLIC if audience is Audience.FULL else Audience.FULL
            if self.full is self.public and other in frames:
                frame = frames[other]
            else:
                frame = text_frame(data)
            frames[audience] = frame
        return frame

    def frames(self) -> dict[Audience, bytes]:
        """The frame of every audience (see ``frame``), built now if not yet: one lookup per follower then."""
        frames = self._frames
        if frames is None or len(frames) < len(Audience):
            for audience in Audience:
                self.frame(audience)
            frames = self._frames
        return frames

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entry) and (self.seq, self.full, self.public, self.epoch) == (
            other.seq, other.full, other.public, other.epoch)

    def __repr__(self) -> str:
        return f"Entry(seq={self.seq}, {len(self.full)} B, epoch={self.epoch[:8]})"


def text_frame(data: bytes) -> bytes:
    """One unmasked, unfragmented text frame (what a server sends), serialized by websockets itself."""
    from websockets.frames import Frame, Opcode

    return Frame(Opcode.TEXT, data).serialize(mask=False)


Listener = Callable[[str, Entry], None]  # (session, entry): called in seq order per session, never awaited


class Relay(abc.ABC):
    """Where committed entries travel: publish in seq order, read after a seq, know the tail, listen live."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        """Call ``listener(session, entry)`` for each entry published from now on (on a reader: as read)."""
        self._listeners.append(listener)

    def _tell(self, session: str, entry: Entry) -> None:
        for listener in self._listeners:
            try:
                listener(session, entry)
            except Exception:  # one bad listener must not stop the others
                log.exception("relay listener failed on %s seq %s", session, entry.seq)

    @abc.abstractmethod
    async def publish(self, session: str, entries: Sequence[Entry]) -> int:
        """Add ``entries`` (seq order) after the tail; returns how many were new. A seq at or below the tail is already published."""

    @abc.abstractmethod
    async def read(self, session: str, after: int, limit: int = 1000) -> list[Entry]:
        """Held entries with seq > ``after``, in order, at most ``limit``; they may begin past ``after + 1`` (trimmed)."""

    @abc.abstractmethod
    async def tail(self, session: str) -> int:
        """The highest seq held for ``session``; 0 when none."""

    async def follow(self, session: str, after: int) -> None:
        """Start telling listeners about ``session``'s entries after ``after`` (a reader's interest; memory: all)."""

    async def unfollow(self, session: str) -> None:
        """Stop reading ``session``."""

    async def start(self) -> None:
        """Connect and start any reader."""

    async def close(self) -> None:
        """Stop readers and release connections."""


class Tee:
    """The engine's publisher: each commit's entries to every target, none of which may fail a command."""

    def __init__(self, *targets: Callable[[str, list[Entry]], object]) -> None:
        self.targets = list(targets)

    def publish(self, session: str, entries: list[Entry]) -> None:
        for target in self.targets:
            try:
                target(session, entries)
            except Exception:
                log.exception("publishing %s seq %s..%s failed", session, entries[0].seq, entries[-1].seq)


class MemoryRelay(Relay):
    """The embedded relay: a bounded ring per session in this process; listeners are told at publish time."""

    def __init__(self, keep: int = KEEP) -> None:
        super().__init__()
        self.keep = keep
        self._rings: dict[str, collections.deque[Entry]] = {}

    def publish_nowait(self, session: str, entries: Sequence[Entry]) -> int:
        """``publish`` without awaiting (the engine calls it right after a commit)."""
        ring = self._rings.get(session)
        if ring is None:
            ring = self._rings[session] = collections.deque(maxlen=self.keep)
        added = 0
        for entry in entries:
            if ring and entry.seq <= ring[-1].seq:
                continue  # already published
            ring.append(entry)
            added += 1
            self._tell(session, entry)
        return added

    async def publish(self, session: str, entries: Sequence[Entry]) -> int:
        return self.publish_nowait(session, entries)

    async def read(self, session: str, after: int, limit: int = 1000) -> list[Entry]:
        ring = self._rings.get(session)
        if not ring:
            return []
        if ring[-1].seq - ring[0].seq == len(ring) - 1:  # consecutive (the usual case): index straight in
            start = max(0, after + 1 - ring[0].seq)
            return [ring[i] for i in range(start, min(len(ring), start + limit))]
        return [e for e in ring if e.seq > after][:limit]

    async def tail(self, session: str) -> int:
        ring = self._rings.get(session)
        return ring[-1].seq if ring else 0

    def forget(self, session: str) -> None:
        """Drop a session's ring (memory back, e.g. when a session is unloaded)."""
        self._rings.pop(session, None)
