"""How fast a real server takes a whole committee's votes, next to what one fsync per vote would allow.

Each run starts ``phienhop serve`` in its own process on a fresh SQLite file in a temp dir,
creates a session with N voting members, marks them present and opens a poll (not timed).
Then this process, the load generator, sends all N ``vote.cast`` commands at once over N
keep-alive connections and times them until the last is acknowledged (acknowledged means
committed: WAL with ``synchronous=FULL``). The poll is then closed and its count checked.

The baseline is measured in the same run on the same disk: single-row ``synchronous=FULL``
WAL commits per second from a bare sqlite3 loop, and what N votes would take at that rate
without group commit.

    .venv/bin/python bench/votes.py                 # 1,000 members, 3 runs, medians
    .venv/bin/python bench/votes.py --members 200 --runs 1
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
ADMIN = "bench-admin-token"
GOAL_SECONDS = 1.5
BASELINE_COMMITS = 300


def agenda(members: int) -> dict:
    """A session with ``members`` voting members (the first is the chair) and one item with a poll."""
    people = [{"id": f"m-{i}", "name": f"Thành viên {i}", "point": "hoi-truong"} for i in range(members)]
    people.append({"id": "thu-ky", "name": "Thư ký", "point": "hoi-truong", "voting": False})
    return {
        "session": {"title": "Phiên họp đo tải", "body": "Ủy ban", "place": "Hà Nội",
                    "starts_at": "2021-11-30T14:00:00+07:00", "chair": "m-0", "secretary": "thu-ky"},
        "points": [{"id": "hoi-truong", "name": "Hội trường", "host": True}],
        "people": people,
        "items": [{"id": "du-thao", "title": "Thông qua dự thảo",
                   "poll": {"method": "yes-no-abstain", "ballot": "named", "rule": "more-than-half-of-members"}}],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workdir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PHIENHOP_ADMIN_TOKEN": ADMIN}
    args = [sys.executable, "-m", "phienhop.server.cli", "serve", "--db", str(workdir / "bench.db"), "--port", str(port), "--no-sample"]
    log = open(workdir / "server.log", "wb")
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}:\n{(workdir / 'server.log').read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.05)  # polling for the port to open
    proc.kill()
    raise SystemExit("the server did not answer /health within 30 s")


def baseline(workdir: Path, commits: int = BASELINE_COMMITS) -> float:
    """Single-row commits per second with WAL and synchronous=FULL, as the store commits."""
    db = sqlite3.connect(workdir / "baseline.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    row = b"x" * 200  # about one vote.cast event
    start = time.perf_counter()
    for _ in range(commits):
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t (data) VALUES (?)", (row,))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - start
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
    """User + system CPU time of process ``pid`` so far (Linux /proc), or NaN elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_run(base: str, members: int, server_pid: int) -> dict:
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        r = await http.post("/api/sessions", content=json.dumps(agenda(members)),
                            headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
        r.raise_for_status()
        created = r.json()
        sid, chair, people = created["id"], created["tokens"]["chair"], created["tokens"]["people"]

        async def command(token: str, **body) -> httpx.Response:
            return await http.post(f"/api/sessions/{sid}/commands", json=body, headers={"Authorization": f"Bearer {token}"})

        async def ok(token: str, **body) -> dict:
            r = await command(token, **body)
            if r.status_code != 200:
                raise SystemExit(f"{body} -> {r.status_code} {r.text}")
            return r.json()

        await ok(chair, type="session.open")
        host, port = base.removeprefix("http://").split(":")
        phones = [Phone(host, int(port)) for _ in range(members)]
        tokens = [chair] + [people[f"m-{i}"] for i in range(1, members)]
        path = f"/api/sessions/{sid}/commands"

        async def send(i: int, **body) -> None:
            status, answer = await phones[i].request("POST", path, tokens[i], json.dumps(body).encode())
            if status != 200:
                raise SystemExit(f"{body} from m-{i} -> {status} {answer!r}")

        # Each member checks in from their phone (not timed).
        await asyncio.gather(*(send(i, type="attendance.mark", person=f"m-{i}", status="present") for i in range(members)))
        await ok(chair, type="item.start", item="du-thao")
        poll = (await ok(chair, type="poll.open", item="du-thao"))["events"][0]["poll"]
        choices = ("yes", "no", "abstain")
        latencies: list[float] = []

        async def vote(i: int) -> None:
            body = json.dumps({"type": "vote.cast", "poll": poll, "choice": choices[i % 3]}).encode()
            sent = time.perf_counter()
            status, answer = await phones[i].request("POST", path, tokens[i], body)
            latencies.append(time.perf_counter() - sent)
            if status != 200 or not json.loads(answer).get("receipt"):
                raise SystemExit(f"vote {i} -> {status} {answer!r}")

        try:
            # Every phone's connection is fresh when the vote starts (well within the server's keep-alive time).
            await asyncio.gather(*(p.request("GET", "/health") for p in phones))
            server_cpu, client_cpu = cpu_seconds(server_pid), time.process_time()
            start = time.perf_counter()
            await asyncio.gather(*(vote(i) for i in range(members)))
            total = time.perf_counter() - start
            server_cpu, client_cpu = cpu_seconds(server_pid) - server_cpu, time.process_time() - client_cpu
        finally:
            for p in phones:
                p.close()

        closed = (await ok(chair, type="poll.close", poll=poll))["events"][0]
        if closed["voted"] != members or sum(closed["votes"].values()) != members:
            raise SystemExit(f"counted {closed['voted']} of {members} acknowledged votes")
    latencies.sort()
    return {
        "total": total,
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "server_cpu": server_cpu,
        "client_cpu": client_cpu,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=1000, help="voting members, all voting at once (default 1000)")
    parser.add_argument("--runs", type=int, default=3, help="runs, each on a fresh server and file; medians are printed (default 3)")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)  # a socket per member, here and in the server
    want = args.members + 100
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want if hard == resource.RLIM_INFINITY else min(want, hard), hard))

    results = []
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="phienhop-bench-") as tmp:
            workdir = Path(tmp)
            proc, base = start_server(workdir)
            try:
                figures = asyncio.run(one_run(base, args.members, proc.pid))
            finally:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            with sqlite3.connect(workdir / "bench.db") as db:  # durable: on disk after the server is gone
                (stored,) = db.execute("SELECT count(*) FROM events WHERE type = 'vote.cast'").fetchone()
            if stored != args.members:
                raise SystemExit(f"{stored} vote.cast events on disk for {args.members} acknowledged votes")
            figures["baseline"] = baseline(workdir)
        results.append(figures)
        print(
            f"run {run}: {args.members} votes acknowledged in {figures['total']:.3f} s "
            f"(p50 {figures['p50'] * 1000:.0f} ms, p99 {figures['p99'] * 1000:.0f} ms; "
            f"CPU server {figures['server_cpu']:.2f} s, load generator {figures['client_cpu']:.2f} s); "
            f"baseline {figures['baseline']:.0f} single-row FULL commits/s",
            flush=True,
        )

    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    at_baseline = args.members / med["baseline"]
    print(f"\nmedians of {len(results)} run(s), {args.members} members voting at once:")
    goal = f"    goal for 1,000: {GOAL_SECONDS} s, {'met' if med['total'] <= GOAL_SECONDS else 'MISSED'}" if args.members == 1000 else ""
    print(f"  all acknowledged (durable) in {med['total']:.3f} s{goal}")
    print(f"  ack latency p50 {med['p50'] * 1000:.0f} ms, p99 {med['p99'] * 1000:.0f} ms")
    print(f"  CPU during the burst: server {med['server_cpu']:.2f} s, load generator {med['client_cpu']:.2f} s"
          f" (less noisy than wall time on a shared machine)")
    print(f"  baseline: {med['baseline']:.0f} single-row synchronous=FULL WAL commits/s on this disk;"
          f" {args.members} votes at one commit each would take {at_baseline:.2f} s")
    print(f"  (load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; shared machines are noisy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
