"""Scale-out benchmark: one session followed on the single node, then through three edges fed by Redis.

Phases, in one run (sizes × ``--scale``): 1,000 followers on the primary alone; 1,000 and 3,000
over 3 edges (``phienhop edge``) fed by a real ``redis-server``; then 5,000 and 10,000 each on the
primary alone and over the edges (CPU per message grows with the connections a process holds,
so the edges are compared with the single node at 1,000, the goal, and at their own size). Followers
live in ``--procs`` load-generator processes (uvloop, up to 20,000 descriptors each). The driver
publishes ``--events`` commands one at a time through the primary's HTTP API (commit, fsync,
fan-out; Redis and the edges on the edge phases) and waits until every follower has each before
the next. Printed per phase: p50/p99 delivery latency (command sent -> event received, client
side, every (event, follower) pair), holes, duplicates and order violations (each follower's seqs
must be exactly since+1..head), and server CPU per delivered message (the primary alone; the
edges' and Redis' CPU summed on edge phases, the primary's apart). Then: the Redis hop's extra
latency at 1,000 (edges p50 - single p50), the time until a killed edge's followers hold a new
event on the other edges (kill -9 at the end of the 3,000 phase, where the edge holds 1,000
followers, and of the 10,000 phase; the edge is started again before the next phase), and Redis
memory per session.

Every phase runs ``--rounds`` times (round after round) and the summary gives the medians, with
each round's figure; once, before the single node's events at its largest size, it idles one
keepalive interval and prints an idle follower's CPU per second.

    python bench/edges.py [--scale 1.0] [--events 30] [--rounds 3] [--procs 4]

Bounded: every wait has a deadline; processes are killed at the end whatever happens.
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
from tests.support import RedisServer, free_port, small_agenda  # noqa: E402

from fanout import _wait_http  # noqa: E402  (bench/ is this script's own folder on sys.path)
from phienhop.server.live import STALL_EVERY  # noqa: E402
from phienhop.server.serving import PING_EVERY  # noqa: E402

ADMIN = "bench-admin-token"
WARMUP = 3
DEADLINE = 120.0  # seconds any one wait may take before the phase is declared failed


class _Seq(msgspec.Struct):
    seq: int


_seq = msgspec.json.Decoder(_Seq).decode


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _spawn(args: list[str], env: dict, health: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "phienhop.server.cli", *args], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_http(health, proc)
    return proc


# -- load generators ----------------------------------------------------------------------------


def _generator(w: int, urls: list[str], n: int, base: int, total: int, shared: dict, out: mp.Queue) -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    uvloop.run(_followers(w, urls, n, base, total, shared, out))


async def _followers(w: int, urls: list[str], n: int, base: int, total: int, shared: dict, out: mp.Queue) -> None:
    """``n`` followers over ``urls`` (round robin); each resumes on the next URL with since=last if its connection ends."""
    counts, ready, stop = shared["counts"], shared["ready"], shared["stop"]
    seqs: list[list[int]] = [[] for _ in range(n)]
    arrivals: list[tuple[int, float]] = []
    last = [base] * n
    first_edge = [(w + i) % len(urls) for i in range(n)]
    resumed_at: dict[int, float] = {}
    gate = asyncio.Semaphore(100)

    async def follow(i: int) -> None:
        at, counted = first_edge[i], False
        while not stop.is_set():
            try:
                async with gate:
                    ws = await connect(f"{urls[at]}&since={last[i]}", compression=None, open_timeout=60,
                                       max_size=2**22, ping_interval=None)
                if not counted:
                    counted = True
                    with ready.get_lock():
                        ready.value += 1
                async with ws:
                    async for message in ws:
                        seq = _seq(message).seq
                        seqs[i].append(seq)
                        last[i] = seq
                        k = seq - base - 1
                        if 0 <= k < total:
                            arrivals.append((k, time.monotonic()))
                            counts[w * total + k] += 1
                        elif k == total and i not in resumed_at:  # the event published after an edge kill
                            resumed_at[i] = time.monotonic()
                            with shared["resumed"].get_lock():
                                shared["resumed"].value += 1
            except Exception:
                pass
            at = (at + 1) % len(urls)
            if not stop.is_set():
                await asyncio.sleep(0.01)  # between reconnect attempts to a refusing address

    tasks = [asyncio.create_task(follow(i)) for i in range(n)]
    while not stop.is_set():
        await asyncio.sleep(0.05)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    holes = dups = disorder = 0
    for i in range(n):
        got = seqs[i]
        expected = set(range(base + 1, max(got, default=base) + 1))
        holes += len(expected - set(got))
        dups += len(got) - len(set(got))
        disorder += sum(1 for a, b in zip(got, got[1:]) if b <= a)
    killed = [i for i in range(n) if first_edge[i] == shared["killed_edge"].value]
    out.put((w, arrivals, holes, dups, disorder, [resumed_at.get(i) for i in killed]))


# -- the driver ---------------------------------------------------------------------------------


class Cluster:
    """redis-server, a primary publishing to it, and ``edges`` edge processes; all on loopback."""

    def __init__(self, edges: int) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.redis = RedisServer(Path(self.tmp.name) / "redis").start()
        env = {**os.environ, "PHIENHOP_ADMIN_TOKEN": ADMIN}
        self.port = free_port()
        self.primary = _spawn(["serve", "--no-sample", "--db", f"{self.tmp.name}/b.db", "--port", str(self.port),
                               "--redis-url", self.redis.url], env, f"http://127.0.0.1:{self.port}/health")
        self.edge_ports = [free_port() for _ in range(edges)]
        self.env = env
        self.edges = [self._edge(p) for p in self.edge_ports]
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        body = self.http.post("/api/sessions", content=msgspec.json.encode(small_agenda()),
                              headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}).json()
        self.session, self.chair, self.public = body["id"], body["tokens"]["chair"], body["tokens"]["public"]
        self.head = self.http.post(f"/api/sessions/{self.session}/commands", json={"type": "session.open"},
                                   headers={"Authorization": f"Bearer {self.chair}"}).json()["seq"]
        self.flip = 0

    def _edge(self, port: int) -> subprocess.Popen:
        return _spawn(["edge", "--primary", f"http://127.0.0.1:{self.port}", "--redis", self.redis.url,
                       "--port", str(port), "--follower-backlog", "1024"], self.env, f"http://127.0.0.1:{port}/health")

    def restart_edge(self, i: int) -> None:
        """Start edge ``i`` again on its port (after a kill), so the next phase has three edges again."""
        if self.edges[i].poll() is None:
            return
        self.edges[i] = self._edge(self.edge_ports[i])

    def urls(self, on_edges: bool) -> list[str]:
        ports = self.edge_ports if on_edges else [self.port]
        return [f"ws://127.0.0.1:{p}/api/sessions/{self.session}/live?token={self.public}" for p in ports]

    async def publish(self, client: httpx.AsyncClient) -> int:
        self.flip ^= 1
        body = {"type": "attendance.mark", "person": "tv-1", "status": "present"} if self.flip else \
            {"type": "attendance.mark", "person": "tv-1", "status": "online", "point": "tra-vinh"}
        r = await client.post(f"/api/sessions/{self.session}/commands", json=body,
                              headers={"Authorization": f"Bearer {self.chair}"})
        assert r.status_code == 200, r.text
        self.head = r.json()["seq"]
        return self.head

    def redis_memory(self) -> tuple[int, int]:
        """(MEMORY USAGE of the session's stream in bytes, its XLEN)."""
        usage = self.redis.command("MEMORY", "USAGE", f"ph:{self.session}:log", "SAMPLES", "0")
        length = self.redis.command("XLEN", f"ph:{self.session}:log")
        return int(usage.lstrip(":") or 0), int(length.lstrip(":") or 0)

    def stop(self) -> None:
        for proc in [*self.edges, self.primary]:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.redis.kill()
        self.http.close()
        self.tmp.cleanup()


async def phase(cluster: Cluster, n: int, events: int, on_edges: bool, procs: int, kill_edge: bool,
                idle_s: float = 0.0) -> dict:
    total = WARMUP + events
    ctx = mp.get_context("fork")
    shared = {"counts": ctx.Array("i", procs * total, lock=False), "ready": ctx.Value("i", 0), "stop": ctx.Event(),
              "resumed": ctx.Value("i", 0), "killed_edge": ctx.Value("i", 0 if kill_edge else -1, lock=False)}
    out = ctx.Queue()
    base = cluster.head
    urls = cluster.urls(on_edges)
    workers = [ctx.Process(target=_generator, args=(w, urls, n // procs + (w < n % procs), base, total, shared, out))
               for w in range(procs)]
    for p in workers:
        p.start()
    try:
        end = time.monotonic() + DEADLINE
        while shared["ready"].value < n:
            if time.monotonic() > end:
                raise RuntimeError(f"only {shared['ready'].value} of {n} followers connected")
            await asyncio.sleep(0.05)
        servers = {"primary": cluster.primary.pid, "redis": cluster.redis.proc.pid,
                   **{f"edge{i}": e.pid for i, e in enumerate(cluster.edges)}}
        before = {k: cpu_s(pid) for k, pid in servers.items() if Path(f"/proc/{pid}").exists()}
        idle = None
        if idle_s:
            await asyncio.sleep(idle_s)
            now = {k: cpu_s(pid) for k, pid in servers.items() if k in before}
            idle = (now["primary"] - before["primary"]) / idle_s / n * 1e6
            before = now
        sent, missing = [], 0
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{cluster.port}", timeout=30) as client:
            for k in range(total):
                sent.append(time.monotonic())
                await cluster.publish(client)
                end = time.monotonic() + 30
                while sum(shared["counts"][w * total + k] for w in range(procs)) < n and time.monotonic() < end:
                    await asyncio.sleep(0.0005)
                missing += n - sum(shared["counts"][w * total + k] for w in range(procs))
            after = {k: cpu_s(pid) for k, pid in servers.items() if k in before}
            catch_up = None
            if kill_edge:
                cluster.edges[0].kill()
                cluster.edges[0].wait()
                killed_at = time.monotonic()
                await cluster.publish(client)  # held by the followers that resume elsewhere
        results = []
        if not kill_edge:
            shared["stop"].set()
        else:
            end = time.monotonic() + 30
            while time.monotonic() < end:
                await asyncio.sleep(0.05)
                if shared["resumed"].value >= n:  # every follower (the survivors too) holds the new event
                    break
            shared["stop"].set()
        for _ in workers:
            results.append(out.get(timeout=DEADLINE))
    finally:
        shared["stop"].set()
        for p in workers:
            p.join(30)
            if p.is_alive():
                p.kill()
    latencies, holes, dups, disorder, resumed = [], 0, 0, 0, []
    for w, arrivals, h, d, o, r in results:
        latencies += [t - sent[k] for k, t in arrivals if k >= WARMUP]
        holes, dups, disorder = holes + h, dups + d, disorder + o
        resumed += r
    delivered = total * n
    cpu = {k: after[k] - before[k] for k in after}
    edge_cpu = sum(v for k, v in cpu.items() if k.startswith("edge")) + (cpu.get("redis", 0) if on_edges else 0)
    result = {"n": n, "edges": on_edges, "missing": missing, "holes": holes, "dups": dups, "disorder": disorder,
              "p50_ms": statistics.median(latencies) * 1000, "p99_ms": sorted(latencies)[int(0.99 * (len(latencies) - 1))] * 1000,
              "cpu_primary_us": cpu["primary"] / delivered * 1e6,
              "cpu_edges_us": edge_cpu / delivered * 1e6 if on_edges else None}
    if idle is not None:
        result["idle_us_per_follower_s"] = idle
    if kill_edge:
        done = [t for t in resumed if t is not None]
        result["kill_victims"] = len(resumed)
        result["kill_caught_up"] = len(done)
        result["kill_s"] = (max(done) - killed_at) if done and len(done) == len(resumed) else float("nan")
    return result


def _line(r: dict) -> str:
    where = "3 edges" if r["edges"] else "single "
    cpu = (f"CPU/msg primary {r['cpu_primary_us']:.1f} us, edges+redis {r['cpu_edges_us']:.1f} us" if r["edges"]
           else f"CPU/msg {r['cpu_primary_us']:.1f} us")
    extra = ""
    if "kill_s" in r:
        extra = f"; edge kill: {r['kill_caught_up']}/{r['kill_victims']} of its followers caught up elsewhere in {r['kill_s']:.2f} s"
    return (f"  {where} {r['n']:6} followers: p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
            f"holes {r['holes']} dups {r['dups']} order {r['disorder']} missing {r['missing']}  {cpu}{extra}")


async def main(scale: float, events: int, procs: int, rounds: int) -> None:
    # (where, followers, kill an edge at the end): the 3,000 phase kills an edge holding 1,000
    # followers (the goal's size), the 10,000 phase one holding 3,334.
    # The single node also at 5,000 and 10,000: a message costs more CPU the more connections a
    # process (and the kernel) holds, on the bare websockets server too (bench/fanout.py), so the
    # edges are also compared with the single node at their own size.
    # Rounds: every phase once per round, the rounds one after another, medians at the end: one
    # phase alone moved by ~15 % between runs on this machine's two shared cores.
    sizes = [("single", int(1000 * scale), False), ("edges", int(1000 * scale), False),
             ("edges", int(3000 * scale), True), ("single", int(5000 * scale), False),
             ("edges", int(5000 * scale), False), ("single", int(10000 * scale), False),
             ("edges", int(10000 * scale), True)]
    cluster = Cluster(edges=3)
    results: dict[tuple[bool, int], list[dict]] = {}
    idle = None
    try:
        for k in range(rounds):
            for where, n, kill in sizes:
                cluster.restart_edge(0)
                # Once: the CPU an idle follower costs (keepalive pings, stall checks) over one ping interval.
                idle_s = PING_EVERY if (k == 0 and where == "single" and n == sizes[-1][1]) else 0.0
                r = await phase(cluster, n, events, where == "edges", procs, kill_edge=kill, idle_s=idle_s)
                results.setdefault((r["edges"], n), []).append(r)
                idle = r.get("idle_us_per_follower_s", idle)
                print(f"  round {k + 1}" + _line(r), flush=True)
        memory, length = cluster.redis_memory()
    finally:
        cluster.stop()

    def median(where: bool, n: int, key: str) -> float:
        return statistics.median(r[key] for r in results[(where, n)])

    def cpu(r: dict) -> float:
        return r["cpu_edges_us"] if r["edges"] else r["cpu_primary_us"]

    base_n = sizes[0][1]
    print(f"Medians of {rounds} round(s):")
    for where, n, _ in sizes:
        on_edges = where == "edges"
        cpus = [cpu(r) for r in results[(on_edges, n)]]
        print(f"  {'3 edges' if on_edges else 'single '} {n:6} followers: p50 {median(on_edges, n, 'p50_ms'):7.1f} ms  "
              f"p99 {median(on_edges, n, 'p99_ms'):7.1f} ms  CPU/msg {statistics.median(cpus):.2f} us "
              f"(rounds: {', '.join(f'{c:.2f}' for c in cpus)})")
    every = [r for rs in results.values() for r in rs]
    print("Over every phase and round: holes {}, duplicates {}, order violations {}, missing {} (goal: 0, 0, 0, 0)".format(
        *(sum(r[key] for r in every) for key in ("holes", "dups", "disorder", "missing"))))

    def ratio(a: float, b: float) -> float:
        return a / b if b else float("nan")  # (a tiny --scale can measure no CPU in 10 ms ticks)

    def paired(values: list[float], fmt: str) -> str:
        """The median of per-round figures (each from phases of one round, minutes apart), then each round's."""
        return f"{fmt.format(statistics.median(values))} (rounds: {', '.join(fmt.format(v) for v in values)})"

    # Each ratio and the hop are taken within a round, then the median over rounds, as the other
    # benches pair interleaved runs: phases of one round share the machine's state of the moment.
    hops = [e["p50_ms"] - s["p50_ms"] for e, s in zip(results[(True, base_n)], results[(False, base_n)])]
    print(f"Redis hop at {base_n} followers: p50 {paired(hops, '{:+.1f}')} ms (goal <= 5 ms)")
    print(f"Edge CPU per message / single node at {base_n} (goal <= 1.2):")
    for where, n, _ in sizes:
        if where == "edges":
            ratios = [ratio(cpu(e), cpu(s)) for e, s in zip(results[(True, n)], results[(False, base_n)])]
            same = ([ratio(cpu(e), cpu(s)) for e, s in zip(results[(True, n)], results[(False, n)])]
                    if (False, n) in results and n != base_n else None)
            print(f"  {n:6}: {paired(ratios, 'x{:.2f}')}"
                  + (f"; / single node at {n}: {paired(same, 'x{:.2f}')}" if same else ""))
    for where, n, kill in sizes:
        if kill:
            times = [r["kill_s"] for r in results[(True, n)]]
            print(f"Edge kill at {n} ({results[(True, n)][0]['kill_victims']} of its followers): caught up elsewhere in "
                  f"{statistics.median(times):.2f} s (rounds: {', '.join(f'{t:.2f}' for t in times)}; goal <= 3 s at 1,000)")
    if idle is not None:
        print(f"An idle follower on the single node: {idle:.2f} us of CPU per second "
              f"(keepalive ping every {PING_EVERY:.0f} s, stall checks every {STALL_EVERY:.0f} s)")
    print(f"Redis memory for the session: {memory} bytes for {length} entries ({memory / max(length, 1):.0f} B/entry)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the follower counts (0.1: 100, 500, 1,000)")
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--procs", type=int, default=4, help="load-generator processes")
    parser.add_argument("--rounds", type=int, default=3, help="every phase this many times; medians printed")
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
    print(f"bench/edges.py: scale {args.scale}, {args.events} events, {args.rounds} rounds, {args.procs} generator processes, "
          f"{os.cpu_count()} CPUs (load average {os.getloadavg()[0]:.1f})", flush=True)
    uvloop.run(main(args.scale, args.events, args.procs, args.rounds))
