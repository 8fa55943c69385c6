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

    # The SHA-256 in 8 groups of 8 digits, none broken over two lines at either size; its text is the hash.
    sha = session.snapshot(session.secretary)["state"]["minutes_sha256"]
    assert page.locator("#final-sha").text_content() == sha
    for size in ({"width": 1920, "height": 1080}, {"width": 390, "height": 844}):
        page.set_viewport_size(size)
        assert page.eval_on_selector_all("#final-sha .sha-group", "gs => gs.map((g) => [g.textContent.length, g.getClientRects().length])") == [[8, 1]] * 8
    page.set_viewport_size({"width": 1920, "height": 1080})
    # Our own labelled button and words for the file, not Chromium's English "Choose File / No file chosen".
    expect(page.locator("label.file-pick")).to_have_text("Chọn tệp PDF đã ký…")
    expect(page.locator("#signed-name")).to_have_text("Chưa chọn tệp nào.")
    assert page.eval_on_selector("#signed-file", "e => e.getBoundingClientRect().width") <= 1

    signed = tmp_path / "ky.pdf"
    signed.write_bytes(pki.secretary.sign(get_pdf(session, session.secretary), "Thu-ky"))
    page.locator("#signed-file").set_input_files(str(signed))
    expect(page.locator("#signed-name")).to_have_text("Đã chọn: ky.pdf")
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
    expect(page.locator("label.file-pick")).to_have_text("Choose the signed PDF…")
    expect(page.locator("#final")).to_have_text(f"The minutes are final. SHA-256: {sha}")
    expect(lines.nth(0)).to_have_text("Sealed by Ủy ban Thử nghiệm")
    expect(lines.nth(1)).to_contain_text("valid signature, signer not trusted here")
