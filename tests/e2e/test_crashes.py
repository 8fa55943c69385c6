"""Crashes that must not leave a lie: a dead render worker, a stop mid-COMMIT, one bad command in a group.

Each runs a real server on a real SQLite file; faults are injected at real seams through
``PHIENHOP_FAULTS`` (server/faults.py); ``phienhop verify`` passes after every one.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.support import Server, small_agenda

from .wsread import phienhop


def _verify(server: Server, session: str) -> None:
    run = phienhop("verify", session, "--db", str(server.db), "--lang", "en")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith(f"ok: session {session}, ")


def _render_worker(server: Server) -> int:
    """The pid of the server's render process (its spawned child that is not the resource tracker)."""
    pid = server.proc.pid
    for _ in range(600):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for child in children:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in cmdline:
                return int(child)
        time.sleep(0.05)  # polling for the process to appear
    raise AssertionError("no render process")


def _gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def _events(db: Path, kind: str) -> list[bytes]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [bytes(r[0]) for r in conn.execute("SELECT data FROM events WHERE type = ? ORDER BY seq", (kind,))]


def _minutes(server: Server, s) -> httpx.Response:
    return server.http.get(f"/api/sessions/{s.id}/minutes.pdf", headers={"Authorization": f"Bearer {s.secretary}"})


def test_a_killed_render_worker_is_replaced(server):
    """kill -9 of the render process: the next minutes request starts a new one and answers the PDF."""
    s = server.create(small_agenda())
    s.ok(s.chair, type="session.open")
    worker = _render_worker(server)
    os.kill(worker, signal.SIGKILL)
    while not _gone(worker):
        time.sleep(0.05)  # polling for the kill to land
    r = _minutes(server, s)
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"%PDF-")
    assert _render_worker(server) != worker
    s.ok(s.secretary, type="note.record", item="khai-mac", text="Sau khi thay tiến trình.")
    assert _minutes(server, s).status_code == 200
    _verify(server, s.id)


def test_the_render_process_runs_only_when_the_live_stream_does_not(server):
    """The render process is SCHED_IDLE (Linux) on the last CPU the server may use: a woken event loop takes the
    CPU from a render at once, and the other cores' caches are left to the live stream."""
    s = server.create(small_agenda())
    assert _minutes(server, s).status_code == 200  # rendered: the process has set itself up
    worker = _render_worker(server)
    assert os.sched_getscheduler(worker) == os.SCHED_IDLE
    assert os.sched_getaffinity(worker) == {max(os.sched_getaffinity(server.proc.pid))}
    assert os.sched_getscheduler(server.proc.pid) == os.SCHED_OTHER  # the server itself is left as it was
    assert os.sched_getaffinity(server.proc.pid) == os.sched_getaffinity(0)


def test_a_render_worker_that_dies_twice_is_a_503(tmp_path):
    """A render process that dies on every render: one retry on a new one, then 503 in our error shape."""
    server = Server(tmp_path / "phienhop.db", env={"PHIENHOP_FAULTS": "render-exit"}).start()
    try:
        s = server.create(small_agenda())
        r = _minutes(server, s)
        assert (r.status_code, r.json()) == (503, {
            "error": "minutes.unavailable",
            "detail": "the minutes could not be rendered: the render process died twice; try again"})
        assert r.headers["retry-after"] == "5"
        assert server.http.get("/health").json() == {"status": "ok"}
        s.ok(s.chair, type="session.open")
    finally:
        server.kill()
    _verify(server, s.id)


def test_a_stop_while_a_commit_is_in_flight_tells_the_truth_and_stops(tmp_path):
    """SIGINT during a slow COMMIT: the process exits by itself, the note is on disk once, a retry changes nothing."""
    server = Server(tmp_path / "phienhop.db", env={"PHIENHOP_FAULTS": "commit-pause=6"}).start(timeout=60)
    s = server.create(small_agenda())
    s.ok(s.chair, type="session.open")
    note = {"type": "note.record", "item": "khai-mac", "text": "Ghi chú khi dừng máy.", "command_id": "note-1"}
    answers: list = []

    def send() -> None:
        try:
            answers.append(s.command(s.secretary, **note))
        except httpx.TransportError as exc:
            answers.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    while not _events(server.db, "note.recorded"):
        time.sleep(0.05)  # polling the file: the COMMIT went through, and its return is held up
    server.proc.send_signal(signal.SIGINT)
    assert server.proc.wait(60) == 0  # it stops by itself: the writer is not left waiting forever
    sender.join(60)
    server._close_client()
    (answer,) = answers
    if isinstance(answer, httpx.Response):  # answered before the server closed the connection: the truth
        assert answer.status_code == 200, answer.text
    on_disk = _events(server.db, "note.recorded")
    assert len(on_disk) == 1
    log = server.output.read_text()
    assert "not committed" not in log

    server.env = {}
    server.start()
    try:
        again = s.command(s.secretary, **note)
        assert again.status_code == 200, again.text
        assert [bytes(str(e["seq"]), "ascii") for e in again.json()["events"]] == [
            bytes(str(__import__("json").loads(on_disk[0])["seq"]), "ascii")]
        assert len(_events(server.db, "note.recorded")) == 1
    finally:
        server.kill()
    _verify(server, s.id)


def test_one_failing_command_does_not_fail_its_group(tmp_path):
    """A command that fails unexpectedly is answered 500 alone; the 30 queued beside it commit and are answered."""
    server = Server(tmp_path / "phienhop.db", env={"PHIENHOP_FAULTS": "prepare-fail=BOOM,commit-pause=1"}).start()
    try:
        s = server.create(small_agenda())
        s.ok(s.chair, type="session.open")
        bodies = [{"type": "note.record", "item": "khai-mac", "text": f"Ý kiến {i}"} for i in range(30)]
        bodies.insert(15, {"type": "note.record", "item": "khai-mac", "text": "BOOM"})
        # The first command's commit is held a second: everything sent meanwhile queues into one group.
        first = threading.Thread(target=s.command, args=(s.chair,), kwargs={"type": "item.start", "item": "khai-mac"})
        first.start()
        while not _events(server.db, "item.started"):
            time.sleep(0.02)  # polling: the first commit is under way
        with ThreadPoolExecutor(len(bodies)) as pool:
            clients = [httpx.Client(base_url=server.base, timeout=60) for _ in bodies]
            answers = list(pool.map(lambda pair: pair[0].post(
                f"/api/sessions/{s.id}/commands", json=pair[1],
                headers={"Authorization": f"Bearer {s.secretary}"}), zip(clients, bodies)))
            for c in clients:
                c.close()
        first.join(60)
        statuses = [a.status_code for a in answers]
        assert statuses.count(200) == 30 and statuses[15] == 500
        failed = answers[15].json()
        assert failed["error"] == "internal" and failed["request_id"]
        texts = sorted(__import__("json").loads(e)["text"] for e in _events(server.db, "note.recorded"))
        assert texts == sorted(b["text"] for b in bodies if b["text"] != "BOOM")
        assert f"request {failed['request_id']}: POST /api/sessions/{s.id}/commands failed: RuntimeError: " \
               "injected fault: prepare-fail=BOOM" in server.output.read_text()
    finally:
        server.kill()
    _verify(server, s.id)
