"""Server CPU per vote against a bare Litestar request on the same uvicorn, and how fast a burst lands.

Each run starts ``phienhop serve`` in its own process on a fresh SQLite file, creates a session
with N voting members, marks them present (not timed); then, per round, opens a poll and this
process, the load generator, sends all N ``vote.cast`` commands at once over N keep-alive
connections, until the last is acknowledged (acknowledged means committed: WAL with
``synchronous=FULL``). Every poll is closed and its count checked; the votes on disk are counted
after the server is gone.

The baselines, measured in the same run:

- the bare framework (``bench/bare_app.py``): a Litestar handler that decodes the same msgspec
  body and answers a Struct, on the same uvicorn, sent the same N-request bursts over the same
  kind of connections. The figure is the server process's CPU time per request (from
  ``/proc/PID/task/*/schedstat``, nanoseconds, all threads), far less sensitive to a loaded
  machine than wall time. Runs interleave: phienhop, bare, phienhop, bare…
- the disk: single-row ``synchronous=FULL`` WAL commits per second from a bare sqlite3 loop.

    .venv/bin/python bench/votes.py              # 1,000 members, 3 rounds, 3 interleaved runs: ~1 min quiet
    .venv/bin/python bench/votes.py --quick      # 1 run of 1 round: ~15 s
    .venv/bin/python bench/votes.py --profile votes.prof   # and one more, profiled, run (cProfile)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
ADMIN = "bench-admin-token"
GOAL_SECONDS = 1.5
GOAL_RATIO = 2.0
BASELINE_COMMITS = 300


def agenda(members: int, rounds: int) -> dict:
    """A session with ``members`` voting members (the first is the chair) and ``rounds`` items with a poll each."""
    people = [{"id": f"m-{i}", "name": f"Thành viên {i}", "point": "hoi-truong"} for i in range(members)]
    people.append({"id": "thu-ky", "name": "Thư ký", "point": "hoi-truong", "voting": False})
    poll = {"method": "yes-no-abstain", "ballot": "named", "rule": "more-than-half-of-members"}
    return {
        "session": {"title": "Phiên họp đo tải", "body": "Ủy ban", "place": "Hà Nội",
                    "starts_at": "2021-11-30T14:00:00+07:00", "chair": "m-0", "secretary": "thu-ky"},
        "points": [{"id": "hoi-truong", "name": "Hội trường", "host": True}],
        "people": people,
        "items": [{"id": f"du-thao-{r}", "title": f"Thông qua dự thảo {r}", "poll": poll} for r in range(rounds)],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args: list[str], workdir: Path, name: str, port: int) -> tuple[subprocess.Popen, str]:
    """Start a server process and wait for its /health."""
    env = {**os.environ, "PHIENHOP_ADMIN_TOKEN": ADMIN}
    log = open(workdir / f"{name}.log", "wb")
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} exited with {proc.returncode}:\n{(workdir / f'{name}.log').read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.05)  # polling for the port to open
    proc.kill()
    raise SystemExit(f"{name} did not answer /health within 60 s")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def baseline(workdir: Path, commits: int = BASELINE_COMMITS) -> float:
    """Single-row commits per second with WAL and synchronous=FULL, as the store commits."""
    db = sqlite3.connect(workdir / "baseline.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    row = b"x" * 200  # about one vote.cast event
    begin = time.perf_counter()
    for _ in range(commits):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (data) VALUES (?)", (row,))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - begin
    db.close()
    return commits / elapsed


class Phone:
    """One member's keep-alive HTTP/1.1 connection, one request at a time, as their phone would hold.

    Bare asyncio streams: httpx's pool scans every connection for every request, which at a
    thousand connections costs the load generator more CPU than the server spends.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, token: str = "", body: bytes = b"") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Length: {len(body)}\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        if body:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        status = int((await self.reader.readline()).split()[1])
        length = None
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if length is None:
            raise RuntimeError(f"{method} {path}: no Content-Length in the answer")
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def cpu_seconds(pid: int) -> float:
    """CPU time of every live thread of process ``pid`` so far, in seconds.

    ``/proc/PID/task/*/schedstat`` counts nanoseconds (``/proc/PID/stat`` counts 10 ms ticks, too
    coarse for a burst of a few hundred milliseconds). Both servers keep their threads for their
    whole life, so no thread's time is lost between two readings.
    """
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            pass  # a thread that ended between listing and reading
    return total / 1e9


class Burst:
    """N phones, each sending one request at once; times the wall clock and the server's CPU."""

    def __init__(self, base: str, members: int, server_pid: int) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.phones = [Phone(host, int(port)) for _ in range(members)]
        self.pid = server_pid
        self.latencies: list[float] = []
        self.wall = self.cpu = 0.0

    async def each(self, request) -> None:
        """Run ``request(i, phone)`` on every phone at once (not timed)."""
        await asyncio.gather(*(request(i, p) for i, p in enumerate(self.phones)))

    async def timed(self, request, hook=None) -> None:
        """Run ``request(i, phone) -> None`` on every phone at once, adding the wall and CPU time it took.

        ``hook(True)`` is called just before the burst, ``hook(False)`` just after (the profiler's switch).
        """
        await self.each(lambda i, p: p.request("GET", "/health"))  # every connection fresh and open
        async def one(i: int, phone: Phone) -> None:
            sent = time.perf_counter()
            await request(i, phone)
            self.latencies.append(time.perf_counter() - sent)

        if hook:
            hook(True)
        cpu, begin = cpu_seconds(self.pid), time.perf_counter()
        await self.each(one)
        self.wall += time.perf_counter() - begin
        self.cpu += cpu_seconds(self.pid) - cpu
        if hook:
            hook(False)

    def close(self) -> None:
        for p in self.phones:
            p.close()


async def phienhop_run(base: str, members: int, rounds: int, server_pid: int, on_burst=None) -> dict:
    """``rounds`` polls, each a burst of ``members`` votes; the server CPU and wall time of the bursts only."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        r = await http.post("/api/sessions", content=json.dumps(agenda(members, rounds)),
                            headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
        r.raise_for_status()
        created = r.json()
        sid, chair, people = created["id"], created["tokens"]["chair"], created["tokens"]["people"]

        async def ok(token: str, **body) -> dict:
            r = await http.post(f"/api/sessions/{sid}/commands", json=body, headers={"Authorization": f"Bearer {token}"})
            if r.status_code != 200:
                raise SystemExit(f"{body} -> {r.status_code} {r.text}")
            return r.json()

        await ok(chair, type="session.open")
        tokens = [chair] + [people[f"m-{i}"] for i in range(1, members)]
        path = f"/api/sessions/{sid}/commands"
        burst = Burst(base, members, server_pid)

        def sender(make_body):
            async def send(i: int, phone: Phone) -> None:
                status, answer = await phone.request("POST", path, tokens[i], json.dumps(make_body(i)).encode())
                if status != 200:
                    raise SystemExit(f"{make_body(i)} from m-{i} -> {status} {answer!r}")
            return send

        choices = ("yes", "no", "abstain")
        try:
            # Each member checks in from their phone (not timed).
            await burst.each(sender(lambda i: {"type": "attendance.mark", "person": f"m-{i}", "status": "present"}))
            for r in range(rounds):
                await ok(chair, type="item.start", item=f"du-thao-{r}")
                poll = (await ok(chair, type="poll.open", item=f"du-thao-{r}"))["events"][0]["poll"]
                await burst.timed(sender(lambda i: {"type": "vote.cast", "poll": poll, "choice": choices[i % 3]}), on_burst)
                closed = (await ok(chair, type="poll.close", poll=poll))["events"][0]
                if closed["voted"] != members or sum(closed["votes"].values()) != members:
                    raise SystemExit(f"counted {closed['voted']} of {members} acknowledged votes")
                await ok(chair, type="item.end", item=f"du-thao-{r}")
        finally:
            burst.close()
    return summary(burst, members * rounds)


async def bare_run(base: str, members: int, rounds: int, server_pid: int, on_burst=None) -> dict:
    """The same bursts against the bare app: same body, same headers, same connections."""
    burst = Burst(base, members, server_pid)
    path = "/api/sessions/s1/commands"
    choices = ("yes", "no", "abstain")

    async def send(i: int, phone: Phone) -> None:
        body = json.dumps({"type": "vote.cast", "poll": "p1", "choice": choices[i % 3]}).encode()
        status, answer = await phone.request("POST", path, "x" * 43, body)
        if status != 200 or not json.loads(answer).get("receipt"):
            raise SystemExit(f"bare request {i} -> {status} {answer!r}")

    try:
        for _ in range(rounds):
            await burst.timed(send, on_burst)
    finally:
        burst.close()
    return summary(burst, members * rounds)


def summary(burst: Burst, requests: int) -> dict:
    latencies = sorted(burst.latencies)
    return {
        "wall": burst.wall,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "cpu_us": burst.cpu / requests * 1e6,
    }


def serve_args(workdir: Path, port: int, profile: Path | None = None) -> list[str]:
    head = [str(BENCH / "profiled_serve.py"), str(profile), "phienhop"] if profile else ["-m", "phienhop.server.cli"]
    return [*head, "serve", "--db", str(workdir / "bench.db"), "--port", str(port), "--no-sample"]


def measure_phienhop(members: int, rounds: int, profile: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="phienhop-bench-") as tmp:
        workdir = Path(tmp)
        port = free_port()
        proc, base = start(serve_args(workdir, port, profile), workdir, "phienhop", port)
        def on_burst(begins: bool) -> None:  # profile the bursts only (SIGUSR1 on, SIGUSR2 off and dump)
            if profile:
                proc.send_signal(signal.SIGUSR1 if begins else signal.SIGUSR2)

        try:
            figures = asyncio.run(phienhop_run(base, members, rounds, proc.pid, on_burst))
        finally:
            stop(proc)
        with sqlite3.connect(workdir / "bench.db") as db:  # durable: on disk after the server is gone
            (stored,) = db.execute("SELECT count(*) FROM events WHERE type = 'vote.cast'").fetchone()
        if stored != members * rounds:
            raise SystemExit(f"{stored} vote.cast events on disk for {members * rounds} acknowledged votes")
        figures["commits_per_s"] = baseline(workdir)
    return figures


def measure_bare(members: int, rounds: int, profile: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="phienhop-bench-") as tmp:
        port = free_port()
        head = [str(BENCH / "profiled_serve.py"), str(profile)] if profile else []
        proc, base = start([*head, str(BENCH / "bare_app.py"), "--port", str(port)], Path(tmp), "bare", port)

        def on_burst(begins: bool) -> None:
            if profile:
                proc.send_signal(signal.SIGUSR1 if begins else signal.SIGUSR2)

        try:
            return asyncio.run(bare_run(base, members, rounds, proc.pid, on_burst))
        finally:
            stop(proc)


def print_profile(path: Path, what: str, lines: int) -> None:
    import pstats

    print(f"\nprofile of {what} (event loop thread, cProfile, thread CPU time; full file: {path}):")
    stats = pstats.Stats(str(path))
    stats.strip_dirs().sort_stats("tottime").print_stats(lines)
    stats.sort_stats("cumulative").print_stats(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=None, help="voting members, all voting at once (default 1000)")
    parser.add_argument("--rounds", type=int, default=None, help="polls per run, a burst each (default 3)")
    parser.add_argument("--runs", type=int, default=None, help="interleaved phienhop/bare run pairs; medians printed (default 3)")
    parser.add_argument("--quick", action="store_true", help="one pair of runs, one round (about 15 s)")
    parser.add_argument("--profile", type=Path, help="after the runs, one more phienhop run under cProfile, saved here and summarised")
    args = parser.parse_args()
    members = args.members or 1000
    rounds = args.rounds or (1 if args.quick else 3)
    runs = args.runs or (1 if args.quick else 3)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # a socket per member, here and in the server
    want = members + 100
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))

    ours, bare = [], []
    for run in range(1, runs + 1):
        ours.append(measure_phienhop(members, rounds))
        bare.append(measure_bare(members, rounds))
        o, b = ours[-1], bare[-1]
        print(
            f"run {run}: phienhop {o['cpu_us']:.0f} µs CPU/vote, bare {b['cpu_us']:.0f} µs CPU/request "
            f"(×{o['cpu_us'] / b['cpu_us']:.2f}); {members} votes acknowledged in {o['wall'] / rounds:.3f} s per burst "
            f"(p50 {o['p50'] * 1000:.0f} ms, p99 {o['p99'] * 1000:.0f} ms), bare {b['wall'] / rounds:.3f} s; "
            f"disk {o['commits_per_s']:.0f} single-row FULL commits/s",
            flush=True,
        )

    med = {k: statistics.median(r[k] for r in ours) for k in ours[0]}
    bmed = {k: statistics.median(r[k] for r in bare) for k in bare[0]}
    ratios = sorted(o["cpu_us"] / b["cpu_us"] for o, b in zip(ours, bare))
    ratio = med["cpu_us"] / bmed["cpu_us"]
    spread = lambda rs, k: f"{min(r[k] for r in rs):.0f}–{max(r[k] for r in rs):.0f}"
    print(f"\nmedians of {runs} interleaved run pair(s), {rounds} burst(s) of {members} members voting at once each:")
    print(f"  server CPU per vote        {med['cpu_us']:6.0f} µs  (spread {spread(ours, 'cpu_us')})")
    print(f"  bare Litestar, per request {bmed['cpu_us']:6.0f} µs  (spread {spread(bare, 'cpu_us')})  same uvicorn, same body")
    print(f"  ratio ×{ratio:.2f} (per pair: {', '.join(f'×{r:.2f}' for r in ratios)}); goal ≤ ×{GOAL_RATIO:.1f}: "
          f"{'met' if ratio <= GOAL_RATIO else 'MISSED'}")
    goal = f"    goal for 1,000: {GOAL_SECONDS} s, {'met' if med['wall'] / rounds <= GOAL_SECONDS else 'MISSED'}" if members == 1000 else ""
    print(f"  wall (noisy on a loaded machine): all acknowledged (durable) in {med['wall'] / rounds:.3f} s per burst{goal}")
    print(f"  ack latency p50 {med['p50'] * 1000:.0f} ms, p99 {med['p99'] * 1000:.0f} ms; bare burst {bmed['wall'] / rounds:.3f} s")
    print(f"  disk: {med['commits_per_s']:.0f} single-row synchronous=FULL WAL commits/s;"
          f" {members} votes at one commit each would take {members / med['commits_per_s']:.2f} s")
    print(f"  (load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; CPU time is the figure, wall time is noisy)")

    if args.profile:
        ours_prof = args.profile.resolve()
        bare_prof = ours_prof.with_name(ours_prof.stem + "-bare" + ours_prof.suffix)
        o = measure_phienhop(members, rounds, profile=ours_prof)
        b = measure_bare(members, rounds, profile=bare_prof)
        print(f"\nprofiled runs (cProfile slows them; not in the medians): phienhop {o['cpu_us']:.0f} µs CPU/vote,"
              f" bare {b['cpu_us']:.0f} µs CPU/request")
        print_profile(ours_prof, "the vote bursts", 30)
        print_profile(bare_prof, "the bare bursts", 15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
