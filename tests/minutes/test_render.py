"""Minutes rendering, checked on the real PDF with poppler-utils and qpdf."""

import datetime as dt
import re
import subprocess
import time
import unicodedata
from pathlib import Path

import msgspec
import pytest

from phienhop.minutes import (
    Absent,
    Attendance,
    ItemMinutes,
    MinutesDoc,
    Person,
    PointAttendance,
    PollResult,
    RollEntry,
    Speaker,
    render_html,
    render_pdf,
)

FONTS = Path(__file__).resolve().parents[2] / "minutes" / "fonts"
ICT = dt.timezone(dt.timedelta(hours=7))
BASE = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
TONED = "aăâeêioôơuưy"
MARKS = "\u0300\u0301\u0303\u0309\u0323"
# Every Vietnamese letter, lower and upper case, each vowel with its five tone marks.
VIETNAMESE = " ".join(
    [BASE, BASE.upper()]
    + [v + "".join(unicodedata.normalize("NFC", v + m) for m in MARKS) for v in TONED + TONED.upper()]
)
NOTE = "Đại biểu thống nhất cao với dự thảo.\nĐề nghị bổ sung quy định về chế độ báo cáo."
SCRIPT_NOTE = "<script>alert('x')</script> & “trích dẫn”"


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2021, 11, 30, hour, minute, tzinfo=ICT)


def make_doc(*, language: str = "vi", draft: bool = True, **changes) -> MinutesDoc:
    """The reference session (30/11/2021), shaped like the server's projection, long enough for 3+ pages."""
    chair = Person("Nguyễn Văn Thành", "Chủ tịch Ủy ban")
    secretary = Person("Trần Thị Hồng Nhung", "Chuyên viên Văn phòng Chính phủ")
    members = [Person(f"Lê Quang Đức {n}", f"Thành viên Ủy ban, Bộ số {n}") for n in range(1, 19)]
    tra_vinh = [Person("Phạm Thị Ngọc Ánh", "Phó Chủ tịch UBND tỉnh Trà Vinh"), Person("Huỳnh Văn Lộc")]
    da_nang = [Person("Võ Thị Tường Vy", "Giám đốc Sở Thông tin và Truyền thông")]
    roll = [RollEntry(m.name, ("yes", "yes", "no", "abstain")[i % 4]) for i, m in enumerate(members)]
    named = PollResult(
        subject="Dự thảo Quy chế hoạt động của Ủy ban",
        ballot="named",
        rule="more-than-half-of-members",
        yes=9,
        no=4,
        abstain=4,
        not_voted=3,
        entitled=20,
        present=17,
        quorum="1/2",
        outcome="adopted",
        opened_at=at(15, 2),
        closed_at=at(15, 7),
        roll=roll,
        members=20,
        present_at_open=17,
        needed=11,
        present_at_close=17,
    )
    secret = PollResult(
        subject="Nhân sự Tổ giúp việc",
        ballot="secret",
        rule="two-thirds-of-members",
        yes=12,
        no=5,
        abstain=0,
        not_voted=3,
        entitled=20,
        present=17,
        quorum="2/3",
        outcome="rejected",
    )
    items = [
        ItemMinutes(
            number=1,
            title="Báo cáo tình hình chuyển đổi số quốc gia",
            presenter=Person("Đặng Hoàng Yến", "Bộ trưởng Bộ Thông tin và Truyền thông"),
            started_at=at(14, 5),
            ended_at=at(14, 40),
            speakers=[
                Speaker(members[0], at=at(14, 20)),
                Speaker(tra_vinh[0], point="Trà Vinh", at=at(14, 25)),
                Speaker(da_nang[0], point="Đà Nẵng", at=at(14, 31)),
            ],
            notes=[NOTE, SCRIPT_NOTE, f"Kiểm tra chữ: {VIETNAMESE}"],
            conclusions=["Ủy ban ghi nhận báo cáo và giao Bộ Thông tin và Truyền thông tổng hợp ý kiến."],
        ),
        ItemMinutes(
            number=2,
            title="Thông qua Quy chế hoạt động của Ủy ban",
            presenter=Person("Đặng Hoàng Yến", "Bộ trưởng Bộ Thông tin và Truyền thông"),
            started_at=at(14, 40),
            ended_at=at(15, 10),
            notes=["Thư ký đọc toàn văn dự thảo.\n" + "Các thành viên thảo luận từng điều. " * 30],
            polls=[named, secret],
            conclusions=["Quy chế được thông qua.", "Giao Văn phòng hoàn thiện hồ sơ."],
        ),
        ItemMinutes(number=3, title="Các vấn đề khác"),
    ]
    doc = MinutesDoc(
        language=language,
        draft=draft,
        parent_body="Chính phủ",
        body="Ủy ban Quốc gia về chuyển đổi số",
        title="Phiên họp thứ nhất của Ủy ban Quốc gia về chuyển đổi số",
        place="Trụ sở Chính phủ, số 1 Hoàng Hoa Thám, Ba Đình, Hà Nội và các điểm cầu trực tuyến",
        starts_at=at(14),
        chair=chair,
        secretary=secretary,
        attendance=Attendance(
            in_hall=[chair, *members],
            online=[PointAttendance("Trà Vinh", tra_vinh), PointAttendance("Đà Nẵng", da_nang)],
            absent=[Absent(Person("Bùi Thanh Sơn", "Thành viên Ủy ban"), "đi công tác nước ngoài")],
            not_marked=[Person("Hoàng Văn Nam", "Thành viên Ủy ban"), Person("Đỗ Thị Lan")],
            points_connected=["Trà Vinh", "Đà Nẵng", "Cà Mau"],
        ),
        items=items,
        record_number="01/BB-UBQGCDS",
        opened_at=at(14, 2),
        closed_at=at(16, 5),
        head_hash="9f2c" * 16,
        event_count=412,
    )
    return msgspec.structs.replace(doc, **changes)


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def write(tmp_path: Path, doc: MinutesDoc, name: str = "minutes.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(render_pdf(doc))
    return path


@pytest.fixture(scope="module")
def draft_pdf(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("draft"), make_doc())


@pytest.fixture(scope="module")
def draft_text(draft_pdf) -> str:
    return run("pdftotext", "-layout", str(draft_pdf), "-")


def test_text_has_masthead_title_and_people(draft_text):
    """The national name, motto, kind, title, chair, secretary and points appear verbatim."""
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BIÊN BẢN",
        "CHÍNH PHỦ",
        "ỦY BAN QUỐC GIA VỀ",  # the issuer's name wraps in its narrow column
        "CHUYỂN ĐỔI SỐ",
        "Số: 01/BB-UBQGCDS",
        "Phiên họp thứ nhất của Ủy ban Quốc gia về chuyển đổi số",
        "Chủ trì: Nguyễn Văn Thành, Chủ tịch Ủy ban",
        "Thư ký: Trần Thị Hồng Nhung",
        "Trà Vinh",
        "Đà Nẵng",
        "(điểm cầu Trà Vinh)",
        "Vắng mặt có lý do (1):",
        "(lý do: đi công tác nước ngoài)",
        "Chưa điểm danh (2):",
        "Hoàng Văn Nam, Thành viên Ủy ban",
        "Thời gian bắt đầu: 14 giờ 02, ngày 30 tháng 11 năm 2021",
        "Cuộc họp kết thúc vào 16 giờ 05, ngày 30 tháng 11 năm 2021./.",
        "THƯ KÝ",
        "CHỦ TỌA",
        "(Ký, ghi rõ họ tên)",
    ):
        assert expected in draft_text, expected


def test_notes_keep_their_line_breaks(draft_text):
    """Each line of a note is its own line in the PDF."""
    lines = [line.strip() for line in draft_text.splitlines()]
    for part in NOTE.split("\n"):
        assert part in lines


def test_polls_show_counts_rule_and_outcome(draft_text):
    """A named and a secret poll print tally, share of members, rule, quorum, outcome and roll."""
    text = " ".join(draft_text.split())
    for expected in (
        "Hình thức: biểu quyết công khai; nguyên tắc thông qua: quá nửa tổng số thành viên.",
        "Hình thức: bỏ phiếu kín; nguyên tắc thông qua: ít nhất hai phần ba tổng số thành viên.",
        "Khi mở biểu quyết: có mặt 17/20 thành viên có quyền biểu quyết; số thành viên tối thiểu phải có mặt: 11 "
        "(quá 1/2 tổng số thành viên).",
        "Khi kết thúc biểu quyết: có mặt 17/20 thành viên.",
        "Tán thành 9 45,00%",
        "Không tán thành 4 20,00%",
        "Không biểu quyết 4 20,00%",
        "Không tham gia biểu quyết 3 15,00%",
        "Kết quả: THÔNG QUA",
        "Kết quả: KHÔNG THÔNG QUA",
        "Lê Quang Đức 3 — Không tán thành",
        "Mở biểu quyết: 15 giờ 02; kết thúc: 15 giờ 07.",
    ):
        assert expected in text, expected


def test_every_vietnamese_letter_is_rendered(draft_text):
    """The bundled font covers every Vietnamese letter, so text extraction gives them all back."""
    words = draft_text.split()
    for word in VIETNAMESE.split():
        assert word in words


def test_bundled_font_maps_every_vietnamese_letter():
    """Each bundled face has a glyph for every Vietnamese letter and the combining tone marks."""
    from fontTools.ttLib import TTFont

    faces = sorted(FONTS.glob("*.ttf"))
    assert len(faces) == 4
    for face in faces:
        cmap = TTFont(face).getBestCmap()
        missing = [c for c in VIETNAMESE.replace(" ", "") + MARKS if ord(c) not in cmap]
        assert missing == [], face.name


def test_only_bundled_font_and_all_embedded(draft_pdf):
    """pdffonts lists only the bundled faces (named by their CSS family), every one embedded."""
    rows = run("pdffonts", str(draft_pdf)).splitlines()[2:]
    assert rows
    for row in rows:
        name = row.split()[0]
        assert re.fullmatch(r"[A-Z]{6}\+Phienhop-Serif(-Bold|-Italic|-BoldItalic)?", name), row
        # Columns: name, type (may be two words), encoding, emb, sub, uni, object ID.
        emb, _sub, _uni = row.split()[-5:-2]
        assert emb == "yes", row


def test_pdf_is_structurally_valid(draft_pdf):
    """qpdf --check finds no problem."""
    result = subprocess.run(["qpdf", "--check", str(draft_pdf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_page_is_a4_with_metadata(draft_pdf):
    """Pages are A4 and the document carries title, author, creator and language."""
    info = run("pdfinfo", str(draft_pdf))
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size and abs(float(size[1]) - 595.28) < 0.5 and abs(float(size[2]) - 841.89) < 0.5
    assert "Title:           Phiên họp thứ nhất của Ủy ban Quốc gia về chuyển đổi số" in info
    assert "Author:          Ủy ban Quốc gia về chuyển đổi số" in info
    assert "Creator:         phienhop" in info
    assert int(re.search(r"Pages:\s+(\d+)", info)[1]) >= 3
    catalog = run("qpdf", "--json=2", "--json-key=qpdf", str(draft_pdf))
    assert '"/Lang": "u:vi"' in catalog


def test_page_numbers_start_on_page_two(draft_pdf):
    """Page 1 carries no number at the top; page 2 starts with "2" and page 3 with "3"."""
    page1 = run("pdftotext", "-layout", "-f", "1", "-l", "1", str(draft_pdf), "-").split()
    page2 = run("pdftotext", "-layout", "-f", "2", "-l", "2", str(draft_pdf), "-").split()
    page3 = run("pdftotext", "-layout", "-f", "3", "-l", "3", str(draft_pdf), "-").split()
    assert not page1[0].isdigit()
    assert page2[0] == "2"
    assert page3[0] == "3"


def test_draft_mark_only_on_drafts(draft_text, tmp_path):
    """DỰ THẢO is printed on a draft and absent from the final minutes."""
    assert "DỰ THẢO" in draft_text
    final = write(tmp_path, make_doc(draft=False))
    text = run("pdftotext", "-layout", str(final), "-")
    assert "DỰ THẢO" not in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


def test_text_is_escaped(draft_text):
    """Markup in a note is printed literally, never interpreted."""
    assert SCRIPT_NOTE in draft_text
    html = render_html(make_doc())
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_blank_record_number_and_closing_time(tmp_path):
    """Without a record number or closing time, the form's dotted blanks are printed."""
    doc = make_doc(record_number="", closed_at=None, head_hash="", opened_at=None)
    text = run("pdftotext", "-layout", str(write(tmp_path, doc)), "-")
    assert "Số: .../BB-..." in text
    assert "Cuộc họp kết thúc vào … giờ …, ngày … tháng … năm …" in text
    assert "Thời gian bắt đầu: 14 giờ 00, ngày 30 tháng 11 năm 2021" in text
    assert "mã băm cuối" not in text


def test_provenance_names_the_log_head(draft_text):
    """The minutes name the event count and the log's head hash."""
    text = " ".join(draft_text.split())
    assert f"Biên bản được lập từ nhật ký sự kiện: 412 sự kiện, mã băm cuối {'9f2c' * 16}" in text


def test_english_minutes(tmp_path):
    """English minutes carry the English national name, motto, kind and labels."""
    text = run("pdftotext", "-layout", str(write(tmp_path, make_doc(language="en"))), "-")
    flat = re.sub(r"[ \t]+", " ", text)
    for expected in (
        "SOCIALIST REPUBLIC OF VIET NAM",
        "Independence - Freedom - Happiness",
        "MINUTES",
        "DRAFT",
        "No.: 01/BB-UBQGCDS",
        "Start time: 14:02, 30 November 2021",
        "PROCEEDINGS",
        "Result: ADOPTED",
        "Result: REJECTED",
        "The meeting ended at 16:05 on 30 November 2021./.",
        "SECRETARY",
        "CHAIR",
        "(Signature, full name)",
        "Compiled from the event log: 412 events",
    ):
        assert expected in flat, expected


def test_dates_follow_decree_30():
    """Days below 10 and months 1 and 2 take a leading zero; hours do not."""
    moment = dt.datetime(2022, 1, 5, 8, 7, tzinfo=ICT)
    html = render_html(make_doc(opened_at=moment, closed_at=moment))
    assert "Thời gian bắt đầu:</span> 8 giờ 07, ngày 05 tháng 01 năm 2022" in html
    assert "Cuộc họp kết thúc vào 8 giờ 07, ngày 05 tháng 01 năm 2022./." in html
    html = render_html(make_doc(language="en", opened_at=moment))
    assert "Start time:</span> 08:07, 5 January 2022" in html


def test_decomposed_text_is_normalised():
    """Text typed with combining tone marks is printed in composed (NFC) form."""
    name = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    html = render_html(make_doc(chair=Person(name)))
    assert "Nguyễn Thị Ánh" in html
    assert name not in html


def test_unknown_language_is_refused():
    """Only vi and en minutes exist."""
    with pytest.raises(ValueError, match=r"^unknown minutes language 'fr': use \"vi\" or \"en\"$"):
        render_html(make_doc(language="fr"))


def test_consultative_poll_has_no_outcome(tmp_path):
    """A consultative poll says it has no adopted/rejected outcome."""
    poll = PollResult("Thăm dò", "named", "consultative", 3, 1, 0, 0, 4, 4, "1/2", "consultative")
    doc = make_doc(items=[ItemMinutes(1, "Thăm dò ý kiến", polls=[poll])])
    text = re.sub(r"[ \t]+", " ", run("pdftotext", "-layout", str(write(tmp_path, doc)), "-"))
    assert "Biểu quyết thăm dò, không có kết quả thông qua" in text
    assert "biểu quyết thăm dò ý kiến" in text
    assert "Kết quả:" not in text


def test_typical_render_time(tmp_path):
    """A typical session renders repeatedly with the cached font configuration (time printed)."""
    doc = make_doc()
    render_pdf(doc)
    started = time.perf_counter()
    for _ in range(3):
        render_pdf(doc)
    print(f"\ntypical minutes: {(time.perf_counter() - started) / 3:.3f}s per render")


def test_point_is_named_once_for_a_speaker():
    """A speaker's point whose name already says "Điểm cầu" is not prefixed a second time."""
    item = ItemMinutes(1, "Tham luận", speakers=[Speaker(Person("Huỳnh Văn Lộc"), point="Điểm cầu Trà Vinh")])
    html = render_html(make_doc(items=[item]))
    assert "Huỳnh Văn Lộc (Điểm cầu Trà Vinh)" in html
    assert "điểm cầu Điểm cầu" not in html


def test_point_with_one_person_is_one_entry():
    """A point with one person online reads on one entry; a point with more lists them numbered."""
    html = render_html(make_doc())
    assert "+ <b>Đà Nẵng</b>: Võ Thị Tường Vy, Giám đốc Sở Thông tin và Truyền thông</p>" in html
    assert "+ <b>Trà Vinh</b> (2):</p>" in html


def test_empty_attendance_groups_are_left_out():
    """With nobody in the hall and nobody absent, neither heading is printed."""
    attendance = Attendance(in_hall=[], online=[PointAttendance("Trà Vinh", [Person("Huỳnh Văn Lộc")])], absent=[])
    html = render_html(make_doc(attendance=attendance))
    assert "Có mặt tại hội trường" not in html
    assert "Vắng mặt" not in html
    assert "Tham dự trực tuyến tại các điểm cầu:" in html
