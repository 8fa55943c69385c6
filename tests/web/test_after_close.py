"""What the pages show once the session is closed: items never started read "not taken up" (as the minutes say),
the member keeps the vote receipt and sees each poll's result and a summary, and nobody is offered the floor."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .room import PHONE, check_axe, shoot, until
from .test_room import QUY_CHE, VOTERS, browser, room  # noqa: F401  (browser, room: the module's Chromium and the reference session's room)

pytestmark = pytest.mark.browser

NEVER_STARTED = ["khai-mac", "ke-hoach-2022", "tham-luan", "ket-luan"]


def test_items_never_taken_up_say_so_after_the_close(room):
    """After a close with only quy-che held, the chair's and secretary's agendas tag the other four items "Không được
    xem xét" (in English "Not taken up") and quy-che "Đã xong"; none reads "Chưa bắt đầu"; the chair counts no
    connected points any more."""
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
    # Presence is followed only while the session is open: the chair sees no count of connected points after it.
    expect(chair.locator("#points-closed")).to_have_text("The session is closed: the points' connections are no longer followed.")
    assert chair.get_by_text("Connection points online").count() == 0


def test_the_member_keeps_the_receipt_and_reads_the_results_after_the_close(room):
    """A member who voted from the phone still reads the vote's receipt and its result after the poll, the item and
    the session closed; after the close the page says when the session was held and offers no floor to ask for."""
    s = room.session
    room.ok(type="session.open")
    room.mark(VOTERS[:12])
    room.ok(type="item.start", item="quy-che")
    phone = room.open(s.person("to-lam"), "member")
    phone.set_viewport_size(PHONE)
    expect(phone.locator("#speak")).to_be_visible()
    poll = room.ok(type="poll.open", item="quy-che")["events"][0]["poll"]
    phone.click('[data-key="vote-yes"]')
    phone.click('[data-key="vote-send"]')
    receipt = phone.locator("#my-vote .receipt")
    expect(receipt).to_have_text(re.compile(r"^Mã biên nhận: \S+$"))
    text = receipt.inner_text()
    for person in [v for v in VOTERS[:12] if v != "to-lam"][:8]:  # 9 of the 16 members: more than half
        room.ok(s.person(person), type="vote.cast", poll=poll, choice="yes")
    room.ok(type="poll.close", poll=poll)
    mine = phone.locator(f'#results [data-poll="{poll}"]')
    expect(mine.locator(f"#my-vote-{poll} .receipt")).to_have_text(text)
    expect(mine.locator(".outcome")).to_have_text("THÔNG QUA")
    expect(mine.locator(".count-yes b")).to_have_text("9")
    expect(phone.locator("#vote")).to_be_hidden()
    room.ok(type="item.end", item="quy-che")
    expect(mine.locator(f"#my-vote-{poll} .receipt")).to_have_text(text)
    room.ok(type="session.close")
    expect(phone.locator("#closed-h")).to_have_text("Phiên họp đã bế mạc")
    expect(phone.locator("#closed .session-when")).to_have_text(re.compile(r"^\d\d:\d\d – \d\d:\d\d, \d\d/\d\d/\d{4}$"))
    expect(phone.locator("#results-h")).to_have_text("Kết quả biểu quyết")
    expect(mine.locator(f"#my-vote-{poll} .receipt")).to_have_text(text)
    expect(mine.locator(".result-title")).to_have_text(f"Kết quả biểu quyết: {QUY_CHE}")
    expect(phone.locator("#speak")).to_be_hidden()
    expect(phone.locator("#now")).to_be_hidden()
    assert "phát biểu" not in phone.locator("main").inner_text()
    phone.reload()
    expect(mine.locator(f"#my-vote-{poll} .receipt")).to_have_text(text)  # kept on the device, not only in memory
    check_axe(phone, "member after the close")
    shoot(phone, "member-after-close")
    point = room.open(s.point("ha-noi"), "point")
    expect(point.locator(".closed-title")).to_have_text("Phiên họp đã bế mạc")
    expect(point.locator("#speak-h")).to_be_hidden()
