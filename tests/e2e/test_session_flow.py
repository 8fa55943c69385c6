"""The reference session run start to finish on a real server, watched live over WebSocket."""

from __future__ import annotations

from .wsread import Follower

HALL = ["pham-minh-chinh", "vu-duc-dam", "nguyen-manh-hung", "tran-van-son", "thu-ky"]
ONLINE_BY_CHAIR = ["pham-thi-thanh-tra", "nguyen-chi-dung", "ho-duc-phoc", "nguyen-hong-dien", "le-minh-hoan"]
# 4 voting members in the hall + to-lam (checks himself in) + 5 marked online = 10 of 16 present.
YES = ["pham-minh-chinh", "vu-duc-dam", "nguyen-manh-hung", "tran-van-son", "to-lam", "pham-thi-thanh-tra",
       "nguyen-chi-dung", "ho-duc-phoc", "nguyen-hong-dien"]
ABSTAIN = ["le-minh-hoan"]


class Run:
    """Sends commands that must succeed and keeps every event they were acknowledged with."""

    def __init__(self, session) -> None:
        self.s = session
        self.acked: list[dict] = []

    def __call__(self, token: str, **body) -> list[dict]:
        answer = self.s.ok(token, **body)
        assert answer["seq"] == (answer["events"][-1]["seq"] if answer["events"] else answer["seq"])
        self.acked += answer["events"]
        return answer["events"]

    @property
    def seq(self) -> int:
        return self.acked[-1]["seq"]

    def types(self, since: int) -> list[str]:
        return [e["type"] for e in self.acked if e["seq"] > since]


def without(event: dict, *keys: str) -> dict:
    return {k: v for k, v in event.items() if k not in ("seq", "at", "v", *keys)}


def test_reference_session_followed_live(server):
    """Every step of the reference session reaches a follower in order with gapless seqs, equal to the log;
    one that leaves and comes back with since=N gets exactly the events after N."""
    s = server.create()
    run = Run(s)
    chair, secretary = s.chair, s.secretary
    leaver = Follower(s.live_url(since=0))
    with Follower(s.live_url(since=0)) as early:
        assert early.until(1)[0]["type"] == "session.created"

        run(chair, type="session.open")
        for person in HALL:
            run(chair, type="attendance.mark", person=person, status="present")
        [by_point] = run(s.point("tra-vinh"), type="attendance.mark", person="nguyen-quynh-thien", status="online")
        [by_self] = run(s.person("to-lam"), type="attendance.mark", person="to-lam", status="online")
        for person in ONLINE_BY_CHAIR:
            run(chair, type="attendance.mark", person=person, status="online")
        [absent] = run(secretary, type="attendance.mark", person="nguyen-thanh-long", status="absent",
                       reason="Bận công tác")
        assert without(by_point) == {"type": "attendance.marked", "person": "nguyen-quynh-thien", "status": "online",
                                     "point": "tra-vinh", "reason": "", "by": "tra-vinh"}
        assert without(by_self) == {"type": "attendance.marked", "person": "to-lam", "status": "online",
                                    "point": "bo-cong-an", "reason": "", "by": "to-lam"}
        assert without(absent) == {"type": "attendance.marked", "person": "nguyen-thanh-long", "status": "absent",
                                   "point": None, "reason": "Bận công tác", "by": "thu-ky"}

        # 1. Opening speech.
        run(chair, type="item.start", item="khai-mac")
        run(secretary, type="note.record", item="khai-mac", text="Thủ tướng phát biểu khai mạc phiên họp.")
        run(chair, type="item.end", item="khai-mac")

        # 2. The regulation: a member and a point ask for the floor, one withdraws, then the vote.
        run(chair, type="item.start", item="quy-che")
        [member_asks] = run(s.person("vu-duc-dam"), type="speaker.request", item="quy-che")
        [point_asks] = run(s.point("tra-vinh"), type="speaker.request", item="quy-che", person="nguyen-quynh-thien")
        [withdrawn_ask] = run(s.person("to-lam"), type="speaker.request", item="quy-che")
        assert without(member_asks) == {"type": "speaker.requested", "request": "r1", "item": "quy-che",
                                        "person": "vu-duc-dam", "point": "ha-noi", "by": "vu-duc-dam",
                                        "point_of_order": False}
        assert without(point_asks) == {"type": "speaker.requested", "request": "r2", "item": "quy-che",
                                       "person": "nguyen-quynh-thien", "point": "tra-vinh", "by": "tra-vinh",
                                       "point_of_order": False}
        assert withdrawn_ask["request"] == "r3"
        run(s.person("to-lam"), type="speaker.withdraw", request="r3")
        run(chair, type="speaker.grant", request="r1")
        run(chair, type="speaker.finish", request="r1")
        run(chair, type="speaker.grant", request="r2")
        run(chair, type="speaker.finish", request="r2")
        [opened] = run(chair, type="poll.open", item="quy-che")
        assert (opened["poll"], opened["members"], opened["present"], opened["needed"]) == ("p1", 16, 10, 9)
        for person in YES:
            run(s.person(person), type="vote.cast", poll="p1", choice="yes")
        for person in ABSTAIN:
            run(s.person(person), type="vote.cast", poll="p1", choice="abstain")
        [result] = run(chair, type="poll.close", poll="p1")
        assert (result["counts"], result["members"], result["present"], result["voted"], result["not_voted"],
                result["rule"], result["outcome"]) == (
            {"yes": 9, "no": 0, "abstain": 1}, 16, 10, 10, 6, "more-than-half-of-members", "adopted")
        assert len(result["roll"]) == 10
        run(chair, type="conclusion.record", item="quy-che",
            text="Ủy ban thống nhất thông qua Quy chế hoạt động của Ủy ban Quốc gia về chuyển đổi số.")
        run(chair, type="item.end", item="quy-che")
        middle = run.seq
        assert leaver.until(middle) == s.events(since=0)
        leaver.ws.close()

        with Follower(s.live_url(since=leaver.seqs[-1])) as late:  # the leaver, back
            # 3. The 2022 plan: a point asks for the floor for itself.
            run(chair, type="item.start", item="ke-hoach-2022")
            [point_itself] = run(s.point("bo-y-te"), type="speaker.request", item="ke-hoach-2022")
            assert (point_itself["person"], point_itself["point"]) == (None, "bo-y-te")
            run(chair, type="speaker.grant", request=point_itself["request"])
            run(chair, type="speaker.finish", request=point_itself["request"])
            run(secretary, type="note.record", item="ke-hoach-2022", text="Bộ Y tế góp ý về dữ liệu y tế.")
            run(chair, type="item.end", item="ke-hoach-2022")

            # 4. Contributions: the chair gives and takes back a request; a queued one lapses at the end.
            run(chair, type="item.start", item="tham-luan")
            [asked] = run(chair, type="speaker.request", item="tham-luan", person="lanh-dao-tp-ho-chi-minh")
            run(chair, type="speaker.withdraw", request=asked["request"])
            [lapses] = run(s.point("tra-vinh"), type="speaker.request", item="tham-luan")
            [speaking] = run(s.person("nguyen-manh-hung"), type="speaker.request", item="tham-luan")
            run(chair, type="speaker.grant", request=speaking["request"])
            ended = run(chair, type="item.end", item="tham-luan")  # finishes the floor, then ends
            assert [e["type"] for e in ended] == ["speaker.finished", "item.ended"]

            # 5. Closing remarks, then close.
            run(chair, type="item.start", item="ket-luan")
            run(secretary, type="conclusion.record", item="ket-luan", text="Thủ tướng kết luận phiên họp.")
            run(chair, type="item.end", item="ket-luan")
            run(chair, type="session.close")
            last = run.seq

            log = s.events(since=0)
            assert [e["seq"] for e in log] == list(range(1, last + 1))
            assert [e["type"] for e in log[1:]] == run.types(since=1)
            assert early.until(last) == log
            assert late.until(last) == s.events(since=middle)
            assert late.seqs == list(range(middle + 1, last + 1))

    snap = s.snapshot()
    state = snap["state"]
    assert (snap["seq"], state["status"], state["active_item"], state["floor"]) == (last, "closed", None, None)
    assert [state["items"][i]["status"] for i in ("khai-mac", "quy-che", "ke-hoach-2022", "tham-luan", "ket-luan")] \
        == ["done"] * 5
    assert {r: state["requests"][r]["status"] for r in state["requests"]} == {
        "r1": "finished", "r2": "finished", "r3": "withdrawn", "r4": "finished", "r5": "withdrawn",
        "r6": "lapsed", "r7": "finished"}
    assert lapses["request"] == "r6"
    assert len(state["attendance"]) == 89  # the 13 marked, and the rest recorded by the close
    # The unmarked leader the chair gave the floor spoke from his point: online there, not absent.
    closed = next(e for e in s.events(since=last - 1) if e["type"] == "session.closed")
    assert (closed["present"], closed["online"]) == ([], ["lanh-dao-tp-ho-chi-minh"])
    assert sum(m["status"] == "absent" and not m["reason"] for m in state["attendance"].values()) == 89 - 13 - 1
    assert [n["item"] for n in state["notes"]] == ["khai-mac", "ke-hoach-2022"]
    assert [c["item"] for c in state["conclusions"]] == ["quy-che", "ket-luan"]
    assert state["polls"]["p1"]["result"]["outcome"] == "adopted"
    log = server.output.read_text(encoding="utf-8", errors="replace")
    for token in [s.chair, s.secretary, s.public, *s.tokens["people"].values(), *s.tokens["points"].values()]:
        assert token not in log
