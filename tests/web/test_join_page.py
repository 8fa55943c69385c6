"""A wrong join link opened in a browser shows a readable page in Vietnamese and English, not raw JSON."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .room import DESKTOP, PHONE, check_axe, shoot
from .test_room import browser  # noqa: F401  (browser: the module's Chromium fixture)

pytestmark = pytest.mark.browser


def test_a_wrong_join_link_shows_a_page_in_vi_and_en(browser, srv):  # noqa: F811
    """Chromium opening /join/<wrong> gets status 404 and reads the refusal and what to do, in vi and en; no axe violation."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        response = page.goto(f"{srv.base}/join/this-link-was-revoked")
        assert response.status == 404
        expect(page.locator("h1")).to_have_text(["Liên kết tham gia không hợp lệ", "This join link is not valid"])
        expect(page.locator("main")).to_contain_text("đề nghị người quản trị cấp liên kết mới")
        expect(page.locator("main")).to_contain_text("ask the session's admin for a new one")
        assert page.locator("body").inner_text().count("{") == 0  # no JSON shown
        assert page.locator("section[lang=en]").count() == 1
        check_axe(page, "join refused")
        shoot(page, "join-refused")
        page.set_viewport_size(PHONE)
    finally:
        context.close()
