"""Hostile command bodies and ``since`` values: a clear 4xx in our shape, never a 500, nothing changed."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets

from tests.support import small_agenda

BODIES = [
    ("not-utf8-in-a-string", b'{"type": "session.open", "x": "\xff"}', 400,
     {"error": "json.invalid", "detail": "the body is not UTF-8 text (byte 31)"}),
    ("not-utf8-at-all", b"\xff\xfe{", 400, {"error": "json.invalid", "detail": "the body is not UTF-8 text (byte 0)"}),
    ("nested-900-in-an-unknown-field", b'{"type": "session.open", "x": ' + b"[" * 900 + b"]" * 900 + b"}", 400,
     {"error": "json.invalid", "detail": "the body nests more than 16 levels deep"}),
    ("nested-5000-arrays", b"[" * 5000 + b"]" * 5000, 400,
     {"error": "json.invalid", "detail": "the body nests more than 16 levels deep"}),
    ("nested-spec", b'{"type": "poll.open", "item": "du-thao", "spec": ' + b"{\"a\": " * 900 + b"1" + b"}" * 900 + b"}",
     400, {"error": "json.invalid", "detail": "the body nests more than 16 levels deep"}),
    ("brackets-inside-a-string-are-text", json.dumps({"type": "note.record", "item": "khai-mac",
                                                        "text": "[" * 100, "x": 1}).encode(), 400,
     {"error": "command.invalid", "detail": "invalid command: unknown field `x` - at `$`"}),
    ("nul-in-a-note", json.dumps({"type": "note.record", "item": "khai-mac", "text": "a\u0000b"}).encode(), 422,
     {"error": "text.invalid", "detail": "note.record: text: U+0000 at character 2 is a control character; remove it",
      "params": {"field": "text"}}),
    ("bidi-override-in-a-conclusion", json.dumps({"type": "conclusion.record", "item": "khai-mac",
                                                   "text": "Thông qua \u202eđã"}).encode(), 422,
     {"error": "text.invalid", "detail": "conclusion.record: text: U+202E (RIGHT-TO-LEFT OVERRIDE) at character 11 is "
      "a bidirectional control character (it can make text display as something else); remove it",
      "params": {"field": "text"}}),
    ("blank-note", json.dumps({"type": "note.record", "item": "khai-mac", "text": " \n "}).encode(), 422,
     {"error": "text.invalid", "detail": "note.record: text: must not be blank", "params": {"field": "text"}}),
    ("a-key-given-twice", b'{"type": "attendance.mark", "person": "tv-1", "person": "tv-2", "status": "present"}', 400,
     {"error": "json.duplicate_key", "detail": "the key 'person' is given twice at `$`; give it once "
      "(khóa 'person' xuất hiện hai lần; mỗi khóa chỉ ghi một lần)"}),
    ("a-key-given-twice-inside-the-spec", b'{"type": "poll.open", "item": "du-thao", "spec": {"method": "yes-no-abstain", '
     b'"ballot": "named", "ballot": "secret", "rule": "simple"}}', 400,
     {"error": "json.duplicate_key", "detail": "the key 'ballot' is given twice at `$.spec`; give it once "
      "(khóa 'ballot' xuất hiện hai lần; mỗi khóa chỉ ghi một lần)"}),
    ("limit-s-out-of-range", b'{"type": "speaker.grant", "request": "r1", "limit_s": 1e400}', 400,
     {"error": "command.invalid", "detail": "invalid command: Number out of range - at `$.limit_s`"}),
    ("newline-in-an-absence-reason", json.dumps({"type": "attendance.mark", "person": "tv-1", "status": "absent",
                                                 "reason": "ốm\nnặng"}).encode(), 422,
     {"error": "text.invalid", "detail": "attendance.mark: reason: U+000A at character 3 is a line break or tab "
      "(this text is one line); remove it", "params": {"field": "reason"}}),
]


@pytest.mark.parametrize("name, body, status, answer", BODIES, ids=[b[0] for b in BODIES])
def test_hostile_command_body(srv, name, body, status, answer):
    """Each hostile body gets its exact 4xx in our shape, and the log does not move."""
    s = srv.create(small_agenda())
    s.ok(s.chair, type="session.open")
    token = s.secretary if b"note" in body or b"conclusion" in body else s.chair
    before = s.snapshot()["seq"]
    r = srv.http.post(f"/api/sessions/{s.id}/commands", content=body,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (status, answer)
    assert s.snapshot()["seq"] == before


def test_events_since_past_the_head_is_refused_like_the_live_stream(srv):
    """GET events?since= past the head is 400 since.invalid with the live stream's words; at the head it is []."""
    s = srv.create(small_agenda())
    head = s.snapshot()["seq"]
    r = srv.http.get(f"/api/sessions/{s.id}/events", params={"since": head + 1},
                     headers={"Authorization": f"Bearer {s.public}"})
    assert (r.status_code, r.json()) == (400, {"error": "since.invalid",
                                               "detail": f"'since' is {head + 1} but the log ends at seq {head}"})
    assert s.events(since=head) == []


@pytest.mark.parametrize("raw, shown", [("\u00b2", "²"), ("\u0663", "٣"), ("%C2%B2", "²"), ("%D9%A3", "٣"), ("1e3", "1e3"),
                                        ("-1", "-1"), ("", ""), ("abc", "abc")])
def test_events_since_must_be_ascii_digits(srv, raw, shown):
    """Superscripts, Arabic-Indic digits and other non-numbers in events?since= are 400 since.invalid in the live
    stream's words (never a 500, nor a 3), and change nothing."""
    s = srv.create(small_agenda())
    r = srv.http.get(f"/api/sessions/{s.id}/events?since={raw}", headers={"Authorization": f"Bearer {s.public}"})
    assert (r.status_code, r.json()) == (400, {"error": "since.invalid",
                                               "detail": f"'since' must be a whole number >= 0, not {shown!r}"})
    assert s.snapshot()["seq"] == 1


async def test_a_20_digit_since_is_refused_alike_on_events_and_live(srv):
    """A since of 20 digits (more than any log holds) is refused in the same words by events (400) and live (4400)."""
    s = srv.create(small_agenda())
    words = "'since' must be a whole number >= 0, not '99999999999999999999'"
    r = srv.http.get(f"/api/sessions/{s.id}/events?since=99999999999999999999", headers={"Authorization": f"Bearer {s.public}"})
    assert (r.status_code, r.json()) == (400, {"error": "since.invalid", "detail": words})
    assert await _close_of(f"{srv.ws}/api/sessions/{s.id}/live?token={s.public}&since=99999999999999999999") == (4400, words)


async def test_since_given_twice_is_refused_on_events_and_live(srv):
    """since=1&since=2 is 400 since.invalid on events and 4400 on the live stream, with the same words: which was meant?"""
    s = srv.create(small_agenda())
    s.ok(s.chair, type="session.open")
    r = srv.http.get(f"/api/sessions/{s.id}/events?since=1&since=2", headers={"Authorization": f"Bearer {s.public}"})
    assert (r.status_code, r.json()) == (400, {"error": "since.invalid", "detail": "'since' is given 2 times; give it once"})
    url = f"{srv.ws}/api/sessions/{s.id}/live?token={s.public}&since=1&since=2"
    assert await _close_of(url) == (4400, "'since' is given 2 times; give it once")


def test_a_command_sent_as_text_plain_is_415_and_changes_nothing(srv):
    """A command body with Content-Type text/plain (a cross-site form can send that) is 415 content_type.unsupported, in
    English and Vietnamese, and the log does not move; without a Content-Type it is read as JSON, as before."""
    s = srv.create(small_agenda())
    r = srv.http.post(f"/api/sessions/{s.id}/commands", content=b'{"type": "session.open"}',
                      headers={"Authorization": f"Bearer {s.chair}", "Content-Type": "text/plain;charset=UTF-8"})
    assert (r.status_code, r.json()) == (415, {
        "error": "content_type.unsupported",
        "detail": "a command is sent as JSON (Content-Type: application/json), not 'text/plain' "
                  "(lệnh được gửi dưới dạng JSON (Content-Type: application/json), không phải 'text/plain')"})
    assert s.snapshot()["seq"] == 1
    r = srv.http.post(f"/api/sessions/{s.id}/commands", content=b'{"type": "session.open"}',
                      headers={"Authorization": f"Bearer {s.chair}"})
    assert (r.status_code, r.json()["seq"]) == (200, 2)


def _known(srv) -> int:
    from tests.support import ADMIN

    return srv.http.get("/api/status", headers={"Authorization": f"Bearer {ADMIN}"}).json()["sessions"]["known"]


@pytest.mark.parametrize("name, content_type, body, status, answer", [
    ("text-plain", "text/plain", json.dumps(small_agenda()).encode(), 415, {
        "error": "content_type.unsupported",
        "detail": "an agenda is sent as TOML (Content-Type: application/toml) or JSON (application/json), not 'text/plain' "
                  "(chương trình họp được gửi dưới dạng TOML (application/toml) hoặc JSON (application/json), "
                  "không phải 'text/plain')"}),
    ("a-key-given-twice", "application/json",
     json.dumps(small_agenda()).replace('"duration_min": 5', '"duration_min": 5, "duration_min": 50').encode(), 422,
     {"error": "agenda.invalid", "detail": "items[0].duration_min: this key is given twice; give it once",
      "path": "items[0].duration_min", "reason": "key.twice", "params": {}}),
    ("duration-out-of-range", "application/json",
     json.dumps(small_agenda()).replace('"duration_min": 5', '"duration_min": 1e400').encode(), 422,
     {"error": "agenda.invalid", "detail": "items[0].duration_min: number out of range", "path": "items[0].duration_min",
      "reason": "number.range", "params": {}}),
    ("duration-as-text", "application/json",  # read strictly by type, as a command's fields are
     json.dumps(small_agenda()).replace('"duration_min": 5', '"duration_min": "5"').encode(), 422,
     {"error": "agenda.invalid", "detail": "items[0].duration_min: Expected `int`, got `str`",
      "path": "items[0].duration_min", "reason": "value.type", "params": {"expected": "int", "got": "str"}}),
])
def test_hostile_agenda_body(srv, name, content_type, body, status, answer):
    """An agenda sent as text/plain is 415; one with a key given twice or a number out of range is agenda.invalid at
    that key's path (not '(file)', not the last value silently); no session is created."""
    from tests.support import ADMIN

    before = _known(srv)
    r = srv.http.post("/api/sessions", content=body, headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": content_type})
    assert (r.status_code, r.json()) == (status, answer)
    assert _known(srv) == before


async def _close_of(url: str) -> tuple[int, str]:
    async with websockets.connect(url) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    return closed.value.rcvd.code, closed.value.rcvd.reason


@pytest.mark.parametrize("raw, shown", [("\u00b2", "²"), ("%C2%B2", "²"), ("\u0663", "٣"), ("%D9%A3", "٣"),
                                        ("3%20", "3 "), ("+1", " 1")])
async def test_live_since_must_be_ascii_digits(srv, raw, shown):
    """The live stream closes 4400 naming a non-ASCII-digit since (an HTTP 500 before; '٣' was read as 3)."""
    s = srv.create(small_agenda())
    url = f"{srv.ws}/api/sessions/{s.id}/live?token={s.public}&since={raw}"
    assert await _close_of(url) == (4400, f"'since' must be a whole number >= 0, not {shown!r}")


async def test_live_since_past_the_head_has_the_same_words_as_events(srv):
    """Past the head, the live stream's 4400 reason is the events endpoint's 400 detail, word for word."""
    s = srv.create(small_agenda())
    head = s.snapshot()["seq"]
    url = f"{srv.ws}/api/sessions/{s.id}/live?token={s.public}&since={head + 5}"
    r = srv.http.get(f"/api/sessions/{s.id}/events", params={"since": head + 5},
                     headers={"Authorization": f"Bearer {s.public}"})
    assert await _close_of(url) == (4400, r.json()["detail"])


@pytest.mark.parametrize("name, prefix, people", [("plain", b"", 0), ("with-a-byte-order-mark", "\ufeff".encode(), 0),
                                                   ("after-21000-people", b"", 21_000)])
def test_a_key_given_twice_in_a_json_agenda_is_refused_however_it_is_sent(srv, name, prefix, people):
    """Not the last value kept: a mark before the JSON, or more brackets than an agenda of 89 people has
    (the scan was skipped past 20,000), once let a duplicate through with 201."""
    from tests.support import ADMIN

    agenda = small_agenda()
    agenda["people"] += [{"id": f"p{i}", "name": f"Người {i}", "voting": False} for i in range(people)]
    body = prefix + json.dumps(agenda).replace('"chair": "chu-toa"', '"chair": "thu-ky", "chair": "chu-toa"').encode()
    before = _known(srv)
    r = srv.http.post("/api/sessions", content=body, headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
    assert (r.status_code, r.json()["reason"], r.json()["path"]) == (422, "key.twice", "session.chair"), r.text
    assert _known(srv) == before


def test_an_agenda_refusal_echoes_a_key_with_its_hidden_characters_escaped_and_a_huge_value_cut(srv):
    """A key named with U+202E came back raw (a terminal printed the rest of the line reversed); a 100,000-character value came back whole, twice."""
    from tests.support import ADMIN

    agenda = small_agenda()
    agenda["a\u202eb"] = 1
    r = srv.http.post("/api/sessions", json=agenda, headers={"Authorization": f"Bearer {ADMIN}"})
    assert (r.status_code, r.json()["path"], r.json()["detail"]) == (422, "a\\u202eb", "a\\u202eb: unknown key")
    agenda = small_agenda()
    agenda["items"][1]["presenter"] = "X" * 100_000
    r = srv.http.post("/api/sessions", json=agenda, headers={"Authorization": f"Bearer {ADMIN}"})
    assert (r.status_code, r.json()["reason"], r.json()["params"]) == (422, "id.invalid", {"value": "X" * 200 + "…"})
    assert len(r.content) < 1_000
