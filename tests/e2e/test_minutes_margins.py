"""No text of the minutes passes the page's right margin: the reference session's draft and a session of long
names, long point names, represented votes and long notes, rendered through the server by the render worker."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.reference import CONNECTED, connected_points, play_reference
from tests.support import ROOT, Session, require_tool

CSS = ROOT / "minutes" / "static" / "minutes.css"
MM = 72 / 25.4  # points per millimetre
A4_WIDTH_MM = 210


def body_right_edge() -> float:
    """The x (pt) where the body ends: the A4 width less the right margin the minutes' CSS gives ``@page``."""
    page = re.search(r"@page\s*\{(.*?)\}", CSS.read_text(), re.S).group(1)
    assert re.search(r"size:\s*A4;", page), page
    margins = re.search(r"margin:\s*([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm\s+([\d.]+)mm;", page).groups()
    return (A4_WIDTH_MM - float(margins[1])) * MM


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)


def words(pdf: Path) -> list[tuple[int, float, str]]:
    """Every word of the PDF as (page, xMax in pt, text), from ``pdftotext -bbox``."""
    out = subprocess.run([require_tool("pdftotext"), "-bbox", str(pdf), "-"], check=True, capture_output=True,
                         text=True).stdout
    found = []
    for number, (width, _, body) in enumerate(PAGE.findall(out), start=1):
        assert abs(float(width) - A4_WIDTH_MM * MM) < 0.5, width
        found += [(number, float(m[2]), html.unescape(m[4])) for m in WORD.findall(body)]
    return found


def past_the_margin(session: Session, tmp_path: Path) -> tuple[list, int]:
    """The words of the session's minutes (GET minutes.pdf as the secretary) ending right of the body's edge."""
    r = session.server.http.get(f"/api/sessions/{session.id}/minutes.pdf",
                                headers={"Authorization": f"Bearer {session.secretary}"})
    assert r.status_code == 200, r.text
    pdf = tmp_path / "bien-ban.pdf"
    pdf.write_bytes(r.content)
    edge = body_right_edge()
    found = words(pdf)
    return [(page, round(x, 1), text) for page, x, text in found if x > edge + 0.05], len(found)


def test_body_right_edge_is_a4_less_15mm():
    """The edge the tests measure against is 210 mm less the 15 mm right margin of Decree 30's layout."""
    assert round(body_right_edge(), 2) == 552.76


def test_reference_minutes_keep_inside_the_right_margin(srv, tmp_path):
    """Every word of the reference session's draft minutes ends left of the right margin."""
    session = srv.create()
    with connected_points(session, CONNECTED):
        play_reference(session)
    outside, total = past_the_margin(session, tmp_path)
    assert total > 1500
    assert outside == [], outside


LONG = "Nguyễn Thị Phương Thảo Hoàng Ngọc Bích Vân Trường Giang"  # 8 words, some 60 characters
POINT = "Điểm cầu Ủy ban nhân dân tỉnh Bà Rịa – Vũng Tàu và các sở, ban, ngành trực thuộc"
UNBROKEN = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc=" + "1" * 60


def long_agenda(language: str) -> dict:
    """Eight voting members with long names (one with a deputy, one a proxy), a long point, a long title."""
    hall, far = "hoi-truong", "xa"
    people = [{"id": "chu-toa", "name": LONG + " Chủ", "position": "Chủ tịch Ủy ban", "point": hall},
              {"id": "thu-ky", "name": LONG + " Thư", "position": "Thư ký", "point": hall, "voting": False}]
    people += [{"id": f"tv-{i}", "name": f"{LONG} {i}", "position": "Phó Chủ tịch Ủy ban nhân dân tỉnh kiêm Ủy viên",
                "point": far if i % 2 else hall} for i in range(1, 8)]
    people.append({"id": "khach", "name": LONG + "Khách", "point": far, "voting": False})
    return {
        "session": {
            "title": "Phiên họp chuyên đề về " + " ".join(["chuyển đổi số quốc gia"] * 6), "body": "Ủy ban Thử nghiệm",
            "parent_body": "Chính phủ nước Cộng hòa xã hội chủ nghĩa Việt Nam", "place": POINT,
            "starts_at": "2021-11-30T14:00:00+07:00", "chair": "chu-toa", "secretary": "thu-ky", "quorum": "1/2",
            "deputies_vote": True, "record_number": "02/BB-UBTN", "language": language,
            "recipients": ["Như thành phần dự họp; " + LONG + "; " + UNBROKEN],
        },
        "points": [{"id": hall, "name": "Hội trường", "host": True}, {"id": far, "name": POINT}],
        "people": people,
        "items": [
            {"id": "du-thao", "title": "Thông qua " + " ".join(["dự thảo Quy chế hoạt động"] * 5), "presenter": "tv-1",
             "duration_min": 20, "poll": {"ballot": "named", "rule": "simple"}},
        ],
    }


@pytest.mark.parametrize("language", ["vi", "en"])
def test_long_names_and_represented_votes_keep_inside_the_right_margin(srv, tmp_path, language):
    """Long names, long point names, 'Không tán thành (do … biểu quyết thay)' roll entries, a deputy and an
    unbroken URL in a note and the recipients all wrap inside the body, in the draft and in the final minutes
    (with their verification block), in Vietnamese and English: no word ends right of the margin."""
    s = srv.create(long_agenda(language))
    for person in ("chu-toa", "thu-ky", "tv-2", "tv-4", "tv-6"):
        s.ok(s.chair, type="attendance.mark", person=person, status="present")
    for person in ("tv-1", "tv-3", "khach"):
        s.ok(s.point("xa"), type="attendance.mark", person=person, status="online")
    s.ok(s.secretary, type="attendance.mark", person="tv-5", status="absent", reason=LONG)
    s.ok(s.secretary, type="attendance.mark", person="tv-7", status="absent", reason="Ốm")
    deputy = s.ok(s.secretary, type="deputy.assign", person="tv-5", name=LONG + " Dự",
                  position="Phó Giám đốc Sở Thông tin và Truyền thông")["link"].rsplit("/", 1)[1]
    s.ok(deputy, type="attendance.mark", person="d1", status="online")
    s.ok(s.chair, type="proxy.grant", **{"from": "tv-7", "to": "tv-1"})
    s.ok(s.chair, type="session.open")
    s.ok(s.chair, type="item.start", item="du-thao")
    request = next(e["request"] for e in s.ok(s.point("xa"), type="speaker.request", item="du-thao",
                                               person="tv-3")["events"] if e["type"] == "speaker.requested")
    s.ok(s.chair, type="speaker.grant", request=request)
    s.ok(s.chair, type="speaker.finish", request=request)
    poll = next(e["poll"] for e in s.ok(s.chair, type="poll.open", item="du-thao")["events"]
                if e["type"] == "poll.opened")
    for voter in ("chu-toa", "tv-1", "tv-2", "tv-3", "tv-4", "tv-6"):
        s.ok(s.chair if voter == "chu-toa" else s.person(voter), type="vote.cast", poll=poll, choice="no")
    s.ok(s.person("tv-1"), type="vote.cast", poll=poll, choice="abstain", **{"for": "tv-7"})
    s.ok(deputy, type="vote.cast", poll=poll, choice="no")
    s.ok(s.chair, type="poll.close", poll=poll)
    s.ok(s.secretary, type="note.record", item="du-thao", text="Xem thêm tại " + UNBROKEN)
    s.ok(s.chair, type="conclusion.record", item="du-thao", text="Không thông qua; " + LONG + " " + UNBROKEN)
    s.ok(s.chair, type="item.end", item="du-thao")
    s.ok(s.chair, type="session.close")
    outside, total = past_the_margin(s, tmp_path)
    assert total > 300
    assert outside == [], outside
    s.ok(s.secretary, type="minutes.finalize")
    outside, total = past_the_margin(s, tmp_path)
    assert total > 300
    assert outside == [], outside
