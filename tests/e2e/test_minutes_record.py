"""What the minutes state, through the path a download takes: HTTP, the render worker, pdftotext.

Each test is one failing input of issue 9 (quorum, weights, absences, speaker order, byte-order
marks, layout), with the exact words in Vietnamese and in English.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ADMIN, ROOT, Session, admin_env, require_tool, small_agenda


def pdf_text(session: Session, tmp_path: Path, mode: str = "-layout") -> str:
    """The minutes as the secretary downloads them, as pdftotext reads them, whitespace collapsed.

    ``-raw`` reads a table cell by cell (a header that wraps in its cell stays one phrase).
    """
    r = session.server.http.get(f"/api/sessions/{session.id}/minutes.pdf",
                                headers={"Authorization": f"Bearer {session.secretary}"})
    assert r.status_code == 200, r.text
    path = tmp_path / f"minutes-{session.id}.pdf"
    path.write_bytes(r.content)
    out = subprocess.run([require_tool("pdftotext"), mode, str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return " ".join(out.split())


def new(answer: dict, kind: str, key: str) -> str:
    return next(e[key] for e in answer["events"] if e["type"] == kind)


def start_vote(session: Session, present: list[str]) -> str:
    """Open the session, mark ``present`` in the hall, start the draft item and open its poll."""
    session.ok(session.chair, type="session.open")
    for person in present:
        session.ok(session.chair, type="attendance.mark", person=person, status="present")
    session.ok(session.chair, type="item.start", item="du-thao")
    return new(session.ok(session.chair, type="poll.open", item="du-thao"), "poll.opened", "poll")


# -- 2. the quorum as checked, presence at the close apart ------------------------------------------

QUORUM = {
    "vi": [
        "Khi mở biểu quyết: có mặt 6/6 thành viên có quyền biểu quyết; số thành viên tối thiểu phải có mặt: 4 "
        "(quá 1/2 tổng số thành viên).",
        "Khi kết thúc biểu quyết: có mặt 1/6 thành viên.",
        "Số phiếu Tỷ lệ/tổng số thành viên",
        "Tán thành 1 16,67%", "Không tán thành 0 0,00%", "Không biểu quyết 0 0,00%",
        "Không tham gia biểu quyết 5 83,33%",
        "Kết quả: THÔNG QUA",
    ],
    "en": [
        "When the vote opened: 6 of 6 voting members present; quorum: 4 members (more than 1/2 of all members).",
        "When the vote closed: 1 of 6 members present.",
        "Votes Share of all members",
        "Yes 1 16.67%", "No 0 0.00%", "Abstain 0 0.00%", "Not voted 5 83.33%",
        "Result: ADOPTED",
    ],
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_quorum_is_stated_as_checked_when_the_poll_opened(srv, tmp_path, language):
    """Six present when the poll opens, five leave, one votes yes: the quorum line is the opening's, the close's apart."""
    session = srv.create(small_agenda(voters=6, language=language))
    voters = ["chu-toa"] + [f"tv-{i}" for i in range(1, 6)]
    poll = start_vote(session, voters)
    for person in voters[1:]:
        session.ok(session.chair, type="attendance.mark", person=person, status="absent")
    session.ok(session.person("chu-toa"), type="vote.cast", poll=poll, choice="yes")
    session.ok(session.chair, type="poll.close", poll=poll)
    text = pdf_text(session, tmp_path, "-raw")
    assert [p for p in QUORUM[language] if p not in text] == []
    assert "Có mặt 1/6 thành viên; tỷ lệ tối thiểu 1/2." not in text


# -- 3. heads are heads, weights are weights ---------------------------------------------------------

WEIGHTS = {
    "vi": [
        "Khi mở biểu quyết: có mặt 4/4 thành viên có quyền biểu quyết; số thành viên tối thiểu phải có mặt: 3 "
        "(quá 1/2 tổng số thành viên).",
        "Khi kết thúc biểu quyết: có mặt 4/4 thành viên, 10/10 phiếu theo trọng số.",
        "Tán thành 1 7 70,00%", "Không tán thành 2 2 20,00%", "Không biểu quyết 0 0 0,00%",
        "Không tham gia biểu quyết 1 1 10,00%",
    ],
    "en": [
        "When the vote opened: 4 of 4 voting members present; quorum: 3 members (more than 1/2 of all members).",
        "When the vote closed: 4 of 4 members present, 10 of 10 weighted votes.",
        "Yes 1 7 70.00%", "No 2 2 20.00%", "Abstain 0 0 0.00%", "Not voted 1 1 10.00%",
    ],
}
WEIGHT_HEADS = {  # the column heads, each saying what it counts
    "vi": ("Số thành viên", "Số phiếu theo trọng số", "Tỷ lệ/tổng số phiếu theo trọng số"),
    "en": ("Members", "Weighted votes", "Share of all weighted votes"),
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_weights_and_heads_are_printed_apart_each_labelled(srv, tmp_path, language):
    """Weights 7, 1, 1, 1: the weight-7 member votes yes, two vote no; members and weighted votes are each labelled."""
    agenda = small_agenda(voters=4, language=language)  # named: a secret ballot needs equal weights
    next(p for p in agenda["people"] if p["id"] == "chu-toa")["weight"] = 7
    session = srv.create(agenda)
    poll = start_vote(session, ["chu-toa", "tv-1", "tv-2", "tv-3"])
    for person, choice in (("chu-toa", "yes"), ("tv-1", "no"), ("tv-2", "no")):
        session.ok(session.person(person), type="vote.cast", poll=poll, choice=choice)
    session.ok(session.chair, type="poll.close", poll=poll)
    text = pdf_text(session, tmp_path, "-raw")
    assert [p for p in WEIGHTS[language] if p not in text] == []
    assert [h for h in WEIGHT_HEADS[language] if h not in text] == []
    assert "Có mặt 10/10 thành viên" not in text


# -- 5. speakers in log order ------------------------------------------------------------------------


@pytest.mark.parametrize("language, label", [("vi", "Ý kiến phát biểu:"), ("en", "Speakers:")])
def test_speakers_are_listed_in_the_order_they_had_the_floor(srv, tmp_path, language, label):
    """A asks first, B second; the chair gives B the floor first: the minutes list B, then A."""
    session = srv.create(small_agenda(language=language))
    session.ok(session.chair, type="session.open")
    for person in ("chu-toa", "tv-1", "tv-2"):
        session.ok(session.chair, type="attendance.mark", person=person, status="present")
    session.ok(session.chair, type="item.start", item="khai-mac")
    a = new(session.ok(session.person("tv-1"), type="speaker.request", item="khai-mac"), "speaker.requested", "request")
    b = new(session.ok(session.person("tv-2"), type="speaker.request", item="khai-mac"), "speaker.requested", "request")
    for request in (b, a):
        session.ok(session.chair, type="speaker.grant", request=request)
        session.ok(session.chair, type="speaker.finish", request=request)
    text = pdf_text(session, tmp_path)
    # Each speaker with the time they spoke (whole seconds, recorded when they finished).
    spoke = r"0 phút \d\d giây" if language == "vi" else r"0 min \d\d s"
    assert re.search(rf"{label} 1\. Thành viên Số 2, Ủy viên — {spoke} 2\. Thành viên Số 1, Ủy viên — {spoke}", text), text


# -- 4. every member named: absent with the reason given, or without one ----------------------------

ABSENCES = {
    "vi": {
        "draft": "- Chưa điểm danh (2): 1. Thành viên Số 4, Ủy viên 2. Khách mời 0",
        "final": "- Vắng mặt có lý do (1): 1. Thành viên Số 2, Ủy viên (lý do: Đi công tác) "
                 "- Vắng mặt không có lý do (3): 1. Thành viên Số 3, Ủy viên 2. Thành viên Số 4, Ủy viên 3. Khách mời 0",
        "not_marked": "Chưa điểm danh",
    },
    "en": {
        "draft": "- Not marked yet (2): 1. Thành viên Số 4, Ủy viên 2. Khách mời 0",
        "final": "- Absent with a reason (1): 1. Thành viên Số 2, Ủy viên (reason: Đi công tác) "
                 "- Absent, no reason given (3): 1. Thành viên Số 3, Ủy viên 2. Thành viên Số 4, Ủy viên 3. Khách mời 0",
        "not_marked": "Not marked",
    },
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_close_leaves_nobody_unmarked_in_the_minutes(srv, tmp_path, language):
    """The draft names who is not marked yet; after the close they stand absent without a reason, by name."""
    session = srv.create(small_agenda(language=language))
    session.ok(session.chair, type="session.open")
    for person in ("chu-toa", "thu-ky", "tv-1"):
        session.ok(session.chair, type="attendance.mark", person=person, status="present")
    session.ok(session.chair, type="attendance.mark", person="tv-2", status="absent", reason="Đi công tác")
    session.ok(session.chair, type="attendance.mark", person="tv-3", status="absent")
    words = ABSENCES[language]
    assert words["draft"] in pdf_text(session, tmp_path)
    closed = session.ok(session.chair, type="session.close")["events"]
    assert [(e["type"], e["absent"]) for e in closed] == [("session.closed", ["tv-4", "khach-0"])]
    session.ok(session.secretary, type="minutes.finalize")
    text = pdf_text(session, tmp_path)
    assert words["final"] in text
    assert words["not_marked"] not in text


# -- 6. files saved by Windows tools: UTF-8 with a byte-order mark is read; other encodings named ------

BOM = "\ufeff"


def test_a_toml_agenda_with_a_byte_order_mark_is_created_by_post(srv):
    """An agenda saved as "UTF-8 with BOM" POSTed as TOML creates the session (the mark is not part of the file)."""
    from tests.domain.broken_agendas import VALID

    r = srv.http.post("/api/sessions", content=(BOM + VALID).encode("utf-8"),
                      headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/toml"})
    assert r.status_code == 201, r.text
    snap = srv.http.get(f"/api/sessions/{r.json()['id']}", headers={"Authorization": f"Bearer {ADMIN}"}).json()
    assert snap["state"]["agenda"]["session"]["title"] == "Phiên họp thử nghiệm"


def test_a_json_agenda_with_a_byte_order_mark_is_created_by_post(srv):
    """A JSON agenda whose bytes start with the UTF-8 mark is read too."""
    import msgspec

    r = srv.http.post("/api/sessions", content=BOM.encode() + msgspec.json.encode(small_agenda()),
                      headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
    assert r.status_code == 201, r.text


def create_cli(srv, agenda: Path, lang: str = "") -> subprocess.CompletedProcess:
    """``phienhop create AGENDA`` as the admin; refusals in Vietnamese unless ``lang`` is "en" ($PHIENHOP_LANG)."""
    return subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "create", str(agenda), "--server", srv.base],
        cwd=agenda.parent, env={**admin_env(), "PHIENHOP_LANG": lang}, capture_output=True, text=True,
        timeout=60,  # the links CSV is written here
    )


def test_phienhop_create_reads_an_agenda_and_a_draft_saved_with_a_mark(srv, tmp_path):
    """`phienhop create` on a file and a draft saved "UTF-8 with BOM": created, the draft's text has no U+FEFF."""
    from tests.domain.broken_agendas import DRAFT, VALID

    (tmp_path / DRAFT).parent.mkdir(parents=True)
    (tmp_path / DRAFT).write_bytes((BOM + "# Dự thảo Quy chế\n").encode("utf-8"))
    agenda = tmp_path / "phien-hop.toml"
    agenda.write_bytes((BOM + VALID).encode("utf-8"))
    done = create_cli(srv, agenda)
    assert done.returncode == 0, done.stderr
    session = re.search(r"^Session (\w+): Phiên họp thử nghiệm$", done.stdout, re.M).group(1)
    draft = srv.http.get(f"/api/sessions/{session}/drafts/du-thao", params={"format": "md"},
                         headers={"Authorization": f"Bearer {ADMIN}"})
    assert (draft.status_code, draft.text) == (200, "# Dự thảo Quy chế\n")


@pytest.mark.parametrize("encoding, lang, problem", [
    ("utf-16", "", "(tệp): văn bản UTF-16 (dấu thứ tự byte FF FE): hãy lưu tệp dưới dạng UTF-8"),
    ("utf-16", "en", "(file): UTF-16 text (byte-order mark FF FE): save the file as UTF-8"),
    ("windows-1258", "", "(tệp): không phải văn bản UTF-8 (byte {byte}): hãy lưu tệp dưới dạng UTF-8; không đọc "
                         "Windows-1258 và các bảng mã khác"),
    ("windows-1258", "en", "(file): not UTF-8 text (byte {byte}): save the file as UTF-8; Windows-1258 and other code "
                           "pages are not read"),
])
def test_phienhop_create_names_the_encoding_problem(srv, tmp_path, encoding, lang, problem):
    """`phienhop create` on a UTF-16 or Windows-1258 file exits 2 naming the file, the problem and the fix (vi, or en)."""
    from tests.domain.broken_agendas import VALID, windows_1258

    data = VALID.encode("utf-16") if encoding == "utf-16" else windows_1258(VALID)
    agenda = tmp_path / "phien-hop.toml"
    agenda.write_bytes(data)
    done = create_cli(srv, agenda, lang)
    byte = data.index("ê".encode("cp1258")) if encoding == "windows-1258" else 0
    assert (done.returncode, done.stderr) == (2, f"phienhop: {agenda}: {problem.format(byte=byte)}\n")


def test_phienhop_create_names_a_draft_in_utf_16(srv, tmp_path):
    """A draft saved as UTF-16 is refused at its key path, naming the draft file."""
    from tests.domain.broken_agendas import DRAFT, VALID

    (tmp_path / DRAFT).parent.mkdir(parents=True)
    (tmp_path / DRAFT).write_bytes("# Dự thảo".encode("utf-16"))
    agenda = tmp_path / "phien-hop.toml"
    agenda.write_text(VALID, encoding="utf-8")
    done = create_cli(srv, agenda)
    assert (done.returncode, done.stderr) == (
        2, f"phienhop: {agenda}: items[1].draft: văn bản UTF-16 (dấu thứ tự byte FF FE): hãy lưu {DRAFT} dưới dạng UTF-8\n")


# -- 7. layout: Nơi nhận, the verification reference, headings kept with what follows, the file name -----

RECIPIENTS = {
    "vi": "Nơi nhận: - Như thành phần dự họp; - Văn phòng Chính phủ; - Lưu: VT, hồ sơ.",
    "en": "Recipients: - Như thành phần dự họp; - Văn phòng Chính phủ; - Lưu: VT, hồ sơ.",
}
VERIFY = {
    "vi": ("Đối chiếu bản điện tử (không thuộc nội dung biên bản) Mã đối chiếu: {code} "
           "Biên bản được lập từ nhật ký sự kiện: {count} sự kiện, mã băm cuối {head} "
           "Mã đối chiếu là 12 ký tự đầu của mã băm cuối; lệnh phienhop verify dùng mã băm này để kiểm tra "
           "bản điện tử với nhật ký sự kiện của phiên họp.", "CHỦ TỌA"),
    "en": ("Electronic verification (not part of the minutes' content) Verification code: {code} "
           "Compiled from the event log: {count} events, head hash {head} "
           "The code is the first 12 characters of the head hash; phienhop verify uses that hash to check "
           "the electronic copy against the session's event log.", "CHAIR"),
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_recipients_and_a_labelled_verification_reference_follow_the_signatures(srv, tmp_path, language):
    """Final minutes print "Nơi nhận" from the agenda, then a small-print block naming the log head with a short code."""
    agenda = small_agenda(language=language)
    agenda["session"]["recipients"] = ["Như thành phần dự họp", "Văn phòng Chính phủ", "Lưu: VT, hồ sơ"]
    session = srv.create(agenda)
    session.ok(session.chair, type="session.open")
    session.ok(session.chair, type="session.close")
    final = next(e for e in session.ok(session.secretary, type="minutes.finalize")["events"]
                 if e["type"] == "minutes.finalized")
    text = pdf_text(session, tmp_path)
    head = final["head_hash"]
    block, signature = VERIFY[language]
    expected = block.format(code=f"{head[:4]}-{head[4:8]}-{head[8:12]}".upper(), count=final["event_count"], head=head)
    assert RECIPIENTS[language] in text
    squeezed = "".join(text.split())  # the 64 hex digits wrap anywhere in the narrow block
    assert "".join(expected.split()) in squeezed
    assert text.index(signature) < text.index(RECIPIENTS[language]) < text.index(expected[:20])


def _page_ends(session: Session, tmp_path: Path) -> list[str]:
    """The last line of text on each page of the draft."""
    r = session.server.http.get(f"/api/sessions/{session.id}/minutes.pdf",
                                headers={"Authorization": f"Bearer {session.secretary}"})
    path = tmp_path / "draft.pdf"
    path.write_bytes(r.content)
    out = subprocess.run([require_tool("pdftotext"), "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return [[line.strip() for line in page.splitlines() if line.strip()][-1] for page in out.split("\f") if page.strip()]


HEADINGS = ("Kết quả biểu quyết của từng thành viên:", "Ý kiến phát biểu:", "Biểu quyết:", "Kết luận:", "NỘI DUNG",
            "Thành phần tham dự:", "Vắng mặt", "Có mặt tại hội trường", "Tham dự trực tuyến", "Chưa điểm danh")


def test_no_page_ends_with_a_heading_whatever_comes_before(srv, tmp_path):
    """As notes push the vote down a page line by line, no page ever ends on a heading or a vote's opening lines."""
    session = srv.create(small_agenda(voters=30))
    session.ok(session.chair, type="session.open")
    voters = ["chu-toa"] + [f"tv-{i}" for i in range(1, 30)]
    for person in voters:
        session.ok(session.chair, type="attendance.mark", person=person, status="present")
    session.ok(session.chair, type="item.start", item="khai-mac")
    session.ok(session.chair, type="item.end", item="khai-mac")
    poll = start_vote_on_open_session(session)
    for person in voters:
        session.ok(session.person(person), type="vote.cast", poll=poll, choice="yes")
    session.ok(session.chair, type="poll.close", poll=poll)
    ends = []
    for line in range(34):  # a page holds about 34 lines of notes: the vote passes every spot on it
        session.ok(session.secretary, type="note.record", item="khai-mac", text=f"Ghi chú dòng {line + 1}.")
        ends.append(_page_ends(session, tmp_path))
    stranded = [(n + 1, end) for n, page_ends in enumerate(ends) for end in page_ends[:-1]
                if end.endswith(":") or any(end.startswith(h) for h in HEADINGS)]
    assert stranded == []


def start_vote_on_open_session(session: Session) -> str:
    session.ok(session.chair, type="item.start", item="du-thao")
    return new(session.ok(session.chair, type="poll.open", item="du-thao"), "poll.opened", "poll")


@pytest.mark.parametrize("record, language, expected", [
    ("01/BB-UBQGCDS", "vi", 'inline; filename="01-BB-UBQGCDS_{day}.pdf"'),
    ("", "vi", 'inline; filename="bien-ban_{day}.pdf"'),
    ("", "en", 'inline; filename="minutes_{day}.pdf"'),
    ("07/BB-ĐCS", "vi", "inline; filename=\"07-BB-DCS_{day}.pdf\"; filename*=UTF-8''07-BB-%C4%90CS_{day}.pdf"),
])
def test_the_file_is_named_from_the_record_number_and_the_session_date(srv, record, language, expected):
    """Content-Disposition names the final PDF after the record number and the local date (RFC 6266 filename*)."""
    agenda = small_agenda(language=language)
    agenda["session"]["record_number"] = record
    agenda["session"]["starts_at"] = "2021-11-30T05:30:00+07:00"  # 29 November in UTC
    session = srv.create(agenda)
    draft = session.server.http.get(f"/api/sessions/{session.id}/minutes.pdf",
                                    headers={"Authorization": f"Bearer {session.secretary}"})
    suffix = "_du-thao.pdf" if language == "vi" else "_draft.pdf"
    assert draft.headers["content-disposition"] == expected.format(day="2021-11-30").replace(".pdf", suffix)
    session.ok(session.chair, type="session.open")
    session.ok(session.chair, type="session.close")
    session.ok(session.secretary, type="minutes.finalize")
    final = session.server.http.get(f"/api/sessions/{session.id}/minutes.pdf",
                                    headers={"Authorization": f"Bearer {session.secretary}"})
    opened = next(e["at"] for e in session.events(token=session.chair) if e["type"] == "session.opened")
    assert final.headers["content-disposition"] == expected.format(day=opened[:10])


# -- items never taken up -------------------------------------------------------------------------

NOT_TAKEN = {"vi": "Không được xem xét tại phiên họp.", "en": "Not taken up at the session."}
PRESENTED = {"vi": "Trình bày:", "en": "Presented by:"}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_items_never_started_are_marked_not_taken_up(srv, tmp_path, language):
    """Open, close, finalize: both pending items say they were not taken up, with no presenter line."""
    session = srv.create(small_agenda(language=language))
    session.ok(session.chair, type="session.open")
    session.ok(session.chair, type="session.close")
    session.ok(session.secretary, type="minutes.finalize")
    text = pdf_text(session, tmp_path)
    assert text.count(NOT_TAKEN[language]) == 2
    assert PRESENTED[language] not in text


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_deferred_item_stays_deferred_and_a_taken_item_keeps_its_presenter(srv, tmp_path, language):
    """One item taken, one deferred: neither is marked not taken up; both keep their presenter line, as before."""
    session = srv.create(small_agenda(language=language))
    session.ok(session.chair, type="session.open")
    session.ok(session.chair, type="item.start", item="khai-mac")
    session.ok(session.chair, type="item.end", item="khai-mac")
    session.ok(session.chair, type="item.defer", item="du-thao", reason="Chưa đủ hồ sơ")
    session.ok(session.chair, type="session.close")
    text = pdf_text(session, tmp_path)
    assert NOT_TAKEN[language] not in text
    assert text.count(PRESENTED[language]) == 2
    assert {"vi": "Hoãn xem xét; lý do: Chưa đủ hồ sơ", "en": "Deferred; reason: Chưa đủ hồ sơ"}[language] in text


# -- who acted in the session is not recorded absent by the close -------------------------------------

ACTED = {
    "vi": ("- Có mặt tại hội trường (3): 1. Nguyễn Văn Chủ, Chủ tịch 2. Lê Thị Thư, Thư ký 3. Thành viên Số 1, Ủy viên "
           "- Tham dự trực tuyến tại các điểm cầu: + Điểm cầu Trà Vinh: Thành viên Số 2, Ủy viên",
           "- Vắng mặt không có lý do (3): 1. Thành viên Số 3, Ủy viên 2. Thành viên Số 4, Ủy viên 3. Khách mời 0"),
    "en": ("- Present in the hall (3): 1. Nguyễn Văn Chủ, Chủ tịch 2. Lê Thị Thư, Thư ký 3. Thành viên Số 1, Ủy viên "
           "- Attending online from connection points: + Điểm cầu Trà Vinh: Thành viên Số 2, Ủy viên",
           "- Absent, no reason given (3): 1. Thành viên Số 3, Ủy viên 2. Thành viên Số 4, Ủy viên 3. Khách mời 0"),
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_chair_the_secretary_and_a_speaker_are_not_recorded_absent(srv, tmp_path, language):
    """Never marked, the chair and secretary are recorded in the hall, a remote member who asked for the floor online."""
    session = srv.create(small_agenda(language=language))
    session.ok(session.chair, type="session.open")
    session.ok(session.chair, type="attendance.mark", person="tv-1", status="present")
    session.ok(session.chair, type="item.start", item="khai-mac")
    session.ok(session.person("tv-2"), type="speaker.request", item="khai-mac")
    session.ok(session.chair, type="item.end", item="khai-mac")
    closed = next(e for e in session.ok(session.chair, type="session.close")["events"] if e["type"] == "session.closed")
    assert (closed["absent"], closed["present"], closed["online"]) == (
        ["tv-3", "tv-4", "khach-0"], ["chu-toa", "thu-ky"], ["tv-2"])
    session.ok(session.secretary, type="minutes.finalize")
    text = pdf_text(session, tmp_path)
    attending, absent = ACTED[language]
    assert attending in text, text
    assert absent in text, text


# -- a repeat vote on an item is numbered, in the minutes and in the votes export ----------------------

REPEAT = {
    "vi": ("Biểu quyết: Thông qua dự thảo (lần 1)", "Biểu quyết: Thông qua dự thảo (lần 2)", "Tổng"),
    "en": ("Vote on: Thông qua dự thảo (ballot 1)", "Vote on: Thông qua dự thảo (ballot 2)", "Total"),
}
ALL_VOTERS = ["chu-toa", "tv-1", "tv-2", "tv-3", "tv-4"]


@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_repeat_ballot_is_numbered_in_the_minutes_and_the_votes_export(srv, tmp_path, language):
    """The item is put to the vote twice: each block and each export row says which ballot it was."""
    import csv
    import io

    session = srv.create(small_agenda(language=language))
    for choice in ("yes", "no"):
        poll = (start_vote(session, ALL_VOTERS) if choice == "yes"
                else new(session.ok(session.chair, type="poll.open", item="du-thao"), "poll.opened", "poll"))
        session.ok(session.person("chu-toa"), type="vote.cast", poll=poll, choice=choice)
        session.ok(session.chair, type="poll.close", poll=poll)
    first, second, total = REPEAT[language]
    text = pdf_text(session, tmp_path)
    assert (text.count(first), text.count(second)) == (1, 1), text
    r = session.server.http.get(f"/api/sessions/{session.id}/export/votes.csv",
                                headers={"Authorization": f"Bearer {session.secretary}"})
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    items = [row[1] for row in rows[1:] if row[4] == total]
    assert items == [first.split(": ", 1)[1], second.split(": ", 1)[1]]


def test_a_single_ballot_is_not_numbered(srv, tmp_path):
    """An item voted on once prints no ballot number."""
    session = srv.create(small_agenda())
    poll = start_vote(session, ALL_VOTERS)
    session.ok(session.person("chu-toa"), type="vote.cast", poll=poll, choice="yes")
    session.ok(session.chair, type="poll.close", poll=poll)
    text = pdf_text(session, tmp_path)
    assert "Biểu quyết: Thông qua dự thảo Hình thức:" in text, text
    assert "(lần" not in text
