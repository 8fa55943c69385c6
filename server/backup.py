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
from .reports import Said, said


class BackupError(Exception):
    """The backup or restore cannot be made as asked; the message (a ``Said``: vi and en) says what to do."""

    def __init__(self, message: Said) -> None:
        super().__init__(message)
        self.said = message


class Report:
    """What a backup or restore did: the sessions checked and the notes for the operator (each a ``Said``)."""

    def __init__(self) -> None:
        self.sessions: list[str] = []
        self.problems: list[Said] = []
        self.notes: list[Said] = []


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
        report.problems += [Said.of(("report.session", {"session": session}), *p.parts) for p in problems]
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
        raise BackupError(said("backup.keys_beside", keys=keys_out, copy=copy))


async def backup(db: Path, out: Path, keys_out: Path | None = None) -> Report:
    """Copy ``db`` (in use or not) to ``out``, the key file to ``keys_out`` if given, and verify the copy."""
    if not db.is_file():
        raise BackupError(said("db.missing", db=db))
    if out.exists():
        raise BackupError(said("backup.exists", path=out))
    if keys_out is not None:
        _keys_apart(keys_out, out)
        if keys_out.exists():
            raise BackupError(said("backup.exists", path=keys_out))
    # A mistyped folder must not silently become a new one (a copy nobody will find on the backup media).
    for folder in [out.parent] + ([keys_out.parent] if keys_out is not None else []):
        if not folder.is_dir():
            raise BackupError(said("backup.no_folder", folder=folder))
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
        report.notes.append(said("backup.keys_not_needed", keys=keys_out))
    elif keys_out is not None:
        keys = PollKeys(keys_path if keys_path.exists() else None)
        missing = [f"{s}/{p}" for s, p in polls if not keys.has(s, p)]
        if missing:
            report.problems.append(said("backup.keys_lacking", keys=keys_path, polls=", ".join(missing)))
            return report
        _copy_secret(keys_path, keys_out)
        report.notes.append(said("backup.keys_copied", keys=keys_out, polls=", ".join(f"{s}/{p}" for s, p in polls)))
    elif polls:
        report.notes.append(said("backup.keys_left", keys=keys_path, polls=", ".join(f"{s}/{p}" for s, p in polls)))
    return report


async def restore(backup_file: Path, db: Path, keys: Path | None = None) -> Report:
    """Verify ``backup_file`` and put it at ``db`` (which must not exist), with its key file if given."""
    if not backup_file.is_file():
        raise BackupError(said("restore.no_backup", path=backup_file))
    if db.exists() or Path(str(db) + "-wal").exists():
        raise BackupError(said("restore.db_exists", db=db))
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
        report.notes.append(said("restore.keys_restored", keys=keys_path))
    elif polls:
        report.notes.append(said("restore.keys_needed", keys=keys_path, polls=", ".join(f"{s}/{p}" for s, p in polls)))
    return report
