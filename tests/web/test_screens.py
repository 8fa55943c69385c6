"""What the projector, the chair's phone and the browser tab show on the reference session (89 people,
85 points) with long Vietnamese titles and names: labelled clocks, a title that keeps its room, a speaker
on one line, the chair's phone opening on the live controls, one count of connection points, a favicon."""

from __future__ import annotations

import re

import httpx
import msgspec
import pytest
from playwright.sync_api import expect

from phienhop.server.agendas import load_agenda_file

from ..support import REFERENCE
from .room import DESKTOP, PHONE, assert_in_view, boxes, check_axe, shoot, until
from .test_room import VOTERS, browser, live, room  # noqa: F401  (browser, room: the module's Chromium and the reference session's room)

pytestmark = pytest.mark.browser

LONG_TITLE = ("Thông qua dự thảo Quy chế hoạt động của Ủy ban Quốc gia về chuyển đổi số và Kế hoạch triển khai "
              "Chiến lược phát triển chính phủ số giai đoạn 2021–2025, định hướng đến năm 2030")
LONG_NAME = "Tôn Nữ Thị Phương Huyền Trang"  # at the point with the longest name
LONG_LABEL = f"{LONG_NAME} — Điểm cầu Bộ Nông nghiệp và Phát triển nông thôn"


def long_agenda() -> dict:
    """The reference agenda (all its people and points) with a long item title, a 10-hour item and a long name."""
    loaded, _ = load_agenda_file(REFERENCE)
    agenda = msgspec.to_builtins(loaded)
    item = next(i for i in agenda["items"] if i["id"] == "quy-che")
    item["title"], item["duration_min"] = LONG_TITLE, 600
    person = next(p for p in agenda["people"] if p["id"] == "le-minh-hoan")
    assert person["point"] == "bo-nong-nghiep-va-phat-trien-nong-thon"
    person["name"] = LONG_NAME
    return agenda


def box(page, selector: str) -> tuple[float, float, float, float]:
    found = boxes(page, selector)
    assert len(found) == 1, f"{selector}: {len(found)} shown"
    return found[0]


def title_keeps_its_room(page, name: str) -> None:
    """The item title is at least 55% of the screen wide, shows every line (nothing cut), and the clock sits beside it."""
    title, clock = box(page, ".stage .item-now"), box(page, ".stage .clock .countdown")
    assert title[2] - title[0] >= 0.55 * DESKTOP["width"], f"{name}: the title is {title[2] - title[0]:.0f} px wide"
    assert title[2] <= clock[0], f"{name}: title {title} runs under the clock {clock}"
    wide, shown, tall, room = page.eval_on_selector(".stage .item-now", "e => [e.scrollWidth, e.clientWidth, e.scrollHeight, e.clientHeight]")
    assert wide <= shown and tall <= room + 1, f"{name}: the title is clipped ({wide}x{tall} in {shown}x{room})"  # +1: rounding
    stage = box(page, ".stage")
    assert title[3] <= stage[3], f"{name}: the title runs below the stage {stage}"
    assert_in_view(page, ".stage .item-now", ".stage .clock .countdown", ".stage .clock-label")


def test_the_projector_labels_its_clocks_and_keeps_long_titles_and_names_readable(room):
    """Item clock and speaker clock carry distinct visible labels (vi, en); a long title keeps its width next to a
    10-hour clock and an overrun; a long speaker name stays on one line, its full text in the title."""
    s = room.session = room.srv.create(long_agenda())
    screen = room.open(s.public, "public")
    room.ok(type="session.open")
    room.mark(VOTERS[:12], "online")
    room.ok(type="item.start", item="quy-che")
    expect(screen.locator(".stage .item-now")).to_have_text(LONG_TITLE)
    expect(screen.locator(".stage .clock-label")).to_have_text("Nội dung còn lại")
    expect(screen.locator(".stage .clock .countdown")).to_have_text(re.compile(r"^(10:00:00|9:59:[0-5]\d)$"))
    title_keeps_its_room(screen, "10-hour clock")

    # A speaker with a time limit: the speaker's own clock and the time on the floor, each labelled apart from the item's.
    request = room.ok(s.person("le-minh-hoan"), type="speaker.request", item="quy-che")["events"][0]["request"]
    room.ok(type="speaker.grant", request=request, limit_s=300)
    name = screen.locator(".stage .floor-name")
    expect(name).to_have_text(LONG_NAME)  # the name alone on its line; the point on the smaller line below
    expect(name).to_have_attribute("title", LONG_LABEL)
    expect(screen.locator(".stage .floor-who .position")).to_have_text(
        "Bộ trưởng Bộ Nông nghiệp và Phát triển nông thôn, Ủy viên Ủy ban Quốc gia về chuyển đổi số · "
        "Điểm cầu Bộ Nông nghiệp và Phát triển nông thôn")
    cut = screen.eval_on_selector(".stage .floor-name", "e => e.scrollWidth > e.clientWidth")
    assert not cut, "the speaker's name is cut at 1920x1080"
    expect(screen.locator(".stage .speech-clock .label")).to_have_text("Lượt phát biểu còn lại")
    expect(screen.locator(".stage .speech-countdown")).to_have_text(re.compile(r"^0[45]:[0-5]\d$"))
    expect(screen.locator(".stage .speaker-time")).to_have_text(re.compile(r"^Đã phát biểu 00:0\d$"))
    labels = screen.eval_on_selector_all(".stage .clock-label, .stage .speech-clock .label, .stage .speaker-time",
                                         "els => els.map((e) => e.firstChild.textContent.trim())")
    assert labels == ["Nội dung còn lại", "Lượt phát biểu còn lại", "Đã phát biểu"]

    # The name is one line at a size read from the back of the room, inside the screen.
    height, size, line = screen.eval_on_selector(".stage .floor-name", """e => { const c = getComputedStyle(e);
        return [e.getBoundingClientRect().height, parseFloat(c.fontSize), parseFloat(c.lineHeight)]; }""")
    assert size >= 22.4, f"the speaker's name is {size}px"
    assert height <= line + 1, f"the speaker's name takes {height}px at a {line}px line: it wraps"
    assert_in_view(screen, ".stage .floor-name", ".stage .speech-countdown", ".stage .speaker-time")
    title_keeps_its_room(screen, "with a speaker")
    shoot(screen, "screens-public-long-speaker")
    check_axe(screen, "public, long title and name")

    # While a vote is open the floor has half the width: the name still shows whole, on one line.
    room.ok(type="poll.open", item="quy-che")
    expect(screen.locator(".stage .progress-text")).to_have_text("0 trên 12 người đã biểu quyết")
    height, line, cut = screen.eval_on_selector(".stage .floor-name", """e => [e.getBoundingClientRect().height,
        parseFloat(getComputedStyle(e).lineHeight), e.scrollWidth > e.clientWidth]""")
    assert height <= line + 1 and not cut, (height, line, cut)
    assert_in_view(screen, ".stage .floor-name", ".stage .progress-text", ".stage progress")
    shoot(screen, "screens-public-long-vote")

    # An overrun of an hour: the widest the item clock gets. (The ends_at is moved back in the page: an hour
    # cannot pass in a test; what is measured is how the stage lays the text out.)
    screen.evaluate("document.querySelector('.stage .clock .countdown').dataset.endsAt = new Date(Date.now() - 3905000).toISOString()")
    expect(screen.locator(".stage .clock .countdown")).to_have_text(re.compile(r"^Quá giờ 1:05:0\d$"))
    expect(screen.locator(".stage .clock-label")).to_have_text("Thời gian nội dung")  # not "left" once over
    title_keeps_its_room(screen, "overrun")
    shoot(screen, "screens-public-overrun")

    # The same labels in English.
    screen.locator("#lang").click()
    expect(screen.locator(".stage .clock-label")).to_have_text("Item time left")
    expect(screen.locator(".stage .speech-clock .label")).to_have_text("Speaker's time left")
    expect(screen.locator(".stage .speaker-time")).to_have_text(re.compile(r"^Speaking for \d\d:\d\d$"))
    expect(screen.locator(".stage .clock .countdown")).to_have_attribute("aria-label", re.compile(r"^Item time left: "))
    expect(screen.locator(".stage .speech-countdown")).to_have_attribute("aria-label", re.compile(r"^Speaker's time left: "))
    shoot(screen, "screens-public-en")


def test_the_chair_phone_opens_on_the_live_controls_and_counts_85_points(room):
    """At 390x844 the chair's first screen is the session and the current item, deputies and proxies come last;
    the points line counts all 85 connection points, the host's included, as the CLI does."""
    s = room.session
    room.ok(type="session.open")
    room.ok(type="item.start", item="quy-che")
    chair = room.open(s.chair, "chair")
    chair.set_viewport_size(PHONE)
    expect(chair.locator("#now .item-now")).to_have_text("Thông qua dự thảo Quy chế hoạt động của Ủy ban Quốc gia về chuyển đổi số")
    expect(chair.locator("#now .clock-label")).to_have_text("Nội dung còn lại")
    # In the agenda, beside the item's start time, the countdown says what it is too.
    expect(chair.locator('#agenda [data-item="quy-che"] .clock-inline')).to_have_text(re.compile(r"^Thời gian còn lại (20:00|19:[0-5]\d)$"))
    order = chair.eval_on_selector_all("#main section.panel", "els => els.filter((e) => e.getClientRects().length).map((e) => [e.id, e.getBoundingClientRect().top])"
                                       " .sort((a, b) => a[1] - b[1]).map((p) => p[0])")
    assert order[:2] == ["session", "now"], order
    assert order[-1] == "deputies", order
    session, now = box(chair, "#session"), box(chair, "#now h2")
    assert session[1] < PHONE["height"] and now[1] < PHONE["height"], (session, now)
    chair.screenshot(path=str(shots() / "screens-chair-phone-first-390x844.png"))

    expect(chair.locator("#attendance h3").first).to_have_text("Điểm cầu đang kết nối: 0/85")
    point = room.open(s.point("ha-noi"), "host point")  # the host's own screen is a connection point too
    room.open(s.point("bo-y-te"), "point")
    expect(chair.locator("#attendance h3").first).to_have_text("Điểm cầu đang kết nối: 2/85")
    until(point, "window.phienhop.live.state.online_points.length === 2")
    assert len(s.snapshot()["state"]["agenda"]["points"]) == 85
    check_axe(chair, "chair (phone first)")


def shots():
    from .room import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def test_the_pages_have_a_favicon(room):
    """/favicon.ico and every page's <link rel=icon> answer 200 with the SVG; the CSP lets the page load it."""
    s = room.session
    answer = httpx.get(f"{room.srv.base}/favicon.ico")
    assert (answer.status_code, answer.headers["content-type"]) == (200, "image/svg+xml")
    assert answer.text.startswith("<svg ")
    failed = []
    page = room.open(s.public, "public")
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    for token in (s.public, s.chair):
        page.goto(f"{room.srv.base}/join/{token}")
        live(page)
        href = page.eval_on_selector('link[rel="icon"]', "e => e.href")
        assert href == f"{room.srv.base}/web/favicon.svg"
        assert page.evaluate("async (u) => (await fetch(u)).status", href) == 200
    assert failed == []
