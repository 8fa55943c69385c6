"""The minutes end to end: a real server, the reference session scripted through, the real PDF."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import msgspec
import pytest

from phienhop.minutes.render import render_pdf
from phienhop.server.domain import apply, new_state
from phienhop.server.domain.events import decode
from phienhop.server.minutes_doc import minutes_doc
from tests.e2e.large_session import ITEMS, PEOPLE, POLLS, large_state
from tests.e2e.reference import CONNECTED, ONLINE, VOTES, Played, connected_points, play_reference
from tests.support import ADMIN, ROOT, Session, require_tool, small_agenda

FINAL = "minutes.final"
FINAL_DETAIL = "{}: the minutes are final; the record can no longer change"


# -- helpers ------------------------------------------------------------------------------------


def tool(name: str, *args: str) -> str:
    return subprocess.run([require_tool(name), *args], check=True, capture_output=True, text=True).stdout


def text_of(pdf: Path, *pages: int) -> str:
    """pdftotext of the whole PDF, or of pages[0]..pages[1]."""
    span = ["-f", str(pages[0]), "-l", str(pages[1])] if pages else []
    return tool("pdftotext", "-layout", *span, str(pdf), "-")


def flat(text: str) -> str:
    """Whitespace collapsed, so a phrase that wraps across lines still matches."""
    return " ".join(text.split())


def minutes(session: Session, token: str) -> httpx.Response:
    return session.server.http.get(
        f"/api/sessions/{session.id}/minutes.pdf", headers={"Authorization": f"Bearer {token}"}
    )


def pdf_of(session: Session, token: str, path: Path) -> Path:
    response = minutes(session, token)
    assert response.status_code == 200, response.text
    path.write_bytes(response.content)
    return path


def cli(*args: str) -> subprocess.CompletedProcess:
    """``phienhop ARGS`` in a child process, as an operator would run it."""
    return subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def state_from_log(session: Session):
    """The session's state rebuilt from its log, read over HTTP: what the server projects from."""
    events = [decode(msgspec.json.encode(e)) for e in session.events(token=session.secretary)]
    state = new_state(events[0])
    for event in events[1:]:
        apply(state, event)
    return state


# -- the reference session, scripted through and finalized once for the module -------------------


class Reference(msgspec.Struct):
    session: Session
    played: Played
    closed: dict  # the snapshot right before minutes.finalize
    finalized: dict  # the minutes.finalized event
    pdf: Path
    text: str


@pytest.fixture(scope="module")
def reference(srv, tmp_path_factory) -> Reference:
    session = srv.create()
    with connected_points(session, CONNECTED):
        played = play_reference(session)
        closed = session.snapshot(session.secretary)
        answer = session.ok(session.secretary, type="minutes.finalize")
    finalized = next(e for e in answer["events"] if e["type"] == "minutes.finalized")
    pdf = pdf_of(session, session.secretary, tmp_path_factory.mktemp("reference") / "bien-ban.pdf")
    return Reference(session, played, closed, finalized, pdf, text_of(pdf))


def test_final_minutes_say_what_happened(reference):
    """pdftotext of the final PDF has the form's headings, the people, every point present, the vote and the record."""
    agenda = reference.closed["state"]["agenda"]
    names = {p["id"]: p["name"] for p in agenda["people"]}
    points = {p["id"]: p["name"] for p in agenda["points"]}
    text = flat(reference.text)
    yes, no, abstain = (sum(1 for c in VOTES.values() if c == choice) for choice in ("yes", "no", "abstain"))
    assert (yes, no, abstain) == (10, 2, 1)
    expected = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BIÊN BẢN",
        agenda["session"]["title"],
        f"Chủ trì: {names[agenda['session']['chair']]}",
        f"Thư ký: {names[agenda['session']['secretary']]}",
        "Khi mở biểu quyết: có mặt 13/16 thành viên có quyền biểu quyết; số thành viên tối thiểu phải có mặt: 9 "
        "(quá 1/2 tổng số thành viên).",
        "Khi kết thúc biểu quyết: có mặt 13/16 thành viên.",
        "nguyên tắc thông qua: quá nửa tổng số thành viên.",
        f"Tán thành {yes} 62,50%",
        f"Không tán thành {no} 12,50%",
        f"Không biểu quyết {abstain} 6,25%",
        "Không tham gia biểu quyết 3 18,75%",
        "Kết quả: THÔNG QUA",
        f"{names['nguyen-huy-dung']} — Không tán thành",
        f"{names['nguyen-kim-son']} — Không biểu quyết",
        f"Điểm cầu Trà Vinh: {names['nguyen-quynh-thien']}",
        "Vắng mặt có lý do (1):",
        "(lý do: đi công tác nước ngoài)",
        f"Vắng mặt không có lý do ({len(agenda['people']) - 18}):",  # 17 present or online, 1 with a reason
        "Cuộc họp kết thúc vào",
    ]
    expected += [points[p] for p in reference.played.points_present]
    expected += [line for note in reference.played.notes for line in note.splitlines()]
    expected += reference.played.conclusions
    missing = [phrase for phrase in expected if flat(phrase) not in text]
    assert missing == []
    assert "DỰ THẢO" not in text
    assert "Chưa điểm danh" not in text


def test_final_pdf_fonts_are_the_bundled_family_all_embedded(reference):
    """pdffonts lists only the bundled serif faces, each embedded."""
    rows = tool("pdffonts", str(reference.pdf)).splitlines()[2:]
    assert rows
    for row in rows:
        assert re.fullmatch(r"[A-Z]{6}\+Phienhop-Serif(-Bold|-Italic|-BoldItalic|-Bold-Italic)?", row.split()[0]), row
        assert row.split()[-5] == "yes", row  # emb


def test_final_pdf_is_valid_a4_numbered_from_page_two(reference):
    """qpdf --check passes, every page is A4, page 1 has no number and page 2 starts with 2."""
    check = subprocess.run([require_tool("qpdf"), "--check", str(reference.pdf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    info = tool("pdfinfo", "-f", "1", "-l", "999", str(reference.pdf))
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.M)[1])
    sizes = re.findall(r"^Page\s+\d+ size:\s+(.*)$", info, re.M)
    assert pages >= 2
    assert sizes == ["595.276 x 841.89 pts (A4)"] * pages
    assert not text_of(reference.pdf, 1, 1).split()[0].isdigit()
    assert text_of(reference.pdf, 2, 2).split()[0] == "2"


def test_final_pdf_names_the_log_head_as_of_finalize(reference):
    """The PDF names the head hash and event count that minutes.finalized recorded, those of the closed log."""
    event = reference.finalized
    assert (event["head_hash"], event["event_count"]) == (reference.closed["state"]["head"], reference.closed["seq"])
    line = f"Biên bản được lập từ nhật ký sự kiện: {event['event_count']} sự kiện, mã băm cuối {event['head_hash']}"
    # The 64 hex digits may wrap anywhere (p.provenance), and how they wrap depends on the count's width.
    assert re.sub(r"\s", "", line) in re.sub(r"\s", "", reference.text)


def test_final_pdf_metadata(reference):
    """pdfinfo shows the title and the issuing body as author; the XMP metadata gives the language."""
    info = tool("pdfinfo", str(reference.pdf))
    assert "Title:           Phiên họp thứ nhất Ủy ban Quốc gia về chuyển đổi số\n" in info
    assert "Author:          Ủy ban Quốc gia về chuyển đổi số\n" in info
    assert "Metadata Stream: yes\n" in info
    meta = tool("pdfinfo", "-meta", str(reference.pdf))
    assert "<dc:language><rdf:Bag><rdf:li>vi</rdf:li></rdf:Bag></dc:language>" in meta


def test_final_bytes_never_change(reference):
    """Two more downloads give the stored bytes, whose sha256 is the one minutes.finalized recorded."""
    session = reference.session
    first, second = minutes(session, session.chair), minutes(session, ADMIN)
    assert first.content == second.content == reference.pdf.read_bytes()
    assert hashlib.sha256(first.content).hexdigest() == reference.finalized["sha256"]
    assert len(first.content) == reference.finalized["size"]
    assert first.headers["server-timing"] == "cache;desc=final"
    day = reference.closed["state"]["opened_at"][:10]  # stamped on the session's clock (+07:00)
    assert first.headers["content-disposition"] == f'inline; filename="01-BB-UBQGCDS_{day}.pdf"'


@pytest.mark.parametrize(
    "token, body",
    [
        ("secretary", {"type": "note.record", "item": "quy-che", "text": "Ghi chú muộn."}),
        ("chair", {"type": "conclusion.record", "item": "quy-che", "text": "Kết luận muộn."}),
        ("secretary", {"type": "attendance.mark", "person": "nguyen-thi-hong", "status": "absent", "reason": "ốm"}),
        ("secretary", {"type": "minutes.finalize"}),
    ],
)
def test_record_is_closed_after_finalize(reference, token, body):
    """Once final, notes, conclusions, attendance and a second finalize are refused with 409; the log stays put."""
    session = reference.session
    head = session.snapshot()["seq"]
    response = session.command(getattr(session, token), **body)
    assert response.status_code == 409
    assert response.json() == {"error": FINAL, "detail": FINAL_DETAIL.format(body["type"]), "params": {"action": body["type"]}}
    assert session.snapshot()["seq"] == head


def test_verify_passes_and_reports_the_pdf_hash(reference, srv):
    """phienhop verify on the server's database says ok and names the final PDF's sha256."""
    result = cli("verify", "--db", str(srv.db), reference.session.id, "--lang", "en")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"ok: session {reference.session.id}, {reference.finalized['seq']} events, head ")
    assert result.stdout.rstrip().endswith(f", final minutes sha256 {reference.finalized['sha256']}")


def test_verify_fails_on_a_tampered_pdf_naming_the_seq(reference, srv, tmp_path):
    """Changing one byte of the stored PDF makes verify fail, naming the minutes.finalized seq."""
    copy = tmp_path / "tampered.db"
    with sqlite3.connect(f"file:{srv.db}?mode=ro", uri=True) as live, sqlite3.connect(copy) as target:
        live.backup(target)
    with sqlite3.connect(copy) as db:
        (pdf,) = db.execute("SELECT pdf FROM minutes WHERE session = ?", (reference.session.id,)).fetchone()
        db.execute("UPDATE minutes SET pdf = ? WHERE session = ?", (pdf[:-2] + b"X\n", reference.session.id))
    result = cli("verify", "--db", str(copy), reference.session.id, "--lang", "en")
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"FAIL seq {reference.finalized['seq']}: the stored PDF's sha256 is not the one the log recorded",
        f"1 problem(s) in session {reference.session.id}",
    ]


def test_offline_minutes_give_the_stored_final_pdf(reference, srv, tmp_path):
    """phienhop minutes --db FILE SESSION -o OUT.pdf writes exactly the stored final bytes."""
    out = tmp_path / "offline.pdf"
    result = cli("minutes", "--db", str(srv.db), reference.session.id, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote {out}: {reference.finalized['size']} bytes, final\n"
    assert out.read_bytes() == reference.pdf.read_bytes()


def test_projection_lists_speakers_once_with_the_point_they_spoke_from(reference):
    """Each speaker once per item, in order; a point only for someone online there, never for the hall."""
    doc = minutes_doc(state_from_log(reference.session), draft=False)
    names = {p["id"]: p["name"] for p in reference.closed["state"]["agenda"]["people"]}
    points = {p["id"]: p["name"] for p in reference.closed["state"]["agenda"]["points"]}
    spoke = {item.number: [(s.person.name, s.point) for s in item.speakers] for item in doc.items}
    assert spoke[2] == [
        (names["vu-duc-dam"], ""), (names["to-lam"], points["bo-cong-an"]), (names["tran-van-son"], ""),
    ]
    assert spoke[4] == [
        (names["lanh-dao-tp-ho-chi-minh"], points["tp-ho-chi-minh"]),
        (names["nguyen-quynh-thien"], points["tra-vinh"]),
        (names["nguyen-huy-dung"], points[ONLINE["nguyen-huy-dung"]]),
        (names["lanh-dao-tp-da-nang"], points["tp-da-nang"]),
        (names["vu-duc-dam"], ""),
    ]
    # Points named with their people are not repeated among the points that only connected.
    assert doc.attendance.points_connected == [points["ca-mau"]]
    assert "điểm cầu Điểm cầu" not in reference.text


# -- drafts, refusals, roles, language: small sessions on the same server ---------------------------


def test_draft_is_marked_cached_by_seq_and_follows_the_log(srv, tmp_path):
    """A draft at any seq says DỰ THẢO; the same seq is served from the cache; a new event renders anew."""
    session = srv.create(small_agenda())
    first = minutes(session, session.secretary)
    assert first.status_code == 200
    assert first.headers["server-timing"].startswith("render;dur=")
    assert first.headers["x-minutes-seq"] == "1"
    assert first.headers["content-disposition"] == 'inline; filename="bien-ban_2021-11-30_du-thao.pdf"'
    path = tmp_path / "draft.pdf"
    path.write_bytes(first.content)
    assert "DỰ THẢO" in text_of(path)

    again = minutes(session, session.chair)
    assert again.headers["server-timing"] == "cache;desc=draft"
    assert again.headers["x-minutes-seq"] == "1"
    assert again.content == first.content

    session.ok(session.chair, type="session.open")
    session.ok(session.secretary, type="note.record", item="khai-mac", text="Chủ tọa phát biểu khai mạc phiên họp.")
    later = minutes(session, session.secretary)
    assert later.headers["server-timing"].startswith("render;dur=")
    assert later.headers["x-minutes-seq"] == "3"
    assert later.content != first.content
    path.write_bytes(later.content)
    assert "Chủ tọa phát biểu khai mạc phiên họp." in flat(text_of(path))


def test_finalize_only_by_the_secretary_only_after_close(srv):
    """minutes.finalize: 409 before close, 403 for anyone but the secretary; the log is unchanged by each refusal."""
    session = srv.create(small_agenda())

    def refused(token: str, status: int, code: str, detail: str) -> None:
        head = session.snapshot()["seq"]
        response = session.command(token, type="minutes.finalize")
        body = response.json()
        assert (response.status_code, body["error"], body["detail"]) == (status, code, detail)
        assert body["params"]["action"] == "minutes.finalize"
        assert session.snapshot()["seq"] == head

    refused(session.secretary, 409, "session.state", "minutes.finalize needs the session closed; it is scheduled")
    session.ok(session.chair, type="session.open")
    refused(session.secretary, 409, "session.state", "minutes.finalize needs the session closed; it is open")
    session.ok(session.chair, type="session.close")
    for role, token in (("chair", session.chair), ("person", session.person("tv-1")),
                        ("point", session.point("tra-vinh")), ("public", session.public)):
        refused(token, 403, "forbidden", f"minutes.finalize is for the secretary, not a {role} token")
    head = session.snapshot()["seq"]
    answer = session.ok(session.secretary, type="minutes.finalize")
    assert [e["type"] for e in answer["events"]] == ["minutes.finalized"]
    assert answer["seq"] == head + 1


@pytest.mark.parametrize("who", ["member", "point", "public", "other session's chair"])
def test_minutes_pdf_is_for_chair_secretary_and_admin_only(srv, who):
    """Member, point and public tokens (and another session's chair) get 403 on minutes.pdf."""
    session = srv.create(small_agenda())
    token, detail = {
        "member": (session.person("tv-1"), "this is for the chair, secretary, admin; a person token may not"),
        "point": (session.point("tra-vinh"), "this is for the chair, secretary, admin; a point token may not"),
        "public": (session.public, "this is for the chair, secretary, admin; a public token may not"),
        "other session's chair": (srv.create(small_agenda()).chair, f"this token is not for session '{session.id}'"),
    }[who]
    response = minutes(session, token)
    assert (response.status_code, response.json()) == (403, {"error": "forbidden", "detail": detail})


def test_english_draft_offline_has_english_labels(srv, tmp_path):
    """An English session's draft, written offline by phienhop minutes, has the English form and language."""
    session = srv.create(small_agenda(language="en"))
    out = tmp_path / "minutes.pdf"
    result = cli("minutes", "--db", str(srv.db), session.id, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"wrote {out}: {out.stat().st_size} bytes, draft (DỰ THẢO)\n"
    text = flat(text_of(out))
    for phrase in ("SOCIALIST REPUBLIC OF VIET NAM", "Independence - Freedom - Happiness", "MINUTES", "DRAFT",
                   "PROCEEDINGS", "Chair: Nguyễn Văn Chủ", "Secretary: Lê Thị Thư", "SECRETARY", "CHAIR"):
        assert phrase in text, phrase
    assert "BIÊN BẢN" not in text
    assert "<rdf:li>en</rdf:li>" in tool("pdfinfo", "-meta", str(out))


def test_offline_minutes_name_an_unknown_session(srv, tmp_path):
    """phienhop minutes for a session the database lacks exits 2 and says so."""
    result = cli("minutes", "--db", str(srv.db), "nope", "-o", str(tmp_path / "x.pdf"))
    assert result.returncode == 2
    assert result.stderr == f"phienhop: no session 'nope' in {srv.db}\n"


# -- scale -------------------------------------------------------------------------------------------


def test_large_session_minutes_render(tmp_path):
    """500 people, 40 items and 30 polls project and render to a valid many-page PDF (time printed, not asserted)."""
    state = large_state()
    started = time.perf_counter()
    doc = minutes_doc(state, draft=False)
    projected = time.perf_counter() - started
    path = tmp_path / "large.pdf"
    path.write_bytes(render_pdf(doc))
    rendered = time.perf_counter() - started - projected
    pages = int(re.search(r"Pages:\s+(\d+)", tool("pdfinfo", str(path)))[1])
    print(f"\nlarge minutes ({PEOPLE} people, {ITEMS} items, {POLLS} polls): {pages} pages; "
          f"projection {projected * 1000:.0f} ms, render {rendered:.1f} s")
    assert len(doc.items) == ITEMS
    assert sum(len(item.polls) for item in doc.items) == POLLS
    assert all(len(item.speakers) == 5 for item in doc.items)  # six turns, one speaker twice
    assert pages > 40
