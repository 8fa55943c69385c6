"""The log as a file (``log.jsonl``): served to the chair, secretary and admin, and carried inside the final minutes.

One line per event, in seq order, each ``{"seq": N, "hash": "<hex>", "event": <the event>}``
followed by ``\\n``. The value of ``"event"`` is the event's canonical bytes exactly as they
were stored and hashed, so a reader in any language can recompute the chain without
re-encoding anything: take the bytes between ``"event":`` and the line's final ``}``, and
``hash = sha256(bytes.fromhex(previous hash) + those bytes)``, the previous hash of seq 1
being 64 zeros.

A projection like the minutes: it reads the log and never writes.
"""

from __future__ import annotations

from typing import Iterable

import msgspec

from .store import GENESIS, EventRow, chain

__all__ = ["LogLine", "log_jsonl", "parse_log_jsonl", "rows_of"]


class LogLine(msgspec.Struct, frozen=True):
    seq: int
    hash: str
    event: msgspec.Raw  # the canonical bytes, untouched


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(LogLine)


def log_jsonl(rows: Iterable[EventRow]) -> bytes:
    """The lines of ``rows`` (one session's, in seq order) as a ``log.jsonl`` file."""
    return b"".join(_encoder.encode(LogLine(r.seq, r.hash, msgspec.Raw(r.data))) + b"\n" for r in rows)


class _Kind(msgspec.Struct):
    type: str = ""


_kind = msgspec.json.Decoder(_Kind)  # reads only "type": the rest of the event is skipped, not built


def _type_of(data: bytes) -> str:
    try:
        return _kind.decode(data).type
    except msgspec.DecodeError:
        return ""


def rows_of(session: str, events: list[bytes], upto: int | None = None) -> list[EventRow]:
    """EventRows for a session's canonical event bytes (index seq-1), with the chain recomputed."""
    rows, prev = [], GENESIS
    for seq, data in enumerate(events[:upto], start=1):
        prev = chain(prev, data)
        rows.append(EventRow(session, seq, _type_of(data), data, prev))
    return rows


class LogFileError(ValueError):
    """A ``log.jsonl`` line that cannot be read; the message names the line (``line``, ``reason`` apart for other languages)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(line, reason)  # all in args, so it pickles
        self.line, self.reason = line, reason

    def __str__(self) -> str:
        return f"log.jsonl line {self.line}: not a log line ({self.reason})"


def parse_log_jsonl(data: bytes, session: str = "") -> list[EventRow]:
    """The rows of a ``log.jsonl`` file, as written (hashes are not checked here: see store.verify_chain)."""
    rows = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line:
            continue
        try:
            parsed = _decoder.decode(line)
        except msgspec.DecodeError as exc:
            raise LogFileError(number, str(exc)) from None
        raw = bytes(parsed.event)
        rows.append(EventRow(session, parsed.seq, _type_of(raw), raw, parsed.hash))
    return rows
