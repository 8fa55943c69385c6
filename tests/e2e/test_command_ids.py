"""command_id: a command re-sent by the same token is answered with the original answer and changes nothing."""

from __future__ import annotations

import pytest

from tests.support import Server, small_agenda

from .wsread import phienhop

# (who, command) in the order a session runs them; each is sent twice with its own command_id.
RUN = [
    ("chair", {"type": "session.open"}),
    ("chair", {"type": "attendance.mark", "person": "tv-1", "status": "present"}),
    ("person:tv-2", {"type": "attendance.mark", "person": "tv-2", "status": "online"}),
    ("point:tra-vinh", {"type": "attendance.mark", "person": "tv-4", "status": "online"}),
    ("chair", {"type": "attendance.mark", "person": "tv-3", "status": "present"}),
    ("chair", {"type": "item.start", "item": "khai-mac"}),
    ("person:tv-1", {"type": "speaker.request", "item": "khai-mac"}),
    ("point:tra-vinh", {"type": "speaker.request", "item": "khai-mac"}),
    ("chair", {"type": "speaker.grant", "request": "r1"}),
    ("chair", {"type": "speaker.finish", "request": "r1"}),
    ("point:tra-vinh", {"type": "speaker.withdraw", "request": "r2"}),
    ("secretary", {"type": "note.record", "item": "khai-mac", "text": "Ý kiến của thành viên."}),
    ("chair", {"type": "conclusion.record", "item": "khai-mac", "text": "Thống nhất."}),
    ("chair", {"type": "item.end", "item": "khai-mac"}),
    ("chair", {"type": "item.start", "item": "du-thao"}),
    ("chair", {"type": "poll.open", "item": "du-thao"}),
    ("chair", {"type": "poll.close", "poll": "p1"}),
    ("chair", {"type": "item.end", "item": "du-thao"}),
    ("chair", {"type": "session.close"}),
]


def _token(s, who: str) -> str:
    kind, _, name = who.partition(":")
    return {"chair": s.chair, "secretary": s.secretary}.get(kind) or (s.person(name) if kind == "person" else s.point(name))


def test_every_command_retried_with_its_command_id_changes_nothing_even_after_a_restart(tmp_path):
    """Each command of a whole session sent twice (and once more after kill -9): the same answer, one set of events."""
    server = Server(tmp_path / "phienhop.db").start()
    try:
        s = server.create(small_agenda())
        answers = []
        for i, (who, body) in enumerate(RUN):
            first = s.ok(_token(s, who), **body, command_id=f"c-{i}")
            again = s.ok(_token(s, who), **body, command_id=f"c-{i}")
            assert again == first, body
            answers.append(first)
        head = s.snapshot()["seq"]
        assert head == 1 + sum(len(a["events"]) for a in answers)
        server.kill()
        server.start()
        for i, (who, body) in enumerate(RUN):
            assert s.ok(_token(s, who), **body, command_id=f"c-{i}") == answers[i], body
        assert s.snapshot()["seq"] == head
    finally:
        server.kill()
    run = phienhop("verify", s.id, "--db", str(server.db))
    assert run.returncode == 0, run.stdout


def test_a_command_id_reused_for_another_command_is_refused(srv):
    """The same command_id with another body is 409 command_id.reused, and nothing changes."""
    s = srv.create(small_agenda())
    s.ok(s.chair, type="session.open")
    s.ok(s.secretary, type="note.record", item="khai-mac", text="Một", command_id="n-1")
    before = s.snapshot()["seq"]
    r = s.command(s.secretary, type="note.record", item="khai-mac", text="Hai", command_id="n-1")
    assert (r.status_code, r.json()) == (409, {"error": "command_id.reused",
                                               "detail": "command_id 'n-1' was already used for another command",
                                               "params": {"command_id": "n-1"}})
    assert s.snapshot()["seq"] == before


def test_another_sender_may_use_the_same_command_id(srv):
    """A command_id is the sender's own: another token's command with the same id is a new command."""
    s = srv.create(small_agenda())
    s.ok(s.chair, type="session.open")
    s.ok(s.chair, type="item.start", item="khai-mac")
    one = s.ok(s.person("tv-1"), type="speaker.request", item="khai-mac", command_id="hand")
    two = s.ok(s.person("tv-2"), type="speaker.request", item="khai-mac", command_id="hand")
    assert [e["request"] for e in one["events"] + two["events"]] == ["r1", "r2"]


@pytest.mark.parametrize("command_id, message", [
    ("", "Expected `str` of length >= 1 - at `$.command_id`"),
    ("x" * 101, "Expected `str` of length <= 100 - at `$.command_id`"),
])
def test_a_command_id_is_a_short_string(srv, command_id, message):
    """An empty or overlong command_id is refused as an invalid command."""
    s = srv.create(small_agenda())
    r = s.command(s.chair, type="session.open", command_id=command_id)
    assert (r.status_code, r.json()) == (400, {"error": "command.invalid", "detail": f"invalid command: {message}"})


def test_concurrent_duplicates_commit_once(srv):
    """The same command with the same id sent 20 times at once: one note in the log, 20 equal answers."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    s = srv.create(small_agenda())
    s.ok(s.chair, type="session.open")
    body = {"type": "note.record", "item": "khai-mac", "text": "Gửi lại nhiều lần.", "command_id": "dup"}

    def send(_):
        with httpx.Client(base_url=srv.base, timeout=30) as client:
            return client.post(f"/api/sessions/{s.id}/commands", json=body,
                               headers={"Authorization": f"Bearer {s.secretary}"}).json()

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(send, range(20)))
    assert all(a == answers[0] for a in answers)
    assert [e["type"] for e in s.events()].count("note.recorded") == 1
