"""Times on the pages are on the session's clock, whatever zone the browser is in."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from .test_pages import browser, pages, server  # noqa: F401  (fixtures)
from ..support import small_agenda

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("browser_zone, offset", [("America/Los_Angeles", "+07:00"), ("Asia/Tokyo", "-03:30")])
def test_chair_page_shows_session_times_not_browser_times(pages, server, browser_zone, offset):  # noqa: F811
    """A browser in another zone shows the opening and an item's start at the session's wall-clock time."""
    agenda = small_agenda()
    agenda["session"]["starts_at"] = f"2021-11-30T14:00:00{offset}"
    session = server.create(agenda)
    session.ok(session.chair, type="session.open")
    session.ok(session.chair, type="item.start", item="khai-mac")
    events = {e["type"]: dt.datetime.fromisoformat(e["at"]) for e in session.events(token=session.chair)}
    opened, started = events["session.opened"], events["item.started"]
    assert str(opened.utcoffset()) == str(dt.datetime.fromisoformat(agenda["session"]["starts_at"]).utcoffset())
    chair = pages.join(session.chair, "chair", timezone_id=browser_zone)
    assert chair.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == browser_zone
    expect(chair.locator("main")).to_contain_text(f"Khai mạc lúc {opened:%H:%M}")
    expect(chair.locator("main")).to_contain_text(f"{started:%H:%M}")
    wrong = opened.astimezone(dt.timezone(chair.evaluate("-new Date().getTimezoneOffset()") * dt.timedelta(minutes=1)))
    assert f"Khai mạc lúc {wrong:%H:%M}" not in chair.locator("main").inner_text()
