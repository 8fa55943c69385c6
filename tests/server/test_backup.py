"""phienhop backup and restore against a running server: the restored copy serves the same sessions and bytes."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from ..e2e import script
from ..support import ADMIN, ROOT, Server, small_agenda
from .fixtures import log_v1


def phienhop(*args: str, lang: str | None = "en") -> subprocess.CompletedProcess:
    """The CLI, reporting in ``lang`` (PHIENHOP_LANG; None: not set, the default)."""
    env = {k: v for k, v in os.environ.items() if k != "PHIENHOP_LANG"} | ({"PHIENHOP_LANG": lang} if lang else {})
    return subprocess.run([sys.executable, "-m", "phienhop.server.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=env)


def _minutes(server: Server, session: str) -> bytes:
    r = server.http.get(f"/api/sessions/{session}/minutes.pdf", headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 200, r.text
    return r.content


def test_a_backup_taken_while_serving_restores_to_the_same_sessions_and_minutes(tmp_path):
    """Backup during a live secret poll, restore with the key copy: same snapshots, same final PDF bytes, the poll still closes."""
    live_dir, safe_dir, keys_dir = tmp_path / "live", tmp_path / "backups", tmp_path / "elsewhere"
    for folder in (live_dir, safe_dir, keys_dir):
        folder.mkdir()
    server = Server(live_dir / "phienhop.db", "--no-sample").start()
    try:
        done, running = server.create(small_agenda()), server.create(small_agenda())
        script.whole(done)
        done.ok(done.secretary, type="minutes.finalize")
        final = _minutes(server, done.id)
        script.opening(running)
        running.ok(running.chair, type="item.end", item="khai-mac")
        running.ok(running.chair, type="item.start", item="du-thao")
        answer = running.ok(running.chair, type="poll.open", item="du-thao",
                            spec={"method": "yes-no-abstain", "ballot": "secret", "rule": "simple"})
        poll = next(e["poll"] for e in answer["events"] if e["type"] == "poll.opened")
        running.ok(running.person("tv-1"), type="vote.cast", poll=poll, choice="yes")
        before = {s.id: s.snapshot() for s in (done, running)}

        made = phienhop("backup", "--db", str(server.db), str(safe_dir / "b.db"), "--keys", str(keys_dir / "b.keys"))
        assert made.returncode == 0, made.stdout + made.stderr
        assert made.stdout.splitlines()[-1] == f"backup {safe_dir / 'b.db'}: 2 session(s) verified"
        assert f"note: key file copied to {keys_dir / 'b.keys'} (secret polls open: {running.id}/{poll})" in made.stdout
        assert sorted(os.listdir(safe_dir)) == ["b.db"]  # no key file, WAL or part file beside the copy
        assert oct((keys_dir / "b.keys").stat().st_mode & 0o777) == "0o600"
        assert oct((safe_dir / "b.db").stat().st_mode & 0o777) == "0o600"  # every session's log: owner only
        running.ok(running.person("tv-2"), type="vote.cast", poll=poll, choice="no")  # after the backup: not in it
    finally:
        server.stop()

    restored_db = tmp_path / "restored" / "phienhop.db"
    put = phienhop("restore", str(safe_dir / "b.db"), "--db", str(restored_db), "--keys", str(keys_dir / "b.keys"))
    assert put.returncode == 0, put.stdout + put.stderr
    assert put.stdout.splitlines()[-1] == f"restored {safe_dir / 'b.db'} to {restored_db}: 2 session(s) verified"
    again = Server(restored_db, "--no-sample").start()
    try:
        for s in (done, running):
            s.server = again
            after = s.snapshot()
            assert (after["seq"], after["state"]["head"]) == (before[s.id]["seq"], before[s.id]["state"]["head"])
        restored_pdf = _minutes(again, done.id)
        assert restored_pdf == final
        assert hashlib.sha256(restored_pdf).hexdigest() == before[done.id]["state"]["minutes_sha256"]
        running.ok(running.person("tv-2"), type="vote.cast", poll=poll, choice="no")  # the key came back: still countable
        closed = running.ok(running.chair, type="poll.close", poll=poll)
        result = next(e for e in closed["events"] if e["type"] == "poll.closed")
        assert (result["counts"]["yes"], result["counts"]["no"]) == (1, 1)
    finally:
        again.stop()
    for s in (done, running):
        checked = phienhop("verify", s.id, "--db", str(restored_db))
        assert checked.returncode == 0, checked.stdout


def test_the_key_copy_is_refused_beside_the_database_copy(tmp_path):
    """--keys in the copy's own directory exits 2 saying to keep the two apart, and writes nothing."""
    db = log_v1(tmp_path / "x.db")
    out = tmp_path / "copies" / "b.db"
    done = phienhop("backup", "--db", str(db), str(out), "--keys", str(out.parent / "b.keys"))
    assert done.returncode == 2
    assert done.stderr == (f"phienhop: {out.parent / 'b.keys'} is in the same directory as the copy {out}: keep the key file "
                           "apart from the database (other media, other hands); give --keys a path elsewhere\n")
    assert not out.parent.exists() or os.listdir(out.parent) == []


def test_a_backup_into_a_missing_folder_is_refused(tmp_path):
    """A folder that does not exist (a typo, unmounted media) exits 2 saying to create it, and creates nothing."""
    db = log_v1(tmp_path / "x.db")
    out = tmp_path / "backups" / "b.db"
    done = phienhop("backup", "--db", str(db), str(out))
    assert done.returncode == 2
    assert done.stderr == (f"phienhop: {out.parent} does not exist: create it first (mkdir -p {out.parent}); "
                           "a backup never creates folders\n")
    assert not out.parent.exists()


def test_restore_never_overwrites_a_database(tmp_path):
    """restore onto an existing database exits 2, names what to move aside, and leaves it as it was."""
    fixture = log_v1(tmp_path / "old.db")
    target = tmp_path / "x.db"
    target.write_bytes(b"not yet moved aside")
    done = phienhop("restore", str(fixture), "--db", str(target))
    assert done.returncode == 2
    assert done.stderr == (f"phienhop: {target} exists: stop the server and move the database (and its -wal, -shm, .keys "
                           "files) aside first; restore never overwrites\n")
    assert target.read_bytes() == b"not yet moved aside"


def test_a_damaged_backup_is_reported_and_not_restored(tmp_path):
    """A copy whose event row was changed fails its check (exit 1, the seq named) and restore refuses it."""
    import sqlite3

    copy = log_v1(tmp_path / "b.db")
    with sqlite3.connect(copy) as conn:
        conn.execute("UPDATE events SET data = replace(data, 'Ghi chú 1', 'Ghi chú 9') WHERE type = 'note.recorded'")
    target = tmp_path / "restored.db"
    done = phienhop("restore", str(copy), "--db", str(target))
    assert done.returncode == 1
    assert "hash mismatch (the row was changed)" in done.stdout
    assert done.stdout.splitlines()[-1] == f"backup {copy}: 1 problem(s); do not rely on it"
    assert not target.exists()


def test_backup_and_restore_speak_vietnamese_first(tmp_path):
    """Without PHIENHOP_LANG or --lang, a refusal and a damaged copy's report are in Vietnamese; --lang en in English."""
    import sqlite3

    fixture = log_v1(tmp_path / "old.db")
    target = tmp_path / "x.db"
    target.write_bytes(b"not yet moved aside")
    refused = phienhop("restore", str(fixture), "--db", str(target), lang=None)
    assert (refused.returncode, refused.stderr) == (2, (
        f"phienhop: {target} đã có: hãy dừng máy chủ và chuyển cơ sở dữ liệu (cùng các tệp -wal, -shm, .keys) đi chỗ "
        "khác trước; khôi phục không bao giờ ghi đè\n"))
    with sqlite3.connect(fixture) as conn:
        session, seq = conn.execute("SELECT session, seq FROM events WHERE type = 'note.recorded' "
                                    "AND CAST(data AS TEXT) LIKE '%Ghi chú 1%'").fetchone()
        conn.execute("UPDATE events SET data = replace(data, 'Ghi chú 1', 'Ghi chú 9') WHERE session = ? AND seq = ?",
                     (session, seq))
    report = phienhop("restore", str(fixture), "--db", str(tmp_path / "new.db"), lang=None)
    assert report.returncode == 1
    assert report.stdout.splitlines() == [
        f"FAIL phiên {session}: sự kiện số {seq}: mã băm không khớp (dòng đã bị sửa)",
        f"bản sao lưu {fixture}: 1 vấn đề; đừng dựa vào nó",
    ]
    english = phienhop("restore", str(fixture), "--db", str(tmp_path / "new.db"), "--lang", "en", lang=None)
    assert english.stdout.splitlines()[-1] == f"backup {fixture}: 1 problem(s); do not rely on it"
