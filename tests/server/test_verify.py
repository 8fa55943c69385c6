"""phienhop verify on a damaged log: a missing row is named, and the checks after it read rows by seq."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from ..support import ROOT
from .fixtures import FIXTURES, log_v1



def _verify(db: Path, session: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "phienhop.server.cli", "verify", session, "--db", str(db), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_a_gap_in_the_chain_is_named_and_the_minutes_head_is_read_by_seq(tmp_path):
    """With seq 20 deleted, verify names the gap and the break after it, and does not blame the intact minutes head."""
    session = json.loads((FIXTURES / "log-v1.json").read_text(encoding="utf-8"))["session"]
    db = log_v1(tmp_path / "gap.db")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT max(seq), type FROM events WHERE seq = (SELECT max(seq) FROM events)").fetchone() == (39, "minutes.finalized")
        conn.execute("DELETE FROM events WHERE session = ? AND seq = 20", (session,))
    done = _verify(db, session, "--lang", "en")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "FAIL seq 20: missing (next row is seq 21)",
        "FAIL seq 21: hash mismatch (the row was changed)",
        f"2 problem(s) in session {session}",
    ]


def test_a_missing_row_before_the_minutes_is_named_not_a_crash(tmp_path):
    """With seq 38 (the head the minutes name) deleted, verify says so, with no traceback."""
    session = json.loads((FIXTURES / "log-v1.json").read_text(encoding="utf-8"))["session"]
    db = log_v1(tmp_path / "gap.db")
    with sqlite3.connect(db) as conn:
        head = conn.execute("SELECT hash FROM events WHERE session = ? AND seq = 38", (session,)).fetchone()[0]
        conn.execute("DELETE FROM events WHERE session = ? AND seq = 38", (session,))
    done = _verify(db, session, "--lang", "en")
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    assert done.stdout.splitlines() == [
        "FAIL seq 38: missing (next row is seq 39)",
        "FAIL seq 39: hash mismatch (the row was changed)",
        f"FAIL seq 39: the minutes name head {head[:12]}…, but seq 38 is missing",
        f"3 problem(s) in session {session}",
    ]


def test_the_report_is_in_the_sessions_language_unless_asked_otherwise(tmp_path):
    """A Vietnamese session's report is in Vietnamese by default; PHIENHOP_LANG=en or --lang en gives the English one."""
    session = json.loads((FIXTURES / "log-v1.json").read_text(encoding="utf-8"))["session"]
    db = log_v1(tmp_path / "vi.db")
    intact = _verify(db, session)
    with sqlite3.connect(db) as conn:
        head = conn.execute("SELECT hash FROM events WHERE session = ? AND seq = 39", (session,)).fetchone()[0]
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert intact.stdout.startswith(f"ok: phiên {session}, 39 sự kiện, mã cuối {head}, mã SHA-256 biên bản chính thức ")
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM events WHERE session = ? AND seq = 20", (session,))
    done = _verify(db, session)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "FAIL sự kiện số 20: bị thiếu (dòng kế tiếp là số 21)",
        "FAIL sự kiện số 21: mã băm không khớp (dòng đã bị sửa)",
        f"2 vấn đề trong phiên {session}",
    ]
    english = subprocess.run([sys.executable, "-m", "phienhop.server.cli", "verify", session, "--db", str(db)], cwd=ROOT,
                             capture_output=True, text=True, timeout=120, env={**os.environ, "PHIENHOP_LANG": "en"})
    assert english.stdout.splitlines()[-1] == f"2 problem(s) in session {session}"


def test_every_verify_backup_and_restore_message_says_the_same_in_both_languages():
    """Each message has a vi and an en text naming the same parameters, and the vi text is NFC."""
    import string
    import unicodedata

    from phienhop.server.reports import MESSAGES

    for key, (vi, en) in MESSAGES.items():
        names = [{f[1] for f in string.Formatter().parse(text) if f[1]} for text in (vi, en)]
        assert names[0] == names[1], key
        assert unicodedata.normalize("NFC", vi) == vi, key
