"""A secret ballot on a real server leaves no member-to-choice link in the files, the log, the stream or the answers."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import sqlite3
import struct
from pathlib import Path

import websockets

from tests.support import Server, Session, small_agenda

CHOICES = {"yes", "no", "abstain"}
PLAN = {"chu-toa": "yes", "tv-1": "no", "tv-2": "abstain", "tv-3": "yes", "tv-4": "no", "tv-5": "yes"}


def links(value, people: set[str]) -> list:
    """Every dict or list in ``value`` that holds, side by side, a person id and a choice."""
    found = []
    if isinstance(value, dict):
        scalars = {str(k) for k in value} | {v for v in value.values() if isinstance(v, str)}
        children = list(value.values())
    elif isinstance(value, (list, tuple)):
        scalars = {v for v in value if isinstance(v, str)}
        children = list(value)
    else:
        return found
    if scalars & people and scalars & CHOICES:
        found.append(value)
    for child in children:
        found += links(child, people)
    return found


def test_the_link_finder_finds_a_named_roll():
    """The scanner below flags a named roll entry and a person-to-choice map, and passes a count per choice."""
    people = {"tv-1"}
    assert links({"roll": [{"person": "tv-1", "choice": "yes"}]}, people) == [{"person": "tv-1", "choice": "yes"}]
    assert links({"choices": {"tv-1": "no"}}, people) == [{"tv-1": "no"}]
    assert links({"counts": {"yes": 1}, "entitled": ["tv-1"], "weights": {"tv-1": 1}}, people) == []


def wal_commits(path: Path) -> list[bytes]:
    """The WAL's transactions in the order they were written, each as the bytes of the pages it wrote."""
    data = path.read_bytes() if path.exists() else b""
    if len(data) < 32:
        return []
    page_size = struct.unpack(">I", data[8:12])[0]
    commits, pages, offset = [], [], 32
    while offset + 24 + page_size <= len(data):
        _, commit_size = struct.unpack(">II", data[offset:offset + 8])
        pages.append(data[offset + 24:offset + 24 + page_size])
        offset += 24 + page_size
        if commit_size:
            commits.append(b"".join(pages))
            pages = []
    return commits


def wal_history_links(wal: Path, session: str, poll: str) -> tuple[list[tuple[str, str]], set[str]]:
    """Replay the WAL as an attacker would: a commit that adds exactly one voter and one clear ballot links them.

    Returns the links found and every voter the replay could see (to show the replay saw the votes at all).
    """
    ballot = re.compile(rb"([0-9a-f]{64})" + re.escape(f"{session}{poll}".encode()) + rb"(yes|no|abstain)")
    cast = re.compile(rb'"type":"vote\.cast","seq":\d+,"at":"[^"]*",(?:"v":\d+,)?"poll":"' + poll.encode() + rb'","person":"([a-z0-9-]+)"')
    seen_rows: set[tuple[bytes, bytes]] = set()
    seen_voters: set[bytes] = set()
    found = []
    for pages in wal_commits(wal):
        rows = set(ballot.findall(pages)) - seen_rows
        voters = set(cast.findall(pages)) - seen_voters
        if len(rows) == 1 and len(voters) == 1:
            found.append((next(iter(voters)).decode(), next(iter(rows))[1].decode()))
        seen_rows |= rows
        seen_voters |= voters
    return found, {v.decode() for v in seen_voters}


def receipt_for(secret: str, session: str, poll: str, person: str, choice: str) -> str:
    """What server/keys.py would make with the poll secret: used here as an attacker holding a copied key."""
    message = f"{session}|{poll}|{person}|{choice}".encode()
    return hmac.new(bytes.fromhex(secret), message, hashlib.sha256).hexdigest()[:32]


def keys_file(server: Server) -> dict:
    path = server.db.with_name(server.db.name + ".keys")
    return json.loads(path.read_text()) if path.exists() else {}


def start_secret_poll(server: Server) -> tuple[Session, str]:
    session = server.create(small_agenda(voters=6, ballot="secret"))
    session.ok(session.chair, type="session.open")
    for person in [*PLAN, "thu-ky"]:
        session.ok(session.chair, type="attendance.mark", person=person, status="present")
    session.ok(session.chair, type="item.start", item="du-thao")
    poll = session.ok(session.chair, type="poll.open", item="du-thao")["events"][0]["poll"]
    return session, poll


def token_of(session: Session, person: str) -> str:
    return session.chair if person == "chu-toa" else session.person(person)


async def test_secret_ballot_leaves_no_link_between_member_and_choice(server):
    """After a secret poll, no table, WAL history, event, snapshot, answer or log line ties a member to a choice."""
    session, poll = start_secret_poll(server)
    people = {p["id"] for p in session.snapshot()["state"]["agenda"]["people"]}
    secret = keys_file(server)[f"{session.id}/{poll}"]  # what an intruder could copy while the poll is open
    followed: list[dict] = []
    answers, snapshots, receipts = [], [], {}

    async with websockets.connect(session.live_url(since=0)) as follower:
        for person, choice in PLAN.items():  # one at a time: each vote is its own commit, the worst case
            body = session.ok(token_of(session, person), type="vote.cast", poll=poll, choice=choice)
            receipts[person] = body.pop("receipt")
            answers.append(body)
            for token in (session.public, session.chair, session.secretary, token_of(session, person)):
                snapshots.append(session.snapshot(token))
        with sqlite3.connect(f"file:{server.db}?mode=ro", uri=True) as db:
            open_box = db.execute("SELECT key, choice FROM ballots WHERE session = ? AND poll = ?", (session.id, poll)).fetchall()
        closing = session.ok(session.chair, type="poll.close", poll=poll)
        answers.append(closing)
        snapshots.append(session.snapshot())
        while not followed or followed[-1]["type"] != "poll.closed":
            followed.append(json.loads(await asyncio.wait_for(follower.recv(), 10)))

    # The result is there, in counts only.
    (closed,) = closing["events"]
    assert (closed["counts"], closed["votes"], closed["roll"]) == ({"yes": 3, "no": 2, "abstain": 1},) * 2 + (None,)

    # Events (GET and live) and answers: who voted, never how.
    events = session.events()
    assert followed == events
    cast = [e for e in events if e["type"] == "vote.cast"]
    assert [(e["person"], e["choice"], e["weight"]) for e in cast] == [(p, None, None) for p in PLAN]
    assert links(events, people) == [] and links(answers, people) == []

    # Snapshots: an open secret poll shows who voted and no running count; never a ballot key.
    for snap in snapshots[:-1]:
        state = snap["state"]["polls"][poll]
        assert (state["status"], state["tally"], state["heads"], state["choices"]) == ("open", {}, {}, {})
        assert "ballot_keys" not in state
    assert snapshots[-1]["state"]["polls"][poll]["result"]["counts"] == {"yes": 3, "no": 2, "abstain": 1}
    assert links(snapshots, people) == []

    # Every table, every row (events decoded): no person beside a choice.
    with sqlite3.connect(f"file:{server.db}?mode=ro", uri=True) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in db.execute(f"SELECT * FROM {table}"):
                values = [json.loads(v) if table == "events" and isinstance(v, bytes) else v for v in row]
                assert links(values, people) == [], (table, row)
        box = db.execute("SELECT key, choice, weight FROM ballots WHERE session = ? AND poll = ?", (session.id, poll)).fetchall()
    assert "ballot_keys" not in tables and len(box) == len(PLAN)

    # While the poll was open the box held no choice in clear; after the close it does, under new keys, so
    # even the copied poll secret cannot match a row to a receipt, and the key file no longer has it.
    assert len(open_box) == len(PLAN) and not {c for _, c in open_box} & CHOICES
    assert sorted(c for _, c, _ in box) == sorted(PLAN.values())
    assert f"{session.id}/{poll}" not in keys_file(server)
    candidates = {hashlib.sha256(receipt_for(secret, session.id, poll, p, c).encode()).hexdigest()
                  for p in people for c in CHOICES}
    assert {hashlib.sha256(r.encode()).hexdigest() for r in receipts.values()} <= candidates  # the attack is real
    assert not candidates & {k for k, _, _ in box}

    # The raw files: no receipt, no poll secret, and replaying the WAL commit by commit links nobody.
    raw = server.db.read_bytes() + Path(f"{server.db}-wal").read_bytes()
    assert secret.encode() not in raw
    assert not [r for r in receipts.values() if r.encode() in raw]
    found, seen = wal_history_links(Path(f"{server.db}-wal"), session.id, poll)
    assert seen == set(PLAN)  # the replay did see every vote being written
    assert found == []

    # The server's own log.
    log = server.output.read_text("utf-8", "replace")
    for line in log.splitlines():
        assert not ({w for w in re.findall(r"[a-z0-9-]+", line)} & set(PLAN) and re.search(r"\b(yes|no|abstain)\b", line)), line
    assert not [r for r in receipts.values() if r in log]


def test_a_poll_key_left_by_a_crash_is_deleted_at_start(server):
    """If the server dies after committing poll.closed but before deleting the poll's key, the next start deletes it."""
    session, poll = start_secret_poll(server)
    before_close = server.db.with_name(server.db.name + ".keys").read_bytes()
    session.ok(session.chair, type="vote.cast", poll=poll, choice="yes")
    session.ok(session.chair, type="poll.close", poll=poll)
    server.kill()
    server.db.with_name(server.db.name + ".keys").write_bytes(before_close)  # as if the delete never happened
    again = Server(server.db).start()
    try:
        assert f"{session.id}/{poll}" not in keys_file(again)
    finally:
        again.kill()


def test_a_secret_ballot_among_unequal_weights_is_refused(srv):
    """Weights 7,1,1,1 and a secret poll: the agenda is 422 at its ballot key; a secret spec at poll.open is 422 too."""
    from ..support import ADMIN, small_agenda

    agenda = small_agenda(voters=4, ballot="secret")
    agenda["people"][0]["weight"] = 7  # the chair
    r = srv.http.post("/api/sessions", json=agenda, headers={"Authorization": f"Bearer {ADMIN}"})
    reason = ("a secret ballot needs equal voting weights, and these differ (1 to 7): the totals would show how a "
              "member of unusual weight voted; hold a named ballot, or give every voting member the same weight")
    assert (r.status_code, r.json()) == (422, {"error": "agenda.invalid", "path": "items[1].poll.ballot",
                                               "detail": f"items[1].poll.ballot: {reason}",
                                               "reason": "ballot.unequal", "params": {"low": 1, "high": 7}})
    agenda["items"][1]["poll"]["ballot"] = "named"
    s = srv.create(agenda)
    s.ok(s.chair, type="session.open")
    for person in ("chu-toa", "tv-1", "tv-2", "tv-3"):
        s.ok(s.chair, type="attendance.mark", person=person, status="present")
    s.ok(s.chair, type="item.start", item="du-thao")
    before = s.snapshot()["seq"]
    r = s.command(s.chair, type="poll.open", item="du-thao", spec={"ballot": "secret"})
    assert (r.status_code, r.json()) == (422, {
        "error": "poll.secret_weights", "detail": f"poll.open: {reason}",
        "params": {"action": "poll.open", "item": "du-thao", "min_weight": 1, "max_weight": 7}})
    assert s.snapshot()["seq"] == before


def test_the_box_keeps_no_weight_and_verify_recounts_it(tmp_path):
    """Equal weights of 2: the box rows say weight 1 (none of their own), the result counts 2 each, verify agrees."""
    from ..support import Server, small_agenda
    from .wsread import phienhop

    agenda = small_agenda(voters=5, ballot="secret")
    for person in agenda["people"]:
        person["weight"] = 2
    srv = Server(tmp_path / "w.db").start()
    try:
        s = srv.create(agenda)
        s.ok(s.chair, type="session.open")
        for person in ("chu-toa", "tv-1", "tv-2", "tv-3"):
            s.ok(s.chair, type="attendance.mark", person=person, status="present")
        s.ok(s.chair, type="item.start", item="du-thao")
        poll = s.ok(s.chair, type="poll.open", item="du-thao")["events"][0]["poll"]
        for person, choice in (("chu-toa", "yes"), ("tv-1", "no"), ("tv-2", "yes")):
            s.ok(s.person(person), type="vote.cast", poll=poll, choice=choice)
        srv.kill()
        srv.start()  # the open box is counted again from its rows
        closed = s.ok(s.chair, type="poll.close", poll=poll)["events"][0]
        assert closed["counts"] == {"yes": 4, "no": 2, "abstain": 0}
        with sqlite3.connect(f"file:{srv.db}?mode=ro", uri=True) as db:
            weights = [r[0] for r in db.execute("SELECT weight FROM ballots WHERE poll = ?", (poll,))]
        assert weights == [1, 1, 1]
        srv.kill()
        run = phienhop("verify", s.id, "--db", str(srv.db))
        assert run.returncode == 0, run.stdout
    finally:
        srv.kill()


def test_the_server_will_not_start_without_the_key_of_an_open_secret_poll(tmp_path):
    """With an open secret poll's key file gone, serve stops at start and says which file to restore."""
    import pytest

    from ..support import Server, small_agenda

    srv = Server(tmp_path / "k.db").start()
    s = srv.create(small_agenda(ballot="secret"))
    s.ok(s.chair, type="session.open")
    s.ok(s.chair, type="attendance.mark", person="chu-toa", status="present")
    s.ok(s.chair, type="attendance.mark", person="tv-1", status="present")
    s.ok(s.chair, type="attendance.mark", person="tv-2", status="present")
    s.ok(s.chair, type="item.start", item="du-thao")
    poll = s.ok(s.chair, type="poll.open", item="du-thao")["events"][0]["poll"]
    s.ok(s.person("tv-1"), type="vote.cast", poll=poll, choice="no")
    srv.kill()
    keys = tmp_path / "k.db.keys"
    assert keys.exists()
    keys.unlink()
    with pytest.raises(RuntimeError) as failed:
        srv.start()
    assert str(failed.value).startswith("server exited with")  # refused and gone, not hanging
    assert (f"secret poll {poll} of session {s.id} is open, but its key is not in {keys}; "
            "restore that file from where the database came from, then start again") in str(failed.value)
