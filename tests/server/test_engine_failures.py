"""The engine's failure paths, in process on a real SQLite file: after COMMIT, during COMMIT, store errors, one bad command."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

import pytest

from phienhop.server import faults
from phienhop.server.domain import Actor, Role
from phienhop.server.domain.agenda import decode_agenda
from phienhop.server.domain.commands import OpenSession, RecordNote
from phienhop.server.domain.views import snapshot
from phienhop.server.engine import CommandResult, Engine, StoreFailed
from phienhop.server.keys import PollKeys
from phienhop.server.store import Batch, EventRow, Store, verify_chain
from tests.support import small_agenda

CHAIR = Actor(role=Role.CHAIR, person="chu-toa")
SECRETARY = Actor(role=Role.SECRETARY, person="thu-ky")


class Publisher:
    """Records what goes live; ``fail`` makes the next publish raise (a publisher's bug after the COMMIT)."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False

    def publish(self, session: str, data) -> None:
        self.calls += 1
        if self.fail:
            self.fail = False
            raise RuntimeError("publisher broke")


@pytest.fixture
async def running(tmp_path):
    store = await Store(tmp_path / "e.db").open()
    publisher = Publisher()
    engine = Engine(store, publisher, PollKeys(tmp_path / "e.db.keys"))
    await engine.start()
    session = (await engine.create_session(decode_agenda(small_agenda()))).id
    await engine.command(session, CHAIR, OpenSession())
    yield engine, store, publisher, session, tmp_path / "e.db"
    await engine.stop()
    await store.close()


def note(text: str) -> RecordNote:
    return RecordNote(item="khai-mac", text=text)


def rows(db, kind: str = "note.recorded") -> list[int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute("SELECT seq FROM events WHERE type = ? ORDER BY seq", (kind,))]


async def fresh_snapshot(db, session: str) -> dict:
    """The session as a new engine reads it from the file alone."""
    store = await Store(db).open()
    engine = Engine(store, Publisher(), PollKeys(f"{db}.keys"))
    try:
        await engine.start()
        return snapshot(engine.state(session))
    finally:
        await engine.stop()
        await store.close()


async def test_a_failure_after_commit_still_answers_and_memory_matches_the_file(running):
    """The publisher raises after the COMMIT: the caller gets its events, memory is rebuilt, the next command follows."""
    engine, store, publisher, session, db = running
    publisher.fail = True
    answer = await engine.command(session, SECRETARY, note("Sau khi ghi."))
    assert isinstance(answer, CommandResult) and answer.seq == 3 and len(answer.events) == 1
    assert snapshot(engine.state(session)) == await fresh_snapshot(db, session)
    assert (await engine.command(session, SECRETARY, note("Tiếp theo."))).seq == 4
    assert verify_chain(await store.events(session)) == []


async def test_a_store_error_fails_the_batch_and_changes_nothing(running):
    """SQLite refuses the insert: 'not committed', nothing in memory or on disk; once it accepts again, seqs go on."""
    engine, store, _, session, db = running
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TRIGGER no_notes BEFORE INSERT ON events WHEN NEW.type = 'note.recorded' "
                     "BEGIN SELECT RAISE(ABORT, 'the disk says no'); END")
    with pytest.raises(StoreFailed) as failed:
        await engine.command(session, SECRETARY, note("Không ghi được."))
    assert str(failed.value).startswith("not committed: ") and "the disk says no" in str(failed.value)
    assert engine.state(session).seq == 2 and rows(db) == []
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER no_notes")
    assert (await engine.command(session, SECRETARY, note("Ghi lại."))).seq == 3
    assert rows(db) == [3]
    assert verify_chain(await store.events(session)) == []


async def _on_disk(db) -> None:
    while not rows(db):
        await asyncio.sleep(0.01)  # polling the file for the COMMIT


@pytest.mark.parametrize("grace", [10.0, 0.01], ids=["stop-waits", "stop-cancels"])
async def test_a_stop_during_commit_answers_the_truth_and_returns(running, monkeypatch, grace):
    """stop() while a COMMIT is in flight (waiting it out, or cancelling the writer): the caller hears 'committed', stop returns."""
    engine, store, _, session, db = running
    monkeypatch.setitem(faults.ACTIVE, "commit-pause", "0.5")
    pending = asyncio.create_task(engine.command(session, SECRETARY, note("Đang ghi khi dừng.")))
    await _on_disk(db)
    await asyncio.wait_for(engine.stop(grace=grace), 10)
    answer = await asyncio.wait_for(pending, 10)
    assert answer.seq == 3 and rows(db) == [3]
    with pytest.raises(StoreFailed) as refused:
        await engine.command(session, SECRETARY, note("Sau khi dừng."))
    assert str(refused.value) == "the writer is not running"
    assert verify_chain(await store.events(session)) == []


async def test_one_failing_command_is_isolated_from_its_group(running, monkeypatch):
    """Ten notes and one that raises after its events were appended, in one batch: ten commit, gapless, one error."""
    engine, store, _, session, db = running
    monkeypatch.setitem(faults.ACTIVE, "prepare-fail", "BOOM")
    texts = [f"Ý kiến {i}" for i in range(10)]
    texts.insert(4, "BOOM")
    results = await asyncio.gather(*(engine.command(session, SECRETARY, note(t)) for t in texts),
                                   return_exceptions=True)
    failed = [r for r in results if isinstance(r, Exception)]
    assert [str(e) for e in failed] == ["injected fault: prepare-fail=BOOM"]
    assert rows(db) == list(range(3, 13))
    assert {r.seq for r in results if isinstance(r, CommandResult)} == {12}  # one batch: one head for all
    assert [n.text for n in engine.state(session).notes] == [t for t in texts if t != "BOOM"]
    assert snapshot(engine.state(session)) == await fresh_snapshot(db, session)
    assert verify_chain(await store.events(session)) == []


async def test_a_cancelled_commit_lands_whole_or_not_at_all(tmp_path):
    """A caller cancelled at any point of its commit (the batch waiting for the writer thread, or on it): both rows
    or neither, ``has_event`` says which, and the store takes the next commit."""
    store = await Store(tmp_path / "c.db").open()
    try:
        seq = 0
        for steps in range(8):  # cancel after 0..7 turns of the loop
            batch = [EventRow("s", seq + k, "note.recorded", b'{"seq":%d}' % (seq + k), f"{seq + k:064d}") for k in (1, 2)]
            committing = asyncio.create_task(store.commit(Batch(events=batch)))
            for _ in range(steps):
                await asyncio.sleep(0)
            committing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await committing
            landed = [await store.has_event(row) for row in batch]
            assert landed in ([True, True], [False, False])
            seq += 2 if landed[0] else 0
            assert rows(tmp_path / "c.db") == list(range(1, seq + 1))
        await store.commit(Batch(events=[EventRow("s", seq + 1, "note.recorded", b"{}", "f" * 64)]))
        assert rows(tmp_path / "c.db") == list(range(1, seq + 2))
    finally:
        await store.close()
