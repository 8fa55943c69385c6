"""A blocking WebSocket follower for tests: keeps every message and reads until a seq, with a deadline."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.support import ROOT


class Follower:
    """One connection to the live stream; ``events`` holds what arrived, parsed, in arrival order."""

    def __init__(self, url: str, **options) -> None:
        self.ws = connect(url, max_size=None, open_timeout=10, **options).__enter__()
        self.raw: list[str] = []
        self.events: list[dict] = []

    def __enter__(self) -> "Follower":
        return self

    def __exit__(self, *exc) -> None:
        self.ws.close()

    @property
    def seqs(self) -> list[int]:
        return [e["seq"] for e in self.events]

    def until(self, seq: int, timeout: float = 10.0) -> list[dict]:
        """Read until an event with ``seq`` or later arrived; fails with what came if the deadline passes."""
        deadline = time.monotonic() + timeout
        while not self.events or self.events[-1]["seq"] < seq:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no seq {seq} within {timeout}s; got seqs {self.seqs}")
            try:
                message = self.ws.recv(timeout=left)
            except TimeoutError:
                continue
            self.raw.append(message)
            self.events.append(json.loads(message))
        return self.events

    def closed(self, timeout: float = 10.0) -> tuple[int, str]:
        """Read until the server closes the connection; its close code and reason."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                try:
                    self.raw.append(self.ws.recv(timeout=deadline - time.monotonic()))
                except TimeoutError:
                    break
        except ConnectionClosed as exc:
            return (exc.rcvd.code, exc.rcvd.reason) if exc.rcvd else (1006, "")
        raise AssertionError(f"the server did not close within {timeout}s")


def refused(url: str, **options) -> tuple[int, str]:
    """Connect and return the close code and reason the server answers with."""
    with Follower(url, **options) as follower:
        return follower.closed()


def count_rows(db: Path, table: str, where: str = "", *args) -> int:
    """Rows in ``table`` of a server's database, read beside the running server (WAL)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} {where}", args).fetchone()[0]


def event_bytes(db: Path, session: str, seq: int) -> bytes:
    """The stored canonical bytes of one event."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return bytes(conn.execute("SELECT data FROM events WHERE session = ? AND seq = ?", (session, seq)).fetchone()[0])


def phienhop(*args: str, timeout: float = 60, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the ``phienhop`` CLI in a child process (``env`` added to this one's); stdout and stderr as text."""
    return subprocess.run([sys.executable, "-m", "phienhop.server.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
