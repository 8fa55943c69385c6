"""The guarded shim over WeasyPrint's HarfBuzz arrays: still needed, and changes no byte of a PDF."""

from __future__ import annotations

import datetime as dt

from phienhop.minutes import Attendance, MinutesDoc, Person, cffi_arrays, render_pdf


def doc(title: str) -> MinutesDoc:
    moment = dt.datetime(2021, 11, 30, 14, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    chair = Person(name="Phạm Minh Chính", position="Thủ tướng Chính phủ")
    return MinutesDoc(
        language="vi", draft=True, body="Ủy ban Quốc gia về chuyển đổi số", title=title, place="Hà Nội",
        starts_at=moment, chair=chair, secretary=Person(name="Thư ký"),
        attendance=Attendance(in_hall=[chair], online=[], absent=[]), items=[],
    )


def test_weasyprint_still_allocates_fixed_length_harfbuzz_arrays():
    """A render takes the shim's path: when this fails, WeasyPrint changed the call; drop minutes/cffi_arrays.py and its cap."""
    cffi_arrays.install()
    before = cffi_arrays.rewritten
    render_pdf(doc("Phiên họp thứ nhất: ắ ằ ẳ ẵ ặ"))
    assert cffi_arrays.rewritten > before


def test_shim_renders_the_same_bytes():
    """The same document renders to exactly the same PDF with the shim and without it."""
    minutes = doc("Thông qua dự thảo Quy chế hoạt động của Ủy ban: ỡ ợ ử ữ ự")
    cffi_arrays.uninstall()
    try:
        without = render_pdf(minutes)
    finally:
        cffi_arrays.install()
    assert render_pdf(minutes) == without
