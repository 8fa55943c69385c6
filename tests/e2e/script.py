"""A scripted session on ``small_agenda()``: open, attendance, speakers, notes, a vote, close."""

from __future__ import annotations

from ..support import Session

VOTERS = ("chu-toa", "tv-1", "tv-2", "tv-3", "tv-4")


def _new(answer: dict, kind: str, key: str) -> str:
    return next(e[key] for e in answer["events"] if e["type"] == kind)


def opening(s: Session) -> None:
    """Open the session, mark the voters present, start the first item."""
    s.ok(s.chair, type="session.open")
    for person in VOTERS:
        s.ok(s.chair, type="attendance.mark", person=person, status="present")
    s.ok(s.chair, type="item.start", item="khai-mac")


def middle(s: Session, notes: int = 5, note_size: int = 40) -> None:
    """Speakers on the first item and ``notes`` notes of about ``note_size`` characters."""
    first = _new(s.ok(s.person("tv-1"), type="speaker.request", item="khai-mac"), "speaker.requested", "request")
    second = _new(s.ok(s.point("tra-vinh"), type="speaker.request", item="khai-mac", person="tv-2"),
                  "speaker.requested", "request")
    s.ok(s.chair, type="speaker.grant", request=first)
    s.ok(s.chair, type="speaker.finish", request=first)
    s.ok(s.chair, type="speaker.withdraw", request=second)
    for i in range(notes):
        s.ok(s.secretary, type="note.record", item="khai-mac", text=f"Ghi chú {i}: " + "x" * note_size)


def closing(s: Session) -> None:
    """End the first item, vote on the draft, record the conclusion, close the session."""
    s.ok(s.chair, type="item.end", item="khai-mac")
    s.ok(s.chair, type="item.start", item="du-thao")
    poll = _new(s.ok(s.chair, type="poll.open", item="du-thao"), "poll.opened", "poll")
    for person in VOTERS:
        s.ok(s.person(person), type="vote.cast", poll=poll, choice="yes" if person != "tv-4" else "no")
    s.ok(s.chair, type="poll.close", poll=poll)
    s.ok(s.chair, type="conclusion.record", item="du-thao", text="Thông qua dự thảo.")
    s.ok(s.chair, type="item.end", item="du-thao")
    s.ok(s.chair, type="session.close")


def whole(s: Session, notes: int = 5) -> int:
    """The whole script; returns the head seq after ``session.closed``."""
    opening(s)
    middle(s, notes=notes)
    closing(s)
    return s.snapshot()["seq"]
