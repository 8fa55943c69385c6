"""The server killed (-9) and restarted mid-stream: followers resume from their seq, nothing missing."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx

from ..support import small_agenda
from . import script
from .followers import Tail, until
from .test_live_fanout import _log_bytes

FOLLOWERS = 50


def _keep_publishing(base: str, s, stop: threading.Event, acked: list[int]) -> None:
    """Record notes until ``stop``; a note the dying server never answered may or may not be in the log."""
    with httpx.Client(base_url=base, timeout=5) as http:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                r = http.post(f"/api/sessions/{s.id}/commands", headers={"Authorization": f"Bearer {s.secretary}"},
                              json={"type": "note.record", "item": "khai-mac", "text": f"ghi chú {i}"})
                if r.status_code == 200:
                    acked.append(r.json()["seq"])
            except httpx.TransportError:
                stop.wait(0.05)  # the server is down: try again shortly


async def test_followers_resume_with_nothing_missing_after_kill_9(server):
    """50 followers see every seq once and in order, byte for byte the log, across a kill -9 and restart."""
    s = server.create(small_agenda())
    await asyncio.to_thread(script.opening, s)
    since = s.snapshot()["seq"]
    url = s.live_url(token=s.public).replace("?since=0&", "?")
    tails = [Tail(url, since=since) for _ in range(FOLLOWERS)]
    following = [asyncio.create_task(t.follow(time.monotonic() + 90)) for t in tails]
    await until(lambda: all(t.ws is not None for t in tails), 20, "followers to connect")

    stop, acked = threading.Event(), []
    publisher = threading.Thread(target=_keep_publishing, args=(server.base, s, stop, acked))
    publisher.start()
    try:
        await until(lambda: len(acked) >= 30 and all(t.last >= since + 20 for t in tails), 30, "the stream to flow")
        port = server.port
        server.kill()
        killed_at = max(acked)
        await asyncio.to_thread(server.start, 30, port)
        await until(lambda: len(acked) >= 60 and max(acked) > killed_at + 20, 30, "the stream to flow again")
    finally:
        stop.set()
        await asyncio.to_thread(publisher.join, 10)
    await asyncio.to_thread(script.closing, s)
    head = s.snapshot()["seq"]
    await asyncio.wait_for(asyncio.gather(*following), 60)
    log = [e.decode() for e in _log_bytes(s, since)]
    assert all('"type":"note.recorded"' in log[seq - since - 1] for seq in acked)  # every acknowledged note survived
    for tail in tails:
        tail.check_complete(head)
        assert tail.raw == log
        assert tail.connections >= 2
