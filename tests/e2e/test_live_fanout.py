"""Fan-out over real sockets: many followers, each sees every seq once and in order, and resumes."""

from __future__ import annotations

import asyncio
import contextlib
import time

import msgspec
from websockets.asyncio.client import connect

from ..support import small_agenda
from . import script
from .followers import Tail, until

FOLLOWERS = 300


async def test_300_followers_receive_every_event_in_order(server):
    """300 followers connected before a scripted session each receive seqs 2..head exactly once, in order."""
    s = server.create(small_agenda())
    tails = [Tail(s.live_url(token=s.public).replace("?since=0&", "?"), since=1) for _ in range(FOLLOWERS)]
    deadline = time.monotonic() + 60
    followers = [asyncio.create_task(t.follow(deadline)) for t in tails]
    await until(lambda: all(t.ws is not None for t in tails), 30, "300 followers to connect")
    head = await asyncio.to_thread(script.whole, s, 10)
    await asyncio.wait_for(asyncio.gather(*followers), 40)
    for tail in tails:
        tail.check_complete(head)
    assert {t.connections for t in tails} == {1}
    assert len({tuple(t.raw) for t in tails}) == 1  # the same bytes for everyone
    assert tails[0].raw == [e.decode() for e in _log_bytes(s, 1)]


class _Events(msgspec.Struct):
    seq: int
    events: list[msgspec.Raw]


def _log_bytes(s, since: int) -> list[bytes]:
    """The log's events after ``since``, byte for byte as GET /events serves them."""
    r = s.server.http.get(f"/api/sessions/{s.id}/events", params={"since": since},
                          headers={"Authorization": f"Bearer {s.public}"})
    return [bytes(raw) for raw in msgspec.json.decode(r.content, type=_Events).events]


async def test_300_followers_dropped_at_once_resume_from_different_seqs_and_converge(server):
    """300 followers cut at different seqs, all dropped at once while events flow, all end at the same head."""
    s = server.create(small_agenda())
    await asyncio.to_thread(script.opening, s)
    base = s.snapshot()["seq"]
    await asyncio.to_thread(script.middle, s, 30)
    middle_head = s.snapshot()["seq"]
    # Each follower stops reading at its own seq between base and middle_head, then waits.
    stops = [base + 1 + i % (middle_head - base) for i in range(FOLLOWERS)]
    drop = asyncio.Event()
    tails = [Tail(s.live_url(token=s.public).replace("?since=0&", "?"), since=base) for _ in range(FOLLOWERS)]

    async def first_leg(tail: Tail, stop: int) -> None:
        with contextlib.suppress(Exception):
            async with connect(f"{tail.url}&since={tail.last}", open_timeout=20) as ws:
                while tail.last < stop:
                    tail._take(await ws.recv())
                await drop.wait()
                ws.transport.abort()  # dropped, not closed: no close frame

    legs = [asyncio.create_task(first_leg(t, stop)) for t, stop in zip(tails, stops)]
    await until(lambda: all(t.last == stop for t, stop in zip(tails, stops)), 40, "every follower at its seq")
    assert len(set(stops)) > 20
    drop.set()
    await asyncio.wait_for(asyncio.gather(*legs), 20)
    deadline = time.monotonic() + 60
    resumed = [asyncio.create_task(t.follow(deadline)) for t in tails]
    await asyncio.to_thread(script.closing, s)
    head = s.snapshot()["seq"]
    await asyncio.wait_for(asyncio.gather(*resumed), 40)
    for tail in tails:
        tail.check_complete(head)
    assert {t.last for t in tails} == {head}
