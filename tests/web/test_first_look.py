"""What a newcomer sees first: the root page in Vietnamese even in an English browser, the member's name above (and
larger than) a long position, the chair's agenda buttons in the same place for every item."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .room import PHONE, boxes, check_axe, shoot
from .test_room import browser, room  # noqa: F401  (browser, room: the module's Chromium and the reference session's room)

pytestmark = pytest.mark.browser


def test_the_root_page_opens_in_vietnamese_in_an_english_browser(room):
    """/ in a Chromium set to en-US reads Vietnamese first (lang vi, the Vietnamese lead), English one click away."""
    page = room.context(locale="en-US").new_page()
    page.goto(f"{room.srv.base}/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator(".landing .big")).to_have_text("Để tham gia phiên họp, hãy mở liên kết tham gia riêng mà bạn được gửi.")
    page.click("#lang")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check_axe(page, "root")


def test_the_member_phone_shows_the_name_first_and_larger(room):
    """On a 390x844 phone the member's name sits above the position and in a larger type."""
    page = room.open(room.session.person("to-lam"), "member")
    page.set_viewport_size(PHONE)
    expect(page.locator("#title")).to_have_text("Tô Lâm")
    name, role = boxes(page, "#title")[0], boxes(page, "#role")[0]
    assert name[3] <= role[1], f"name {name} is not above the position {role}"
    sizes = page.evaluate("[getComputedStyle(document.getElementById('title')).fontSize, getComputedStyle(document.getElementById('role')).fontSize]")
    assert float(sizes[0].rstrip("px")) > float(sizes[1].rstrip("px")), sizes
    shoot(page, "member-first-look")


def test_the_chair_agenda_buttons_sit_under_every_title(room):
    """Before the session opens every agenda item's buttons start on their own line under its title, short or long."""
    page = room.open(room.session.chair, "chair")
    heads = page.eval_on_selector_all("#agenda li[data-item]", """lis => lis.map((li) => {
        const title = li.querySelector('.item-title').getBoundingClientRect();
        const buttons = li.querySelector('.item-head .row button');
        return buttons ? [li.dataset.item, buttons.getBoundingClientRect().top >= title.bottom - 1] : null; }).filter(Boolean)""")
    assert len(heads) == 5 and all(below for _, below in heads), heads
    shoot(page, "chair-first-look")
