"""The live endpoint's hygiene: auth at connect, documented close codes, a cap on inbound messages."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from ..support import ADMIN, Server, small_agenda


@pytest.fixture(scope="module")
def live_server(srv):
    return srv


async def _close_of(url: str, headers: dict | None = None, send: str | None = None) -> tuple[int, str]:
    """Connect, optionally send one message, and return the close code and reason the server sent."""
    async with connect(url, additional_headers=headers, open_timeout=10, max_size=2**24) as ws:
        if send is not None:
            await ws.send(send)
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as exc:
            return exc.rcvd.code, exc.rcvd.reason


def _url(srv: Server, session: str, query: str) -> str:
    return f"{srv.ws}/api/sessions/{session}/live?{query}"


async def test_refusals_carry_their_documented_close_codes(live_server):
    """No token 4401, unknown token 4401, another session's token 4403, unknown session 4404, bad since 4400."""
    one, other = live_server.create(small_agenda()), live_server.create(small_agenda())
    cases = [
        ("", 4401, "no token: send 'Authorization: Bearer <token>' or open your join link"),
        ("token=nope", 4401, "unknown token: check the link or ask the admin for a new one"),
        (f"token={other.public}", 4403, f"this token is not for session '{one.id}'"),
        (f"token={one.public}&since=x", 4400, "'since' must be a whole number >= 0, not 'x'"),
        (f"token={one.public}&since=99", 4400, "'since' is 99 but the log ends at seq 1"),
    ]
    for query, code, reason in cases:
        assert await _close_of(_url(live_server, one.id, query)) == (code, reason), query
    assert await _close_of(_url(live_server, "nosuch", f"token={ADMIN}")) == (4404, "no session 'nosuch'")


async def test_a_cookie_from_another_site_is_refused(live_server):
    """The session cookie with a foreign Origin closes with 4403 (no cross-site WebSocket hijacking)."""
    s = live_server.create(small_agenda())
    headers = {"Cookie": f"phienhop_token={s.public}", "Origin": "http://evil.example"}
    assert await _close_of(_url(live_server, s.id, "since=0"), headers) == (
        4403, "cross-site WebSocket refused: the Origin is not this server")


async def test_an_inbound_message_over_16_kib_closes_with_1009(live_server):
    """Followers only listen: a message over 16 KiB is refused with close code 1009."""
    s = live_server.create(small_agenda())
    code, _ = await _close_of(s.live_url(), send="x" * (16 * 1024 + 1))
    assert code == 1009


async def test_a_small_inbound_message_is_ignored(live_server):
    """A small message from a follower is read and ignored; the stream goes on."""
    s = live_server.create(small_agenda())
    async with connect(s.live_url(), open_timeout=10) as ws:
        assert '"seq":1' in await ws.recv()
        await ws.send("hello")
        s.ok(s.chair, type="session.open")
        assert '"type":"session.opened"' in await ws.recv()
