"""Deputies, proxies, agenda changes, speaking time and a show of hands against a real server."""

from __future__ import annotations

import pytest

from . import committee
from .committee import DEFER_REASON


@pytest.fixture(scope="module")
def done(srv):
    s = srv.create(committee.agenda())
    return s, committee.whole(s)


def by_type(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == kind]


def test_the_deputy_gets_a_join_link_that_opens_the_member_page(srv, done):
    """deputy.assign answers with a link on the server's base URL; it sets the cookie and opens the member page."""
    s, run = done
    assert run.deputy_link == f"{srv.base}/join/{run.deputy_token}"
    r = srv.http.get(f"/join/{run.deputy_token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/web/member.html?session={s.id}&")
    me = srv.http.get(f"/api/sessions/{s.id}", headers={"Authorization": f"Bearer {run.deputy_token}"})
    assert me.status_code == 200
    deputy = me.json()["state"]["deputies"]["d1"]
    assert (deputy["person"], deputy["name"], deputy["position"]) == ("tv-5", "Trần Thị Dự", "Phó Giám đốc Sở")


def test_the_order_taken_the_added_and_the_deferred_item(done):
    """The added item was moved first and taken first; bao-cao was deferred, with its reason, while du-thao ran."""
    s, _ = done
    state = s.snapshot()["state"]
    assert state["order"] == ["kien-nghi", "khai-mac", "du-thao", "nhan-su", "bao-cao"]
    assert state["taken"] == ["kien-nghi", "khai-mac", "du-thao", "nhan-su"]
    assert (state["items"]["kien-nghi"]["added"], state["items"]["bao-cao"]["status"],
            state["items"]["bao-cao"]["reason"]) == (True, "deferred", DEFER_REASON)
    events = s.events()
    deferred = by_type(events, "item.deferred")[0]
    started = [e for e in events if e["type"] == "item.started" and e["item"] == "du-thao"][0]
    ended = [e for e in events if e["type"] == "item.ended" and e["item"] == "du-thao"][0]
    assert started["seq"] < deferred["seq"] < ended["seq"]


def test_the_show_of_hands_result(done):
    """The hands poll closed with the chair's counts, 7 members, simple majority adopted."""
    s, _ = done
    closed = by_type(s.events(), "poll.closed")[0]
    assert (closed["ballot"], closed["counts"], closed["voted"], closed["not_voted"], closed["outcome"], closed["roll"]) == (
        "hands", {"yes": 5, "no": 1, "abstain": 1}, 7, 0, "adopted", None)


def test_the_point_of_order_went_first_and_its_overrun_is_recorded(done):
    """The guest's point of order was granted first with 1 s and finished 2 s later: 1 s over."""
    s, run = done
    events = s.events()
    requests = by_type(events, "speaker.requested")
    assert [(r["request"], r["point_of_order"]) for r in requests] == [
        ("r1", False), ("r2", False), ("r3", True), ("r4", False)]
    grants = by_type(events, "speaker.granted")
    assert [(g["request"], g["limit_s"]) for g in grants] == [("r3", 1), ("r1", 180), ("r2", 180), ("r4", 180)]
    assert run.overrun["request"] == "r3"
    assert run.overrun["spoken_s"] >= 2 and run.overrun["overrun_s"] == run.overrun["spoken_s"] - 1


def test_represented_votes_count_once_each_and_n_of_m_includes_them(done):
    """In the named poll tv-1 voted for tv-6 and the deputy for tv-5: 7 of 7 voted, the roll says who cast what."""
    s, _ = done
    events = s.events()
    named = [e for e in by_type(events, "vote.cast") if e["poll"] == "p2"]
    assert [(e["person"], e["by"], e["voted"], e["of"]) for e in named] == [
        ("chu-toa", None, 1, 7), ("tv-1", None, 2, 7), ("tv-6", "tv-1", 3, 7), ("tv-2", None, 4, 7),
        ("tv-3", None, 5, 7), ("tv-4", None, 6, 7), ("tv-5", "d1", 7, 7)]
    closed = [e for e in by_type(events, "poll.closed") if e["poll"] == "p2"][0]
    assert (closed["counts"], closed["outcome"]) == ({"yes": 5, "no": 1, "abstain": 1}, "adopted")
    assert {r["person"]: r.get("by") for r in closed["roll"]} == {
        "chu-toa": None, "tv-1": None, "tv-2": None, "tv-3": None, "tv-4": None, "tv-5": "d1", "tv-6": "tv-1"}


def test_a_secret_represented_vote_has_its_own_receipt_and_no_choice_anywhere(done):
    """tv-1's own and tv-6's represented vote have different receipts; no secret vote event carries a choice."""
    s, run = done
    assert len(set(run.receipts.values())) == 5
    secret = [e for e in by_type(s.events(), "vote.cast") if e["poll"] == "p3"]
    assert [(e["person"], e["by"], e["choice"], e["weight"]) for e in secret] == [
        ("tv-1", None, None, None), ("tv-6", "tv-1", None, None), ("chu-toa", None, None, None),
        ("tv-2", None, None, None), ("tv-5", "d1", None, None)]
    closed = [e for e in by_type(s.events(), "poll.closed") if e["poll"] == "p3"][0]
    assert (closed["counts"], closed["roll"], closed["outcome"]) == ({"yes": 3, "no": 1, "abstain": 1}, None, "adopted")


def test_refusals_over_http(srv):
    """The grantor, a second vote for a member, a deputy without a vote: each refused by name, nothing logged."""
    s = srv.create(committee.agenda(deputies_vote=False))
    _, token = committee.before_opening(s)
    s.ok(s.chair, type="session.open")
    s.ok(s.chair, type="attendance.mark", person="tv-6", status="present")
    s.ok(s.chair, type="item.start", item="du-thao")
    s.ok(s.chair, type="poll.open", item="du-thao")
    s.ok(s.person("tv-1"), type="vote.cast", poll="p1", choice="yes", **{"for": "tv-6"})
    seq = s.snapshot()["seq"]
    for who, body, status, error in [
        (s.person("tv-6"), {}, 409, "vote.proxy_given"),
        (s.person("tv-1"), {"for": "tv-6", "choice": "no"}, 409, "vote.already_cast"),
        (s.person("tv-2"), {"for": "tv-6"}, 403, "vote.not_proxy"),
        (token, {}, 403, "vote.deputy"),
    ]:
        r = s.command(who, **{"type": "vote.cast", "poll": "p1", "choice": "yes", **body})
        assert (r.status_code, r.json()["error"]) == (status, error), r.text
    assert s.snapshot()["seq"] == seq


def minutes_text(srv, s, tmp_path) -> str:
    """pdftotext of the session's minutes as the secretary downloads them, whitespace collapsed."""
    import subprocess

    from ..support import require_tool

    r = srv.http.get(f"/api/sessions/{s.id}/minutes.pdf", headers={"Authorization": f"Bearer {s.secretary}"})
    assert r.status_code == 200, r.text
    pdf = tmp_path / "minutes.pdf"
    pdf.write_bytes(r.content)
    out = subprocess.run([require_tool("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, check=True, text=True)
    return " ".join(out.stdout.split())


def test_the_minutes_show_all_of_it(srv, done, tmp_path):
    """pdftotext of the minutes: the deputy, the proxy, the order taken, the deferral reason, speaking times, the hands."""
    s, run = done
    text = minutes_text(srv, s, tmp_path)
    assert "Người dự thay (1): 1. Trần Thị Dự, Phó Giám đốc Sở (dự thay Bùi Văn Năm, Giám đốc Sở)" in text
    assert "Ủy quyền biểu quyết (1): 1. Đỗ Thị Sáu, Viện trưởng ủy quyền cho Phạm Văn Một, Bộ trưởng" in text
    order = [text.index(t) for t in ("1. Kiến nghị bổ sung về ngân sách (bổ sung trong phiên họp)", "2. Khai mạc",
                                     "3. Thông qua dự thảo Quy chế", "4. Cho ý kiến về nhân sự", "5. Báo cáo tiến độ")]
    assert order == sorted(order)
    assert f"5. Báo cáo tiến độ Hoãn xem xét; lý do: {DEFER_REASON}" in text
    spoken, over = run.overrun["spoken_s"], run.overrun["overrun_s"]
    assert f"Ngô Văn Khách, Chuyên gia (Điểm cầu Trà Vinh) — 0 phút {spoken:02d} giây (quá 0 phút {over:02d} giây)" in text
    assert "THỜI GIAN PHÁT BIỂU Theo người phát biểu: 1. Ngô Văn Khách, Chuyên gia — 0 phút" in text
    assert "Theo điểm cầu: 1. Điểm cầu Trà Vinh — " in text and ", 3 lượt" in text
    assert "Hình thức: biểu quyết giơ tay; nguyên tắc thông qua: đa số phiếu tán thành trên số phiếu biểu quyết." in text
    assert "Số người giơ tay" in text
    assert "Tán thành 5 71,43% Không tán thành 1 14,29% Không biểu quyết 1 14,29%" in text
    assert "Đỗ Thị Sáu — Không tán thành (do Phạm Văn Một biểu quyết thay)" in text
    assert "Bùi Văn Năm — Tán thành (do Trần Thị Dự biểu quyết thay)" in text


# -- exports, read back with real readers, cell by cell -------------------------------------


def download(srv, s, name: str, token: str | None = None):
    return srv.http.get(f"/api/sessions/{s.id}/export/{name}", headers={"Authorization": f"Bearer {token or s.secretary}"})


def csv_rows(srv, s, name: str) -> list[list[str]]:
    import csv
    import io

    r = download(srv, s, name)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))


def xlsx_sheets(srv, s, name: str) -> dict[str, list[list]]:
    import io

    import openpyxl

    r = download(srv, s, name)
    assert r.status_code == 200, r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}


def test_attendance_export_csv_cell_by_cell(srv, done):
    """Attendance CSV: Vietnamese columns, every person then the deputy, statuses, reasons, deputy and proxy links, local times."""
    s, _ = done
    rows = csv_rows(srv, s, "attendance.csv")
    assert rows[0] == ["STT", "Mã", "Họ và tên", "Chức vụ", "Điểm cầu", "Tình trạng", "Lý do", "Có quyền biểu quyết",
                       "Trọng số", "Dự thay cho", "Ủy quyền cho", "Thời điểm điểm danh (UTC+07:00)"]
    assert [r[:11] for r in rows[1:]] == [
        ["1", "chu-toa", "Nguyễn Văn Chủ", "Chủ tịch Ủy ban", "Hội trường", "Có mặt tại hội trường", "", "có", "1", "", ""],
        ["2", "thu-ky", "Lê Thị Thư", "Thư ký", "Hội trường", "Có mặt tại hội trường", "", "không", "", "", ""],
        ["3", "tv-1", "Phạm Văn Một", "Bộ trưởng", "Hội trường", "Có mặt tại hội trường", "", "có", "1", "", ""],
        ["4", "tv-2", "Hoàng Thị Hai", "Thứ trưởng", "Hội trường", "Có mặt tại hội trường", "", "có", "1", "", ""],
        ["5", "tv-3", "Vũ Văn Ba", "Vụ trưởng", "Hội trường", "Có mặt tại hội trường", "", "có", "1", "", ""],
        ["6", "tv-4", "Đặng Thị Bốn", "Chủ tịch UBND tỉnh", "Điểm cầu Trà Vinh", "Trực tuyến", "", "có", "1", "", ""],
        ["7", "tv-5", "Bùi Văn Năm", "Giám đốc Sở", "Điểm cầu Trà Vinh", "Vắng mặt", "Đi công tác nước ngoài", "có", "1", "", ""],
        ["8", "tv-6", "Đỗ Thị Sáu", "Viện trưởng", "Hội trường", "Vắng mặt", "Ốm", "có", "1", "", "Phạm Văn Một"],
        ["9", "khach-0", "Ngô Văn Khách", "Chuyên gia", "Điểm cầu Trà Vinh", "Trực tuyến", "", "không", "", "", ""],
        ["10", "d1", "Trần Thị Dự", "Phó Giám đốc Sở", "Điểm cầu Trà Vinh", "Trực tuyến", "", "không", "", "Bùi Văn Năm", ""],
    ]
    events = {e["person"]: e["at"] for e in s.events() if e["type"] == "attendance.marked"}
    import datetime as dt

    for row in rows[1:]:
        local = dt.datetime.fromisoformat(events[row[1]]).astimezone(dt.timezone(dt.timedelta(hours=7)))
        assert row[11] == local.strftime("%Y-%m-%d %H:%M:%S")


def test_votes_export_xlsx_totals_for_secret_and_hands_rolls_for_named(srv, done):
    """Votes XLSX: a totals row per poll; the named poll's roll with who cast represented votes; no roll for secret or hands."""
    s, _ = done
    (sheet,) = xlsx_sheets(srv, s, "votes.xlsx").values()
    assert sheet[0][:13] == ["Cuộc biểu quyết", "Nội dung", "Hình thức", "Nguyên tắc", "Thành viên", "Lựa chọn",
                             "Người biểu quyết thay", "Trọng số", "Tán thành", "Không tán thành", "Không biểu quyết",
                             "Không tham gia", "Kết quả"]
    body = [row[:13] for row in sheet[1:]]
    hands = ["p1", "Kiến nghị bổ sung về ngân sách", "Giơ tay", "Đa số phiếu biểu quyết"]
    named = ["p2", "Thông qua dự thảo Quy chế", "Công khai", "Quá nửa tổng số thành viên"]
    secret = ["p3", "Cho ý kiến về nhân sự", "Bỏ phiếu kín", "Đa số phiếu biểu quyết"]
    roll = [None] * 5
    assert body == [
        hands + ["Tổng", None, None, None, 5, 1, 1, 0, "Thông qua"],
        named + ["Tổng", None, None, None, 5, 1, 1, 0, "Thông qua"],
        named + ["Nguyễn Văn Chủ", "Tán thành", None, 1] + roll,
        named + ["Phạm Văn Một", "Tán thành", None, 1] + roll,
        named + ["Hoàng Thị Hai", "Tán thành", None, 1] + roll,
        named + ["Vũ Văn Ba", "Không biểu quyết", None, 1] + roll,
        named + ["Đặng Thị Bốn", "Tán thành", None, 1] + roll,
        named + ["Bùi Văn Năm", "Tán thành", "Trần Thị Dự", 1] + roll,
        named + ["Đỗ Thị Sáu", "Không tán thành", "Phạm Văn Một", 1] + roll,
        secret + ["Tổng", None, None, None, 3, 1, 1, 2, "Thông qua"],
    ]


def test_speakers_export_in_both_formats(srv, done):
    """Speakers: each turn in order with its point, point of order, limit, seconds and overrun; XLSX adds totals per person and point."""
    s, run = done
    rows = csv_rows(srv, s, "speakers.csv")
    assert rows[0] == ["STT", "Nội dung", "Người phát biểu", "Điểm cầu", "Ý kiến về thủ tục", "Bắt đầu (UTC+07:00)",
                       "Kết thúc (UTC+07:00)", "Thời gian được phát biểu (giây)", "Thời gian đã nói (giây)", "Vượt (giây)"]
    spoken, over = str(run.overrun["spoken_s"]), str(run.overrun["overrun_s"])
    assert [r[:5] + r[7:] for r in rows[1:]] == [
        ["1", "Thông qua dự thảo Quy chế", "Ngô Văn Khách", "Điểm cầu Trà Vinh", "có", "1", spoken, over],
        ["2", "Thông qua dự thảo Quy chế", "Hoàng Thị Hai", "", "không", "180", "0", "0"],
        ["3", "Thông qua dự thảo Quy chế", "Đặng Thị Bốn", "Điểm cầu Trà Vinh", "không", "180", "0", "0"],
        ["4", "Thông qua dự thảo Quy chế", "Trần Thị Dự", "Điểm cầu Trà Vinh", "không", "180", "0", "0"],
    ]
    sheets = xlsx_sheets(srv, s, "speakers.xlsx")
    assert list(sheets) == ["Phát biểu", "Theo người", "Theo điểm cầu"]
    assert sheets["Phát biểu"][1][:5] == [1, "Thông qua dự thảo Quy chế", "Ngô Văn Khách", "Điểm cầu Trà Vinh", "có"]
    assert sheets["Theo người"] == [
        ["Người phát biểu", "Thời gian đã nói (giây)", "Số lượt", "Vượt (giây)"],
        ["Ngô Văn Khách", int(spoken), 1, int(over)], ["Hoàng Thị Hai", 0, 1, 0], ["Đặng Thị Bốn", 0, 1, 0],
        ["Trần Thị Dự", 0, 1, 0]]
    assert sheets["Theo điểm cầu"] == [
        ["Điểm cầu", "Thời gian đã nói (giây)", "Số lượt", "Vượt (giây)"], ["Điểm cầu Trà Vinh", int(spoken), 3, int(over)]]


def test_exports_are_for_the_chair_secretary_and_admin_only(srv, done):
    """A member is refused 403; an unknown export is 404 export.unknown naming what exists."""
    s, _ = done
    r = download(srv, s, "votes.csv", token=s.person("tv-1"))
    assert r.status_code == 403
    assert download(srv, s, "votes.csv", token=s.chair).status_code == 200
    assert download(srv, s, "votes.csv", token="test-admin-token").status_code == 200
    r = download(srv, s, "ballots.pdf")
    assert (r.status_code, r.json()) == (404, {
        "error": "export.unknown",
        "detail": "no export 'ballots.pdf': ask for one of attendance.{csv,xlsx}, votes.{csv,xlsx}, speakers.{csv,xlsx}"})


def test_english_session_exports_in_english(srv):
    """An English session's export names its columns and values in English."""
    s = srv.create(committee.agenda(language="en"))
    committee.before_opening(s)
    rows = csv_rows(srv, s, "attendance.csv")
    assert rows[0][:6] == ["No.", "Id", "Name", "Position", "Connection point", "Status"]
    assert rows[7][5:7] == ["Absent", "Đi công tác nước ngoài"] and rows[10][9] == "Bùi Văn Năm"


def test_phienhop_export_writes_the_same_bytes_as_the_api(srv, done, tmp_path):
    """`phienhop export SESSION votes.csv` and `log.jsonl` from the database file equal the API's downloads byte for byte."""
    import subprocess
    import sys

    from ..support import ROOT

    s, _ = done
    for name, url in [("votes.csv", f"/api/sessions/{s.id}/export/votes.csv"),
                      ("log.jsonl", f"/api/sessions/{s.id}/log.jsonl")]:
        out = tmp_path / name
        done_ = subprocess.run([sys.executable, "-m", "phienhop.server.cli", "export", s.id, name, "--db", str(srv.db),
                                "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done_.returncode == 0, done_.stderr
        api = srv.http.get(url, headers={"Authorization": f"Bearer {s.chair}"}).content
        assert out.read_bytes() == api
        assert done_.stdout == f"wrote {out}: {len(api)} bytes\n"
        if name == "log.jsonl":  # the whole log, private notes in full: owner only
            assert oct(out.stat().st_mode & 0o777) == "0o600"
    bad = subprocess.run([sys.executable, "-m", "phienhop.server.cli", "export", s.id, "ballots.pdf", "--db", str(srv.db)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (bad.returncode, bad.stderr) == (2, "phienhop: no export 'ballots.pdf': ask for one of attendance.{csv,xlsx}, "
                                                "votes.{csv,xlsx}, speakers.{csv,xlsx}, log.jsonl\n")


def test_an_added_items_draft_is_served_like_the_agendas(srv, done):
    """The added item's draft text is left out of the snapshot, listed in 'drafts', and served by the drafts route."""
    s, _ = done
    state = s.snapshot()["state"]
    assert state["added_items"]["kien-nghi"]["draft_text"] == "" and "kien-nghi" in state["drafts"]
    r = srv.http.get(f"/api/sessions/{s.id}/drafts/kien-nghi", params={"format": "md"},
                     headers={"Authorization": f"Bearer {s.public}"})
    assert (r.status_code, r.text) == (200, "# Kiến nghị\n\nBổ sung kinh phí.")
