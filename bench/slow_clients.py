"""Slow-header clients against a server at a 512-descriptor limit: how long until they are let go, and /health meanwhile.

Starts ``phienhop serve`` under ``prlimit --nofile=512`` with the default request timeout,
opens 1,000 connections that send a request line and then one header byte a second, and
probes ``GET /health`` on a fresh connection twice a second until every slow socket has been
closed by the server. Prints the time until the last one was dropped and the /health answers.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support import Server  # noqa: E402

ATTACKERS = 1000


async def slow(port: int, dropped: list, stop: asyncio.Event, t0: float) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        dropped.append(time.monotonic() - t0)
        return
    writer.write(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    try:
        while not stop.is_set():
            try:
                if not await asyncio.wait_for(reader.read(4096), 1.0):
                    break
            except asyncio.TimeoutError:
                writer.write(b"a")
    except OSError:
        pass
    dropped.append(time.monotonic() - t0)
    writer.close()


async def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    server = Server(tmp / "bench.db", prefix=(shutil.which("prlimit"), "--nofile=512")).start()
    try:
        stop, dropped, probes = asyncio.Event(), [], []
        t0 = time.monotonic()
        tasks = [asyncio.create_task(slow(server.port, dropped, stop, t0)) for _ in range(ATTACKERS)]
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
            while len(dropped) < ATTACKERS and time.monotonic() - t0 < 120:
                started = time.monotonic()
                r = await client.get("/health", headers={"Connection": "close"})
                probes.append((r.status_code, time.monotonic() - started))
                await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*tasks)
        codes = sorted({c for c, _ in probes})
        latencies = [s for _, s in probes]
        print(f"{ATTACKERS} slow-header clients, server at 512 descriptors, request timeout 10 s (default)")
        print(f"  all dropped after {max(dropped):.1f} s (median {statistics.median(dropped):.1f} s)"
              if len(dropped) == ATTACKERS else f"  only {len(dropped)} dropped in 120 s")
        print(f"  /health: {len(probes)} probes during the attack, statuses {codes}, "
              f"latency median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    finally:
        server.kill()


if __name__ == "__main__":
    asyncio.run(main())
