"""Minutes bench: render time through the HTTP endpoint, a bare WeasyPrint render, and the live stream's
latency to 200 followers while a render runs, against a real server with the reference session played.

    .venv/bin/python bench/minutes.py [--runs 3] [--followers 200] [--rate 5] [--window 12] [--pairs 3]
    .venv/bin/python bench/minutes.py --quick    # one run, 50 followers, short windows, no large session

On a quiet 2-core machine the default takes about 3 minutes, ``--quick`` about 40 s.

Each run starts a fresh server (a child process on a temporary SQLite file), plays the reference
session as tests/e2e/test_minutes.py does (not finalized, so drafts can be rendered again), then:

  1. GETs minutes.pdf once (cold: the first render of this session, after a small session's
     draft has waited out the render process's start) and once more after a new event (a
     re-render), timing the HTTP round trip;
  2. renders the same document's HTML with WeasyPrint alone, in this process, with the same
     stylesheet and a warm font configuration (the bare cost), and prints the overhead ratio.
     Beside the wall times (noisy on a loaded machine, and the render process runs at a lower
     priority), the CPU time of the server and its render process for each GET is compared
     with the CPU time of the bare render (its first, and a second of the same HTML);
  3. starts 200 followers of the live stream in a separate process and sends ``rate`` events a
     second (the secretary re-marking one person's attendance) for ``window`` seconds with the
     server idle and ``window`` seconds while drafts render back to back, in ``pairs`` alternating
     slices so the machine's drifting load hits both alike; latency is from
     just before the command's POST to the follower's receipt (both on CLOCK_MONOTONIC), and
     the p99 over all followers and events of each window is printed with their ratio;
  4. renders the final minutes of a 500-person session (40 items, 30 polls), built through the
     domain core (tests/e2e/large_session.py), in this process;
  5. runs bench/archive.py: the final minutes' PDF/A-3u render against a bare WeasyPrint PDF/A
     render of the same HTML, the seal, and finalize (render + seal) over HTTP.

Medians over the runs are printed last. The figures are wall-clock times on a shared machine:
the load average is printed with each run so noise can be judged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEQ = re.compile(r'"seq":(\d+)')
TOGGLED = "nguyen-thi-hong"  # not marked by the reference script (the close records them absent): nothing else changes


# -- the follower process ---------------------------------------------------------------------------


async def _follow(url: str, count: int) -> None:
    """Connect ``count`` followers, say "ready", record arrivals; on a line with the last seq, report."""
    from websockets.asyncio.client import connect

    arrivals: list[list[tuple[int, float]]] = [[] for _ in range(count)]

    async def follower(n: int, ws) -> None:
        async for message in ws:
            at = time.monotonic()
            # Only the seq is needed: read it from the head of the message, not a full parse.
            arrivals[n].append((int(SEQ.search(message, 0, 120)[1]), at))

    sockets = []
    for _ in range(count):
        sockets.append(await connect(url, open_timeout=30, max_queue=None, compression=None))
    tasks = [asyncio.create_task(follower(n, ws)) for n, ws in enumerate(sockets)]
    print("ready", flush=True)
    last = int(await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(not a or a[-1][0] < last for a in arrivals):
        await asyncio.sleep(0.05)  # polling for the condition: every follower has the last seq
    for ws in sockets:
        await ws.close()
    for task in tasks:
        task.cancel()
    print(json.dumps(arrivals), flush=True)


# -- helpers ------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def play(server):
    """A session of the reference agenda, played through to closed (points connected as in the test)."""
    from tests.e2e.reference import CONNECTED, connected_points, play_reference

    session = server.create()
    with connected_points(session, CONNECTED):
        play_reference(session)
    return session


def document(session):
    """The draft MinutesDoc of ``session`` as the server projects it, rebuilt from its log."""
    import msgspec

    from phienhop.server.domain import apply, new_state
    from phienhop.server.domain.events import decode
    from phienhop.server.minutes_doc import minutes_doc

    events = [decode(msgspec.json.encode(e)) for e in session.events(token=session.secretary)]
    state = new_state(events[0])
    for event in events[1:]:
        apply(state, event)
    return minutes_doc(state, draft=True)


def process_cpu(pid: int) -> float:
    """CPU seconds of process ``pid`` and every process under it so far (all threads; Linux /proc)."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                total += int((task / "schedstat").read_text().split()[0])
                stack += [int(c) for c in (task / "children").read_text().split()]
            except (OSError, ValueError, IndexError):
                pass  # a thread or process that ended meanwhile
    return total / 1e9


def bare_render(doc) -> tuple[float, float, float]:
    """WeasyPrint alone turning the minutes' HTML into a PDF: wall seconds of a second render, and
    the CPU seconds of the first (fonts and stylesheet already loaded) and of the second."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from phienhop.minutes import render as minutes_render

    fonts = FontConfiguration()
    css = weasyprint.CSS(filename=str(ROOT / "minutes" / "static" / "minutes.css"), font_config=fonts)
    html = minutes_render.render_html(doc)
    base = str(ROOT / "minutes") + "/"

    def once() -> None:
        weasyprint.HTML(string=html, base_url=base).write_pdf(stylesheets=[css], font_config=fonts)

    cpu = time.thread_time()
    once()
    first_cpu = time.thread_time() - cpu
    started, cpu = time.perf_counter(), time.thread_time()
    once()
    return time.perf_counter() - started, first_cpu, time.thread_time() - cpu


class Toggler:
    """Sends one event per call: the secretary marks TOGGLED absent, then present, and so on."""

    def __init__(self, session) -> None:
        self.session = session
        self.sent: dict[int, float] = {}  # seq -> monotonic time just before the POST
        # Start from their mark now (absent once the session has closed): each send must change it.
        mark = session.snapshot(session.secretary)["state"]["attendance"].get(TOGGLED)
        self.absent = bool(mark and mark["status"] == "absent")

    def send(self) -> int:
        self.absent = not self.absent
        body = {"person": TOGGLED, "status": "absent" if self.absent else "present"}
        started = time.monotonic()
        answer = self.session.ok(self.session.secretary, type="attendance.mark", **body)
        self.sent[answer["seq"]] = started
        return answer["seq"]

    def window(self, rate: float, seconds: float) -> list[int]:
        """Send ``rate`` events a second for ``seconds``; returns their seqs."""
        seqs, start = [], time.monotonic()
        for n in range(int(rate * seconds)):
            pause = start + n / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)  # pacing the load, not waiting for the server
            seqs.append(self.send())
        return seqs


def large_render() -> tuple[float, float, int]:
    """Projection seconds, render seconds and pages of the 500-person session's final minutes, in this process."""
    from phienhop.minutes.render import render_pdf
    from phienhop.server.minutes_doc import minutes_doc
    from tests.e2e.large_session import large_state

    state = large_state()
    started = time.perf_counter()
    doc = minutes_doc(state, draft=False)
    projected = time.perf_counter()
    data = render_pdf(doc)
    rendered = time.perf_counter()
    with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
        pdf.write(data)
        pdf.flush()
        info = subprocess.run(["pdfinfo", pdf.name], capture_output=True, text=True).stdout
    pages = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return projected - started, rendered - projected, int(pages[1]) if pages else 0


def get_minutes(session) -> tuple[float, bytes, str]:
    started = time.perf_counter()
    response = session.server.http.get(
        f"/api/sessions/{session.id}/minutes.pdf", headers={"Authorization": f"Bearer {session.secretary}"}
    )
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    return elapsed, response.content, response.headers["server-timing"]


def get_minutes_cpu(session) -> tuple[float, float, str]:
    """Like ``get_minutes``, plus the CPU seconds the server and its render process spent on it."""
    pid = session.server.proc.pid
    cpu = process_cpu(pid)
    elapsed, _, timing = get_minutes(session)
    return elapsed, process_cpu(pid) - cpu, timing


def one_run(args) -> dict:
    from tests.support import Server, small_agenda

    with tempfile.TemporaryDirectory(prefix="phienhop-bench-") as tmp:
        server = Server(Path(tmp) / "bench.db").start()
        try:
            # The server's first render also waits for the render process to start and warm up;
            # a small session takes that, so "cold" below is this session's first render.
            first, _, _ = get_minutes(server.create(small_agenda()))
            session = play(server)
            cold, cold_cpu, cold_timing = get_minutes_cpu(session)
            assert cold_timing.startswith("render;"), cold_timing
            toggler = Toggler(session)
            toggler.send()
            again, again_cpu, again_timing = get_minutes_cpu(session)
            assert again_timing.startswith("render;"), again_timing
            bare, bare_first_cpu, bare_cpu = bare_render(document(session))

            follow = subprocess.Popen(
                [sys.executable, __file__, "--follow", session.live_url(since=session.snapshot()["seq"]),
                 str(args.followers)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
            )
            assert follow.stdout.readline().strip() == "ready"
            renders: list[tuple[float, float]] = []  # monotonic (start, end) of each render
            idle: list[int] = []
            busy: list[int] = []
            # Idle and rendering windows alternate, so the machine's drifting load hits both alike.
            for _ in range(args.pairs):
                idle += toggler.window(args.rate, args.window / args.pairs)
                stop = threading.Event()

                def render_loop(stop: threading.Event = stop) -> None:
                    while not stop.is_set():
                        started = time.monotonic()
                        _, _, timing = get_minutes(session)
                        if timing.startswith("render;"):
                            renders.append((started, time.monotonic()))

                renderer = threading.Thread(target=render_loop)
                renderer.start()
                busy += toggler.window(args.rate, args.window / args.pairs)  # only events inside a render count
                stop.set()
                renderer.join()
            last = max(busy)
            out, _ = follow.communicate(f"{last}\n", timeout=120)
            arrivals = json.loads(out.strip().splitlines()[-1])
        finally:
            server.kill()

    def latencies(seqs: list[int], only_in_render: bool) -> list[float]:
        chosen = set(seqs)
        if only_in_render:
            chosen = {s for s in seqs if any(a <= toggler.sent[s] <= b for a, b in renders)}
        out = []
        for follower in arrivals:
            for seq, at in follower:
                if seq in chosen:
                    out.append(at - toggler.sent[seq])
        return out

    projection, large, pages = large_render() if args.large else (0.0, 0.0, 0)
    idle_lat = latencies(idle, False)
    busy_lat = latencies(busy, True)
    delivered = sum(1 for f in arrivals if any(seq == last for seq, _ in f))
    return {
        "first": first, "cold": cold, "again": again, "bare": bare,
        "cold_cpu": cold_cpu, "again_cpu": again_cpu, "bare_first_cpu": bare_first_cpu, "bare_cpu": bare_cpu,
        "idle_p99": percentile(idle_lat, 0.99), "busy_p99": percentile(busy_lat, 0.99),
        "idle_p50": percentile(idle_lat, 0.50), "busy_p50": percentile(busy_lat, 0.50),
        "renders": len(renders), "busy_events": len({s for s in busy if any(a <= toggler.sent[s] <= b for a, b in renders)}),
        "delivered": delivered, "load": os.getloadavg()[0],
        "large": large, "large_projection": projection, "large_pages": pages,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--followers", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0, help="events a second during each window")
    parser.add_argument("--window", type=float, default=12.0, help="seconds of idle and of rendering, each")
    parser.add_argument("--pairs", type=int, default=3, help="idle/rendering windows alternate this many times")
    parser.add_argument("--no-large", dest="large", action="store_false", help="skip the 500-person session")
    parser.add_argument("--quick", action="store_true", help="1 run, 50 followers, 2 pairs of 2 s windows, no large session")
    parser.add_argument("--follow", nargs=2, metavar=("URL", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.runs, args.followers, args.window, args.pairs, args.large = 1, 50, 4.0, 2, False
    if args.follow:
        asyncio.run(_follow(args.follow[0], int(args.follow[1])))
        return

    print(f"minutes bench: {args.runs} runs, {args.followers} followers, {args.rate:g} events/s, "
          f"{args.window:g} s idle and {args.window:g} s rendering in {args.pairs} alternating pairs; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    runs = []
    for n in range(args.runs):
        r = one_run(args)
        runs.append(r)
        print(
            f"run {n + 1}: server's first render (small session, with warm-up) {r['first']:.2f} s; "
            f"HTTP render cold {r['cold']:.2f} s, re-render {r['again']:.2f} s; "
            f"bare WeasyPrint {r['bare']:.2f} s (overhead x{r['cold'] / r['bare']:.2f} cold, "
            f"x{r['again'] / r['bare']:.2f} re-render); CPU: server+render process cold {r['cold_cpu']:.2f} s, "
            f"re-render {r['again_cpu']:.2f} s, bare {r['bare_first_cpu']:.2f} s first / {r['bare_cpu']:.2f} s second "
            f"(x{r['cold_cpu'] / r['bare_cpu']:.2f} cold); live p99 idle {r['idle_p99'] * 1000:.1f} ms, "
            f"during render {r['busy_p99'] * 1000:.1f} ms (x{r['busy_p99'] / r['idle_p99']:.2f}; p50 "
            f"{r['idle_p50'] * 1000:.1f}/{r['busy_p50'] * 1000:.1f} ms; {r['renders']} renders, "
            f"{r['busy_events']} events inside them; {r['delivered']}/{args.followers} followers got all); "
            f"large session ({r['large_pages']} pages) projection {r['large_projection'] * 1000:.0f} ms, "
            f"render {r['large']:.1f} s; load {r['load']:.2f}",
            flush=True,
        )

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    print(
        f"median: HTTP render cold {med('cold'):.2f} s (goal <= 2 s), re-render {med('again'):.2f} s; "
        f"bare WeasyPrint {med('bare'):.2f} s; overhead x{med('cold') / med('bare'):.2f} cold, "
        f"x{med('again') / med('bare'):.2f} re-render; live p99 idle {med('idle_p99') * 1000:.1f} ms, "
        f"during render {med('busy_p99') * 1000:.1f} ms, ratio x{statistics.median(r['busy_p99'] / r['idle_p99'] for r in runs):.2f} "
        f"(goal <= 1.2); large session render {med('large'):.1f} s"
    )
    print(
        f"median CPU time (the figure to quote from a loaded machine; wall times above are noisy): server and render "
        f"process per GET cold {med('cold_cpu'):.2f} s, re-render {med('again_cpu'):.2f} s; bare WeasyPrint "
        f"{med('bare_cpu'):.2f} s (its first render {med('bare_first_cpu'):.2f} s); ratio x"
        f"{statistics.median(r['cold_cpu'] / r['bare_cpu'] for r in runs):.2f} cold, "
        f"x{statistics.median(r['again_cpu'] / r['bare_cpu'] for r in runs):.2f} re-render (goal <= 1.1); load {os.getloadavg()[0]:.1f}"
    )
    # The final minutes: PDF/A-3u render against a bare WeasyPrint PDF/A render, the seal, finalize (bench/archive.py).
    from bench.archive import main as archive

    archive(["--runs", str(args.runs)])


if __name__ == "__main__":
    main()
