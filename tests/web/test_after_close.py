"""What the pages show once the session is closed: items never started read "not taken up" (as the minutes say),
the member keeps the vote receipt and sees each poll's result and a summary, and nobody is offered the floor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .room import until
from .test_room import QUY_CHE, VOTERS, Room, browser  # noqa: F401  (browser: the module's Chromium fixture)

pytestmark = pytest.mark.browser

NEVER_STARTED = ["khai-mac", "ke-hoach-2022", "tham-luan", "ket-luan"]


@pytest.fixture
def room(browser, srv):  # noqa: F811
    opened = Room(browser, srv)
    yield opened
    for context in opened.contexts:
        context.close()
    assert not opened.errors, opened.errors


def test_items_never_taken_up_say_so_after_the_close(room):
    """After a close with only quy-che held, the chair's and secretary's agendas tag the other four items "Không được
    xem xét" (in English "Not taken up") and quy-che "Đã xong"; none reads "Chưa bắt đầu"."""
    s = room.session
    room.ok(type="session.open")
    room.mark(VOTERS[:9])
    room.ok(type="item.start", item="quy-che")
    room.ok(type="item.end", item="quy-che")
    chair, secretary = room.open(s.chair, "chair"), room.open(s.secretary, "secretary")
    for page in (chair, secretary):
        expect(page.locator('[data-item="khai-mac"] .tag-pending')).to_have_text("Chưa bắt đầu")
    room.ok(type="session.close")
    for page in (chair, secretary):
        until(page, "document.querySelectorAll('.tag-not_taken').length === 4")
        for item in NEVER_STARTED:
            expect(page.locator(f'[data-item="{item}"] .tag-not_taken')).to_have_text("Không được xem xét")
        expect(page.locator('[data-item="quy-che"] .tag-done')).to_have_text("Đã xong")
        assert page.locator(".tag-pending").count() == 0
        page.click("#lang")
        until(page, "document.documentElement.lang === 'en'")
        expect(page.locator(".tag-not_taken")).to_have_text(["Not taken up"] * 4)
