"""Unbroken user text (a conclusion of 20,000 × "Ủ", a long note) wraps inside its panel on every page: no page
grows wider than the window at 1920x1080 or 390x844."""

from __future__ import annotations

import pytest

from .room import DESKTOP, PHONE, SHOTS, until
from .test_room import VOTERS, browser, room  # noqa: F401  (browser, room: the module's Chromium and the reference session's room)

pytestmark = pytest.mark.browser

HUGE = "Ủ" * 20000


def wide_parts(page) -> list[str]:
    """The elements that reach past the window's right edge (tag.class and width), for the failure message."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > innerWidth + 1)
        .slice(0, 6).map((e) => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().width)}`)""")


def test_an_unbroken_conclusion_wraps_on_every_page_at_both_sizes(room):
    """After the chair records a 20,000-letter conclusion without a space (and a note, an absence reason, an added
    item's title, a deputy's name and position of the longest allowed, none with a space), the chair, secretary,
    point and public pages are no wider than the window (the page never scrolls sideways) at 1920x1080 and 390x844."""
    s = room.session
    room.ok(type="session.open")
    room.mark(VOTERS[:9])
    room.ok(type="item.start", item="quy-che")
    room.ok(type="conclusion.record", item="quy-che", text=HUGE)
    # The same kind of text everywhere else people type or the agenda brings: a note, an absence reason, an added
    # item's title (the longest allowed), a deputy's name and position.
    room.ok(s.secretary, type="note.record", item="quy-che", text=HUGE)
    room.ok(type="attendance.mark", person="nguyen-thi-hong", status="absent", reason="Ư" * 500)
    room.ok(type="item.add", item={"id": "bo-sung-1", "title": "Ơ" * 2000, "duration_min": 10})
    room.ok(type="deputy.assign", person="nguyen-thanh-long", name="Ă" * 200, position="Â" * 500)
    pages = {"chair": room.open(s.chair, "chair"), "secretary": room.open(s.secretary, "secretary"),
             "point": room.open(s.point("ha-noi"), "point"), "public": room.open(s.public, "public")}
    until(pages["chair"], f"document.body.textContent.includes('{HUGE[:200]}')")
    until(pages["secretary"], f"document.body.textContent.includes('{HUGE[:200]}')")
    for name, page in pages.items():
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"long-conclusion-{name}-{size['width']}x{size['height']}.png"))
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= size["width"], f"{name} at {size['width']}x{size['height']}: {wide} px wide {wide_parts(page)}"
