"""The baseline for bench/fanout.py: the smallest websockets server that fans out with broadcast().

``/follow`` connections are followers; every message that arrives on a ``/publish`` connection is
sent to all of them with ``websockets.broadcast()`` (no queue, no backpressure, no log, no
resume). Same event loop (uvloop), no compression, the same keepalive as ``phienhop serve``.

    python bench/baseline_broadcast.py PORT      # prints "ready" once listening
"""

from __future__ import annotations

import asyncio
import sys

import uvloop
from websockets.asyncio.server import broadcast, serve

FOLLOWERS: set = set()


async def handler(ws) -> None:
    if ws.request.path.startswith("/publish"):
        async for message in ws:
            broadcast(FOLLOWERS, message)
        return
    FOLLOWERS.add(ws)
    try:
        await ws.wait_closed()
    finally:
        FOLLOWERS.discard(ws)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, compression=None, ping_interval=20, ping_timeout=10,
                     max_size=16 * 1024, backlog=2048):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
