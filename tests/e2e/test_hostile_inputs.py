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


@pytest.mark.parametrize("raw", ["\u00b2", "\u0663", "%C2%B2", "%D9%A3", "1e3", "-1", "", "99999999999999999999"])
def test_events_since_must_be_ascii_digits(srv, raw):
    """Superscripts, Arabic-Indic digits and other non-numbers in events?since= are a 400, never a 500 or a 3."""
    s = srv.create(small_agenda())
    r = srv.http.get(f"/api/sessions/{s.id}/events?since={raw}", headers={"Authorization": f"Bearer {s.public}"})
    assert r.status_code == 400
    assert r.json()["error"] in ("invalid", "since.invalid")


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
