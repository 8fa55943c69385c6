"""Fan-out benchmark: phienhop's live stream against a bare ``websockets.broadcast()`` server.

Followers run in separate processes (PROCS of them, each holding many WebSocket connections on
uvloop) over loopback. The driver publishes events one at a time — for phienhop a command
through the HTTP API (``attendance.mark`` toggles: commit, fsync, fan-out), for the baseline a
message of the same size on a control connection — and waits until every follower has it
before the next. Latency is client-side: command sent -> event received, for every
(event, follower) pair. Also: the server's CPU time per message sent to one follower (all its
threads, from /proc schedstat: the figure to quote from a loaded machine; latencies are wall
time and noisy there), the server's RSS per idle follower (VmRSS before and after connecting
them), and a reconnect storm (phienhop only): all followers dropped at once, each resuming from
its own seq, timed until all hold the head.

Runs interleave (phienhop, baseline, phienhop, baseline… at each size), so a machine's drifting
load hits both alike; the medians are printed with their spread (min–max over the runs).
phienhop's CPU per message includes its share of the command that made the event (HTTP, commit).

    python bench/fanout.py [--runs 3] [--followers 1000,5000] [--events 200]   # ~6 min on a quiet machine
    python bench/fanout.py --quick                                              # 2 runs at 1,000: ~4 min at load 28, less when quiet
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import msgspec
import uvloop
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support import free_port, small_agenda  # noqa: E402

ADMIN = "bench-admin-token"
PROCS = 2  # follower processes
WARMUP = 5  # events published before the measured ones
STORM_SPREAD = 50  # storm followers resume from up to this many events back


class _Seq(msgspec.Struct):
    seq: int


_seq = msgspec.json.Decoder(_Seq).decode


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_s(pid: int) -> float:
    """CPU seconds every live thread of the process has used so far (schedstat: ns, not 10 ms ticks)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            pass  # a thread that ended meanwhile
    return total / 1e9


def _wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer in {timeout}s")


class Ours:
    """``phienhop serve`` on a temporary database, one session open with its voters marked."""

    name = "phienhop"

    def __init__(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.port = free_port()
        env = {**os.environ, "PHIENHOP_ADMIN_TOKEN": ADMIN}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "phienhop.server.cli", "serve", "--no-sample", "--db", f"{self.dir.name}/b.db",
             "--port", str(self.port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_http(f"http://127.0.0.1:{self.port}/health", self.proc)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        r = self.http.post("/api/sessions", content=msgspec.json.encode(small_agenda()),
                           headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
        body = r.json()
        self.session, self.chair, self.public = body["id"], body["tokens"]["chair"], body["tokens"]["public"]
        self.head = self.command({"type": "session.open"})
        self.toggle = 0

    @property
    def pid(self) -> int:
        return self.proc.pid

    def command(self, body: dict) -> int:
        r = self.http.post(f"/api/sessions/{self.session}/commands", json=body,
                           headers={"Authorization": f"Bearer {self.chair}"})
        assert r.status_code == 200, r.text
        return r.json()["seq"]

    def url(self, since: int) -> str:
        return f"ws://127.0.0.1:{self.port}/api/sessions/{self.session}/live?since={since}&token={self.public}"

    async def publisher(self):
        client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        headers = {"Authorization": f"Bearer {self.chair}"}

        async def publish(_: int) -> None:
            self.toggle ^= 1
            body = {"type": "attendance.mark", "person": "tv-1", "status": "present"} if self.toggle else \
                {"type": "attendance.mark", "person": "tv-1", "status": "online", "point": "tra-vinh"}
            r = await client.post(f"/api/sessions/{self.session}/commands", json=body, headers=headers)
            assert r.status_code == 200, r.text

        return publish, client.aclose

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.http.close()
        self.dir.cleanup()


class Baseline:
    """bench/baseline_broadcast.py: followers on /follow, messages to broadcast on /publish."""

    name = "baseline"
    size = 190  # bytes per message, about an attendance.marked event

    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "baseline_broadcast.py"), str(self.port)],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        self.head = 0

    @property
    def pid(self) -> int:
        return self.proc.pid

    def url(self, since: int) -> str:
        return f"ws://127.0.0.1:{self.port}/follow?since={since}"

    async def publisher(self):
        ws = await connect(f"ws://127.0.0.1:{self.port}/publish", compression=None)

        async def publish(seq: int) -> None:
            message = f'{{"type":"bench","seq":{seq},"pad":"'
            await ws.send(message + "x" * (self.size - len(message) - 2) + '"}')

        return publish, ws.close

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


# -- the follower processes -------------------------------------------------------------------


def _follower_process(w: int, url: str, n: int, base: int, total: int, shared: dict, out: mp.Queue) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    uvloop.run(_followers(w, url, n, base, total, shared, out))


async def _until(event) -> None:
    while not event.is_set():
        await asyncio.sleep(0.01)


async def _followers(w: int, url: str, n: int, base: int, total: int, shared: dict, out: mp.Queue) -> None:
    counts, ready = shared["counts"], shared["ready"]
    received: list[tuple[int, float]] = []
    last = [base] * n
    caught: list[float] = []
    gate = asyncio.Semaphore(64)

    async def follow(i: int, since: int, storm: bool) -> None:
        async with gate:
            ws = await connect(url.replace(f"since={base}", f"since={since}"), compression=None, open_timeout=120,
                               max_size=2**22, ping_interval=None)
        sockets[i] = ws
        if storm and since >= shared["head"].value:  # resumed at the head: nothing to catch up
            caught.append(time.monotonic())
            return
        if not storm:
            with ready.get_lock():
                ready.value += 1
        try:
            async for message in ws:
                seq = _seq(message).seq
                last[i] = seq
                if storm:
                    if seq >= shared["head"].value:
                        caught.append(time.monotonic())
                        return
                    continue
                k = seq - base - 1
                if 0 <= k < total:
                    received.append((k, time.monotonic()))
                    counts[w * total + k] += 1
        except Exception:
            pass

    sockets: list = [None] * n
    tasks = [asyncio.create_task(follow(i, base, False)) for i in range(n)]
    await _until(shared["drop"])
    for ws in sockets:
        if ws is not None:
            ws.transport.abort()
    await asyncio.gather(*tasks, return_exceptions=True)
    if shared["storm"].value:
        gate = asyncio.Semaphore(n)  # all at once
        tasks = [asyncio.create_task(follow(i, max(0, last[i] - i % STORM_SPREAD), True)) for i in range(n)]
        await asyncio.wait(tasks, timeout=60)
    out.put((w, received, caught, sum(1 for s in last if s >= shared["head"].value)))


# -- the driver -------------------------------------------------------------------------------


async def phase(target, n: int, events: int, storm: bool) -> dict:
    """Connect ``n`` followers, publish ``events``, measure; optionally a reconnect storm."""
    total = WARMUP + events
    ctx = mp.get_context("fork")
    shared = {"counts": ctx.Array("i", PROCS * total, lock=False), "ready": ctx.Value("i", 0),
              "drop": ctx.Event(), "storm": ctx.Value("i", int(storm), lock=False),
              "head": ctx.Value("i", 0, lock=False)}
    out = ctx.Queue()
    base = target.head
    rss_before, cpu_before = rss_kib(target.pid), cpu_s(target.pid)
    procs = [ctx.Process(target=_follower_process, args=(w, target.url(base), n // PROCS + (w < n % PROCS),
                                                         base, total, shared, out)) for w in range(PROCS)]
    for p in procs:
        p.start()
    started = time.monotonic()
    while shared["ready"].value < n:
        if time.monotonic() - started > 180:
            raise RuntimeError(f"only {shared['ready'].value} of {n} followers connected")
        await asyncio.sleep(0.05)
    connect_s = time.monotonic() - started
    await asyncio.sleep(1.0)  # let the server's allocations settle before reading RSS (a bench, not a test)
    rss_after, cpu_connected = rss_kib(target.pid), cpu_s(target.pid)
    publish, close = await target.publisher()
    sent = []
    missing = 0
    for k in range(total):
        sent.append(time.monotonic())
        await publish(base + k + 1)
        end = time.monotonic() + 20
        while sum(shared["counts"][w * total + k] for w in range(PROCS)) < n and time.monotonic() < end:
            await asyncio.sleep(0.0005)
        missing += n - sum(shared["counts"][w * total + k] for w in range(PROCS))
    await close()
    cpu_published = cpu_s(target.pid)
    shared["head"].value = base + total
    target.head = base + total
    drop_at = time.monotonic()
    shared["drop"].set()
    latencies, caught, at_head = [], [], 0
    for _ in procs:
        w, received, got, heads = out.get(timeout=120)
        latencies += [t - sent[k] for k, t in received if k >= WARMUP]
        caught += got
        at_head += heads
    for p in procs:
        p.join(30)
    cpu_storm = cpu_s(target.pid) - cpu_published
    result = {"n": n, "connect_s": connect_s, "missing": missing,
              "p50_ms": statistics.median(latencies) * 1000,
              "p99_ms": sorted(latencies)[int(0.99 * (len(latencies) - 1))] * 1000,
              "rss_per_follower_kib": (rss_after - rss_before) / n,
              "cpu_connect_us": (cpu_connected - cpu_before) / n * 1e6,
              "cpu_send_us": (cpu_published - cpu_connected) / (total * n) * 1e6}
    if storm:
        result["storm_s"] = (max(caught) - drop_at) if len(caught) == n else float("nan")
        result["storm_caught_up"] = len(caught)
        result["storm_cpu_s"] = cpu_storm
    return result


async def one_run(sizes: list[int], events: int) -> dict:
    figures = {}
    for n in sizes:
        for cls in (Ours, Baseline):  # A, B at each size: the next run repeats A, B
            target = cls()
            try:
                figures[(cls.name, n)] = r = await phase(target, n, events, storm=cls is Ours and n == sizes[0])
            finally:
                target.stop()
            extra = (f", storm {r['storm_s']:.2f}s ({r['storm_caught_up']} caught up, server CPU {r['storm_cpu_s']:.2f}s)"
                     if "storm_s" in r else "")
            print(f"  {cls.name:9} {n:5} followers: p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
                  f"RSS/follower {r['rss_per_follower_kib']:5.1f} KiB  connect {r['connect_s']:.1f}s  "
                  f"server CPU/connect {r['cpu_connect_us']:.0f} us, /message {r['cpu_send_us']:.1f} us  "
                  f"missing {r['missing']}{extra}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="interleaved phienhop/baseline runs (default 3)")
    parser.add_argument("--followers", default="1000,5000")
    parser.add_argument("--events", type=int, default=200, help="measured events per run (default 200: a stable p99)")
    parser.add_argument("--quick", action="store_true", help="2 runs at 1,000 followers, 200 events")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.followers = 2, "1000"
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))  # inherited by the servers and followers
    sizes = [int(x) for x in args.followers.split(",")]
    runs = []
    for i in range(args.runs):
        print(f"run {i + 1} of {args.runs}", flush=True)
        runs.append(uvloop.run(one_run(sizes, args.events)))
    med = lambda name, n, key: statistics.median(r[(name, n)][key] for r in runs)  # noqa: E731

    def spread(name: str, n: int, key: str, fmt: str = ".1f") -> str:
        values = [r[(name, n)][key] for r in runs]
        return f"{min(values):{fmt}}–{max(values):{fmt}}"

    def ratios(n: int, key: str) -> str:
        per_run = sorted(r[("phienhop", n)][key] / r[("baseline", n)][key] for r in runs)
        return f"{per_run[0]:.2f}–{per_run[-1]:.2f}"

    print(f"\nmedians of {args.runs} interleaved runs, {args.events} events each ({PROCS} follower processes, "
          f"loopback; spread min–max over the runs; load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores):")
    for n in sizes:
        for key, goal in (("p50_ms", None), ("p99_ms", 1.2)):
            ours, base = med("phienhop", n, key), med("baseline", n, key)
            verdict = f"; goal <= {goal}: {'met' if ours / base <= goal else 'MISSED'}" if goal else ""
            print(f"  {n:5} followers {key[:3]} (wall, noisy when loaded): phienhop {ours:7.1f} ms ({spread('phienhop', n, key)})"
                  f"  baseline {base:7.1f} ms ({spread('baseline', n, key)})  ratio {ours / base:.2f} "
                  f"(per run {ratios(n, key)}){verdict}")
    for n in sizes:
        ours, base = med("phienhop", n, "cpu_send_us"), med("baseline", n, "cpu_send_us")
        print(f"  {n:5} followers server CPU per message sent: phienhop {ours:.2f} us ({spread('phienhop', n, 'cpu_send_us', '.2f')})"
              f"  baseline {base:.2f} us ({spread('baseline', n, 'cpu_send_us', '.2f')})  ratio {ours / base:.2f} "
              f"(per run {ratios(n, 'cpu_send_us')}); goal <= 1.1: {'met' if ours / base <= 1.1 else 'MISSED'}")
    for n in sizes:
        ours = med("phienhop", n, "rss_per_follower_kib")
        print(f"  {n:5} idle followers: phienhop {ours:.1f} KiB each ({spread('phienhop', n, 'rss_per_follower_kib')}), "
              f"baseline {med('baseline', n, 'rss_per_follower_kib'):.1f} KiB each "
              f"({spread('baseline', n, 'rss_per_follower_kib')}); goal <= 20 KiB: {'met' if ours <= 20 else 'MISSED'}")
    print(f"  reconnect storm, {sizes[0]} followers resuming from up to {STORM_SPREAD} events back: "
          f"{med('phienhop', sizes[0], 'storm_s'):.2f} s until all at the head ({spread('phienhop', sizes[0], 'storm_s', '.2f')})")


if __name__ == "__main__":
    main()
