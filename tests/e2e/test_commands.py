"""Commands over HTTP: malformed ones are 4xx naming what was wrong, refusals follow the permission table,
and nothing refused moves the log."""

from __future__ import annotations

import pytest

from phienhop.server.domain.commands import COMMAND_TYPES
from tests.domain.permissions_table import STATUS, TABLE
from tests.support import small_agenda

TYPES = ", ".join(COMMAND_TYPES)


@pytest.fixture(scope="module")
def session(srv):
    s = srv.create(small_agenda())
    s.ok(s.chair, type="session.open")
    return s


@pytest.mark.parametrize(
    "content, status, error, detail",
    [
        (b'{"type": "session.open"', 400, "json.invalid", "invalid JSON: Input data was truncated"),
        (b"{type: 1}", 400, "json.invalid", "invalid JSON: JSON is malformed: object keys must be strings (byte 1)"),
        (b"   ", 400, "json.invalid", "invalid JSON: Input data was truncated"),
        (b"", 400, "command.invalid",
         "invalid command: the body is empty; send one command as a JSON object with its 'type'"),
        (b"[]", 400, "command.invalid", "invalid command: Expected `object`, got `array` - at `$`"),
        (b"{}", 400, "command.invalid",
         f"invalid command: Object missing required field `type` - at `$`; 'type' must be one of: {TYPES}"),
        (b'{"type": "session.adjourn"}', 400, "command.invalid",
         f"invalid command: Invalid value 'session.adjourn' - at `$.type`; 'type' must be one of: {TYPES}"),
        (b'{"type": "item.start", "item": "khai-mac", "speaker": "tv-1"}', 400, "command.invalid",
         "invalid command: unknown field `speaker` - at `$`"),
        (b'{"type": "item.start"}', 400, "command.invalid",
         "invalid command: Object missing required field `item` - at `$`"),
        (b'{"type": "item.start", "item": 1}', 400, "command.invalid",
         "invalid command: Expected `str`, got `int` - at `$.item`"),
        (b'{"type": "attendance.mark", "person": "tv-1", "status": "here"}', 400, "command.invalid",
         "invalid command: Invalid enum value 'here' - at `$.status`"),
        (b'{"type": "note.record", "item": "khai-mac", "text": "' + b"a" * 20_001 + b'"}', 400, "command.invalid",
         "invalid command: Expected `str` of length <= 20000 - at `$.text`"),
        (b'{"type": "note.record", "item": "khai-mac", "text": "' + b"a" * 70_000 + b'"}', 413, "too_large",
         "the request body is too large: at most 65536 bytes are accepted here"),
    ],
    ids=["truncated", "malformed", "blank", "empty", "array", "no-type", "unknown-type", "unknown-field",
         "missing-field", "wrong-type", "bad-enum", "text-too-long", "oversized"],
)
def test_malformed_command(srv, session, content, status, error, detail):
    """A body that is not one valid command is a 4xx with its code and a detail naming the fault; seq stays."""
    seq = session.snapshot()["seq"]
    r = srv.http.post(f"/api/sessions/{session.id}/commands", content=content,
                      headers={"Authorization": f"Bearer {session.secretary}", "Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (status, {"error": error, "detail": detail})
    assert session.snapshot()["seq"] == seq
    assert len(session.events()) == seq


def test_unknown_session(srv):
    """A command to a session that does not exist is 404 session.unknown."""
    r = srv.http.post("/api/sessions/khong-co/commands", json={"type": "session.open"},
                      headers={"Authorization": "Bearer test-admin-token"})
    assert (r.status_code, r.json()) == (404, {"error": "session.unknown", "detail": "no session 'khong-co'"})


def test_bad_since(srv, session):
    """GET events with a negative since is 400 since.invalid naming the parameter, in the live stream's words."""
    r = srv.http.get(f"/api/sessions/{session.id}/events", params={"since": -1},
                     headers={"Authorization": f"Bearer {session.public}"})
    assert (r.status_code, r.json()) == (400, {"error": "since.invalid", "detail": "'since' must be a whole number >= 0, not '-1'"})


# -- the permission table, sampled against the real server ----------------------------------------


def _tokens(s) -> dict[str, str]:
    return {"chair": s.chair, "secretary": s.secretary, "member": s.person("tv-1"), "guest": s.person("khach-0"),
            "point": s.point("tra-vinh"), "public": s.public}


def _in_state(srv, state: str, row):
    """A fresh session brought into ``state`` over HTTP, as tests/domain/builder.py does in memory."""
    s = srv.create(small_agenda())
    tokens = _tokens(s)
    for person in ("chu-toa", "thu-ky", "tv-1", "tv-2", "tv-3", "tv-4", "khach-0"):
        s.ok(s.chair, type="attendance.mark", person=person, status="present")
    if state != "closed":
        for role, body in row.prep:
            s.ok(tokens[role], **body)
    if state == "scheduled":
        return s, tokens
    s.ok(s.chair, type="session.open")
    if state == "open":
        for role, body in row.setup:
            s.ok(tokens[role], **body)
        return s, tokens
    for body in ({"type": "item.start", "item": "du-thao"}, {"type": "item.end", "item": "du-thao"},
                 {"type": "session.close"}):
        s.ok(s.chair, **body)
    return s, tokens


SAMPLE = [  # (command type, role, state): at least one of each refusal code and of each role
    ("session.open", "chair", "open"),
    ("session.close", "secretary", "open"),
    ("item.start", "member", "open"),
    ("item.start", "chair", "scheduled"),
    ("attendance.mark", "point", "closed"),
    ("attendance.mark", "public", "open"),
    ("speaker.request", "secretary", "scheduled"),
    ("speaker.grant", "guest", "open"),
    ("speaker.withdraw", "point", "open"),
    ("poll.open", "point", "open"),
    ("vote.cast", "guest", "open"),
    ("vote.cast", "secretary", "scheduled"),
    ("vote.cast", "member", "open"),
    ("note.record", "chair", "open"),
    ("conclusion.record", "secretary", "closed"),
    ("minutes.finalize", "chair", "closed"),
    ("minutes.finalize", "secretary", "open"),
    # The three decisions (README, "Who may do what"), each way it goes.
    ("attendance.mark.present-by-remote-point", "point", "open"),
    ("attendance.mark.present-by-remote-point", "chair", "open"),
    ("attendance.mark.online-elsewhere", "member", "open"),
    ("attendance.mark.online-elsewhere", "point", "open"),
    ("speaker.withdraw.by-the-requesters-point", "point", "open"),
    ("speaker.withdraw.by-the-requesters-point", "member", "open"),
    ("item.add", "chair", "closed"),
    ("item.move", "chair", "open"),
    ("item.defer", "point", "open"),
    ("deputy.assign", "secretary", "scheduled"),
    ("deputy.assign", "member", "open"),
    ("proxy.grant", "chair", "open"),
    ("proxy.revoke", "secretary", "open"),
    ("poll.record_hands", "chair", "open"),
    ("poll.record_hands", "guest", "open"),
]
ROWS = {row.name: row for row in TABLE}


@pytest.mark.parametrize("kind, role, state", SAMPLE, ids=["-".join(c) for c in SAMPLE])
def test_permission_sample_over_http(srv, kind, role, state):
    """The permission table holds on the real server: the HTTP status, the error code, and seq unmoved."""
    row = ROWS[kind]
    outcome = row.outcomes[role][("scheduled", "open", "closed").index(state)]
    s, tokens = _in_state(srv, state, row)
    seq = s.snapshot()["seq"]
    r = s.command(tokens[role], **row.body_for(role))
    if outcome == "ok":
        assert r.status_code == 200, r.text
        assert [e["type"] for e in r.json()["events"]] == row.events
        assert s.snapshot()["seq"] == seq + len(row.events)
        return
    assert (r.status_code, r.json()["error"]) == (STATUS[outcome], outcome), r.text
    assert r.json()["detail"]
    assert s.snapshot()["seq"] == seq
    assert len(s.events()) == seq


def _post(srv, session, token: str, body: bytes):
    return srv.http.post(f"/api/sessions/{session.id}/commands", content=body,
                         headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


@pytest.mark.parametrize(
    "body, detail",
    [
        (b'{"type": "speaker.grant", "request": "REQ", "limit_s": "60"}',
         "invalid command: Expected `int | null`, got `str` - at `$.limit_s`"),
        (b'{"type": "speaker.grant", "request": "REQ", "limit_s": 60.5}',
         "invalid command: Expected `int | null`, got `float` - at `$.limit_s`"),
        (b'{"type": "speaker.grant", "request": "REQ", "limit_s": true}',
         "invalid command: Expected `int | null`, got `bool` - at `$.limit_s`"),
        (b'{"type": "speaker.request", "item": "khai-mac", "point_of_order": "true"}',
         "invalid command: Expected `bool`, got `str` - at `$.point_of_order`"),
        (b'{"type": "speaker.request", "item": "khai-mac", "point_of_order": 1}',
         "invalid command: Expected `bool`, got `int` - at `$.point_of_order`"),
        (b'{"type": "note.record", "item": "khai-mac", "text": "x", "revises": "5"}',
         "invalid command: Expected `int | null`, got `str` - at `$.revises`"),
        (b'{"type": "poll.record_hands", "poll": "p1", "counts": {"yes": "3"}}',
         "invalid command: Expected `int`, got `str` - at `$.counts.yes`"),
        (b'{"type": "item.add", "item": {"id": "moi", "title": "Moi", "duration_min": "10"}}',
         "invalid command: Expected `int`, got `str` - at `$.item.duration_min`"),
    ],
    ids=["int-as-str", "int-as-float", "int-as-bool", "bool-as-str", "bool-as-int", "seq-as-str", "count-as-str",
         "nested-int-as-str"],
)
def test_fields_are_strictly_typed(srv, body, detail):
    """A number or a bool given as another JSON type (a string "60", 60.5, true) is 400 command.invalid naming the
    field, and changes nothing: a pending request stays pending, the log does not move."""
    s = srv.create(small_agenda())
    s.ok(s.chair, type="session.open")
    s.ok(s.chair, type="item.start", item="khai-mac")
    answer = s.ok(s.person("tv-1"), type="speaker.request", item="khai-mac")
    request = next(e for e in answer["events"] if e["type"] == "speaker.requested")["request"]
    seq = s.snapshot()["seq"]
    r = _post(srv, s, s.chair, body.replace(b"REQ", request.encode()))
    assert (r.status_code, r.json()) == (400, {"error": "command.invalid", "detail": detail})
    assert s.snapshot()["seq"] == seq
    assert len(s.events()) == seq
    granted = s.ok(s.chair, type="speaker.grant", request=request, limit_s=60)["events"]  # still pending
    assert [(e["type"], e.get("limit_s")) for e in granted] == [("speaker.granted", 60)]


def test_json_agenda_numbers_are_strictly_typed(srv):
    """An agenda posted as JSON with a number given as a string is refused like a TOML one (422 agenda.invalid
    naming the key); agendas and commands read types the same strict way."""
    agenda = small_agenda()
    agenda["items"][1]["duration_min"] = "20"
    r = srv.http.post("/api/sessions", json=agenda, headers={"Authorization": "Bearer test-admin-token"})
    assert (r.status_code, r.json()) == (422, {"error": "agenda.invalid", "path": "items[1].duration_min",
                                               "detail": "items[1].duration_min: Expected `int`, got `str`",
                                               "reason": "value.type", "params": {"expected": "int", "got": "str"}})


def test_the_edges_presence_report_is_strictly_typed(srv):
    """An edge's presence report with ``ttl`` given as a string is 400 command.invalid naming it; as a number, 200."""
    headers = {"Authorization": "Bearer test-admin-token"}
    r = srv.http.post("/api/edges/presence", json={"edge": "e1", "held": {}, "ttl": "15"}, headers=headers)
    assert (r.status_code, r.json()) == (400, {"error": "command.invalid",
                                               "detail": "invalid command: Expected `float`, got `str` - at `$.ttl`"})
    r = srv.http.post("/api/edges/presence", json={"edge": "e1", "held": {}, "ttl": 15}, headers=headers)
    assert (r.status_code, r.json()) == (200, {"edge": "e1", "held": 0})
