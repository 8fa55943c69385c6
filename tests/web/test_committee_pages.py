"""Deputies, proxies, agenda changes, speaking time, a show of hands and the quorum warning, in a real Chromium.

The chair sends a deputy and gives a proxy from the console, adds an item and moves it first,
records a show of hands, defers an item while another runs; the point screen and the speaker's
phone count the speaking time down and show the overrun; a member votes for the member who gave
them a proxy; the deputy's own page votes for the member they stand for; the chair is warned when
presence drops below quorum during an open binding poll.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from ..e2e import committee
from .test_pages import browser, button, live, pages, server, shoot  # noqa: F401  (fixtures)


def test_committee_features_through_the_pages(pages, server):
    """Every wave-3 control, clicked as its user would, with what each screen shows."""
    s = server.create(committee.agenda())
    for person in ("chu-toa", "thu-ky", "tv-1", "tv-2", "tv-3"):
        s.ok(s.chair, type="attendance.mark", person=person, status="present")
    s.ok(s.point("tra-vinh"), type="attendance.mark", person="tv-4", status="online")
    s.ok(s.point("tra-vinh"), type="attendance.mark", person="khach-0", status="online")
    s.ok(s.secretary, type="attendance.mark", person="tv-5", status="absent", reason="Đi công tác nước ngoài")
    s.ok(s.secretary, type="attendance.mark", person="tv-6", status="absent", reason="Ốm")
    chair = pages.join(s.chair, "chair")
    point = pages.join(s.point("tra-vinh"), "point")
    member = pages.join(s.person("tv-1"), "member")

    # The chair sends a deputy for tv-5: the answer's link is shown once, and it opens the deputy's page.
    chair.locator('[data-key="deputy-form"] summary').click()
    chair.locator("#deputy-member").select_option("tv-5")
    chair.locator("#deputy-name").fill(committee.DEPUTY["name"])
    chair.locator("#deputy-position").fill(committee.DEPUTY["position"])
    button(chair, "Cử người dự thay").click()
    link = chair.locator('[data-key="deputy-link-value"]')
    expect(link).to_have_value(re.compile(rf"^{re.escape(server.base)}/join/\S+$"))
    expect(chair.locator("#deputy-list")).to_contain_text("Trần Thị Dự dự thay Bùi Văn Năm")
    deputy = pages.join(link.input_value().rsplit("/", 1)[1], "deputy")
    expect(deputy.locator("h1")).to_contain_text("Trần Thị Dự")
    expect(deputy.locator("header")).to_contain_text("Dự thay Bùi Văn Năm")
    button(deputy, "Trực tuyến tại Điểm cầu Trà Vinh").click()

    # A proxy from tv-6 (absent) to tv-1 (present).
    chair.locator('[data-key="proxy-form"] summary').click()
    chair.locator("#proxy-from").select_option("tv-6")
    chair.locator("#proxy-to").select_option("tv-1")
    button(chair, "Ủy quyền biểu quyết").click()
    expect(chair.locator("#proxy-list")).to_contain_text("Đỗ Thị Sáu ủy quyền cho Phạm Văn Một")

    # An item added with a show of hands, moved to the top of the agenda.
    chair.locator('[data-key="add-item-form"] summary').click()
    chair.locator("#add-item-title").fill("Kiến nghị bổ sung về ngân sách")
    chair.locator("#add-item-ballot").select_option("hands")
    button(chair, "Thêm nội dung").click()
    added = chair.locator('[data-item="bo-sung-1"]')
    expect(added).to_contain_text("Bổ sung")
    added.get_by_role("button", name="Lên đầu: Kiến nghị bổ sung về ngân sách").click()
    expect(chair.locator("#agenda li[data-item]").first).to_have_attribute("data-item", "bo-sung-1")

    # The show of hands: the chair enters the counts and closes; every screen shows the result.
    button(chair, "Khai mạc phiên họp").click()
    expect(chair.locator("#session-status")).to_have_text("Đang họp")
    added.get_by_role("button", name="Bắt đầu").click()
    expect(point.locator(".item-now")).to_have_text("Kiến nghị bổ sung về ngân sách")
    expect(point.locator(".item-number")).to_contain_text("1")
    button(chair, "Mở biểu quyết: Kiến nghị bổ sung về ngân sách").click()
    expect(member.locator("#vote")).to_contain_text("Biểu quyết bằng giơ tay: chủ tọa nhập kết quả.")
    expect(chair.locator(".hands-form")).to_contain_text("Có 7 thành viên có thể biểu quyết.")
    chair.locator("#hands-yes").fill("5")
    chair.locator("#hands-no").fill("1")
    chair.locator("#hands-abstain").fill("1")
    shoot(chair, "chair-hands")
    button(chair, "Ghi kết quả giơ tay và kết thúc").click()
    expect(point.locator(".stage .outcome")).to_have_text("THÔNG QUA")
    expect(point.locator(".stage .count-yes b")).to_have_text("5")
    added.get_by_role("button", name="Kết thúc").click()

    # An item deferred, with its reason, while another runs.
    chair.locator('[data-item="du-thao"]').get_by_role("button", name="Bắt đầu").click()
    chair.locator('[data-item="bao-cao"]').get_by_role("button", name="Hoãn").click()
    chair.locator('[data-key="defer-reason-bao-cao"]').fill(committee.DEFER_REASON)
    chair.locator('[data-key="defer-ok-bao-cao"]').click()
    expect(chair.locator('[data-item="bao-cao"]')).to_contain_text(f"Hoãn: {committee.DEFER_REASON}")
    expect(chair.locator('[data-item="bao-cao"] .tag').first).to_have_text("Đã hoãn")

    # A point of order goes first; its speaker has 1 s: the point screen and the speaker's phone count down, then show the overrun.
    guest = pages.join(s.person("khach-0"), "guest")
    s.ok(s.person("tv-2"), type="speaker.request", item="du-thao")
    button(guest, "Ý kiến về thủ tục").click()
    expect(guest.locator("#speak")).to_contain_text("thứ 1 trong danh sách chờ")
    expect(chair.locator("#speakers .queue li").first).to_contain_text("Ngô Văn Khách")
    expect(chair.locator("#speakers .queue li").first).to_contain_text("Ý kiến về thủ tục")
    request = s.snapshot()["state"]["floor"] or [r for r in s.snapshot()["state"]["requests"].values()
                                                  if r["person"] == "khach-0"][0]["id"]
    s.ok(s.chair, type="speaker.grant", request=request, limit_s=1)
    expect(point.locator(".floor .speech-countdown")).to_have_text(re.compile(r"^Quá giờ 00:0\d$"))
    expect(guest.locator("#speak .speech-countdown")).to_have_text(re.compile(r"^Quá giờ 00:0\d$"))
    expect(chair.locator("#now .speech-countdown")).to_have_class(re.compile(r"\bover\b"))
    shoot(point, "point-overrun", fold=True)
    shoot(guest, "speaker-overrun")
    chair.locator(f'[data-key="finish-{request}"]').click()
    expect(chair.locator(f'[data-key="finish-{request}"]')).to_have_count(0)  # the finish is committed and back
    finished = [e for e in s.events() if e["type"] == "speaker.finished"][-1]
    assert finished["overrun_s"] >= 0 and finished["spoken_s"] >= 1

    # The named poll: tv-1 votes for themself and for tv-6; the deputy votes for tv-5.
    button(chair, "Mở biểu quyết: Thông qua dự thảo Quy chế").click()
    ballot = member.locator('[data-member="tv-6"]')
    expect(ballot).to_contain_text("Biểu quyết thay cho Đỗ Thị Sáu (ủy quyền)")
    member.locator('[data-key="vote-yes"]').click()
    member.locator('[data-key="vote-send"]').click()
    expect(member.locator("#my-vote")).to_contain_text("Bạn đã biểu quyết: Tán thành")
    member.locator('[data-key="vote-no-tv-6"]').click()
    member.locator('[data-key="vote-send-tv-6"]').click()
    expect(member.locator("#vote-for-tv-6")).to_contain_text("Bạn đã biểu quyết: Không tán thành")
    expect(deputy.locator('[data-member="tv-5"]')).to_contain_text("Biểu quyết thay cho Bùi Văn Năm (người dự thay)")
    deputy.locator('[data-key="vote-yes-tv-5"]').click()
    deputy.locator('[data-key="vote-send-tv-5"]').click()
    expect(deputy.locator("#vote-for-tv-5")).to_contain_text("Bạn đã biểu quyết: Tán thành")
    expect(chair.locator("#poll .progress-text")).to_have_text("3 trên 7 người đã biểu quyết")
    shoot(member, "member-proxy-voted")
    shoot(deputy, "deputy-voted")

    # Presence drops below quorum (4 of 7) while the poll is open: the chair is warned at once.
    expect(chair.locator("#quorum-drop")).to_have_count(0)
    for person in ("chu-toa", "tv-2", "tv-3", "tv-4"):
        s.ok(s.chair, type="attendance.mark", person=person, status="absent")
    expect(chair.locator("#quorum-drop")).to_have_text(
        "Cảnh báo: số thành viên có mặt (3) đã xuống dưới mức tối thiểu (4) trong khi đang biểu quyết.")
    shoot(chair, "chair-quorum-drop")
    s.ok(s.chair, type="attendance.mark", person="chu-toa", status="present")
    expect(chair.locator("#quorum-drop")).to_have_count(0)
    chair.locator('[data-key="poll-close"]').click()
    chair.locator('[data-key="poll-close-yes"]').click()  # the chair confirms the close
    expect(member.locator("#vote .outcome")).to_have_text("KHÔNG THÔNG QUA")
    chair.locator('[data-key="roll-p2"] summary').click()
    expect(chair.locator('[data-key="roll-p2"]')).to_contain_text("Đỗ Thị Sáu (do Phạm Văn Một biểu quyết thay)")
