"""The pages in Chromium on the reference session (89 people, 85 points): what a projector, a chair
at a hundred people and a member see. Each check measures or reads what the person sees; axe-core
reports no violation on any page at 1920x1080 and 390x844; screenshots go to var/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from ..support import require_tool
from .room import DESKTOP, assert_in_view, boxes, check_axe, shoot, until

pytestmark = pytest.mark.browser

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run"]
VOTERS = ["pham-minh-chinh", "vu-duc-dam", "nguyen-manh-hung", "tran-van-son", "to-lam", "pham-thi-thanh-tra",
          "nguyen-chi-dung", "ho-duc-phoc", "nguyen-hong-dien", "le-minh-hoan", "nguyen-thanh-nghi", "nguyen-huy-dung",
          "huynh-thanh-dat", "nguyen-kim-son", "nguyen-thanh-long", "nguyen-thi-hong"]
HOST = {"pham-minh-chinh", "vu-duc-dam", "nguyen-manh-hung", "tran-van-son", "thu-ky"}
QUY_CHE = "Thông qua dự thảo Quy chế hoạt động của Ủy ban Quốc gia về chuyển đổi số"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=require_tool("chromium"), headless=True, args=ARGS)
        yield chromium
        chromium.close()


class Room:
    """Browser contexts opened through the reference session's join links; page errors are kept."""

    def __init__(self, browser, srv) -> None:
        self.browser, self.srv = browser, srv
        self.session = srv.create()
        self.contexts, self.errors = [], []

    def context(self, **options):
        context = self.browser.new_context(viewport=DESKTOP, **options)
        context.set_default_timeout(8000)
        self.contexts.append(context)
        return context

    def open(self, token: str, name: str, context=None):
        page = (context or self.context()).new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{name}: {error}"))
        page.goto(f"{self.srv.base}/join/{token}")
        live(page)
        return page

    def ok(self, token: str | None = None, **body) -> dict:
        return self.session.ok(token or self.session.chair, **body)

    def mark(self, people, status="present") -> None:
        for person in people:
            body = {"type": "attendance.mark", "person": person, "status": "present" if person in HOST else status}
            self.ok(**body)


@pytest.fixture
def room(browser, srv):
    opened = Room(browser, srv)
    yield opened
    for context in opened.contexts:
        context.close()
    assert not opened.errors, opened.errors


def live(page) -> None:
    expect(page.locator("#conn")).to_have_attribute("data-status", "live")


def test_the_projector_shows_every_state_on_one_screen(room):
    """At 1920x1080 each state of the public and point screens fits without scrolling; the key parts are measured inside."""
    s = room.session
    screen = room.open(s.public, "public")
    point = room.open(s.point("bo-cong-an"), "point")

    def fits(page, name, *selectors):
        assert_in_view(page, *selectors)
        if page is screen:
            assert page.evaluate("document.documentElement.scrollHeight") <= DESKTOP["height"], f"{name}: the page scrolls"
        else:  # the point's controls start below the projected stage
            stage = boxes(page, "#stage")[0]
            controls = boxes(page, "#controls")[0]
            assert stage[3] <= DESKTOP["height"] + 0.5 and controls[1] >= stage[3] - 0.5, (stage, controls)
        shoot(page, name)
        check_axe(page, name)

    # Before the opening: the session, when and where, the agenda.
    expect(screen.locator(".stage")).to_have_attribute("data-state", "before")
    expect(screen.locator(".session-when")).to_have_text("Bắt đầu lúc 14:00, 30/11/2021")
    expect(screen.locator(".agenda-list li")).to_have_count(5)
    fits(screen, "room-public-before", ".session-title", ".session-when", ".session-place", ".agenda-list li")
    fits(point, "room-point-before", ".session-title", ".agenda-list li")

    # An item: its title and countdown; a speaker with the time on the floor.
    room.ok(type="session.open")
    room.mark(VOTERS[:12], "online")
    room.ok(type="item.start", item="quy-che")
    expect(screen.locator(".item-now")).to_have_text(QUY_CHE)
    expect(screen.locator(".stage .countdown")).to_have_text(re.compile(r"^(20:00|19:[0-5]\d)$"))
    request = room.ok(s.person("to-lam"), type="speaker.request", item="quy-che")["events"][0]["request"]
    room.ok(s.person("nguyen-huy-dung"), type="speaker.request", item="quy-che")
    room.ok(type="speaker.grant", request=request)
    expect(screen.locator(".floor-who")).to_contain_text("Tô Lâm")
    expect(screen.locator(".speaker-time .elapsed")).to_have_text(re.compile(r"^00:0\d$"))
    fits(screen, "room-public-speaker", ".item-now", ".stage .countdown", ".floor-who", ".speaker-time", ".next li")

    # A vote: "n of m voted" and its bar.
    poll = room.ok(type="poll.open", item="quy-che")["events"][0]["poll"]
    for person in VOTERS[1:4]:
        room.ok(s.person(person), type="vote.cast", poll=poll, choice="yes")
    expect(screen.locator(".progress-text")).to_have_text("3 trên 12 người đã biểu quyết")
    fits(screen, "room-public-vote", ".item-now", ".stage .countdown", ".floor-who", ".progress-text", ".stage progress", ".next li")
    fits(point, "room-point-vote", ".item-now", ".stage .countdown", ".progress-text", ".stage progress")

    # The result: outcome and every count.
    room.ok(type="poll.close", poll=poll)
    expect(screen.locator(".stage .outcome")).to_have_text("KHÔNG THÔNG QUA")
    expect(screen.locator(".stage .count b")).to_have_text(["3", "0", "0"])
    fits(screen, "room-public-result", ".item-now", ".stage .outcome", ".stage .count b", ".stage .count", ".floor-who", ".next li")
    fits(point, "room-point-result", ".stage .outcome", ".stage .count b")

    # A repeat ballot is labelled as one.
    poll2 = room.ok(type="poll.open", item="quy-che")["events"][0]["poll"]
    expect(screen.locator(".stage .ballot-no")).to_have_text("Biểu quyết lần 2")
    for person in VOTERS[:12]:
        room.ok(s.person(person), type="vote.cast", poll=poll2, choice="yes" if person != "to-lam" else "abstain")
    room.ok(type="poll.close", poll=poll2)
    expect(screen.locator(".stage .outcome")).to_have_text("THÔNG QUA")

    # Between items: what ended (its result, its conclusion) and what comes next.
    room.ok(s.secretary, type="conclusion.record", item="quy-che", text="Ủy ban thông qua Quy chế hoạt động.")
    room.ok(type="item.end", item="quy-che")
    expect(screen.locator(".stage")).to_have_attribute("data-state", "between")
    expect(screen.locator(".ended-title")).to_have_text(QUY_CHE)
    expect(screen.locator(".next-title")).to_have_text("Phát biểu khai mạc")  # the first item is still pending
    expect(screen.locator(".conclusion-big")).to_have_text("Ủy ban thông qua Quy chế hoạt động.")
    fits(screen, "room-public-between", ".ended-title", ".mini-result", ".mini-count b", ".conclusion-big", ".next-title")

    # A lost connection is plain to the room: the stage greys out under a banner, the clocks stop.
    room.ok(type="item.start", item="khai-mac")
    expect(screen.locator(".item-now")).to_have_text("Phát biểu khai mạc")
    screen.context.set_offline(True)
    expect(screen.locator("#stale")).to_be_visible()
    expect(screen.locator(".stage .countdown")).to_have_text("––:––")
    assert_in_view(screen, "#stale")
    shoot(screen, "room-public-stale")
    screen.context.set_offline(False)
    live(screen)
    expect(screen.locator("#stale")).to_be_hidden()
    expect(screen.locator(".stage .countdown")).to_have_text(re.compile(r"^\d\d:\d\d$"))

    # After the close: every vote's result.
    room.ok(type="item.end", item="khai-mac")
    room.ok(type="session.close")
    expect(screen.locator(".stage")).to_have_attribute("data-state", "closed")
    expect(screen.locator(".summary-list > li")).to_have_count(2)
    expect(screen.locator(".summary-list .outcome")).to_have_text(["KHÔNG THÔNG QUA", "THÔNG QUA"])
    expect(screen.locator(".summary-list .ballot-no")).to_have_text(["Biểu quyết lần 1", "Biểu quyết lần 2"])
    fits(screen, "room-public-closed", ".closed-title", ".summary-list > li", ".summary-list .mini-count b")
    fits(point, "room-point-closed", ".closed-title", ".summary-list > li")


def test_the_chair_runs_a_hundred_people_and_votes(room):
    """The chair finds people by name, marks a point at once, records an absence reason, sees why a poll cannot open,
    votes from the chair page, and closing the poll asks first with the not-voted count."""
    s = room.session
    chair = room.open(s.chair, "chair")
    chair.get_by_role("button", name="Khai mạc phiên họp", exact=True).click()
    expect(chair.locator("#session-status")).to_have_text("Đang họp")

    # Search by name (without tones too); the unmarked are flagged.
    expect(chair.locator("#chair-att .shown")).to_have_text("Hiển thị 89/89 người")
    chair.locator("#chair-att-search").fill("quynh thien")
    expect(chair.locator("#chair-att .shown")).to_have_text("Hiển thị 1/89 người")
    row = chair.locator('#chair-att [data-person="nguyen-quynh-thien"]')
    expect(row).to_have_attribute("data-status", "unmarked")
    expect(chair.locator('#chair-att [data-point="tra-vinh"] .att-count')).to_have_text("0/1 có mặt · 1 chưa điểm danh")
    shoot(chair, "room-chair-search", fold=True)
    chair.locator("#chair-att-search").fill("")

    # The host point marked present at once: its 5 people, voting members starred.
    host = chair.locator('#chair-att [data-point="ha-noi"]')
    expect(host.locator(".voter")).to_have_count(4)
    host.get_by_role("button", name="Đánh dấu tất cả 5 người chưa điểm danh của Điểm cầu Trụ sở Chính phủ là có mặt").click()
    expect(host.locator(".att-count")).to_have_text("5/5 có mặt · 0 chưa điểm danh")
    assert {e["person"] for e in s.events() if e["type"] == "attendance.marked" and e["status"] == "present"} == HOST

    # An absence with a reason.
    chair.locator("#chair-att-search").fill("Tô Lâm")
    to_lam = chair.locator('#chair-att [data-person="to-lam"]')
    to_lam.get_by_role("button", name="Vắng: Tô Lâm", exact=True).click()
    expect(to_lam).to_have_attribute("data-status", "absent")
    to_lam.get_by_label("Lý do vắng: Tô Lâm").fill("Công tác nước ngoài")
    to_lam.get_by_role("button", name="Lưu lý do", exact=True).click()
    expect(to_lam.locator(".reason-saved")).to_have_text("Đã lưu")
    marked = [e for e in s.events() if e["type"] == "attendance.marked" and e["person"] == "to-lam"]
    assert (marked[-1]["status"], marked[-1]["reason"]) == ("absent", "Công tác nước ngoài")
    chair.locator("#chair-att-search").fill("")

    # Without quorum the poll cannot open, and the page says how many more are needed.
    chair.locator('[data-item="quy-che"]').get_by_role("button", name="Bắt đầu").click()
    open_poll = chair.get_by_role("button", name=f"Mở biểu quyết: {QUY_CHE}", exact=True)
    expect(open_poll).to_be_disabled()
    expect(chair.locator("#poll-open-why")).to_have_text("Chưa thể mở biểu quyết: cần thêm 5 thành viên có mặt (4/9).")
    shoot(chair, "room-chair-no-quorum", fold=True)
    room.mark([v for v in VOTERS if v not in HOST and v != "to-lam"][:6], "online")
    expect(open_poll).to_be_enabled()
    open_poll.click()

    # A close the server would refuse is disabled, with the reason.
    expect(chair.get_by_role("button", name="Bế mạc phiên họp", exact=True)).to_be_disabled()
    expect(chair.locator("#close-why")).to_have_text("Hãy kết thúc biểu quyết đang mở trước.")

    # The chair votes from the chair page (named ballot: the choice comes back from the log).
    vote = chair.locator("#my-vote-panel")
    vote.get_by_role("button", name="Tán thành", exact=True).click()
    vote.get_by_role("button", name="Gửi biểu quyết", exact=True).click()
    expect(vote.locator("#my-vote")).to_contain_text("Bạn đã biểu quyết: Tán thành")
    cast = [e for e in s.events() if e["type"] == "vote.cast"]
    assert [(e["person"], e["choice"]) for e in cast] == [("pham-minh-chinh", "yes")]
    expect(chair.locator("#poll .progress-text")).to_have_text("1 trên 10 người đã biểu quyết")
    check_axe(chair, "chair")
    shoot(chair, "room-chair-voted", fold=True)

    # Closing asks first, with the numbers; cancelling changes nothing.
    chair.get_by_role("button", name="Kết thúc biểu quyết", exact=True).click()
    expect(chair.locator("#poll-close-q")).to_have_text("Kết thúc biểu quyết? 9 trên 10 người chưa biểu quyết.")
    chair.locator("#poll").get_by_role("button", name="Hủy", exact=True).click()
    assert not [e for e in s.events() if e["type"] == "poll.closed"]
    chair.get_by_role("button", name="Kết thúc biểu quyết", exact=True).click()
    chair.get_by_role("button", name="Kết thúc biểu quyết", exact=True).click()
    expect(chair.locator("#poll .outcome")).to_have_text("KHÔNG THÔNG QUA")
    expect(chair.get_by_role("button", name="Biểu quyết lại (lần 2)", exact=True)).to_be_enabled()
    shoot(chair, "room-chair-result", fold=True)


def test_a_chair_tab_and_a_member_tab_keep_their_roles_through_a_reconnect(room):
    """Two join links in one browser: each tab keeps its own role after the server process is killed and started
    again (same database file, same port) and after a reload."""
    s = room.session
    context = room.context()
    chair = room.open(s.chair, "chair", context)
    member = room.open(s.person("to-lam"), "member", context)  # the later join: the one a single cookie would keep
    assert chair.evaluate("window.phienhop.live.me.role") == "chair"
    assert member.evaluate("window.phienhop.live.me.role") == "person"
    assert not re.search(r"/join/|token", chair.url) and "as=" in chair.url

    srv, port = room.srv, room.srv.port
    srv.kill()  # kill -9 of the real server process: both tabs lose their socket and see it
    for page in (chair, member):
        expect(page.locator("#conn")).not_to_have_attribute("data-status", "live")
    srv.start(port=port)  # the same database file and port: the pages' links and tab cookies still point here
    room.ok(type="session.open")  # while they reconnect
    for page in (chair, member):
        live(page)
    # Each tab's role shows in what it may do: the chair starts an item, the member marks itself (below).
    expect(chair.locator("#role")).to_have_text("Chủ tọa")
    expect(chair.locator("#session-status")).to_have_text("Đang họp")
    chair.locator('[data-item="khai-mac"]').get_by_role("button", name="Bắt đầu").click()
    member.get_by_role("button", name="Có mặt tại hội trường", exact=True).click()
    expect(member.locator("#my-status")).to_have_text("Trạng thái của bạn: Có mặt tại hội trường")
    expect(member.locator(".item-now")).to_have_text("Phát biểu khai mạc")
    by = {e["type"]: e.get("by") for e in s.events()}
    assert by["attendance.marked"] == "to-lam" and "item.started" in by  # only the chair's tab could start it

    chair.reload()
    member.reload()
    live(chair)
    live(member)
    assert chair.evaluate("window.phienhop.live.me.role") == "chair"
    assert member.evaluate("window.phienhop.live.me.person") == "to-lam"
    chair.locator('[data-item="khai-mac"]').get_by_role("button", name="Kết thúc nội dung").click()
    expect(member.locator(".stage-ended, #now")).to_contain_text("Chưa có nội dung nào đang diễn ra.")


def test_a_refusal_is_said_in_the_page_language(room):
    """A point asking for the floor twice is refused in Vietnamese, then in English after the switch."""
    s = room.session
    room.ok(type="session.open")
    room.ok(type="item.start", item="khai-mac")
    point = room.open(s.point("tra-vinh"), "point")
    ask = point.locator("#ask-floor")
    ask.click()
    expect(point.locator("#stage .next li")).to_have_text(["Điểm cầu Trà Vinh"])
    ask.click()
    expect(point.locator("#alert p")).to_have_text("Không thực hiện được: đã đăng ký phát biểu rồi (đang trong danh sách chờ).")
    shoot(point, "room-point-refusal-vi", fold=False)
    point.locator("#lang").click()
    expect(point.locator("html")).to_have_attribute("lang", "en")
    ask.click()
    expect(point.locator("#alert p")).to_have_text("Could not do that: already asked for the floor (in the queue).")
    shoot(point, "room-point-refusal-en", fold=False)
    check_axe(point, "point (en)")


def test_a_member_reads_the_draft_before_voting(room):
    """The member page links the item's draft while it runs and while its poll is open; the draft opens as a page."""
    s = room.session
    room.ok(type="session.open")
    room.mark(VOTERS[:10], "online")
    member = room.open(s.person("nguyen-huy-dung"), "member")
    expect(member.locator("[data-draft]")).to_have_count(0)
    room.ok(type="item.start", item="quy-che")
    link = member.locator("#now [data-draft='quy-che']")
    expect(link).to_have_text("Đọc dự thảo")
    room.ok(type="poll.open", item="quy-che")
    expect(member.locator("#vote [data-draft='quy-che']")).to_have_text("Đọc dự thảo")
    shoot(member, "room-member-poll", fold=False)
    check_axe(member, "member")
    with member.context.expect_page() as opened:
        link.click()
    draft = opened.value
    draft.wait_for_load_state()
    expect(draft.locator("header .item-title")).to_have_text(QUY_CHE)
    expect(draft.locator("h1")).to_have_text("DỰ THẢO Quy chế hoạt động của Ủy ban Quốc gia về chuyển đổi số")
    expect(draft.locator("main h2").first).to_have_text("Điều 1. Phạm vi điều chỉnh và đối tượng áp dụng")
    shoot(draft, "room-draft", fold=False)

    chair = room.open(s.chair, "chair")
    expect(chair.locator("#now [data-draft='quy-che']")).to_have_count(1)
    screen = room.open(s.point("bo-y-te"), "point")
    expect(screen.locator("#stage [data-draft='quy-che']")).to_have_count(1)


def test_every_page_passes_axe_at_both_sizes(room, browser):
    """Chair, secretary, member, point, public, the draft page, the landing page and a bad link: 0 axe violations."""
    s = room.session
    room.ok(type="session.open")
    room.mark(VOTERS[:10], "online")
    room.ok(type="item.start", item="quy-che")
    request = room.ok(s.person("to-lam"), type="speaker.request", item="quy-che")["events"][0]["request"]
    room.ok(type="speaker.grant", request=request)
    room.ok(type="poll.open", item="quy-che")
    for name, token in (("chair", s.chair), ("secretary", s.secretary), ("member", s.person("ho-duc-phoc")),
                        ("point", s.point("ha-noi")), ("public", s.public)):
        page = room.open(token, name)
        check_axe(page, name)
        shoot(page, f"room-axe-{name}", fold=name in ("point", "public"))
    reader = room.open(s.person("ho-duc-phoc"), "member (reader)", room.context(bypass_csp=True))  # axe is a script; the draft's CSP allows none
    with reader.context.expect_page() as opened:
        reader.locator("#vote [data-draft='quy-che']").click()
    draft = opened.value
    draft.wait_for_load_state()
    expect(draft.locator("header .item-title")).to_have_text(QUY_CHE)
    check_axe(draft, "draft")
    stranger = room.context()
    for path in ("/", f"/web/member.html?session={s.id}"):
        page = stranger.new_page()
        page.goto(f"{room.srv.base}{path}")
        page.wait_for_load_state("networkidle")
        check_axe(page, path)


def test_the_secretary_sees_who_spoke_and_a_preview_stale_only_after_a_change(room):
    """The who-spoke timeline lists each grant; a point coming online does not mark the preview stale, a conclusion does."""
    s = room.session
    room.ok(type="session.open")
    room.ok(type="item.start", item="khai-mac")
    secretary = room.open(s.secretary, "secretary")
    refresh = secretary.locator(".preview-box button")
    expect(refresh).to_have_text("Cập nhật bản xem trước")
    expect(secretary.locator("#timeline")).to_contain_text("Chưa có ai phát biểu.")
    request = room.ok(s.person("to-lam"), type="speaker.request", item="khai-mac")["events"][0]["request"]
    room.ok(type="speaker.grant", request=request)
    expect(secretary.locator("#timeline li")).to_have_count(1)
    expect(secretary.locator("#timeline li b")).to_have_text("Tô Lâm — Điểm cầu Bộ Công an")
    refresh.click()
    expect(refresh).to_have_text("Cập nhật bản xem trước")
    point = room.open(s.point("bo-y-te"), "point")  # point.online: nothing in the minutes changes
    until(point, "window.phienhop.live.state.online_points.includes('bo-y-te')")
    seq = s.snapshot()["seq"]
    until(secretary, f"window.phienhop.live.seq >= {seq}")  # the secretary has seen point.online
    assert s.events(since=seq - 1)[-1]["type"] == "point.online"
    expect(refresh).to_have_text("Cập nhật bản xem trước")
    room.ok(type="conclusion.record", item="khai-mac", text="Khai mạc xong.")
    expect(refresh).to_have_text("Có thay đổi mới — cập nhật bản xem trước")
    expect(secretary.locator('[data-item="khai-mac"] .conclusion-text')).to_have_text("Khai mạc xong.")
    shoot(secretary, "room-secretary", fold=True)
    point.close()
