"""Before the close and before finalizing, the pages name who will stand absent without a reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .test_pages import browser, button, pages, server  # noqa: F401  (fixtures)
from ..support import small_agenda

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["vi", "en"])
def test_chair_sees_the_unmarked_and_the_secretary_the_absent_without_reason(pages, server, language):  # noqa: F811
    """The chair's close confirmation names the never-marked; the secretary's finalize confirmation names them again."""
    session = server.create(small_agenda(language=language))
    session.ok(session.chair, type="session.open")
    for person in ("chu-toa", "thu-ky", "tv-1", "tv-3"):
        session.ok(session.chair, type="attendance.mark", person=person, status="present")
    session.ok(session.chair, type="attendance.mark", person="tv-2", status="absent", reason="Ốm")
    chair = pages.join(session.chair, "chair")
    secretary = pages.join(session.secretary, "secretary")
    words = {
        "vi": ("Bế mạc phiên họp", "Xác nhận", "Hoàn tất biên bản",
               "Chưa điểm danh (2), sẽ được ghi vắng mặt không có lý do: Thành viên Số 4, Khách mời 0.",
               "Vắng mặt không có lý do (2): Thành viên Số 4, Khách mời 0. Kiểm tra lại điểm danh trước khi hoàn tất."),
        "en": ("Close the session", "Confirm", "Finalize the minutes",
               "Not marked (2); they will be recorded absent, no reason given: Thành viên Số 4, Khách mời 0.",
               "Absent, no reason given (2): Thành viên Số 4, Khách mời 0. Check the attendance before finalizing."),
    }[language]
    close, confirm, finalize, unmarked, absent = words
    button(chair, close).click()
    expect(chair.locator("#close-unmarked")).to_have_text(unmarked)
    button(chair, confirm).click()
    expect(chair.locator("#close-unmarked")).to_have_count(0)
    button(secretary, finalize).click()
    expect(secretary.locator("#final-absent")).to_have_text(absent)
    closed = next(e for e in session.events(token=session.chair) if e["type"] == "session.closed")
    assert closed["absent"] == ["tv-4", "khach-0"]
