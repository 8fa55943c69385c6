"""A join link made of the admin token opens no page and says so (it was a 500)."""

from __future__ import annotations

import re

from ..support import ADMIN, Server

ADMIN_TEXT = ("This is the admin token: it opens no page (Đây là mã quản trị: không mở trang nào). "
              "Use it in the Authorization header, or with phienhop create.")


def test_join_with_the_stored_admin_token_is_400_not_500(tmp_path):
    """The admin token generated at first start, used as a join link, is 400 in our error shape and no cookie."""
    server = Server(tmp_path / "a.db", "--no-sample", env={"PHIENHOP_ADMIN_TOKEN": ""}).start()
    try:
        token = re.search(r"admin token \(shown once; keep it, or set PHIENHOP_ADMIN_TOKEN\): (\S+)",
                          server.output.read_text()).group(1)
        r = server.http.get(f"/join/{token}")
        assert (r.status_code, r.json(), r.headers["content-type"]) == (
            400, {"error": "join.admin_token", "detail": ADMIN_TEXT}, "application/json")
        assert "set-cookie" not in r.headers
    finally:
        server.stop()


def test_join_with_the_configured_admin_token_says_the_same(server):
    """PHIENHOP_ADMIN_TOKEN as a join link gets the same 400 answer, not 'not valid'."""
    r = server.http.get(f"/join/{ADMIN}")
    assert (r.status_code, r.json(), r.headers["content-type"]) == (
        400, {"error": "join.admin_token", "detail": ADMIN_TEXT}, "application/json")
    assert "set-cookie" not in r.headers


def test_join_with_an_unknown_token_is_our_json_404(server):
    """A join link that matches no token is 404 in our error shape, one plain Content-Type, no cookie."""
    r = server.http.get("/join/not-a-real-token")
    assert (r.status_code, r.json(), r.headers["content-type"]) == (404, {
        "error": "join.invalid",
        "detail": "This join link is not valid (Liên kết tham gia không hợp lệ). Ask the session's admin for a new one."},
        "application/json")
    assert "set-cookie" not in r.headers


def test_join_refusals_are_a_readable_page_to_a_browser(server):
    """With Accept: text/html an unknown link is 404 and the admin token 400, each an HTML page in vi then en, no cookie."""
    html = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    r = server.http.get("/join/not-a-real-token", headers=html)
    assert (r.status_code, r.headers["content-type"]) == (404, "text/html; charset=utf-8")
    assert "<h1 id=\"vi-title\">Liên kết tham gia không hợp lệ</h1>" in r.text
    assert "<h1 id=\"en-title\">This join link is not valid</h1>" in r.text
    assert "set-cookie" not in r.headers
    r = server.http.get(f"/join/{ADMIN}", headers=html)
    assert (r.status_code, r.headers["content-type"]) == (400, "text/html; charset=utf-8")
    assert "Đây là mã quản trị, không phải liên kết tham gia" in r.text and "This is the admin token, not a join link" in r.text
