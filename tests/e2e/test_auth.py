"""Tokens, roles, the join cookie and its Origin checks, over HTTP and WebSocket on a real server."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from tests.support import ADMIN, Server, small_agenda

from .wsread import Follower, refused

EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def two(srv):
    """Two sessions on the same server: ``a`` and ``b``."""
    return srv.create(small_agenda()), srv.create(small_agenda())


def body(r: httpx.Response) -> tuple[int, str, str]:
    data = r.json()
    return r.status_code, data["error"], data["detail"]


def snapshot_with(srv, session_id: str, headers: dict) -> httpx.Response:
    return srv.http.get(f"/api/sessions/{session_id}", headers=headers)


def test_missing_token_is_401(srv, two):
    """No token at all is 401 with a detail saying how to send one."""
    a, _ = two
    assert body(snapshot_with(srv, a.id, {})) == (
        401, "unauthorized", "no token: send 'Authorization: Bearer <token>' or open your join link")


def test_unknown_token_is_401(srv, two):
    """A token the server never issued is 401."""
    a, _ = two
    assert body(snapshot_with(srv, a.id, {"Authorization": "Bearer not-a-token"})) == (
        401, "unauthorized", "unknown token: check the link or ask the admin for a new one")


def test_malformed_authorization_is_401(srv, two):
    """An Authorization header that is not Bearer is 401 saying the expected form."""
    a, _ = two
    assert body(snapshot_with(srv, a.id, {"Authorization": f"Basic {a.chair}"})) == (
        401, "unauthorized", "Authorization header must be 'Bearer <token>'")


def test_token_of_another_session_is_403(srv, two):
    """Session b's chair can neither read nor command session a."""
    a, b = two
    assert body(snapshot_with(srv, a.id, {"Authorization": f"Bearer {b.chair}"})) == (
        403, "forbidden", f"this token is not for session '{a.id}'")
    seq = a.snapshot()["seq"]
    assert body(a.command(b.chair, type="session.open")) == (403, "forbidden", f"this token is not for session '{a.id}'")
    assert a.snapshot()["seq"] == seq


def test_wrong_role_is_403(srv, two):
    """A member starting an item is 403 forbidden naming the chair, and nothing changes."""
    a, _ = two
    seq = a.snapshot()["seq"]
    assert body(a.command(a.person("tv-1"), type="item.start", item="khai-mac")) == (
        403, "forbidden", "item.start is for the chair, not a person token")
    assert a.snapshot()["seq"] == seq


def test_the_admin_token_refused_a_member_command_reads_an_admin(srv, two):
    """The admin token casting a vote is 403 with the article its role takes: 'not an admin token'."""
    from ..support import ADMIN

    a, _ = two
    seq = a.snapshot()["seq"]
    assert body(a.command(ADMIN, type="vote.cast", poll="p1", choice="yes")) == (
        403, "forbidden", "vote.cast is for the member themself, not an admin token")
    assert a.snapshot()["seq"] == seq


def test_only_admin_creates_sessions(srv, two):
    """POST /api/sessions with a chair token is 403."""
    a, _ = two
    r = srv.http.post("/api/sessions", json=small_agenda(), headers={"Authorization": f"Bearer {a.chair}"})
    assert body(r) == (403, "forbidden", "this needs the admin token")


def test_minutes_only_for_chair_and_secretary(srv, two):
    """A member asking for the minutes PDF is 403."""
    a, _ = two
    r = srv.http.get(f"/api/sessions/{a.id}/minutes.pdf", headers={"Authorization": f"Bearer {a.person('tv-1')}"})
    assert body(r) == (403, "forbidden", "this is for the chair, secretary, admin; a person token may not")


@pytest.mark.parametrize("role, page", [("chair", "chair"), ("secretary", "secretary"), ("member", "member"),
                                        ("point", "point"), ("public", "point")])
def test_join_sets_strict_cookie_and_redirects(srv, two, role, page):
    """GET /join/{token} answers 303 to the role's page (naming its cookie, not the token) with its own HttpOnly, SameSite=Strict cookie."""
    a, _ = two
    token = {"chair": a.chair, "secretary": a.secretary, "member": a.person("tv-1"), "point": a.point("tra-vinh"),
             "public": a.public}[role]
    r = srv.http.get(f"/join/{token}")
    assert r.status_code == 303
    key = hashlib.sha256(token.encode()).hexdigest()[:16]
    assert r.headers["location"] == f"/web/{page}.html?session={a.id}&as={key}"
    assert token not in r.headers["location"]
    [cookie] = r.headers.get_list("set-cookie")
    attributes = [part.strip().lower() for part in cookie.split(";")]
    assert attributes[0] == f"phienhop_{key}={token}".lower()
    assert "httponly" in attributes and "samesite=strict" in attributes and "path=/" in attributes


def test_join_with_unknown_token_is_404(srv):
    """A join link with an unknown token is 404 and sets no cookie."""
    r = srv.http.get("/join/not-a-token")
    assert r.status_code == 404 and "set-cookie" not in r.headers
    assert r.json()["error"] == "join.invalid" and r.json()["detail"].startswith("This join link is not valid")


def cookie_post(srv, session, token: str, origin: str | None) -> httpx.Response:
    headers = {"Cookie": f"phienhop_token={token}", **({"Origin": origin} if origin else {})}
    return srv.http.post(f"/api/sessions/{session.id}/commands", json={"type": "session.open"}, headers=headers)


def test_cookie_command_needs_same_origin(srv):
    """A command carried by the cookie is refused without our Origin or with another, and accepted with ours."""
    s = srv.create(small_agenda())
    refusal = (403, "forbidden", "cross-site request refused: the Origin is not this server")
    assert body(cookie_post(srv, s, s.chair, None)) == refusal
    assert body(cookie_post(srv, s, s.chair, EVIL)) == refusal
    assert body(cookie_post(srv, s, s.chair, f"http://127.0.0.1:{srv.port + 1}")) == refusal
    assert s.snapshot()["seq"] == 1
    ok = cookie_post(srv, s, s.chair, f"http://127.0.0.1:{srv.port}")
    assert ok.status_code == 200, ok.text
    assert [e["type"] for e in ok.json()["events"]] == ["session.opened"]
    assert s.snapshot()["seq"] == 2


def test_cookie_reads_need_no_origin(srv, two):
    """A GET carried by the cookie alone is allowed: reads change nothing."""
    a, _ = two
    r = snapshot_with(srv, a.id, {"Cookie": f"phienhop_token={a.public}"})
    assert r.status_code == 200 and r.json()["seq"] >= 1


def test_websocket_refusals(srv, two):
    """WebSocket: a bad or missing token closes with 4401, a foreign token or cookie from another site with 4403."""
    a, b = two
    live = f"{srv.ws}/api/sessions/{a.id}/live"
    assert refused(f"{live}?token=not-a-token") == (
        4401, "unknown token: check the link or ask the admin for a new one")
    assert refused(live) == (4401, "no token: send 'Authorization: Bearer <token>' or open your join link")
    assert refused(f"{live}?token={b.public}") == (4403, f"this token is not for session '{a.id}'")
    cookie = {"Cookie": f"phienhop_token={a.public}"}
    assert refused(live, additional_headers=cookie, origin=EVIL) == (
        4403, "cross-site WebSocket refused: the Origin is not this server")
    assert refused(f"{srv.ws}/api/sessions/khong-co/live?token={ADMIN}") == (4404, "no session 'khong-co'")
    assert refused(f"{live}?token={a.public}&since=-1") == (4400, "'since' must be a whole number >= 0, not '-1'")


def test_websocket_cookie_same_origin_follows(srv, two):
    """A WebSocket carried by the cookie from our own Origin gets the log."""
    a, _ = two
    with Follower(f"{srv.ws}/api/sessions/{a.id}/live", additional_headers={"Cookie": f"phienhop_token={a.public}"},
                  origin=f"http://127.0.0.1:{srv.port}") as follower:
        assert follower.until(1)[0]["type"] == "session.created"


def test_tokens_never_in_server_log(srv, two):
    """After every kind of use and misuse, no token of any session appears in the server's output."""
    a, b = two
    for s in (a, b):
        tokens = [s.chair, s.secretary, s.public, *s.tokens["people"].values(), *s.tokens["points"].values()]
        for token in tokens[:4]:
            srv.http.get(f"/join/{token}")
            with Follower(s.live_url(token=token)) as follower:
                follower.until(1)
        s.command(s.person("tv-1"), type="item.start", item="khai-mac")
        srv.http.post(f"/api/sessions/{s.id}/commands", content=b"{", headers={"Authorization": f"Bearer {s.chair}"})
    refused(f"{a.live_url(token=b.chair)}")
    log = srv.output.read_text(encoding="utf-8", errors="replace")
    for s in (a, b):
        for token in [s.chair, s.secretary, s.public, *s.tokens["people"].values(), *s.tokens["points"].values()]:
            assert token not in log
    assert ADMIN not in log


def test_cookie_command_from_the_public_url_is_accepted_behind_a_proxy(tmp_path):
    """Behind a proxy that rewrites Host, a cookie command whose Origin is PHIENHOP_PUBLIC_URL passes."""
    srv = Server(tmp_path / "proxy.db", "--no-sample", "--public-url", "https://hop.example.vn").start()
    try:
        session = srv.create(small_agenda())
        base = {"Cookie": f"phienhop_token={session.chair}", "Host": "backend:8000"}
        refused = srv.http.post(f"/api/sessions/{session.id}/commands", json={"type": "session.open"},
                                headers={**base, "Origin": "https://evil.example"})
        assert refused.status_code == 403
        assert refused.json()["detail"] == "cross-site request refused: the Origin is not this server"
        accepted = srv.http.post(f"/api/sessions/{session.id}/commands", json={"type": "session.open"},
                                 headers={**base, "Origin": "https://hop.example.vn"})
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["seq"] == 2
    finally:
        srv.kill()


def test_no_token_reaches_the_log_even_at_info_level(tmp_path):
    """At --log-level info uvicorn logs WebSocket paths; a ?token= and a /join/ token come out as ***."""
    import asyncio

    import websockets

    srv = Server(tmp_path / "info.db", "--no-sample", "--log-level", "info").start()
    try:
        s = srv.create(small_agenda())
        assert srv.http.get(f"/join/{s.point('tra-vinh')}", follow_redirects=False).status_code == 303

        async def follow():
            async with websockets.connect(s.live_url(s.public)) as ws:
                assert '"seq":1' in await ws.recv()

        asyncio.run(follow())
    finally:
        srv.stop()
    log = srv.output.read_text(encoding="utf-8")
    assert "token=***" in log  # the line is there, its token is not
    tokens = [s.chair, s.secretary, s.public, *s.tokens["people"].values(), *s.tokens["points"].values()]
    assert [t for t in tokens if t in log] == []


def test_each_tab_reads_its_own_cookie(srv, two):
    """With two join cookies in one browser, ``as=`` / X-Phienhop-As picks the tab's own; a missing one is 401, never another role."""
    a, _ = two
    member = a.person("tv-1")
    keys = {t: hashlib.sha256(t.encode()).hexdigest()[:16] for t in (a.chair, member)}
    jar = "; ".join(f"phienhop_{k}={t}" for t, k in keys.items())
    me = lambda **kw: srv.http.get("/api/me", **kw)  # noqa: E731
    assert me(headers={"Cookie": jar, "X-Phienhop-As": keys[a.chair]}).json()["role"] == "chair"
    assert me(headers={"Cookie": jar}, params={"as": keys[member]}).json()["role"] == "person"
    gone = me(headers={"Cookie": f"phienhop_{keys[member]}={member}", "X-Phienhop-As": keys[a.chair]})
    assert body(gone) == (401, "unauthorized", "this tab's join cookie is gone: open your join link again")
