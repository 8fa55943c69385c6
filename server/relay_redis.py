"""The Redis relay: one stream per session, ``ph:{session}:log``, whose entry ids are our seqs.

The primary (the only writer) adds each committed entry with ``XADD … MAXLEN ~ KEEP <seq>-0``,
in seq order, one pipeline per commit, so Redis itself refuses a duplicate or out-of-order
publish ("equal or smaller than the target stream top item": already published). Each entry
holds ``f`` (the event as the chair, secretary and admin read it), ``p`` (as everyone else
does, only when it differs) and ``e`` (the session's epoch). Edges read with ``XREAD BLOCK``
from each session's last seq, in one reader task per process.

Redis is a relay, never the truth: a publish that fails is dropped (the command was already
acknowledged), and on start and after every reconnect the primary republishes what Redis lacks
(``RedisPublisher.resync``); readers fill holes from the primary's log.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable, Sequence

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError

from .relay import KEEP, Entry, Relay

log = logging.getLogger("phienhop.relay.redis")

BLOCK_MS = 250  # how long one XREAD waits; also how soon a newly followed session joins the read
RETRY_MAX = 2.0  # seconds between reconnect attempts, at most
STOP_WAIT = 5.0  # seconds close/stop wait for a background task and a client to end


async def end_task(task: asyncio.Task | None) -> None:
    """Cancel ``task`` and wait for it, at most STOP_WAIT seconds.

    Cancelling alone is not enough to end a loop around a redis-py call: a cancellation that
    lands while the client disconnects or times out can come back as a RedisError (or be
    swallowed, redis/redis-py#2028, #2551), which the loop treats as "Redis is away, retry",
    and a close that waits for the task then waits forever (CI saw a test teardown hang for
    300 s). So each loop also checks its ``_closing`` flag, and here the wait is bounded.
    """
    if task is None or task.done():
        return
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=STOP_WAIT)
    if not done:
        log.error("%s did not end within %.0f s of being stopped", task.get_name(), STOP_WAIT)
    elif not task.cancelled() and task.exception() is not None:
        log.warning("%s ended with %r", task.get_name(), task.exception())


async def _close_client(client) -> None:
    try:
        await asyncio.wait_for(client.aclose(), STOP_WAIT)
    except (asyncio.TimeoutError, RedisError, OSError):
        pass


def stream(session: str) -> str:
    return f"ph:{session}:log"


def _entry(entry_id: bytes, fields: dict) -> Entry:
    seq = int(entry_id.split(b"-", 1)[0])
    full = fields[b"f"]
    public = fields.get(b"p", full)
    return Entry(seq, full, public, fields[b"e"].decode())


def _already(error: Exception) -> bool:
    return isinstance(error, ResponseError) and "equal or smaller" in str(error)


class RedisRelay(Relay):
    """Streams in Redis at ``url``; ``follow`` sessions to have the reader tell listeners their new entries."""

    def __init__(self, url: str, keep: int = KEEP) -> None:
        super().__init__()
        self.url, self.keep = url, keep
        self.redis = aioredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        self._reader_redis = aioredis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        self._after: dict[str, int] = {}  # followed session -> last seq told
        self._task: asyncio.Task | None = None
        self._closing = False
        self.healthy = False  # the reader's last XREAD answered
        self.on_health: Callable[[bool], object] | None = None  # told when ``healthy`` changes

    async def publish(self, session: str, entries: Sequence[Entry]) -> int:
        key = stream(session)
        pipe = self.redis.pipeline(transaction=False)
        for e in entries:
            fields = {"f": e.full, "e": e.epoch}
            if e.public is not e.full and e.public != e.full:
                fields["p"] = e.public
            pipe.xadd(key, fields, id=f"{e.seq}-0", maxlen=self.keep, approximate=True)
        results = await pipe.execute(raise_on_error=False)
        added = 0
        for result in results:
            if isinstance(result, Exception):
                if not _already(result):
                    raise result
            else:
                added += 1
        return added

    async def read(self, session: str, after: int, limit: int = 1000) -> list[Entry]:
        rows = await self.redis.xrange(stream(session), min=f"{after + 1}-0", max="+", count=limit)
        return [_entry(i, f) for i, f in rows]

    async def tail(self, session: str) -> int:
        last = await self.last(session)
        return last.seq if last else 0

    async def last(self, session: str) -> Entry | None:
        """The newest entry held for ``session``, or None."""
        rows = await self.redis.xrevrange(stream(session), max="+", min="-", count=1)
        return _entry(*rows[0]) if rows else None

    async def drop(self, session: str) -> None:
        """Delete ``session``'s stream (its history changed: the primary republishes it)."""
        await self.redis.delete(stream(session))

    async def memory(self, session: str) -> int:
        """Bytes Redis uses for ``session``'s stream (MEMORY USAGE)."""
        return int(await self.redis.memory_usage(stream(session), samples=0) or 0)

    async def follow(self, session: str, after: int) -> None:
        self._after[session] = after
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._read_loop(), name="phienhop-redis-reader")

    async def unfollow(self, session: str) -> None:
        self._after.pop(session, None)

    def position(self, session: str) -> int | None:
        return self._after.get(session)

    def move(self, session: str, after: int) -> None:
        """Read ``session`` from ``after`` on (the caller filled up to it from elsewhere)."""
        if session in self._after and after > self._after[session]:
            self._after[session] = after

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        self._closing = True
        await end_task(self._task)
        for client in (self.redis, self._reader_redis):
            await _close_client(client)

    def _health(self, ok: bool) -> None:
        if ok != self.healthy:
            self.healthy = ok
            log.warning("redis relay %s", "back" if ok else "unreachable; readers fall back to the primary")
            if self.on_health is not None:
                self.on_health(ok)

    async def _read_loop(self) -> None:
        """One XREAD BLOCK across every followed session, from each one's last seq; entries told in order."""
        delay = 0.05
        while not self._closing:
            if not self._after:
                await asyncio.sleep(BLOCK_MS / 1000)
                continue
            streams = {stream(s): f"{after}-0" for s, after in self._after.items()}
            try:
                answer = await self._reader_redis.xread(streams, count=1000, block=BLOCK_MS)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError):
                self._health(False)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)
                continue
            delay = 0.05
            self._health(True)
            for key, rows in answer or []:
                session = key.decode().split(":", 2)[1]
                for entry_id, fields in rows:
                    entry = _entry(entry_id, fields)
                    if session not in self._after:
                        break
                    if entry.seq <= self._after[session]:
                        continue
                    self._after[session] = entry.seq
                    self._tell(session, entry)


class RedisPublisher:
    """The primary's side: each commit's entries to Redis in order, off the command path; resync what Redis lacks.

    ``__call__`` only queues (the engine never waits for Redis); a failed publish is dropped and
    marks the relay for a resync, which on reconnect compares each session's stream tail with
    the log and republishes the difference (at most ``keep`` entries back).
    """

    def __init__(self, relay: RedisRelay, engine) -> None:
        self.relay, self.engine = relay, engine
        self._queue: asyncio.Queue[tuple[str, list[Entry]]] = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self._closing = False
        self.published = 0  # entries Redis took (tests and benchmarks read it)
        self.synced = asyncio.Event()  # set after each complete resync

    def __call__(self, session: str, entries: list[Entry]) -> None:
        self._queue.put_nowait((session, entries))

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="phienhop-redis-publisher")

    async def stop(self) -> None:
        self._closing = True
        await end_task(self._task)
        await self.relay.close()

    async def resync(self) -> None:
        """Republish, per session, the log's entries after the stream's tail (a stream of another epoch is replaced)."""
        for session in list(self.engine.logs):
            epoch = self.engine.epochs.get(session)
            head = len(self.engine.logs[session])
            last = await self.relay.last(session)
            if last is not None and last.epoch != epoch:
                log.warning("redis holds another history of %s (epoch %s); replacing it", session, last.epoch[:12])
                await self.relay.drop(session)
                last = None
            tail = last.seq if last else 0
            if tail < head:
                entries = self.engine.entries_since(session, max(tail, head - self.relay.keep))
                for i in range(0, len(entries), 1000):
                    self.published += await self.relay.publish(session, entries[i:i + 1000])

    async def _run(self) -> None:
        delay = 0.05
        dirty = True
        while not self._closing:
            try:
                if dirty:
                    self._drain()  # what is queued is in the log: the resync covers it
                    await self.resync()
                    dirty = False
                    delay = 0.05
                    self.synced.set()
                session, entries = await self._queue.get()
                self.published += await self.relay.publish(session, entries)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # never fails a command: the log has it, the resync republishes it
                if not dirty:
                    log.warning("redis publish failed (%s); will resync on reconnect", exc)
                self.synced.clear()
                dirty = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX)

    def _drain(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
