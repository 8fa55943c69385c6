"""What a connection point's screen shows: a small fold of the snapshot and the live events.

Pure: no sockets, no clock of its own (``render`` is given ``now``), so it is tested without a
server. ``summary_lines`` is the state ``phienhop follow --plain`` prints first, ``plain_line`` the
one line per event it prints after; both on the session's clock (the offset of its starts_at).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

SKIPPED_FIELDS = ("seq", "type", "at", "v", "agenda")  # v: the schema version; agenda: the whole file, in session.created


def _value(value: Any) -> str:
    if isinstance(value, str):
        if value and not any(c.isspace() or c in '="' for c in value):
            return value
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "-"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def plain_line(event: dict, zone: dt.tzinfo | None = None) -> str:
    """``seq type key=value ...``: every field but seq, type, at, v (and a created session's agenda).

    With ``zone`` (the session's: the offset of its starts_at) the event's time comes after the seq,
    as the room's clock shows it: ``seq HH:MM:SS type key=value ...``.
    """
    fields = " ".join(f"{k}={_value(v)}" for k, v in event.items() if k not in SKIPPED_FIELDS)
    when = ""
    if zone is not None and event.get("at"):
        when = dt.datetime.fromisoformat(event["at"]).astimezone(zone).strftime("%H:%M:%S") + " "
    return f"{event.get('seq')} {when}{event.get('type')}" + (f" {fields}" if fields else "")


def countdown(ends_at: dt.datetime | None, now: dt.datetime, lang: str = "en") -> str:
    """``12:05 left`` or ``03:10 over`` (vi: ``còn 12:05``, ``quá 03:10``), from the planned end and the local clock."""
    if ends_at is None:
        return ""
    seconds = int((ends_at - now).total_seconds())
    minutes, rest = divmod(abs(seconds), 60)
    clock = f"{minutes:02d}:{rest:02d}"
    if lang == "vi":
        return f"{'còn' if seconds >= 0 else 'quá'} {clock}"
    return f"{clock} {'left' if seconds >= 0 else 'over'}"


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _until(granted_at: str | None, limit_s: int | None) -> dt.datetime | None:
    """When a speaker's time runs out: the grant plus its limit (None: no limit)."""
    if not granted_at or not limit_s:
        return None
    return dt.datetime.fromisoformat(granted_at) + dt.timedelta(seconds=limit_s)


LABELS = {
    "en": {
        "session": "Session:  ", "item": "Item:     ", "floor": "Floor:    ", "queue": "Queue:    ",
        "vote": "Vote:    ", "result": "Result:   ", "present": "Present:  ", "connection": "Connection: ",
        "have_voted": "{voted} of {of} have voted",
        "attendance": "{present} in the hall, {online} online, {absent} absent, {unmarked} not marked; "
                      "points connected {connected} of {points}",
        "outcome": {"adopted": "adopted", "rejected": "rejected", "consultative": "consultative"},
        "choices": {"yes": "yes", "no": "no", "abstain": "abstain"}, "did_not_vote": "{n} did not vote",
        "closed": "closed",
        "status": {"scheduled": "scheduled", "open": "open", "closed": "closed"},
        "point_of_order": "point of order", "deputy_for": "for {}", "hands": "show of hands",
        "deferred": "Deferred: ", "added": "added", "proxies": "Proxies:  ", "proxy": "{} → {}",
        "starts": "starts {time}, {date}", "place": "Place:    ", "opened": "opened {time}", "closed_at": "closed {time}",
        "zone": "times in the session's zone, UTC{offset}", "started": "started {time}, planned end {end}",
        "since": "since {time}", "none": "—",
    },
    "vi": {
        "session": "Phiên:     ", "item": "Nội dung:  ", "floor": "Phát biểu: ", "queue": "Chờ:       ",
        "vote": "Biểu quyết:", "result": "Kết quả:   ", "present": "Điểm danh: ", "connection": "Kết nối: ",
        "have_voted": "{voted}/{of} người đã biểu quyết",
        "attendance": "{present} tại hội trường, {online} trực tuyến, {absent} vắng, {unmarked} chưa điểm danh; "
                      "điểm cầu kết nối {connected}/{points}",
        "outcome": {"adopted": "thông qua", "rejected": "không thông qua", "consultative": "thăm dò ý kiến"},
        "choices": {"yes": "tán thành", "no": "không tán thành", "abstain": "không biểu quyết"},
        "did_not_vote": "{n} không tham gia biểu quyết", "closed": "đã kết thúc",
        "status": {"scheduled": "chưa khai mạc", "open": "đang họp", "closed": "đã bế mạc"},
        "point_of_order": "ý kiến về thủ tục", "deputy_for": "dự thay {}", "hands": "giơ tay",
        "deferred": "Hoãn:      ", "added": "bổ sung", "proxies": "Ủy quyền:  ", "proxy": "{} → {}",
        "starts": "bắt đầu lúc {time}, {date}", "place": "Địa điểm:  ", "opened": "khai mạc lúc {time}",
        "closed_at": "bế mạc lúc {time}", "zone": "giờ của phiên họp, UTC{offset}",
        "started": "bắt đầu {time}, dự kiến kết thúc {end}", "since": "từ {time}", "none": "—",
    },
}


# The follower's status lines (English in --plain logs) as the screen shows them in Vietnamese.
_STATUS_VI = [
    ("live from seq", "trực tiếp từ seq"), ("resumed from seq", "đã nối lại từ seq"),
    ("reconnecting in", "kết nối lại sau"), ("session closed", "phiên họp đã bế mạc"),
    ("snapshot seq", "ảnh chụp trạng thái seq"), ("following session", "theo dõi phiên"),
    ("gap after seq", "thiếu sự kiện sau seq"), ("gap: resuming from seq", "thiếu sự kiện: nối lại từ seq"),
    ("too slow: resuming from seq", "quá chậm: nối lại từ seq"),
]


def status_text(text: str, lang: str) -> str:
    """A status line for the screen, in ``lang``."""
    if lang == "vi":
        for en, vi in _STATUS_VI:
            if text.startswith(en):
                return vi + text[len(en):]
    return text


class View:
    """The session as a connection point sees it, kept current by ``apply``; labels in ``lang`` (vi or en)."""

    def __init__(self, snapshot: dict, lang: str | None = None) -> None:
        state = snapshot["state"]
        agenda = state["agenda"]
        self.lang = lang if lang in LABELS else agenda["session"].get("language", "vi")
        self.t = LABELS[self.lang]
        self.seq: int = snapshot["seq"]
        self.title: str = agenda["session"]["title"]
        self.place: str = agenda["session"].get("place") or ""
        self.starts_at = _time(agenda["session"].get("starts_at"))
        self.zone = self.starts_at.tzinfo if self.starts_at else None  # the session's zone: the offset of its starts_at
        self.opened_at, self.closed_at = _time(state.get("opened_at")), _time(state.get("closed_at"))
        self.status: str = state["status"]
        self.people = {p["id"]: p["name"] for p in agenda["people"]}
        self.points = {p["id"]: p["name"] for p in agenda["points"]}
        self.items = {i["id"]: i["title"] for i in agenda["items"]}
        self.items.update({i["id"]: i["title"] for i in state.get("added_items", {}).values()})
        for deputy in state.get("deputies", {}).values():
            self.people[deputy["id"]] = self._deputy_name(deputy["name"], deputy["person"])
        self.deferred = {i: item["reason"] for i, item in state["items"].items() if item["status"] == "deferred"}
        self.proxies = {g: p["to"] for g, p in state.get("proxies", {}).items()}
        self.active_item: str | None = state["active_item"]
        self.ends_at = _time((state["items"].get(self.active_item) or {}).get("ends_at")) if self.active_item else None
        self.started_at = _time((state["items"].get(self.active_item) or {}).get("started_at")) if self.active_item else None
        self.attendance = {person: mark["status"] for person, mark in state["attendance"].items()}
        self.requests = {r["id"]: {"person": r["person"], "point": r["point"], "item": r["item"], "status": r["status"],
                                   "point_of_order": r.get("point_of_order", False),
                                   "until": _until(r.get("granted_at"), r.get("limit_s")),
                                   "granted_at": _time(r.get("granted_at"))}
                         for r in state["requests"].values()}
        self.floor: str | None = state["floor"]
        self.polls: dict[str, dict] = {}
        for poll in state["polls"].values():
            result = poll.get("result")
            self.polls[poll["id"]] = {"item": poll["item"], "status": poll["status"], "voted": len(poll["voters"]),
                                      "of": poll["present_at_open"], "result": result}
        self.online = set(state["online_points"])
        self.connection = "connecting"

    def _deputy_name(self, name: str, member: str) -> str:
        return f"{name} ({self.t['deputy_for'].format(self.people.get(member, member))})"

    # -- folding events ----------------------------------------------------------------------

    def apply(self, event: dict) -> None:
        kind = event["type"]
        self.seq = event["seq"]
        if kind == "session.opened":
            self.status, self.opened_at = "open", _time(event["at"])
        elif kind == "session.closed":
            self.status, self.closed_at = "closed", _time(event["at"])
            self.online = set()  # presence is tracked only while the session runs (server/domain/session.py)
            for person in event.get("absent") or []:  # never marked: recorded absent by the close
                self.attendance[person] = "absent"
            for status in ("present", "online"):  # unmarked but acted in the session: recorded attending
                for person in event.get(status) or []:
                    self.attendance[person] = status
        elif kind == "item.started":
            self.active_item, self.ends_at, self.started_at = event["item"], _time(event["ends_at"]), _time(event["at"])
        elif kind == "item.ended":
            self.active_item, self.ends_at, self.started_at, self.floor = None, None, None, None
            for request in self.requests.values():
                if request["item"] == event["item"] and request["status"] in ("queued", "speaking"):
                    request["status"] = "lapsed" if request["status"] == "queued" else "finished"
        elif kind == "attendance.marked":
            self.attendance[event["person"]] = event["status"]
        elif kind == "speaker.requested":
            self.requests[event["request"]] = {"person": event.get("person"), "point": event.get("point"),
                                               "item": event["item"], "status": "queued",
                                               "point_of_order": event.get("point_of_order", False), "until": None,
                                               "granted_at": None}
        elif kind == "item.added":
            self.items[event["item"]["id"]] = event["item"]["title"]
        elif kind == "item.deferred":
            self.deferred[event["item"]] = event["reason"]
        elif kind == "deputy.assigned":
            self.people[event["deputy"]] = self._deputy_name(event["name"], event["person"])
        elif kind == "proxy.granted":
            self.proxies[event["from"]] = event["to"]
        elif kind == "proxy.revoked":
            self.proxies.pop(event["from"], None)
        elif kind in ("speaker.granted", "speaker.finished", "speaker.withdrawn") and event["request"] in self.requests:
            status = {"speaker.granted": "speaking", "speaker.finished": "finished", "speaker.withdrawn": "withdrawn"}[kind]
            self.requests[event["request"]]["status"] = status
            if status == "speaking":
                self.floor = event["request"]
                self.requests[event["request"]]["until"] = _until(event["at"], event.get("limit_s"))
                self.requests[event["request"]]["granted_at"] = _time(event["at"])
            elif self.floor == event["request"]:
                self.floor = None
        elif kind == "poll.opened":
            self.polls[event["poll"]] = {"item": event["item"], "status": "open", "voted": 0, "of": event["present"],
                                         "result": None}
        elif kind == "vote.cast" and event["poll"] in self.polls:
            self.polls[event["poll"]].update(voted=event["voted"], of=event["of"])
        elif kind == "poll.closed" and event["poll"] in self.polls:
            self.polls[event["poll"]].update(status="closed", result=event)
        elif kind == "point.online":
            self.online.add(event["point"])
        elif kind == "point.offline":
            self.online.discard(event["point"])

    # -- rendering -----------------------------------------------------------------------------

    def who(self, request: dict) -> str:
        if request.get("person"):
            return self.people.get(request["person"], request["person"])
        return self.points.get(request.get("point") or "", request.get("point") or "?")

    def floor_lines(self, now: dt.datetime | None = None) -> list[str]:
        speaking = "—"
        if self.floor in self.requests:
            request = self.requests[self.floor]
            speaking = self.who(request)
            if request.get("until") and now is not None:  # the speaker's own countdown, then the overrun
                speaking += f"   [{countdown(request['until'], now, self.lang)}]"
        waiting = [r for r in self.requests.values() if r["status"] == "queued"]
        waiting.sort(key=lambda r: not r.get("point_of_order"))  # points of order first, each group first-come
        queued = [self.who(r) + (f" ({self.t['point_of_order']})" if r.get("point_of_order") else "") for r in waiting]
        return [f"{self.t['floor']}{speaking}", f"{self.t['queue']}{', '.join(queued) if queued else '—'}"]

    def poll_lines(self) -> list[str]:
        lines = []
        for poll_id, poll in self.polls.items():
            item = self.items.get(poll["item"], poll["item"])
            if poll["status"] == "open":
                lines.append(f"{self.t['vote']} {item}: {self.t['have_voted'].format(voted=poll['voted'], of=poll['of'])}")
            elif poll["item"] == self.active_item or poll_id == next(reversed(self.polls)):
                lines.append(f"{self.t['result']}{item}: {result_text(poll['result'], self.lang)}")
        return lines

    def attendance_line(self) -> str:
        counts = {"present": 0, "online": 0, "absent": 0}
        for status in self.attendance.values():
            counts[status] = counts.get(status, 0) + 1
        unmarked = len(self.people) - len(self.attendance)
        return self.t["present"] + self.t["attendance"].format(
            present=counts["present"], online=counts["online"], absent=counts["absent"], unmarked=unmarked,
            connected=len(self.online), points=len(self.points),
        )

    def clock(self, moment: dt.datetime | None, seconds: bool = False) -> str:
        """``14:05`` (or ``14:05:12``): a moment on the session's clock, not this machine's."""
        if moment is None:
            return ""
        return moment.astimezone(self.zone).strftime("%H:%M:%S" if seconds else "%H:%M")

    def summary_lines(self, now: dt.datetime) -> list[str]:
        """The session as it stands, for ``follow --plain`` before the events: status and its times, place,
        the item (started, planned end, time left), who has the floor (since when, their time), the queue,
        votes and results, attendance. Every time in the session's zone (the offset of its starts_at)."""
        t = self.t
        offset = self.starts_at.strftime("%z") if self.starts_at else "+0000"
        starts = self.starts_at.strftime("%d/%m/%Y") if self.starts_at else ""
        times = {"scheduled": [t["starts"].format(time=self.clock(self.starts_at), date=starts) if self.starts_at else ""],
                 "open": [t["opened"].format(time=self.clock(self.opened_at))],
                 "closed": [t["opened"].format(time=self.clock(self.opened_at)), t["closed_at"].format(time=self.clock(self.closed_at))]}
        status = [t["status"].get(self.status, self.status)] + [x for x in times.get(self.status, []) if x.strip()]
        lines = [self.title, f"{t['session']}{' · '.join(status)} ({t['zone'].format(offset=f'{offset[:3]}:{offset[3:]}')})"]
        if self.place:
            lines.append(f"{t['place']}{self.place}")
        if self.active_item:
            item = [self.items.get(self.active_item, self.active_item)]
            if self.started_at and self.ends_at:
                item.append(t["started"].format(time=self.clock(self.started_at), end=self.clock(self.ends_at)))
            if self.ends_at:
                item.append(countdown(self.ends_at, now, self.lang))
            lines.append(f"{t['item']}{' · '.join(item)}")
        else:
            lines.append(f"{t['item']}{t['none']}")
        queue = self.floor_lines()[1]
        request = self.requests.get(self.floor) if self.floor else None
        floor = [self.who(request)] if request else [t["none"]]
        if request and request.get("granted_at"):
            floor.append(t["since"].format(time=self.clock(request["granted_at"], seconds=True)))
        if request and request.get("until"):  # the speaker's own time, then the overrun
            floor.append(countdown(request["until"], now, self.lang))
        lines += [f"{t['floor']}{' · '.join(floor)}", queue] + self.poll_lines()
        lines += [f"{t['deferred']}{self.items.get(i, i)} — {reason}" for i, reason in self.deferred.items()]
        if self.proxies:
            names = [t["proxy"].format(self.people.get(g, g), self.people.get(h, h)) for g, h in self.proxies.items()]
            lines.append(t["proxies"] + "; ".join(names))
        lines.append(self.attendance_line())
        return lines

    def render(self, now: dt.datetime) -> str:
        """The whole screen as text (no escape codes)."""
        item = self.items.get(self.active_item, "—") if self.active_item else "—"
        clock = countdown(self.ends_at, now, self.lang)
        status = self.t["status"].get(self.status, self.status)
        lines = [self.title, "=" * min(len(self.title), 78), f"{self.t['session']}{status}   (seq {self.seq})",
                 f"{self.t['item']}{item}" + (f"   [{clock}]" if clock else "")]
        lines += self.floor_lines(now) + self.poll_lines()
        lines += [f"{self.t['deferred']}{self.items.get(i, i)} — {reason}" for i, reason in self.deferred.items()]
        if self.proxies:
            names = [self.t["proxy"].format(self.people.get(g, g), self.people.get(h, h)) for g, h in self.proxies.items()]
            lines.append(self.t["proxies"] + "; ".join(names))
        lines += [self.attendance_line(), "", f"{self.t['connection']}{self.connection}"]
        return "\n".join(lines)


def result_text(result: dict | None, lang: str = "en") -> str:
    """``adopted — yes 12, no 1, abstain 0; 2 did not vote`` (weighted counts), in ``lang``."""
    t = LABELS[lang]
    if not result:
        return t["closed"]
    counts = result.get("counts") or {}
    shown = ", ".join(f"{t['choices'][c]} {counts.get(c, 0)}" for c in ("yes", "no", "abstain"))
    outcome = t["outcome"].get(result.get("outcome", ""), "?")
    return f"{outcome} — {shown}; {t['did_not_vote'].format(n=result.get('not_voted', 0))}"
