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
    assert (r.status_code, r.headers["location"]) == (303, f"/web/member.html?session={s.id}")
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
