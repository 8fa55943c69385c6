"""Events carry a schema version; old ones are upcast step by step; a log written by 0.1.0 still opens."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys

import msgspec
import pytest

from phienhop.server.domain import events
from phienhop.server.domain.events import Codec, Event, ItemStarted, UnknownVersion

from ..support import ADMIN, ROOT, Server
from .fixtures import FIXTURES, log_v1

STATE_KEYS = ("status", "seq", "head", "items", "attendance", "requests", "polls", "notes", "conclusions",
              "points_seen", "minutes_sha256", "minutes_head")


def _normal(value):
    """``value`` with lists of strings sorted: sets (voters, points seen) are sent in hash order, which varies by process."""
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_normal(v) for v in value]
        return sorted(items) if all(isinstance(v, str) for v in items) else items
    return value


def _kept(then, now):
    """``now`` cut down to the keys ``then`` has, at every depth: fields added to the state later are new facts, not changes."""
    if isinstance(then, dict) and isinstance(now, dict):
        return {k: _kept(v, now[k]) if k in now else "<missing>" for k, v in then.items()}
    return now


def test_new_events_are_written_with_their_types_version():
    """encode stamps ``"v"`` with the type's VERSION, right after ``at``."""
    event = ItemStarted(at=dt.datetime(2021, 11, 30, 7, tzinfo=dt.timezone.utc), item="a",
                        ends_at=dt.datetime(2021, 11, 30, 8, tzinfo=dt.timezone.utc))
    assert events.encode(event) == (b'{"type":"item.started","seq":0,"at":"2021-11-30T07:00:00Z","v":1,'
                                    b'"item":"a","ends_at":"2021-11-30T08:00:00Z"}')


def test_an_event_without_a_version_is_version_one():
    """Bytes from before versions existed (no ``"v"``) decode as version 1."""
    event = events.decode(b'{"type":"item.ended","seq":4,"at":"2021-11-30T07:00:00Z","item":"a"}')
    assert (type(event).__name__, event.seq, event.v, event.item) == ("ItemEnded", 4, 1, "a")


# A later release, simulated: item.started at version 3, where version 2 renamed ``ends_at`` to
# ``until`` and version 3 added ``planned_min``, a field with no default.
class ItemStartedV3(Event, tag="item.started", kw_only=True):
    VERSION = 3
    item: str
    until: dt.datetime
    planned_min: int


def _v1_to_v2(raw: dict) -> dict:
    raw["until"] = raw.pop("ends_at")
    return raw


def _v2_to_v3(raw: dict) -> dict:
    raw["planned_min"] = 0  # unknown before version 3
    return raw


LATER = Codec((ItemStartedV3,), {("item.started", 1): _v1_to_v2, ("item.started", 2): _v2_to_v3})


def test_an_old_event_is_upcast_through_every_step():
    """A version-1 item.started (no ``"v"``) reaches version 3 through 1→2 and 2→3, in that order."""
    event = LATER.decode(b'{"type":"item.started","seq":7,"at":"2021-11-30T07:00:00Z","item":"a",'
                         b'"ends_at":"2021-11-30T08:00:00Z"}')
    assert (event.v, event.seq, event.item, event.until.hour, event.planned_min) == (3, 7, "a", 8, 0)
    middle = LATER.decode(b'{"type":"item.started","seq":8,"at":"2021-11-30T07:00:00Z","v":2,"item":"b",'
                          b'"until":"2021-11-30T09:00:00Z"}')
    assert (middle.v, middle.until.hour, middle.planned_min) == (3, 9, 0)


def test_a_current_event_round_trips_at_its_version():
    """An event written at the current version decodes as itself, in one pass."""
    event = ItemStartedV3(at=dt.datetime(2021, 11, 30, tzinfo=dt.timezone.utc), item="c",
                          until=dt.datetime(2021, 11, 30, 1, tzinfo=dt.timezone.utc), planned_min=15)
    assert LATER.decode(LATER.encode(event)) == event


def test_an_event_from_a_newer_release_is_refused_by_name():
    """A ``"v"`` above this code's VERSION raises UnknownVersion saying to upgrade."""
    with pytest.raises(UnknownVersion) as caught:
        events.decode(b'{"type":"item.ended","seq":1,"at":"2021-11-30T07:00:00Z","v":2,"item":"a","why":"x"}')
    assert str(caught.value) == "item.ended version 2 is newer than this phienhop (it reads up to 1); upgrade phienhop"


def test_a_missing_upcaster_fails_when_the_codec_is_built():
    """Raising a VERSION without the step from the one below it is an error at import, naming the step."""
    with pytest.raises(LookupError) as caught:
        Codec((ItemStartedV3,), {("item.started", 1): _v1_to_v2})
    assert str(caught.value) == "no upcaster for item.started 2->3"


# The event types 0.1.0 wrote; types added since are not in its log, and none of these may go.
TYPES_0_1_0 = {
    "session.created", "session.opened", "session.closed", "item.started", "item.ended",
    "attendance.marked", "speaker.requested", "speaker.granted", "speaker.finished", "speaker.withdrawn",
    "poll.opened", "vote.cast", "poll.closed", "note.recorded", "conclusion.recorded",
    "minutes.finalized", "point.online", "point.offline",
}


def test_every_event_type_of_the_current_code_has_its_chain():
    """The real codec knows every event type, and each type's VERSION is reached from 1."""
    tags = {t.__struct_config__.tag for t in events.AnyEvent.__args__}
    assert set(events._codec.versions) == tags
    assert TYPES_0_1_0 <= tags  # a type is never removed: old logs hold it


def test_the_0_1_0_fixture_holds_every_event_type(tmp_path):
    """log-v1.sql has at least one event of each of 0.1.0's 18 types, and none carries ``"v"`` (written before versions)."""
    import sqlite3

    with sqlite3.connect(log_v1(tmp_path / "old.db")) as conn:
        rows = conn.execute("SELECT type, data FROM events").fetchall()
    assert {t for t, _ in rows} == TYPES_0_1_0
    assert [d for _, d in rows if '"v":' in d.decode()[:80]] == []
    assert [type(events.decode(d)).__struct_config__.tag for t, d in rows] == [t for t, _ in rows]


def test_a_log_written_by_0_1_0_opens_with_this_code(tmp_path):
    """A server on the database of log-v1.sql serves the same session state 0.1.0 served, the same final PDF, and verify passes."""
    facts = json.loads((FIXTURES / "log-v1.json").read_text(encoding="utf-8"))
    db = log_v1(tmp_path / "old.db")
    server = Server(db, "--no-sample").start()
    try:
        # The admin reads the notes' text (the public token now gets them without it, as 0.1.0 did not).
        r = server.http.get(f"/api/sessions/{facts['session']}", headers={"Authorization": f"Bearer {ADMIN}"})
        assert r.status_code == 200, r.text
        now, then = r.json(), facts["snapshot"]
        assert now["seq"] == then["seq"] == 39
        old = {k: then["state"][k] for k in STATE_KEYS}
        assert _normal(_kept(old, now["state"])) == _normal(old)
        # Keys added to the agenda since (recipients) are new facts with their defaults, not changes.
        assert _kept(then["state"]["agenda"]["session"], now["state"]["agenda"]["session"]) \
            == then["state"]["agenda"]["session"]
        pdf = server.http.get(f"/api/sessions/{facts['session']}/minutes.pdf", headers={"Authorization": f"Bearer {ADMIN}"})
        assert pdf.status_code == 200
        assert hashlib.sha256(pdf.content).hexdigest() == then["state"]["minutes_sha256"]
    finally:
        server.stop()
    done = subprocess.run([sys.executable, "-m", "phienhop.server.cli", "verify", facts["session"], "--db", str(db), "--lang", "en"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith(f"ok: session {facts['session']}, 39 events, head {then['state']['head']}, final minutes sha256 ")
