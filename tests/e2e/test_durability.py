"""kill -9 in the middle of a session loses nothing acknowledged; verify finds a hand-edited row."""

from __future__ import annotations

import sqlite3
import threading

import httpx

from tests.support import small_agenda

from .wsread import Follower, event_bytes, phienhop


def first_half(s) -> int:
    """Open, attendance, an item with a speaker on the floor and a note; returns the last acknowledged seq."""
    s.ok(s.chair, type="session.open")
    for person in ("chu-toa", "tv-1", "tv-2", "tv-3"):
        s.ok(s.chair, type="attendance.mark", person=person, status="present")
    s.ok(s.point("tra-vinh"), type="attendance.mark", person="khach-0", status="online")
    s.ok(s.chair, type="item.start", item="khai-mac")
    s.ok(s.person("tv-1"), type="speaker.request", item="khai-mac")
    s.ok(s.chair, type="speaker.grant", request="r1")
    return s.ok(s.secretary, type="note.record", item="khai-mac", text="Đại biểu phát biểu về chuyển đổi số.")["seq"]


def second_half(s) -> int:
    s.ok(s.chair, type="speaker.finish", request="r1")
    s.ok(s.chair, type="item.end", item="khai-mac")
    s.ok(s.chair, type="item.start", item="du-thao")
    s.ok(s.chair, type="poll.open", item="du-thao")
    for person in ("chu-toa", "tv-1", "tv-2"):
        s.ok(s.person(person), type="vote.cast", poll="p1", choice="yes")
    s.ok(s.chair, type="poll.close", poll="p1")
    s.ok(s.chair, type="item.end", item="du-thao")
    return s.ok(s.chair, type="session.close")["seq"]


def test_kill_restart_resume_and_tamper(server):
    """After kill -9 and a restart the state and seq are as acknowledged, verify passes, followers resume
    without gap or duplicate; after one stored byte changes, verify fails naming that seq (and an unknown
    session fails too)."""
    s = server.create(small_agenda())
    with Follower(s.live_url()) as follower:
        acked = first_half(s)
        seen = follower.until(acked)
        before, log_before = s.snapshot(), s.events()
        server.kill()
        assert follower.closed()[0] == 1006  # dropped, not closed: the process died

    server.start()
    after = s.snapshot()
    assert after["seq"] == acked
    assert after == before
    assert s.events() == log_before == seen

    check = phienhop("verify", "--db", str(server.db), s.id, "--lang", "en")
    assert (check.returncode, check.stdout) == (
        0, f"ok: session {s.id}, {acked} events, head {after['state']['head']}\n")

    last_seen = seen[-1]["seq"]
    with Follower(s.live_url(since=last_seen)) as resumed:
        closed = second_half(s)
        assert resumed.until(closed) == s.events(since=last_seen)
        assert resumed.seqs == list(range(last_seen + 1, closed + 1))
    server.kill()

    assert phienhop("verify", "--db", str(server.db), s.id).returncode == 0
    tampered = 5
    data = bytearray(event_bytes(server.db, s.id, tampered))
    at = data.index(b'"person":"tv-2"') + len(b'"person":"tv-')
    data[at] ^= 0x01  # "tv-2" -> "tv-3": still a valid event, one bit off
    with sqlite3.connect(server.db) as conn:
        conn.execute("UPDATE events SET data = ? WHERE session = ? AND seq = ?", (bytes(data), s.id, tampered))
    check = phienhop("verify", "--db", str(server.db), s.id, "--lang", "en")
    assert (check.returncode, check.stdout) == (
        1, f"FAIL seq {tampered}: hash mismatch (the row was changed)\n1 problem(s) in session {s.id}\n")
    unknown = phienhop("verify", "--db", str(server.db), "khong-co", "--lang", "en")
    assert (unknown.returncode, unknown.stdout.splitlines()[0]) == (1, f"FAIL no session 'khong-co' in {server.db}")


def test_kill_during_concurrent_commands(server):
    """Commands in flight when the server is killed: every acknowledged event is in the log after restart,
    byte for byte, and the log is gapless and verifies."""
    s = server.create(small_agenda())
    s.ok(s.chair, type="session.open")
    base = s.ok(s.chair, type="item.start", item="khai-mac")["seq"]
    acked: dict[int, dict] = {}
    lock, enough = threading.Lock(), threading.Event()
    url = f"{server.base}/api/sessions/{s.id}/commands"

    def writer(n: int) -> None:
        with httpx.Client(timeout=10) as http:
            for i in range(10_000):
                try:
                    r = http.post(url, json={"type": "note.record", "item": "khai-mac", "text": f"ghi chú {n}-{i}"},
                                  headers={"Authorization": f"Bearer {s.secretary}"})
                except httpx.TransportError:
                    return  # the server died under us: this one was never acknowledged
                assert r.status_code == 200, r.text
                with lock:
                    for event in r.json()["events"]:
                        acked[event["seq"]] = event
                    if len(acked) >= 100:
                        enough.set()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    assert enough.wait(30), "the writers did not get 100 notes acknowledged"
    server.kill()
    for t in threads:
        t.join(15)

    server.start()
    log = s.events(token=s.secretary)  # notes' text is the secretary's (a public reader gets it left out)
    head = log[-1]["seq"]
    assert [e["seq"] for e in log] == list(range(1, head + 1))
    assert head >= max(acked) and len(acked) >= 100
    assert all(log[seq - 1] == event for seq, event in acked.items())
    assert set(acked) <= set(range(base + 1, head + 1))
    assert s.snapshot()["seq"] == head
    assert phienhop("verify", "--db", str(server.db), s.id).returncode == 0
