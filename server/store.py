"""The event store: one SQLite file, an append-only log per session, a hash chain, one writer.

Every write is one ``BEGIN IMMEDIATE … COMMIT`` on the single writer connection, with
``journal_mode=WAL`` and ``synchronous=FULL``: when ``commit`` returns, the rows are on disk.

The writer is a plain ``sqlite3`` connection on its own thread (a one-worker executor), and a
whole transaction crosses to it as one call: aiosqlite hopped threads once per statement (BEGIN,
each INSERT, COMMIT: a thread wake-up and a loop wake-up each), which a lone command paid three
times (bench/fanout.py, where each event is one command). Reads stay on aiosqlite.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import secrets
import sqlite3
from pathlib import Path
from typing import Callable, Iterable

import aiosqlite
import msgspec

from . import faults

SCHEMA_VERSION = 1
GENESIS = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    source TEXT,            -- sha256 of the agenda it was created from, so a restart does not re-create it
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    session TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    data BLOB NOT NULL,     -- the canonical bytes, exactly as hashed and sent
    hash TEXT NOT NULL,     -- sha256(previous hash + data)
    PRIMARY KEY (session, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
    hash TEXT PRIMARY KEY,  -- sha256 of the token; the token itself is never stored
    session TEXT NOT NULL,
    role TEXT NOT NULL,
    subject TEXT
) WITHOUT ROWID;
-- Secret ballots: keyed by the hash of the voter's receipt, so rows sort by that random key and
-- carry no person, no time and no insertion order. While the poll is open ``choice`` is sealed
-- (see keys.py); at the close the poll's rows are re-issued in clear under fresh random keys.
CREATE TABLE IF NOT EXISTS ballots (
    key TEXT PRIMARY KEY,
    session TEXT NOT NULL,
    poll TEXT NOT NULL,
    choice TEXT NOT NULL,
    weight INTEGER NOT NULL
) WITHOUT ROWID;
-- Commands sent with a client's command_id, so a retry is answered with the original answer and
-- changes nothing, also after a restart: written in the same transaction as the command's events.
-- ``actor`` is who sent it (role and person or point), ``digest`` the sha256 of the command,
-- ``first_seq``..``last_seq`` its events (none: first_seq > last_seq), ``seq`` the head it answered.
CREATE TABLE IF NOT EXISTS commands (
    session TEXT NOT NULL,
    actor TEXT NOT NULL,
    command_id TEXT NOT NULL,
    digest TEXT NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (session, actor, command_id)
) WITHOUT ROWID;
-- Lazy loading: which sessions are closed, and a session's tokens, without reading every row.
CREATE INDEX IF NOT EXISTS events_closed ON events (session) WHERE type = 'session.closed';
CREATE INDEX IF NOT EXISTS tokens_session ON tokens (session);
CREATE TABLE IF NOT EXISTS minutes (
    session TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL,
    pdf BLOB NOT NULL
);
-- Signed copies of the final minutes, each whole (it begins with the previous one's bytes);
-- ``revision`` is the minutes.signed event's (1 = the first signed copy).
CREATE TABLE IF NOT EXISTS signed_minutes (
    session TEXT NOT NULL,
    revision INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    pdf BLOB NOT NULL,
    PRIMARY KEY (session, revision)
) WITHOUT ROWID;
"""


def chain(prev_hash: str, data: bytes) -> str:
    """The next link of the hash chain: sha256(previous hash bytes + the event's canonical bytes)."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + data).hexdigest()


class EventRow(msgspec.Struct, frozen=True):
    session: str
    seq: int
    type: str
    data: bytes
    hash: str


class BallotRow(msgspec.Struct, frozen=True):
    key: str
    session: str
    poll: str
    choice: str
    weight: int


class CommandRow(msgspec.Struct):
    """A command accepted with its client's ``command_id``: enough to give its original answer again."""

    session: str
    actor: str
    command_id: str
    digest: str
    first_seq: int
    last_seq: int
    seq: int


class TokenRow(msgspec.Struct, frozen=True):
    hash: str
    session: str
    role: str
    subject: str | None


class Batch(msgspec.Struct):
    """Everything one transaction writes."""

    events: list[EventRow] = msgspec.field(default_factory=list)
    ballots: list[BallotRow] = msgspec.field(default_factory=list)
    tokens: list[TokenRow] = msgspec.field(default_factory=list)
    revoked: list[str] = msgspec.field(default_factory=list)  # token hashes to delete (rotated links)
    sessions: list[tuple[str, str | None, str]] = msgspec.field(default_factory=list)
    minutes: list[tuple[str, str, bytes]] = msgspec.field(default_factory=list)
    commands: list[CommandRow] = msgspec.field(default_factory=list)
    signed: list[tuple[str, int, str, bytes]] = msgspec.field(default_factory=list)  # session, revision, sha256, pdf
    # Secret boxes to open at a poll's close: (session, poll, unseal(key, sealed choice) -> choice).
    boxes: list[tuple[str, str, Callable[[str, str], str]]] = msgspec.field(default_factory=list)

    def mark(self) -> tuple[int, ...]:
        """How long each list is now, to ``truncate`` back to if a command fails half-way."""
        return tuple(len(getattr(self, name)) for name in _LISTS)

    def truncate(self, mark: tuple[int, ...]) -> None:
        for name, length in zip(_LISTS, mark):
            del getattr(self, name)[length:]


_LISTS = ("events", "ballots", "tokens", "revoked", "sessions", "minutes", "boxes", "commands", "signed")


class SchemaError(RuntimeError):
    """The file was written by a newer phienhop."""


class Store:
    """The single writer connection and one reader connection on a WAL database."""

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        """``readonly``: reads only, and nothing written to the file (no schema, no WAL switch): for checking copies."""
        self.path = str(path)
        self.readonly = readonly
        self._writer: sqlite3.Connection | None = None  # used on the writer thread only
        self._thread: concurrent.futures.ThreadPoolExecutor | None = None
        self._reader: aiosqlite.Connection | None = None

    async def open(self) -> "Store":
        if self.readonly:
            self._reader = await aiosqlite.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
            self._lookup = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
            return self
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._thread = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="phienhop-writer")
        await self._write(self._open_writer)
        self._reader = await aiosqlite.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
        # One primary-key lookup (a token of a session not in memory) is microseconds in WAL mode,
        # never waits on the writer, and is asked for where no await is possible (resolving a token).
        self._lookup = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
        return self

    def _open_writer(self) -> None:
        """On the writer thread: connect, WAL, FULL sync, the schema."""
        db = self._writer = sqlite3.connect(self.path, isolation_level=None)  # this thread's only (sqlite3 checks)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=5000")
        db.executescript(_SCHEMA)
        rows = db.execute("SELECT version FROM schema_version").fetchall()
        if not rows:
            db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
        elif rows[0][0] > SCHEMA_VERSION:
            raise SchemaError(f"{self.path} has schema version {rows[0][0]}; this phienhop knows {SCHEMA_VERSION}")

    async def _write(self, fn: Callable, *args):
        """Run ``fn(*args)`` on the writer thread, calls in order. A caller cancelled before the thread takes
        its call drops it; once taken, it runs to its end (a transaction commits or rolls back whole).
        Either way the next call on the thread sees the outcome."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    async def close(self) -> None:
        if self._reader is not None:
            await self._reader.close()
        if self._thread is not None:
            if self._writer is not None:
                await self._write(self._writer.close)
            self._thread.shutdown(wait=False)  # its one thread is idle now and ends
            self._thread = None
        if getattr(self, "_lookup", None) is not None:
            self._lookup.close()
            self._lookup = None
        self._reader = self._writer = None

    async def commit(self, batch: Batch) -> None:
        """Write ``batch`` in one durable transaction; all of it or none of it."""
        await self._write(self._commit_now, batch)
        pause = faults.value("commit-pause")
        if pause:
            await asyncio.sleep(float(pause))

    def _commit_now(self, batch: Batch) -> None:
        """On the writer thread: the whole transaction."""
        db = self._writer
        db.execute("BEGIN IMMEDIATE")
        try:
            if batch.sessions:
                db.executemany("INSERT INTO sessions (id, source, created_at) VALUES (?, ?, ?)", batch.sessions)
            if batch.revoked:
                db.executemany("DELETE FROM tokens WHERE hash = ?", [(h,) for h in batch.revoked])
            if batch.tokens:
                db.executemany(
                    "INSERT INTO tokens (hash, session, role, subject) VALUES (?, ?, ?, ?)",
                    [(t.hash, t.session, t.role, t.subject) for t in batch.tokens],
                )
            if batch.events:
                db.executemany(
                    "INSERT INTO events (session, seq, type, data, hash) VALUES (?, ?, ?, ?, ?)",
                    [(e.session, e.seq, e.type, e.data, e.hash) for e in batch.events],
                )
            if batch.ballots:
                db.executemany(
                    "INSERT INTO ballots (key, session, poll, choice, weight) VALUES (?, ?, ?, ?, ?)",
                    [(b.key, b.session, b.poll, b.choice, b.weight) for b in batch.ballots],
                )
            for session, poll, unseal in batch.boxes:
                where = (session, poll)
                rows = db.execute("SELECT key, choice, weight FROM ballots WHERE session = ? AND poll = ?", where).fetchall()
                opened = [(secrets.token_hex(32), session, poll, unseal(key, choice), weight) for key, choice, weight in rows]
                db.execute("DELETE FROM ballots WHERE session = ? AND poll = ?", where)
                db.executemany("INSERT INTO ballots (key, session, poll, choice, weight) VALUES (?, ?, ?, ?, ?)", opened)
            if batch.minutes:
                db.executemany("INSERT INTO minutes (session, sha256, pdf) VALUES (?, ?, ?)", batch.minutes)
            if batch.signed:
                db.executemany(
                    "INSERT INTO signed_minutes (session, revision, sha256, pdf) VALUES (?, ?, ?, ?)", batch.signed
                )
            if batch.commands:
                db.executemany(
                    "INSERT INTO commands (session, actor, command_id, digest, first_seq, last_seq, seq) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [(c.session, c.actor, c.command_id, c.digest, c.first_seq, c.last_seq, c.seq) for c in batch.commands],
                )
            db.execute("COMMIT")
        except BaseException:
            # Only a transaction still open is rolled back: after a COMMIT that went through (and
            # then an error on the way back), a ROLLBACK would fail and hide the truth.
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    async def has_event(self, row: EventRow) -> bool:
        """Whether ``row`` is on disk, exactly (the writer's connection: it sees its own commits)."""
        found = await self._write(lambda: self._writer.execute(
            "SELECT hash FROM events WHERE session = ? AND seq = ?", (row.session, row.seq)).fetchall())
        return bool(found) and found[0][0] == row.hash

    async def commands(self, sessions: Iterable[str] | None = None) -> list[CommandRow]:
        """The remembered commands, of every session or of ``sessions``."""
        query = "SELECT session, actor, command_id, digest, first_seq, last_seq, seq FROM commands"
        if sessions is None:
            return [CommandRow(*r) for r in await self._reader.execute_fetchall(query)]
        found: list[CommandRow] = []
        for session in sessions:
            found += [CommandRow(*r) for r in await self._reader.execute_fetchall(query + " WHERE session = ?", (session,))]
        return found

    # -- reads: on the reader connection, never waiting on the writer's transaction ---------

    async def session_ids(self) -> list[tuple[str, str | None]]:
        rows = await self._reader.execute_fetchall("SELECT id, source FROM sessions ORDER BY created_at, id")
        return [(r[0], r[1]) for r in rows]

    async def events(self, session: str, since: int = 0) -> list[EventRow]:
        rows = await self._reader.execute_fetchall(
            "SELECT session, seq, type, data, hash FROM events WHERE session = ? AND seq > ? ORDER BY seq",
            (session, since),
        )
        # A row edited by hand may hold TEXT where we write BLOBs: read it as its bytes, so the
        # chain check reports the change instead of failing on the type.
        return [EventRow(r[0], r[1], r[2], r[3].encode() if isinstance(r[3], str) else bytes(r[3]), r[4]) for r in rows]

    async def closed_sessions(self) -> set[str]:
        """The sessions whose log has a ``session.closed`` (from the partial index, not the rows)."""
        rows = await self._reader.execute_fetchall("SELECT session FROM events WHERE type = 'session.closed'")
        return {r[0] for r in rows}

    async def tokens(self, sessions: Iterable[str] | None = None) -> list[TokenRow]:
        """Every token row, or those of ``sessions`` (the admin's session is ``""``)."""
        if sessions is None:
            rows = await self._reader.execute_fetchall("SELECT hash, session, role, subject FROM tokens")
            return [TokenRow(*r) for r in rows]
        found: list[TokenRow] = []
        for session in sessions:
            rows = await self._reader.execute_fetchall(
                "SELECT hash, session, role, subject FROM tokens WHERE session = ?", (session,))
            found += [TokenRow(*r) for r in rows]
        return found

    def token_now(self, hash: str) -> TokenRow | None:
        """The token row with this hash, read at once (no await): for sessions not held in memory."""
        row = self._lookup.execute("SELECT hash, session, role, subject FROM tokens WHERE hash = ?", (hash,)).fetchone()
        return TokenRow(*row) if row else None

    async def ballots(self, session: str) -> list[BallotRow]:
        rows = await self._reader.execute_fetchall(
            "SELECT key, session, poll, choice, weight FROM ballots WHERE session = ?", (session,)
        )
        return [BallotRow(*r) for r in rows]

    async def minutes_pdf(self, session: str) -> tuple[str, bytes] | None:
        rows = await self._reader.execute_fetchall("SELECT sha256, pdf FROM minutes WHERE session = ?", (session,))
        return (rows[0][0], bytes(rows[0][1])) if rows else None

    async def signed_copies(self, session: str) -> list[tuple[int, str, bytes]]:
        """The session's accepted signed copies: (revision, sha256, pdf), oldest first."""
        rows = await self._reader.execute_fetchall(
            "SELECT revision, sha256, pdf FROM signed_minutes WHERE session = ? ORDER BY revision", (session,)
        )
        return [(r[0], r[1], bytes(r[2])) for r in rows]

    async def final_sizes(self) -> list[tuple[str, str, int]]:
        """Every session's final PDF as (session, sha256, size): to recognise another session's copy."""
        rows = await self._reader.execute_fetchall("SELECT session, sha256, length(pdf) FROM minutes")
        return [(r[0], r[1], r[2]) for r in rows]


class ChainProblem(str):
    """One problem in a log's chain: its English text, plus ``kind``, ``seq`` and ``other`` for other languages.

    kinds: ``missing`` (seq ``seq`` absent; ``other`` = the next row's seq), ``hash`` (row changed),
    ``seq`` (the event inside says seq ``other``), ``unreadable`` (``other`` = the decoder's message).
    """

    kind: str
    seq: int
    other: object

    TEXT = {"missing": "seq {seq}: missing (next row is seq {other})",
            "hash": "seq {seq}: hash mismatch (the row was changed)",
            "seq": "seq {seq}: the event inside says seq {other}",
            "unreadable": "seq {seq}: unreadable event ({other})"}

    @classmethod
    def of(cls, kind: str, seq: int, other: object = None) -> "ChainProblem":
        problem = cls(cls.TEXT[kind].format(seq=seq, other=other))
        problem.kind, problem.seq, problem.other = kind, seq, other
        return problem


def verify_chain(rows: Iterable[EventRow]) -> list[ChainProblem]:
    """Problems in a session's log, each naming the seq; empty when the chain holds."""
    from .domain.events import decode

    problems: list[ChainProblem] = []
    prev, expected = GENESIS, 1
    for row in rows:
        if row.seq != expected:
            problems.append(ChainProblem.of("missing", expected, row.seq))
            expected = row.seq
        if chain(prev, row.data) != row.hash:
            problems.append(ChainProblem.of("hash", row.seq))
        try:
            event = decode(row.data)
            if event.seq != row.seq:
                problems.append(ChainProblem.of("seq", row.seq, event.seq))
        except msgspec.DecodeError as exc:
            problems.append(ChainProblem.of("unreadable", row.seq, exc))
        prev, expected = row.hash, row.seq + 1
    return problems
