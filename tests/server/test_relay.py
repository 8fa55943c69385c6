"""The live relay's contract, once, against both implementations: memory and a real redis-server."""

from __future__ import annotations

import asyncio

import pytest

from phienhop.server.relay import Entry, MemoryRelay
from phienhop.server.relay_redis import RedisRelay

EPOCH = "a" * 64


def entry(seq: int, note: bool = False) -> Entry:
    full = b'{"seq":%d,"type":"x","text":"t"}' % seq
    public = b'{"seq":%d,"type":"x","text":null,"private":true}' % seq if note else full
    return Entry(seq, full, public, EPOCH)


@pytest.fixture(params=["memory", "redis"])
async def relay(request):
    """Each implementation, fresh; the Redis one on its own redis-server."""
    if request.param == "memory":
        r = MemoryRelay(keep=50)
    else:
        server = request.getfixturevalue("redis_server")
        r = RedisRelay(server.url, keep=50)
    await r.start()
    yield r
    await r.close()


async def _until(condition, what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def test_published_entries_are_read_back_in_order_after_a_seq(relay):
    """``read(after)`` gives the entries with a greater seq, in order, both audiences' bytes and the epoch intact."""
    assert await relay.publish("s", [entry(1), entry(2, note=True), entry(3)]) == 3
    got = await relay.read("s", 1)
    assert [e.seq for e in got] == [2, 3]
    assert got[0] == entry(2, note=True) and got[1] == entry(3)
    assert await relay.tail("s") == 3
    assert await relay.read("s", 3) == [] and await relay.tail("other") == 0


async def test_a_duplicate_or_older_seq_is_already_published(relay):
    """Publishing a seq at or below the tail adds nothing and raises nothing; a later seq in the same call is added."""
    await relay.publish("s", [entry(1), entry(2)])
    assert await relay.publish("s", [entry(1), entry(2), entry(3)]) == 1
    assert [e.seq for e in await relay.read("s", 0)] == [1, 2, 3]


async def test_read_honours_its_limit_and_sessions_are_apart(relay):
    """``limit`` caps one read; another session's entries never mix in."""
    await relay.publish("s", [entry(i) for i in range(1, 11)])
    await relay.publish("t", [entry(1)])
    assert [e.seq for e in await relay.read("s", 2, limit=3)] == [3, 4, 5]
    assert [e.seq for e in await relay.read("t", 0)] == [1]


async def test_an_old_history_is_trimmed_and_read_starts_past_the_hole(relay):
    """Beyond ``keep`` entries the oldest go; a read from before them starts later (the reader fills the hole elsewhere)."""
    for start in range(1, 301, 50):
        await relay.publish("s", [entry(i) for i in range(start, start + 50)])
    got = await relay.read("s", 0, limit=1000)
    assert got[-1].seq == 300 and got[0].seq > 1 and len(got) < 300
    assert [e.seq for e in got] == list(range(got[0].seq, 301))


async def test_listeners_are_told_each_new_entry_once_in_order(relay):
    """A followed session's entries reach every listener in seq order, none twice, from the position given."""
    await relay.publish("s", [entry(1), entry(2)])
    told: list[tuple[str, int]] = []
    relay.listen(lambda session, e: told.append((session, e.seq)))
    await relay.follow("s", 2)
    await relay.publish("s", [entry(3), entry(4)])
    await relay.publish("s", [entry(4), entry(5, note=True)])
    await _until(lambda: len(told) >= 3, "three entries to be told")
    assert told == [("s", 3), ("s", 4), ("s", 5)]


async def test_a_failing_listener_does_not_stop_the_others(relay):
    """One listener raising leaves the next one told."""
    told = []

    def bad(session, e):
        raise ValueError("listener bug")

    relay.listen(bad)
    relay.listen(lambda session, e: told.append(e.seq))
    await relay.follow("s", 0)
    await relay.publish("s", [entry(1), entry(2)])
    await _until(lambda: told == [1, 2], "both entries")



async def test_close_ends_the_reader_although_redis_py_swallows_its_cancel(redis_server):
    """``close`` ends the reader task, five times in a row, though redis-py often swallows the cancel of a blocked XREAD.

    redis-py (8.1, CPython 3.11) returns from a cancelled ``XREAD BLOCK`` as if it had timed out
    (redis/redis-py#2028 kind), so a reader that ends only on cancellation loops on and a
    ``close`` that waits for it waits forever: CI once hung 300 s in this module's teardown.
    """
    for round in range(5):
        relay = RedisRelay(redis_server.url, keep=50)
        told = []
        relay.listen(lambda session, e: told.append(e.seq))
        await relay.follow("s", round)
        await relay.publish("s", [entry(round + 1)])
        await _until(lambda: told == [round + 1], f"entry {round + 1}")
        await asyncio.wait_for(relay.close(), 30)
        assert relay._task.done(), f"round {round}: the reader still runs after close"
