"""GET /api/sessions/{id}/drafts/{item}: the draft put to the vote, as a page (raw HTML escaped) or as Markdown."""

from __future__ import annotations

from ..support import small_agenda

EVIL = "# Điều 1\n\nVăn bản <script>alert(1)</script> và [liên kết](javascript:alert(2)).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"


def agenda_with_draft() -> dict:
    agenda = small_agenda()
    agenda["items"][1]["draft_text"] = EVIL
    return agenda


def test_draft_is_a_page_with_raw_html_escaped(srv):
    """The draft renders as HTML with a strict CSP; a <script> in it is text and a javascript: link is dropped."""
    session = srv.create(agenda_with_draft())
    r = srv.http.get(f"/api/sessions/{session.id}/drafts/du-thao", headers={"Authorization": f"Bearer {session.person('tv-1')}"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"].startswith("default-src 'none'; style-src 'self'")
    page = r.text
    assert '<p class="item-title">Thông qua dự thảo</p>' in page  # the draft's own "# …" is the page's one h1
    assert "<h1>Điều 1</h1>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert 'href="javascript:' not in page and "[liên kết](javascript:alert(2))" in page  # left as text
    assert "<td>1</td>" in page


def test_draft_as_markdown_and_the_snapshot_without_it(srv):
    """?format=md gives the Markdown as sent; the snapshot lists the item in ``drafts`` but carries no text."""
    session = srv.create(agenda_with_draft())
    r = srv.http.get(f"/api/sessions/{session.id}/drafts/du-thao", params={"format": "md"},
                     headers={"Authorization": f"Bearer {session.public}"})
    assert (r.status_code, r.headers["content-type"], r.text) == (200, "text/markdown; charset=utf-8", EVIL)
    state = session.snapshot()["state"]
    assert state["drafts"] == ["du-thao"]
    assert [i["draft_text"] for i in state["agenda"]["items"]] == ["", ""]


def test_no_draft_and_unknown_item_are_404(srv):
    """An item without a draft is 404 draft.none; an unknown item is 404 item.unknown; a stranger is 401."""
    session = srv.create(agenda_with_draft())
    auth = {"Authorization": f"Bearer {session.public}"}
    r = srv.http.get(f"/api/sessions/{session.id}/drafts/khai-mac", headers=auth)
    assert (r.status_code, r.json()) == (404, {"error": "draft.none", "detail": "item 'khai-mac' has no draft",
                                               "params": {"item": "khai-mac"}})
    r = srv.http.get(f"/api/sessions/{session.id}/drafts/khong-co", headers=auth)
    assert (r.status_code, r.json()["error"]) == (404, "item.unknown")
    assert srv.http.get(f"/api/sessions/{session.id}/drafts/du-thao").status_code == 401
