"""The reference session (30/11/2021) scripted through a real server, for the minutes tests and bench.

``play_reference`` drives every command over HTTP with the tokens the server issued, and
keeps a few connection points connected over the live WebSocket so their presence is
recorded. What it entered is returned, so a test can look for it in the PDF.
"""

from __future__ import annotations

import contextlib
import json

import msgspec
from websockets.sync.client import connect

from tests.support import Session

CHAIR_ID = "pham-minh-chinh"
SECRETARY_ID = "thu-ky"

# In the hall (the host point): marked present by the secretary.
IN_HALL = ["pham-minh-chinh", "vu-duc-dam", "nguyen-manh-hung", "tran-van-son", "thu-ky"]
# Online: person -> point, each marked by its point's token (one marks themself).
ONLINE = {
    "to-lam": "bo-cong-an",
    "pham-thi-thanh-tra": "bo-noi-vu",
    "nguyen-chi-dung": "bo-ke-hoach-va-dau-tu",
    "ho-duc-phoc": "bo-tai-chinh",
    "nguyen-hong-dien": "bo-cong-thuong",
    "le-minh-hoan": "bo-nong-nghiep-va-phat-trien-nong-thon",
    "nguyen-huy-dung": "bo-thong-tin-va-truyen-thong",
    "huynh-thanh-dat": "bo-khoa-hoc-va-cong-nghe",
    "nguyen-kim-son": "bo-giao-duc-va-dao-tao",
    "lanh-dao-tp-ho-chi-minh": "tp-ho-chi-minh",
    "lanh-dao-tp-da-nang": "tp-da-nang",
    "nguyen-quynh-thien": "tra-vinh",
}
SELF_MARKED = "nguyen-quynh-thien"  # marks themself online with their own token
ABSENT = ("nguyen-thanh-nghi", "đi công tác nước ngoài")
# Points whose equipment connects to the live stream (presence evidence), one with nobody marked.
CONNECTED = ["bo-cong-an", "bo-noi-vu", "tp-ho-chi-minh", "tp-da-nang", "tra-vinh", "ca-mau"]

# The regulation's named vote: 13 voting members present of 16; more than half of all members needed.
VOTES = {
    "pham-minh-chinh": "yes", "vu-duc-dam": "yes", "nguyen-manh-hung": "yes", "tran-van-son": "yes",
    "to-lam": "yes", "pham-thi-thanh-tra": "yes", "nguyen-chi-dung": "yes", "ho-duc-phoc": "yes",
    "nguyen-hong-dien": "yes", "le-minh-hoan": "yes", "nguyen-huy-dung": "no", "huynh-thanh-dat": "no",
    "nguyen-kim-son": "abstain",
}  # fmt: skip

# Per item: who gets the floor, in order (a person id, asked for by the chair, or ("point", person)
# asked for by that person's point), the secretary's notes and the conclusions.
SCRIPT = {
    "khai-mac": {
        "speakers": [],
        "notes": ["Thủ tướng Phạm Minh Chính phát biểu khai mạc, nhấn mạnh chuyển đổi số là xu thế tất yếu."],
        "conclusions": [],
    },
    "quy-che": {
        "speakers": ["vu-duc-dam", ("point", "to-lam"), "tran-van-son"],
        "notes": [
            "Bộ trưởng Nguyễn Mạnh Hùng trình bày dự thảo Quy chế gồm 5 chương, 20 điều.\n"
            "Các thành viên cơ bản thống nhất; đề nghị làm rõ chế độ báo cáo định kỳ.",
        ],
        "conclusions": ["Ủy ban thông qua Quy chế hoạt động; giao Bộ Thông tin và Truyền thông hoàn thiện, ban hành."],
    },
    "ke-hoach-2022": {
        "speakers": ["nguyen-chi-dung", "ho-duc-phoc"],
        "notes": ["Kế hoạch năm 2022 tập trung vào dữ liệu số, chính phủ số và kinh tế số."],
        "conclusions": ["Các bộ, ngành góp ý bằng văn bản trước ngày 15 tháng 12 năm 2021."],
    },
    "tham-luan": {
        "speakers": [
            ("point", "lanh-dao-tp-ho-chi-minh"), ("point", "nguyen-quynh-thien"), "nguyen-huy-dung",
            ("point", "lanh-dao-tp-da-nang"), "vu-duc-dam", "nguyen-huy-dung",  # speaks twice: listed once
        ],
        "notes": [
            "Trà Vinh chia sẻ kinh nghiệm đưa dịch vụ công trực tuyến mức độ 4 về cấp xã.",
            "Thành phố Hồ Chí Minh đề xuất cơ chế thí điểm chia sẻ dữ liệu giữa các cơ quan.",
        ],
        "conclusions": [],
    },
    "ket-luan": {
        "speakers": [],
        "notes": [],
        "conclusions": [
            "Năm 2022 là năm thúc đẩy chuyển đổi số quốc gia.",
            "Mỗi bộ, ngành, địa phương phải có kế hoạch chuyển đổi số và bố trí đủ nguồn lực.",
        ],
    },
}


class Played(msgspec.Struct):
    """What the script entered, to look for in the minutes."""

    poll: str
    notes: list[str]
    conclusions: list[str]
    points_present: list[str]  # ids of points with someone marked online, or connected


def _event_of(answer: dict, kind: str) -> dict:
    return next(e for e in answer["events"] if e["type"] == kind)


@contextlib.contextmanager
def connected_points(session: Session, points: list[str]):
    """Open a live stream for each point and return once the log has each point online."""
    with contextlib.ExitStack() as stack:
        for point in points:
            # Nobody reads these streams after the presence event: let them buffer, with no keepalive to miss.
            url = session.live_url(session.point(point))
            ws = stack.enter_context(connect(url, open_timeout=10, max_queue=None, ping_interval=None))
            while True:  # read the stream until this point's own presence event goes by
                event = json.loads(ws.recv(timeout=10))
                if event["type"] == "point.online" and event["point"] == point:
                    break
        yield


def play_attendance(session: Session) -> None:
    for person in IN_HALL:
        session.ok(session.secretary, type="attendance.mark", person=person, status="present")
    for person, point in ONLINE.items():
        token = session.person(person) if person == SELF_MARKED else session.point(point)
        session.ok(token, type="attendance.mark", person=person, status="online")
    person, reason = ABSENT
    session.ok(session.secretary, type="attendance.mark", person=person, status="absent", reason=reason)


def play_item(session: Session, item: str) -> str | None:
    """Run one item: start, speakers, its poll if it has one, notes, conclusions, end."""
    chair = session.chair
    session.ok(chair, type="item.start", item=item)
    for speaker in SCRIPT[item]["speakers"]:
        if isinstance(speaker, tuple):
            person = speaker[1]
            answer = session.ok(session.point(ONLINE[person]), type="speaker.request", item=item, person=person)
        else:
            answer = session.ok(chair, type="speaker.request", item=item, person=speaker)
        request = _event_of(answer, "speaker.requested")["request"]
        session.ok(chair, type="speaker.grant", request=request)
        session.ok(chair, type="speaker.finish", request=request)
    poll = None
    if item == "quy-che":
        poll = _event_of(session.ok(chair, type="poll.open", item=item), "poll.opened")["poll"]
        for person, choice in VOTES.items():
            token = chair if person == CHAIR_ID else session.person(person)
            session.ok(token, type="vote.cast", poll=poll, choice=choice)
        session.ok(chair, type="poll.close", poll=poll)
    for note in SCRIPT[item]["notes"]:
        session.ok(session.secretary, type="note.record", item=item, text=note)
    for conclusion in SCRIPT[item]["conclusions"]:
        session.ok(chair, type="conclusion.record", item=item, text=conclusion)
    session.ok(chair, type="item.end", item=item)
    return poll


def play_reference(session: Session) -> Played:
    """Open, mark attendance, run every item, close. The caller keeps the points connected."""
    play_attendance(session)
    session.ok(session.chair, type="session.open")
    poll = None
    for item in SCRIPT:
        poll = play_item(session, item) or poll
    session.ok(session.chair, type="session.close")
    return Played(
        poll=poll,
        notes=[n for s in SCRIPT.values() for n in s["notes"]],
        conclusions=[c for s in SCRIPT.values() for c in s["conclusions"]],
        points_present=sorted(set(ONLINE.values()) | set(CONNECTED)),
    )
