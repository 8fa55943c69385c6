"""A follower that stops reading is cut off and resumes; the others get everything, undelayed."""

from __future__ import annotations

import asyncio
import time

import pytest
from websockets.asyncio.client import connect

from ..support import Server, small_agenda
from . import script
from .followers import Tail, percentile, small_buffer_socket, until

BACKLOG = 16
EVENTS, NOTE = 40, 200  # a measured round: notes of NOTE characters
FLOOD, BIG_NOTE = 240, 19_000  # enough to fill a stalled follower's socket buffers (the kernel's grow to 4 MiB)
OTHERS = 30


@pytest.fixture
def small_backlog_server(tmp_path):
    srv = Server(tmp_path / "phienhop.db", env={"PHIENHOP_FOLLOWER_BACKLOG": str(BACKLOG)}).start()
    yield srv
    srv.kill()


def _publish(s, count: int, size: int = NOTE) -> dict[int, float]:
    """Record ``count`` notes one after another; the seq of each and when its command was sent."""
    sent = {}
    for i in range(count):
        t = time.monotonic()
        answer = s.ok(s.secretary, type="note.record", item="khai-mac", text=f"{i} " + "y" * size)
        sent[answer["seq"]] = t
    return sent


async def _round(s, tails: list[Tail], count: int = EVENTS, size: int = NOTE) -> list[float]:
    """Publish a round of notes; the others' delivery latencies (command sent -> event received)."""
    sent = await asyncio.to_thread(_publish, s, count, size)
    head = max(sent)
    await until(lambda: all(t.last >= head for t in tails), 30, "the others to receive the round")
    return [t.received_at[seq] - at for t in tails for seq, at in sent.items()]


async def test_stalled_follower_is_cut_off_without_delaying_the_others(small_backlog_server):
    """A follower with a full socket is closed (4408) or dropped, resumes with nothing missing; 50 others get all."""
    s = small_backlog_server.create(small_agenda())
    await asyncio.to_thread(script.opening, s)
    base = s.snapshot()["seq"]
    # The chair's stream: notes reach it with their text (a public follower gets them without it, too small to flood).
    url = s.live_url(token=s.chair).replace("?since=0&", "?")
    others = [Tail(url, since=base) for _ in range(OTHERS)]
    deadline = time.monotonic() + 90
    following = [asyncio.create_task(t.follow(deadline)) for t in others]
    await until(lambda: all(t.ws is not None for t in others), 20, "the others to connect")
    without = await _round(s, others)

    stalled = Tail(url, since=s.snapshot()["seq"])
    sock = small_buffer_socket(small_backlog_server.port)
    ws = await connect(f"{url}&since={stalled.last}", sock=sock, max_queue=1, open_timeout=10)
    with_stalled = await _round(s, others)  # the stalled one reads nothing from here on
    await _round(s, others, FLOOD, BIG_NOTE)
    after_flood = await _round(s, others)
    print(f"\nothers' delivery latency, {OTHERS} followers x {EVENTS} notes of {NOTE} B (p50 / p99 ms): "
          + "; ".join(f"{name} {percentile(xs, 50) * 1000:.1f} / {percentile(xs, 99) * 1000:.1f}" for name, xs in
                      (("without a stalled follower", without), ("with one", with_stalled),
                       ("after it overflowed", after_flood))))

    async def read_until_cut_off() -> None:
        try:
            while True:
                stalled._take(await ws.recv())
        except Exception as exc:
            rcvd = getattr(exc, "rcvd", None)
            stalled.closes.append(rcvd.code if rcvd else 1006)

    await asyncio.wait_for(read_until_cut_off(), 20)
    head = s.snapshot()["seq"]
    print(f"stalled follower cut off after seq {stalled.last} of {head}: close {stalled.closes[0]}")
    assert stalled.closes[0] in (4408, 1006)
    assert stalled.last < head  # cut off before the end of what was published
    assert stalled.seqs == list(range(stalled.since + 1, stalled.last + 1))

    await asyncio.to_thread(script.closing, s)
    head = s.snapshot()["seq"]
    await asyncio.wait_for(stalled.follow(time.monotonic() + 30), 40)
    await asyncio.wait_for(asyncio.gather(*following), 30)
    stalled.check_complete(head)
    for tail in others:
        tail.check_complete(head)
        assert tail.connections == 1
