"""``phienhop backup`` and ``phienhop restore``: a consistent copy of a live database, checked.

The copy is made with SQLite's ``VACUUM INTO`` on its own read connection: one transaction's
view of the file, taken while the server keeps writing (WAL readers never wait on the writer),
written compact, with no WAL and no free pages, so it carries none of the file's history (the
history that, for an open secret poll, could tie ballot rows to vote events).

The poll-key file is never put beside the copy. It holds only the secrets of secret polls that
are open; with the database it would link those ballots to members (README, "Votes and secret
ballots"). ``--keys PATH`` copies it to a place of its own (refused in the copy's directory);
without it, a copy taken while a secret poll is open is named as such, because that poll can
only be counted after a restore if its key is restored too.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from .keys import PollKeys


class BackupError(Exception):
    """The backup or restore cannot be made as asked; the message says what to do."""


class Report:
    """What a backup or restore did: the sessions checked and the notes for the operator."""

    def __init__(self) -> None:
        self.sessions: list[str] = []
        self.problems: list[str] = []
        self.notes: list[str] = []


def open_secret_polls(db: Path) -> list[tuple[str, str]]:
    """``(session, poll)`` of secret polls opened and not closed in ``db``."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT session, type, json_extract(data, '$.poll') FROM events "
            "WHERE (type = 'poll.opened' AND json_extract(data, '$.spec.ballot') = 'secret') "
            "OR (type = 'poll.closed' AND json_extract(data, '$.ballot') = 'secret') ORDER BY session, seq"
        ).fetchall()
    open_: dict[tuple[str, str], bool] = {}
    for session, kind, poll in rows:
        open_[(session, poll)] = kind == "poll.opened"
    return [key for key, is_open in open_.items() if is_open]


async def check(db: Path) -> Report:
    """Verify every session in ``db`` (hash chain, stored minutes, secret ballot boxes), reading only."""
    from .verify import verify

    report = Report()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        report.sessions = [r[0] for r in conn.execute("SELECT id FROM sessions ORDER BY created_at, id")]
        with_events = {r[0] for r in conn.execute("SELECT DISTINCT session FROM events")}
    report.sessions = [s for s in report.sessions if s in with_events]  # a create that never committed has none
    for session in report.sessions:
        problems, _, _ = await verify(str(db), session, readonly=True)
        report.problems += [f"session {session}: {p}" for p in problems]
    return report


def _copy_secret(src: Path, dst: Path) -> None:
    """Copy a key file, readable by its owner only from its first byte, and on disk when this returns."""
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(src.read_bytes())
        f.flush()
        os.fsync(f.fileno())


def _keys_apart(keys_out: Path, copy: Path) -> None:
    if keys_out.resolve().parent == copy.resolve().parent:
        raise BackupError(f"{keys_out} is in the same directory as the copy {copy}: keep the key file apart from "
                          "the database (other media, other hands); give --keys a path elsewhere")


async def backup(db: Path, out: Path, keys_out: Path | None = None) -> Report:
    """Copy ``db`` (in use or not) to ``out``, the key file to ``keys_out`` if given, and verify the copy."""
    if not db.is_file():
        raise BackupError(f"no database at {db} (give --db or set PHIENHOP_DB)")
    if out.exists():
        raise BackupError(f"{out} exists; give a new file name (a backup never overwrites)")
    if keys_out is not None:
        _keys_apart(keys_out, out)
        if keys_out.exists():
            raise BackupError(f"{keys_out} exists; give a new file name (a backup never overwrites)")
    # A mistyped folder must not silently become a new one (a copy nobody will find on the backup media).
    for folder in [out.parent] + ([keys_out.parent] if keys_out is not None else []):
        if not folder.is_dir():
            raise BackupError(f"{folder} does not exist: create it first (mkdir -p {folder}); a backup never creates folders")
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    # The copy holds every session's log: owner only from its first byte (VACUUM INTO fills an empty file).
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        conn.execute("VACUUM INTO ?", (str(tmp),))
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, out)
    report = await check(out)
    polls = open_secret_polls(out)
    keys_path = Path(str(db) + ".keys")
    if keys_out is not None and not polls:
        report.notes.append(f"no secret poll is open: the key file holds nothing a restore needs; {keys_out} not written")
    elif keys_out is not None:
        keys = PollKeys(keys_path if keys_path.exists() else None)
        missing = [f"{s}/{p}" for s, p in polls if not keys.has(s, p)]
        if missing:
            report.problems.append(f"the key file {keys_path} has no key for open secret poll(s) {', '.join(missing)}")
            return report
        _copy_secret(keys_path, keys_out)
        report.notes.append(f"key file copied to {keys_out} (secret polls open: {', '.join(f'{s}/{p}' for s, p in polls)}); "
                            "keep it apart from the database copy, and delete it once those polls have closed")
    elif polls:
        report.notes.append(f"secret poll(s) open: {', '.join(f'{s}/{p}' for s, p in polls)}; their keys are not in this "
                            f"backup: to count them after a restore, copy {keys_path} apart too (--keys PATH)")
    return report


async def restore(backup_file: Path, db: Path, keys: Path | None = None) -> Report:
    """Verify ``backup_file`` and put it at ``db`` (which must not exist), with its key file if given."""
    if not backup_file.is_file():
        raise BackupError(f"no backup at {backup_file}")
    if db.exists() or Path(str(db) + "-wal").exists():
        raise BackupError(f"{db} exists: stop the server and move the database (and its -wal, -shm, .keys files) "
                          "aside first; restore never overwrites")
    report = await check(backup_file)
    if report.problems:
        return report
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.with_name(db.name + ".part")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))  # copyfile keeps this mode: owner only
    shutil.copyfile(backup_file, tmp)
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, db)
    polls = open_secret_polls(db)
    keys_path = Path(str(db) + ".keys")
    if keys is not None:
        _copy_secret(keys, keys_path)
        report.notes.append(f"key file restored to {keys_path}")
    elif polls:
        report.notes.append(f"secret poll(s) open: {', '.join(f'{s}/{p}' for s, p in polls)}; `phienhop serve` will ask for "
                            f"their key file: restore it with --keys, or put it at {keys_path}")
    return report
