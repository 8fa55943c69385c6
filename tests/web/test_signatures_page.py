"""The secretary page's signature state and signed-copy upload, in a real Chromium against a sealing server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_signed_minutes import agenda, finalize, get_pdf, pki, play, sealing, upload  # noqa: F401
from tests.web.test_pages import Pages, browser, shoot  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def pages(browser, sealing):  # noqa: F811
    opened = Pages(browser, sealing)
    yield opened
    opened.close()
    assert not opened.errors, opened.errors


def test_secretary_sees_seal_signatures_and_hands_in_a_copy(pages, sealing, pki, tmp_path):
    """Sealed by the body, a stranger's signature flagged as not trusted here, and a copy uploaded from the page appears."""
    session = sealing.create(agenda())
    play(session)
    finalize(session)
    assert upload(session, session.chair, pki.stranger.sign(get_pdf(session, session.chair), "La")).status_code == 200
    page = pages.join(session.secretary, "secretary")
    lines = page.locator("#signatures li")
    expect(lines).to_have_count(2)
    expect(lines.nth(0)).to_have_text("Đã đóng dấu số của Ủy ban Thử nghiệm")
    expect(lines.nth(1)).to_have_text(
        re.compile(r"^Ký bởi Người Lạ lúc \d\d:\d\d \d\d/\d\d/\d{4} — chữ ký hợp lệ, người ký không được tin cậy ở đây$"))

    signed = tmp_path / "ky.pdf"
    signed.write_bytes(pki.secretary.sign(get_pdf(session, session.secretary), "Thu-ky"))
    page.locator("#signed-file").set_input_files(str(signed))
    page.locator("#signed-send").click()
    expect(lines).to_have_count(3, timeout=60_000)  # the server checks every signature first: seconds on a loaded machine
    expect(lines.nth(2)).to_have_text(re.compile(r"^Ký bởi Lê Thị Thư lúc \d\d:\d\d \d\d/\d\d/\d{4}$"))
    shoot(page, "secretary-signatures")

    # The same file again adds nothing: refused, and the page says why.
    page.locator("#signed-file").set_input_files(str(signed))
    page.locator("#signed-send").click()
    expect(page.locator("#alert")).to_contain_text(
        "Không thực hiện được: the upload is the stored copy itself: it adds no signature", timeout=60_000)
    expect(lines).to_have_count(3)

    page.locator("#lang").click()
    expect(lines.nth(0)).to_have_text("Sealed by Ủy ban Thử nghiệm")
    expect(lines.nth(1)).to_contain_text("valid signature, signer not trusted here")
