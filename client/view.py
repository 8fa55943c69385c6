"""What a connection point's screen shows: a small fold of the snapshot and the live events.

Pure: no sockets, no clock of its own (``render`` is given ``now``), so it is tested without a
server. ``plain_line`` is the one-line-per-event form that ``phienhop follow --plain`` prints.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

SKIPPED_FIELDS = ("seq", "type", "at", "agenda")  # agenda: the whole file, in session.created


def _value(value: Any) -> str:
    if isinstance(value, str):
        if value and not any(c.isspace() or c in '="' for c in value):
            return value
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "-"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def plain_line(event: dict) -> str:
    """``seq type key=value ...``: every field but seq, type, at (and a created session's agenda)."""
    fields = " ".join(f"{k}={_value(v)}" for k, v in event.items() if k not in SKIPPED_FIELDS)
    return f"{event.get('seq')} {event.get('type')}" + (f" {fields}" if fields else "")


def countdown(ends_at: dt.datetime | None, now: dt.datetime) -> str:
    """``12:05 left`` or ``03:10 over``, from the item's planned end and the local clock."""
    if ends_at is None:
        return ""
    seconds = int((ends_at - now).total_seconds())
    minutes, rest = divmod(abs(seconds), 60)
    return f"{minutes:02d}:{rest:02d} {'left' if seconds >= 0 else 'over'}"


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


class View:
    """The session as a connection point sees it, kept current by ``apply``."""

    def __init__(self, snapshot: dict) -> None:
        state = snapshot["state"]
        agenda = state["agenda"]
        self.seq: int = snapshot["seq"]
        self.title: str = agenda["session"]["title"]
        self.status: str = state["status"]
        self.people = {p["id"]: p["name"] for p in agenda["people"]}
        self.points = {p["id"]: p["name"] for p in agenda["points"]}
        self.items = {i["id"]: i["title"] for i in agenda["items"]}
        self.active_item: str | None = state["active_item"]
        self.ends_at = _time((state["items"].get(self.active_item) or {}).get("ends_at")) if self.active_item else None
        self.attendance = {person: mark["status"] for person, mark in state["attendance"].items()}
        self.requests = {r["id"]: {"person": r["person"], "point": r["point"], "item": r["item"], "status": r["status"]}
                         for r in state["requests"].values()}
        self.floor: str | None = state["floor"]
        self.polls: dict[str, dict] = {}
        for poll in state["polls"].values():
            result = poll.get("result")
            self.polls[poll["id"]] = {"item": poll["item"], "status": poll["status"], "voted": len(poll["voters"]),
                                      "of": poll["present_at_open"], "result": result}
        self.online = set(state["online_points"])
        self.connection = "connecting"

    # -- folding events ----------------------------------------------------------------------

    def apply(self, event: dict) -> None:
        kind = event["type"]
        self.seq = event["seq"]
        if kind == "session.opened":
            self.status = "open"
        elif kind == "session.closed":
            self.status = "closed"
        elif kind == "item.started":
            self.active_item, self.ends_at = event["item"], _time(event["ends_at"])
        elif kind == "item.ended":
            self.active_item, self.ends_at, self.floor = None, None, None
            for request in self.requests.values():
                if request["item"] == event["item"] and request["status"] in ("queued", "speaking"):
                    request["status"] = "lapsed" if request["status"] == "queued" else "finished"
        elif kind == "attendance.marked":
            self.attendance[event["person"]] = event["status"]
        elif kind == "speaker.requested":
            self.requests[event["request"]] = {"person": event.get("person"), "point": event.get("point"),
                                               "item": event["item"], "status": "queued"}
        elif kind in ("speaker.granted", "speaker.finished", "speaker.withdrawn") and event["request"] in self.requests:
            status = {"speaker.granted": "speaking", "speaker.finished": "finished", "speaker.withdrawn": "withdrawn"}[kind]
            self.requests[event["request"]]["status"] = status
            if status == "speaking":
                self.floor = event["request"]
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

    def floor_lines(self) -> list[str]:
        speaking = self.who(self.requests[self.floor]) if self.floor in self.requests else "—"
        queued = [self.who(r) for r in self.requests.values() if r["status"] == "queued"]
        return [f"Floor:    {speaking}", f"Queue:    {', '.join(queued) if queued else '—'}"]

    def poll_lines(self) -> list[str]:
        lines = []
        for poll_id, poll in self.polls.items():
            item = self.items.get(poll["item"], poll["item"])
            if poll["status"] == "open":
                lines.append(f"Vote:     {item}: {poll['voted']} of {poll['of']} have voted")
            elif poll["item"] == self.active_item or poll_id == next(reversed(self.polls)):
                lines.append(f"Result:   {item}: {result_text(poll['result'])}")
        return lines

    def attendance_line(self) -> str:
        counts = {"present": 0, "online": 0, "absent": 0}
        for status in self.attendance.values():
            counts[status] = counts.get(status, 0) + 1
        unmarked = len(self.people) - len(self.attendance)
        return (f"Present:  {counts['present']} in the hall, {counts['online']} online, {counts['absent']} absent, "
                f"{unmarked} not marked; points connected {len(self.online)} of {len(self.points)}")

    def render(self, now: dt.datetime) -> str:
        """The whole screen as text (no escape codes)."""
        item = self.items.get(self.active_item, "—") if self.active_item else "—"
        clock = countdown(self.ends_at, now)
        lines = [self.title, "=" * min(len(self.title), 78), f"Session:  {self.status}   (seq {self.seq})",
                 f"Item:     {item}" + (f"   [{clock}]" if clock else "")]
        lines += self.floor_lines() + self.poll_lines() + [self.attendance_line(), "", f"Connection: {self.connection}"]
        return "\n".join(lines)


def result_text(result: dict | None) -> str:
    """``adopted — yes 12, no 1, abstain 0; 2 did not vote``."""
    if not result:
        return "closed"
    votes = result.get("votes") or result.get("counts") or {}
    counts = ", ".join(f"{choice} {votes.get(choice, 0)}" for choice in ("yes", "no", "abstain"))
    return f"{result.get('outcome', '?')} — {counts}; {result.get('not_voted', 0)} did not vote"
