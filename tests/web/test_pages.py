"""The web pages in a real Chromium against a real server: chair, member, point screen, secretary.

Every page is driven by clicking, as its user would. Screenshots of each page at 1920x1080
and at a phone's 390x844 go to var/screenshots/ (gitignored) for people to look at.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from ..support import ROOT, require_tool, small_agenda
from .room import until

pytestmark = pytest.mark.browser

SHOTS = ROOT / "var" / "screenshots"
DESKTOP = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless (Playwright's own download is not used)."""
    path = require_tool("chromium")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(srv):
    """One real ``phienhop serve`` for this module (conftest's ``srv``); each test makes its own session on it."""
    return srv


class Pages:
    """Browser contexts opened through join links; page errors are collected, not ignored."""

    def __init__(self, browser, server) -> None:
        self.browser = browser
        self.server = server
        self.contexts = []
        self.errors: list[str] = []

    def join(self, token: str, name: str, **options):
        context = self.browser.new_context(viewport=DESKTOP, accept_downloads=True, **options)
        self.contexts.append(context)
        context.set_default_timeout(5000)
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{name}: {error}"))
        # The Content-Security-Policy (server/headers.py) must refuse nothing our pages do.
        page.on("console", lambda m: self.errors.append(f"{name}: {m.text}") if "Content Security Policy" in m.text else None)
        page.goto(f"{self.server.base}/join/{token}")
        live(page)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, server):
    opened = Pages(browser, server)
    yield opened
    opened.close()
    assert not opened.errors, opened.errors


def live(page) -> None:
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")


def shoot(page, name: str, fold: bool = False) -> None:
    """Screenshots at 1920x1080 (the whole page, or only the first screen with ``fold``) and at 390x844."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1920x1080.png"), full_page=not fold)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"{name}-390x844.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def button(page, name: str, scope: str = "main"):
    return page.locator(scope).get_by_role("button", name=name, exact=True)


def test_a_session_through_the_four_pages(pages, server, tmp_path):
    """The chair runs a vote, a member votes, the point screen shows the result within 1 s, the notes reach the PDF."""
    session = server.create(small_agenda())
    chair = pages.join(session.chair, "chair")
    point = pages.join(session.point("tra-vinh"), "point")
    member = pages.join(session.person("tv-1"), "member")
    secretary = pages.join(session.secretary, "secretary")
    expect(chair.locator("html")).to_have_attribute("lang", "vi")

    # The chair opens the session from the keyboard: a real button, focusable, Enter works.
    open_button = button(chair, "Khai mạc phiên họp")
    open_button.focus()
    chair.keyboard.press("Enter")
    expect(chair.locator("#session-status")).to_have_text("Đang họp")
    expect(chair.locator("#announce")).to_contain_text("Phiên họp đã khai mạc.")
    expect(point.locator("main")).to_contain_text("Chưa có nội dung nào đang diễn ra.")
    expect(chair.locator("#attendance")).to_contain_text("Điểm cầu đang kết nối: 1/2")  # both points count, the host's too

    # Attendance: the point marks its two members online, the chair checks himself in, the member checks in.
    button(point, "Trực tuyến: Thành viên Số 2").click()
    button(point, "Trực tuyến: Thành viên Số 4").click()
    expect(point.locator('[data-person="tv-4"] .tag')).to_have_text("Trực tuyến")
    button(chair, "Hội trường: Nguyễn Văn Chủ").click()
    button(member, "Có mặt tại hội trường").click()
    expect(member.locator("#my-status")).to_have_text("Trạng thái của bạn: Có mặt tại hội trường")
    expect(chair.locator("#attendance .quorum")).to_contain_text("có mặt: 4/5")

    # The chair starts the vote item and opens the poll.
    chair.locator('[data-item="du-thao"]').get_by_role("button", name="Bắt đầu").click()
    expect(point.locator(".item-now")).to_have_text("Thông qua dự thảo")
    expect(point.locator(".countdown")).to_have_text(re.compile(r"^(20:00|19:5\d)$"))
    button(chair, "Mở biểu quyết: Thông qua dự thảo").click()
    expect(point.locator(".progress-text")).to_have_text("0 trên 4 người đã biểu quyết")

    # The member votes (choose, then confirm) and gets a receipt.
    button(member, "Tán thành").click()
    expect(member.locator("#vote")).to_contain_text("Xác nhận biểu quyết: Tán thành?")
    button(member, "Gửi biểu quyết").click()
    expect(member.locator("#my-vote")).to_contain_text("Bạn đã biểu quyết: Tán thành")
    expect(member.locator("#my-vote .receipt")).to_have_text(re.compile(r"^Mã biên nhận: [0-9a-f]{32}$"))
    receipt = member.locator("#my-vote .receipt").inner_text()
    expect(point.locator(".progress-text")).to_have_text("1 trên 4 người đã biểu quyết")
    expect(chair.locator("#poll .progress-text")).to_have_text("1 trên 4 người đã biểu quyết")

    # The own vote survives a reload: the choice from the log, the receipt from this device.
    member.reload()
    live(member)
    expect(member.locator("#my-vote")).to_contain_text("Bạn đã biểu quyết: Tán thành")
    expect(member.locator("#my-vote .receipt")).to_have_text(receipt)

    # The member asks for the floor; the chair gives it; the point screen shows who speaks.
    button(member, "Xin phát biểu").click()
    expect(member.locator("#speak")).to_contain_text("thứ 1 trong danh sách chờ")
    expect(point.locator(".next")).to_contain_text("Thành viên Số 1")
    button(chair, "Mời phát biểu").click()
    expect(point.locator(".floor-who")).to_contain_text("Thành viên Số 1")
    expect(member.locator("#speak")).to_contain_text("Bạn đang phát biểu.")
    shoot(chair, "chair-poll-open")
    shoot(member, "member-voted")
    shoot(point, "point-poll-open", fold=True)

    # The chair closes the poll; the point screen shows the result within a second.
    point.evaluate("""() => {
        window.resultShownAt = null;
        new MutationObserver((_, observer) => {
            if (document.querySelector('.stage .poll-result')) { window.resultShownAt = Date.now(); observer.disconnect(); }
        }).observe(document.body, { childList: true, subtree: true });
    }""")
    button(chair, "Kết thúc biểu quyết").click()  # asks first, with the numbers
    expect(chair.locator("#poll-close-q")).to_have_text("Kết thúc biểu quyết? 3 trên 4 người chưa biểu quyết.")
    clicked_at = chair.evaluate("Date.now()")
    button(chair, "Kết thúc biểu quyết").click()
    until(point, "window.resultShownAt !== null")
    shown_at = point.evaluate("window.resultShownAt")
    closed = [e for e in session.events() if e["type"] == "poll.closed"][0]
    committed_at = _epoch_ms(closed["at"])
    print(f"\npoll.close: click -> point screen {shown_at - clicked_at} ms; poll.closed event -> point screen {shown_at - committed_at} ms")
    assert shown_at >= clicked_at  # how fast is printed above; speed is measured in bench/, never asserted
    expect(point.locator(".stage .outcome")).to_have_text("THÔNG QUA")
    expect(point.locator(".stage .count-yes b")).to_have_text("1")
    expect(point.locator("#announce")).to_contain_text("Kết quả biểu quyết: THÔNG QUA.")
    expect(member.locator("#vote .outcome")).to_have_text("THÔNG QUA")
    shoot(point, "point-result", fold=True)

    # The secretary types notes through a dropped connection; nothing typed is lost.
    notes = secretary.locator("#note-du-thao")
    state = secretary.locator("#note-du-thao-state")
    notes.click()
    notes.press_sequentially("Phần một: các thành viên thảo luận.")
    expect(state).to_have_text("Đã lưu")
    secretary.context.set_offline(True)
    expect(secretary.locator("#conn")).to_have_attribute("data-status", re.compile("offline|reconnecting"))
    notes.press_sequentially(" Phần hai: gõ khi mất kết nối.")
    secretary.locator("#notes-h").click()  # blur: tries to save, cannot
    expect(state).to_have_text("Chưa lưu — sẽ gửi khi có kết nối")
    shoot(secretary, "secretary-offline")
    secretary.context.set_offline(False)
    live(secretary)
    expect(state).to_have_text("Đã lưu")
    notes.press_sequentially(" Phần ba: trước khi tải lại.")
    secretary.reload()  # before the autosave fires: the draft is on this device
    live(secretary)
    expect(notes).to_have_value(
        "Phần một: các thành viên thảo luận. Phần hai: gõ khi mất kết nối. Phần ba: trước khi tải lại.")
    expect(state).to_have_text("Đã lưu")
    saved = [n["text"] for n in session.snapshot(session.secretary)["state"]["notes"] if n["item"] == "du-thao"]  # the public token sees no note text
    assert saved == ["Phần một: các thành viên thảo luận. Phần hai: gõ khi mất kết nối. Phần ba: trước khi tải lại."]

    # The chair records a conclusion, ends the item, closes the session.
    chair.locator('[data-item="du-thao"] textarea').fill("Thông qua dự thảo.")
    button(chair, "Ghi kết luận").click()
    expect(secretary.locator('[data-item="du-thao"] .conclusion-text')).to_have_text("Thông qua dự thảo.")
    button(chair, "Kết thúc nội dung").click()
    button(chair, "Bế mạc phiên họp").click()
    button(chair, "Xác nhận").click()
    expect(chair.locator("#session-status")).to_have_text("Đã bế mạc")

    # The secretary finalizes the minutes and downloads the PDF: the notes are in it, once.
    button(secretary, "Hoàn tất biên bản").click()
    button(secretary, "Xác nhận").click()
    expect(secretary.locator("#final")).to_contain_text("Biên bản đã hoàn tất.", timeout=20000)
    shoot(secretary, "secretary-final")
    shoot(chair, "chair-closed")
    with secretary.expect_download() as download:
        secretary.locator("#download").click()
    pdf = tmp_path / "bien-ban.pdf"
    download.value.save_as(pdf)
    text = _pdf_text(pdf)
    for part in ("Phần một: các thành viên thảo luận.", "Phần hai: gõ khi mất kết nối.", "Phần ba: trước khi tải lại."):
        assert text.count(part) == 1, text


def test_a_secret_vote_and_the_language_survive_a_reload(pages, server):
    """A secret ballot's choice and receipt live on the member's device; English stays chosen after a reload."""
    session = server.create(small_agenda(ballot="secret"))
    chair = session.chair
    session.ok(chair, type="session.open")
    for person in ("chu-toa", "tv-1", "tv-3"):
        session.ok(chair, type="attendance.mark", person=person, status="present")
    session.ok(chair, type="item.start", item="du-thao")
    session.ok(chair, type="poll.open", item="du-thao")
    member = pages.join(session.person("tv-3"), "member")
    member.locator("#lang").click()
    expect(member.locator("html")).to_have_attribute("lang", "en")
    button(member, "Against").click()
    button(member, "Send my vote").click()
    expect(member.locator("#my-vote")).to_contain_text("You voted: Against")
    receipt = member.locator("#my-vote .receipt").inner_text()
    assert [e for e in session.events() if e["type"] == "vote.cast"][0].get("choice") is None

    member.reload()
    live(member)
    expect(member.locator("html")).to_have_attribute("lang", "en")
    expect(member.locator("#my-vote")).to_contain_text("You voted: Against")
    expect(member.locator("#my-vote .receipt")).to_have_text(receipt)
    shoot(member, "member-secret-en")

    # Another device of the same member knows from the log that it voted, not how.
    other = pages.join(session.person("tv-3"), "member (other device)")
    expect(other.locator("#my-vote")).to_contain_text("Bạn đã biểu quyết (phiếu kín")
    expect(other.locator("#vote").get_by_role("button", name="Tán thành", exact=True)).to_have_count(0)


def test_public_screen_is_read_only_and_a_bad_link_says_so(pages, server, browser):
    """The public token shows the session with no controls; a page without a valid link says so and stops."""
    session = server.create(small_agenda())
    session.ok(session.chair, type="session.open")
    session.ok(session.chair, type="item.start", item="khai-mac")
    public = pages.join(session.public, "public")
    expect(public.locator(".item-now")).to_have_text("Khai mạc")
    expect(public.locator("#role")).to_have_text("Theo dõi công khai")
    expect(public.locator("main button, main select, main textarea")).to_have_count(0)
    shoot(public, "point-public", fold=True)

    stranger = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    pages.contexts.append(stranger)
    page = stranger.new_page()
    page.goto(f"{server.base}/web/member.html?session={session.id}")
    expect(page.locator("#conn")).to_have_attribute("data-status", "invalid")
    expect(page.locator("main h2")).to_have_text("Liên kết tham gia không hợp lệ")
    shoot(page, "link-not-valid")

    landing = stranger.new_page()
    landing.goto(f"{server.base}/")
    expect(landing.locator("main")).to_contain_text("hãy mở liên kết tham gia")
    shoot(landing, "index")


def test_a_gap_in_seq_and_a_dropped_socket_are_resumed(pages, server):
    """A missed event makes the page reopen the socket from its seq; a dropped socket reconnects and catches up."""
    session = server.create(small_agenda())
    screen = pages.join(session.public, "public")
    screen.evaluate("""() => {
        const socket = window.phienhop.live.ws;
        const deliver = socket.onmessage;
        let seen = 0;
        socket.onmessage = (message) => { if (seen++ > 0) deliver(message); };  // lose the first event
        window.firstSocket = socket;
    }""")
    session.ok(session.chair, type="session.open")
    session.ok(session.chair, type="item.start", item="khai-mac")
    expect(screen.locator(".item-now")).to_have_text("Khai mạc")
    assert screen.evaluate("window.phienhop.live.ws !== window.firstSocket")
    assert screen.evaluate("window.phienhop.live.state.status") == "open"

    screen.evaluate("window.phienhop.live.ws.close()")
    session.ok(session.chair, type="item.end", item="khai-mac")
    expect(screen.locator('.stage[data-state="between"] .ended-title')).to_have_text("Khai mạc")
    live(screen)
    assert screen.evaluate("window.phienhop.live.seq") == session.snapshot()["seq"]


def _epoch_ms(iso: str) -> float:
    import datetime as dt

    return dt.datetime.fromisoformat(iso).timestamp() * 1000


def _pdf_text(path: Path) -> str:
    pdftotext = require_tool("pdftotext")
    text = subprocess.run([pdftotext, str(path), "-"], check=True, capture_output=True, text=True).stdout
    return re.sub(r"\s+", " ", text)
