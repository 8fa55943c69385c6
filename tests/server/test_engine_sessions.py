"""Sessions in memory: closed ones load on first touch and are let go when idle; caches stay bounded."""

from __future__ import annotations

import time

from websockets.sync.client import connect

from phienhop.server.domain import state as state_module
from phienhop.server.domain.agenda import Agenda

from ..e2e import script
from ..support import ADMIN, Server, small_agenda

import msgspec


def _held(server: Server) -> tuple[list[str], int]:
    r = server.http.get("/api/status", headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 200, r.text
    return r.json()["sessions"]["held"], r.json()["sessions"]["known"]


def _until(condition, what: str, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.02)  # polling the server for the condition


def test_a_closed_session_is_let_go_when_idle_and_read_again_when_touched(tmp_path):
    """A closed session leaves memory after --evict-after; its public token still works and loads it with the same seq and head."""
    server = Server(tmp_path / "s.db", "--no-sample", "--evict-after", "0.2").start()
    try:
        closed, running = server.create(small_agenda()), server.create(small_agenda())
        head = script.whole(closed)
        before = closed.snapshot()
        running.ok(running.chair, type="session.open")
        _until(lambda: _held(server)[0] == [running.id], "the closed session to be let go")
        assert _held(server) == ([running.id], 2)
        again = closed.snapshot()  # the token is read from the database, the session from its log
        assert (again["seq"], again["state"]["head"]) == (head, before["state"]["head"])
        assert sorted(_held(server)[0]) == sorted([closed.id, running.id])
    finally:
        server.stop()


def test_a_restart_loads_only_the_sessions_not_closed(tmp_path):
    """After a restart the closed session is on disk only; its events are served from its log on request."""
    server = Server(tmp_path / "s.db", "--no-sample").start()
    try:
        closed, running = server.create(small_agenda()), server.create(small_agenda())
        head = script.whole(closed)
        server.stop()
        server.start()
        assert _held(server) == ([running.id], 2)
        events = closed.events(0)
        assert [e["seq"] for e in events] == list(range(1, head + 1))
        assert events[-1]["type"] == "session.closed"
        assert sorted(_held(server)[0]) == sorted([closed.id, running.id])
    finally:
        server.stop()


def test_a_followed_closed_session_stays_in_memory(tmp_path):
    """A closed session with a live follower is not let go; another idle closed session is."""
    server = Server(tmp_path / "s.db", "--no-sample", "--evict-after", "0.2").start()
    try:
        followed, idle = server.create(small_agenda()), server.create(small_agenda())
        script.whole(followed)
        script.whole(idle)
        with connect(followed.live_url(), open_timeout=10) as ws:
            ws.recv(timeout=10)
            idle.snapshot()  # touched, then idle
            _until(lambda: idle.id not in _held(server)[0], "the idle closed session to be let go")
            assert _held(server) == ([followed.id], 2)
        _until(lambda: _held(server)[0] == [], "the followed session to be let go once its follower left")
    finally:
        server.stop()


def test_the_agenda_index_keeps_at_most_its_bound():
    """Indexing more agendas than INDEXES_KEPT keeps only the most recent ones (a session let go is not held here)."""
    base = msgspec.convert(small_agenda(), Agenda)
    agendas = [msgspec.structs.replace(base) for _ in range(state_module.INDEXES_KEPT + 10)]
    for agenda in agendas:
        assert state_module._index(agenda).people["chu-toa"].name == "Nguyễn Văn Chủ"
    assert len(state_module._indexes) == state_module.INDEXES_KEPT
    assert list(state_module._indexes)[-1] == id(agendas[-1])
