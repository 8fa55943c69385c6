"""No spelling of a token reaches the log, at any level; unexpected errors are logged with a request id."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import httpx
import pytest
import websockets

from phienhop.server.logs import RedactTokens, redact
from tests.support import ADMIN, Server, small_agenda


def test_redact_every_spelling():
    """Query names percent-encoded (once or twice), join paths, Bearer headers and the cookie are blanked."""
    t = "AbC_123-xyz"
    lines = [
        f"GET /api/sessions/s1/live?since=0&token={t}",
        f"GET /api/sessions/s1/live?since=0&%74oken={t}",
        f"GET /api/sessions/s1/live?since=0&t%6F%6Ben={t}",
        f"GET /api/sessions/s1/live?%2574oken={t}",
        f"'raw_path': b'/join/{t}', 'query_string': b''",
        f"'path': '/%6Aoin/{t}'",
        f"Authorization: Bearer {t}",
        f"cookie: phienhop_token={t}; other=1",
    ]
    for line in lines:
        assert t not in redact(line), line
    assert redact("since=12&item=khai-mac") == "since=12&item=khai-mac"


def test_the_filter_blanks_tracebacks_too():
    """A token inside an exception's message is blanked in the formatted traceback as well."""
    try:
        raise KeyError("/join/SECRETTOKEN1")
    except KeyError as exc:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed: %s", ("token=SECRETTOKEN2",),
                                   (type(exc), exc, exc.__traceback__))
    RedactTokens().filter(record)
    text = logging.Formatter().format(record)
    assert "SECRETTOKEN1" not in text and "SECRETTOKEN2" not in text
    assert "failed: token=***" in text


@pytest.fixture
def traced(tmp_path):
    srv = Server(tmp_path / "phienhop.db", "--no-sample", "--log-level", "trace").start()
    yield srv
    srv.kill()


async def _live(url: str) -> dict:
    async with websockets.connect(url) as ws:
        return __import__("json").loads(await asyncio.wait_for(ws.recv(), 10))


async def test_no_token_in_a_trace_level_log(traced):
    """Every way a token can travel, used once at trace level: the log never spells any of them."""
    session = traced.create(small_agenda())
    tokens = [session.public, session.chair, session.person("tv-1"), session.point("tra-vinh"), ADMIN]
    base = f"{traced.ws}/api/sessions/{session.id}/live?since=0"
    assert (await _live(f"{base}&token={session.public}"))["type"] == "session.created"
    assert (await _live(f"{base}&%74oken={session.person('tv-1')}"))["type"] == "session.created"
    with httpx.Client(base_url=traced.base) as client:
        r = client.get(f"/join/{session.point('tra-vinh')}")
        assert r.status_code == 303
        r = client.get(f"/%6Aoin/{session.chair}")
        assert r.status_code == 303
        client.cookies.set("phienhop_token", session.chair)
        assert client.get(f"/api/sessions/{session.id}").status_code == 200
        assert client.get(f"/api/sessions/{session.id}?token={session.chair}",
                          headers={"Authorization": f"Bearer {ADMIN}"}).status_code == 200
    text = traced.output.read_text(encoding="utf-8", errors="replace")
    assert "Started scope" in text  # really at trace level: uvicorn logged the scopes
    leaked = [t for t in tokens if t in text]
    assert leaked == []


def test_an_unexpected_error_is_logged_with_its_request_id_at_the_default_level(tmp_path):
    """A final PDF missing from the store: 500 in our shape with a request id, and that id in the log."""
    server = Server(tmp_path / "phienhop.db").start()
    try:
        s = server.create(small_agenda())
        s.ok(s.chair, type="session.open")
        s.ok(s.chair, type="session.close")
        s.ok(s.secretary, type="minutes.finalize")
        server.stop()
        with sqlite3.connect(tmp_path / "phienhop.db") as db:
            db.execute("DELETE FROM minutes")
        server.start()
        r = server.http.get(f"/api/sessions/{s.id}/minutes.pdf", headers={"Authorization": f"Bearer {s.secretary}"})
        assert r.status_code == 500
        body = r.json()
        request_id = body["request_id"]
        assert body == {"error": "internal", "request_id": request_id,
                        "detail": f"an unexpected error on the server; it is logged as request {request_id}"}
        assert r.headers["x-request-id"] == request_id
        server.stop()
        log = server.output.read_text()
        line = next(l for l in log.splitlines() if request_id in l)
        assert line == (f"ERROR:     phienhop: request {request_id}: GET /api/sessions/{s.id}/minutes.pdf failed: "
                        f"RuntimeError: session {s.id}: minutes finalized but no PDF stored; run 'phienhop verify'")
        assert "Traceback (most recent call last)" in log
    finally:
        server.kill()
