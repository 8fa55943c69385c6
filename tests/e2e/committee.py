"""A scripted committee session that uses every wave-3 feature, driven over HTTP.

A deputy (voting: ``deputies_vote = true``), a proxy, an item added and moved first, an item
deferred while another runs, a point of order ahead of the queue, an overrun, a show of hands,
a named and a secret poll with represented votes. The minutes, export, follower and browser
tests all read the session this leaves behind.
"""

from __future__ import annotations

import time

import msgspec

from ..support import Session

VOTERS = ("chu-toa", "tv-1", "tv-2", "tv-3", "tv-4", "tv-5", "tv-6")
DEFER_REASON = "Chưa đủ số liệu, chuyển sang phiên sau"
DEPUTY = {"name": "Trần Thị Dự", "position": "Phó Giám đốc Sở"}


def agenda(language: str = "vi", deputies_vote: bool = True) -> dict:
    """Seven voting members (tv-5 sends a deputy, tv-6 gives a proxy), a guest, four items."""
    hall, tv = "hoi-truong", "tra-vinh"
    people = [
        {"id": "chu-toa", "name": "Nguyễn Văn Chủ", "position": "Chủ tịch Ủy ban", "point": hall},
        {"id": "thu-ky", "name": "Lê Thị Thư", "position": "Thư ký", "point": hall, "voting": False},
        {"id": "tv-1", "name": "Phạm Văn Một", "position": "Bộ trưởng", "point": hall},
        {"id": "tv-2", "name": "Hoàng Thị Hai", "position": "Thứ trưởng", "point": hall},
        {"id": "tv-3", "name": "Vũ Văn Ba", "position": "Vụ trưởng", "point": hall},
        {"id": "tv-4", "name": "Đặng Thị Bốn", "position": "Chủ tịch UBND tỉnh", "point": tv},
        {"id": "tv-5", "name": "Bùi Văn Năm", "position": "Giám đốc Sở", "point": tv},
        {"id": "tv-6", "name": "Đỗ Thị Sáu", "position": "Viện trưởng", "point": hall},
        {"id": "khach-0", "name": "Ngô Văn Khách", "position": "Chuyên gia", "point": tv, "voting": False},
    ]
    return {
        "session": {
            "title": "Phiên họp thứ hai của Ủy ban", "body": "Ủy ban Thử nghiệm", "place": "Hà Nội",
            "starts_at": "2021-11-30T14:00:00+07:00", "chair": "chu-toa", "secretary": "thu-ky", "quorum": "1/2",
            "language": language, "deputies_vote": deputies_vote, "record_number": "02/BB-UBTN",
        },
        "points": [{"id": hall, "name": "Hội trường", "host": True}, {"id": tv, "name": "Điểm cầu Trà Vinh"}],
        "people": people,
        "items": [
            {"id": "khai-mac", "title": "Khai mạc", "presenter": "chu-toa", "duration_min": 5},
            {"id": "du-thao", "title": "Thông qua dự thảo Quy chế", "presenter": "tv-1", "duration_min": 20,
             "speech_min": 3, "poll": {"ballot": "named", "rule": "more-than-half-of-members"}},
            {"id": "nhan-su", "title": "Cho ý kiến về nhân sự", "presenter": "chu-toa", "duration_min": 10,
             "poll": {"ballot": "secret", "rule": "simple"}},
            {"id": "bao-cao", "title": "Báo cáo tiến độ", "presenter": "tv-2", "duration_min": 10},
        ],
    }


ADDED = {"id": "kien-nghi", "title": "Kiến nghị bổ sung về ngân sách", "presenter": "tv-2", "duration_min": 5,
         "draft_text": "# Kiến nghị\n\nBổ sung kinh phí.", "poll": {"ballot": "hands", "rule": "simple"}}


def new(answer: dict, kind: str, key: str):
    return next(e[key] for e in answer["events"] if e["type"] == kind)


class Run(msgspec.Struct):
    """What the script leaves for the tests that follow it."""

    deputy_link: str
    deputy_token: str
    receipts: dict[str, str]
    overrun: dict


def before_opening(s: Session) -> tuple[str, str]:
    """Attendance, the deputy, the proxy, the added item moved first; returns the deputy's link and token."""
    for person in ("chu-toa", "thu-ky", "tv-1", "tv-2", "tv-3"):
        s.ok(s.chair, type="attendance.mark", person=person, status="present")
    s.ok(s.point("tra-vinh"), type="attendance.mark", person="tv-4", status="online")
    s.ok(s.point("tra-vinh"), type="attendance.mark", person="khach-0", status="online")
    s.ok(s.secretary, type="attendance.mark", person="tv-5", status="absent", reason="Đi công tác nước ngoài")
    s.ok(s.secretary, type="attendance.mark", person="tv-6", status="absent", reason="Ốm")
    answer = s.ok(s.secretary, type="deputy.assign", person="tv-5", **DEPUTY)
    link = answer["link"]
    token = link.rsplit("/", 1)[1]
    s.ok(token, type="attendance.mark", person="d1", status="online")
    s.ok(s.chair, type="proxy.grant", **{"from": "tv-6", "to": "tv-1"})
    s.ok(s.chair, type="item.add", item=ADDED)
    s.ok(s.chair, type="item.move", item="kien-nghi", after=None)
    return link, token


def hands(s: Session) -> None:
    s.ok(s.chair, type="item.start", item="kien-nghi")
    poll = new(s.ok(s.chair, type="poll.open", item="kien-nghi"), "poll.opened", "poll")
    r = s.command(s.chair, type="poll.record_hands", poll=poll, counts={"yes": 6, "no": 1, "abstain": 1})
    assert (r.status_code, r.json()["error"]) == (422, "hands.too_many"), r.text
    s.ok(s.chair, type="poll.record_hands", poll=poll, counts={"yes": 5, "no": 1, "abstain": 1})
    s.ok(s.chair, type="poll.close", poll=poll)
    s.ok(s.chair, type="conclusion.record", item="kien-nghi", text="Thống nhất bổ sung kinh phí.")
    s.ok(s.chair, type="item.end", item="kien-nghi")


def speakers(s: Session, token: str) -> dict:
    """Four requests, a point of order first with 1 s that overruns; returns its finish event."""
    r1 = new(s.ok(s.person("tv-2"), type="speaker.request", item="du-thao"), "speaker.requested", "request")
    r2 = new(s.ok(s.point("tra-vinh"), type="speaker.request", item="du-thao", person="tv-4"), "speaker.requested", "request")
    r3 = new(s.ok(s.person("khach-0"), type="speaker.request", item="du-thao", point_of_order=True),
             "speaker.requested", "request")
    r4 = new(s.ok(token, type="speaker.request", item="du-thao"), "speaker.requested", "request")
    s.ok(s.chair, type="speaker.grant", request=r3, limit_s=1)
    granted = time.monotonic()
    while time.monotonic() < granted + 2.05:  # an overrun takes real time: 2 s spoken of the 1 s given
        time.sleep(0.05)
    finished = s.ok(s.chair, type="speaker.finish", request=r3)["events"][0]
    for request in (r1, r2, r4):
        s.ok(s.chair, type="speaker.grant", request=request)
        s.ok(s.chair, type="speaker.finish", request=request)
    return finished


def named_poll(s: Session, token: str) -> None:
    poll = new(s.ok(s.chair, type="poll.open", item="du-thao"), "poll.opened", "poll")
    for who, choice, extra in [
        (s.person("chu-toa"), "yes", {}), (s.person("tv-1"), "yes", {}), (s.person("tv-1"), "no", {"for": "tv-6"}),
        (s.person("tv-2"), "yes", {}), (s.person("tv-3"), "abstain", {}), (s.person("tv-4"), "yes", {}),
        (token, "yes", {}),
    ]:
        s.ok(who, type="vote.cast", poll=poll, choice=choice, **extra)
    s.ok(s.chair, type="poll.close", poll=poll)


def secret_poll(s: Session, token: str) -> dict[str, str]:
    poll = new(s.ok(s.chair, type="poll.open", item="nhan-su"), "poll.opened", "poll")
    receipts = {}
    for label, who, choice, extra in [
        ("tv-1", s.person("tv-1"), "yes", {}), ("tv-6", s.person("tv-1"), "yes", {"for": "tv-6"}),
        ("chu-toa", s.person("chu-toa"), "no", {}), ("tv-2", s.person("tv-2"), "yes", {}), ("d1", token, "abstain", {}),
    ]:
        receipts[label] = s.ok(who, type="vote.cast", poll=poll, choice=choice, **extra)["receipt"]
    s.ok(s.chair, type="poll.close", poll=poll)
    return receipts


def whole(s: Session) -> Run:
    """The whole session, from attendance to the close."""
    link, token = before_opening(s)
    s.ok(s.chair, type="session.open")
    hands(s)
    s.ok(s.chair, type="item.start", item="khai-mac")
    s.ok(s.secretary, type="note.record", item="khai-mac", text="Chủ tọa khai mạc phiên họp.")
    s.ok(s.chair, type="item.end", item="khai-mac")
    s.ok(s.chair, type="item.start", item="du-thao")
    s.ok(s.chair, type="item.defer", item="bao-cao", reason=DEFER_REASON)
    overrun = speakers(s, token)
    named_poll(s, token)
    s.ok(s.chair, type="conclusion.record", item="du-thao", text="Thông qua Quy chế.")
    s.ok(s.chair, type="item.end", item="du-thao")
    s.ok(s.chair, type="item.start", item="nhan-su")
    receipts = secret_poll(s, token)
    s.ok(s.chair, type="item.end", item="nhan-su")
    s.ok(s.chair, type="session.close")
    return Run(deputy_link=link, deputy_token=token, receipts=receipts, overrun=overrun)
