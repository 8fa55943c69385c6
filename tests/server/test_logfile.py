"""log.jsonl: one line per event carrying its canonical bytes untouched, read back exactly, the chain recomputable."""

import hashlib

import pytest

from phienhop.server.logfile import LogFileError, log_jsonl, parse_log_jsonl, rows_of
from phienhop.server.store import GENESIS

EVENTS = [
    b'{"type":"session.created","seq":1,"at":"2021-11-30T14:00:00+07:00","session":"s"}',
    b'{"type":"session.opened","seq":2,"at":"2021-11-30T14:02:00+07:00","text":"Vi\xe1\xbb\x87t  \\"Nam\\""}',
]


def test_each_line_is_seq_hash_and_the_exact_event_bytes():
    """A line is {"seq","hash","event"} with the event's bytes verbatim; the hash chains from 64 zeros."""
    data = log_jsonl(rows_of("s", EVENTS))
    first = hashlib.sha256(bytes.fromhex(GENESIS) + EVENTS[0]).hexdigest()
    second = hashlib.sha256(bytes.fromhex(first) + EVENTS[1]).hexdigest()
    assert data == (b'{"seq":1,"hash":"' + first.encode() + b'","event":' + EVENTS[0] + b"}\n"
                    + b'{"seq":2,"hash":"' + second.encode() + b'","event":' + EVENTS[1] + b"}\n")


def test_parsing_gives_back_the_bytes_that_were_hashed():
    """parse_log_jsonl returns each event's bytes exactly (spacing and escapes kept) and the hashes as written."""
    rows = parse_log_jsonl(log_jsonl(rows_of("s", EVENTS)))
    assert [r.data for r in rows] == EVENTS
    assert [r.type for r in rows] == ["session.created", "session.opened"]
    assert [r.hash for r in rows] == [r.hash for r in rows_of("s", EVENTS)]


def test_rows_of_stops_at_upto():
    """Only the first ``upto`` events: what a final PDF rendered at that seq carries."""
    assert [r.seq for r in rows_of("s", EVENTS, 1)] == [1]


def test_a_broken_line_is_named():
    """A line that is not a log line names its line number."""
    with pytest.raises(LogFileError, match=r"^log.jsonl line 2: not a log line"):
        parse_log_jsonl(log_jsonl(rows_of("s", EVENTS[:1])) + b"{oops}\n")
