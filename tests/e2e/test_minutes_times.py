"""Times in the minutes, through the path a download takes: HTTP, the render worker, the real PDF.

Events are stamped on the server's real clock, so each test reads the stamps back from the log
and checks that pdftotext shows them on the session's clock (the offset of ``starts_at``).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pytest

from tests.e2e.script import whole
from tests.support import Session, require_tool, small_agenda

VI_MONTH_PAD = (1, 2)  # Decree 30/2020: months 1 and 2 take a leading zero


def flat_text(pdf: bytes, path: Path) -> str:
    path.write_bytes(pdf)
    out = subprocess.run([require_tool("pdftotext"), "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return " ".join(out.split())


def minutes_text(session: Session, tmp_path: Path) -> str:
    r = session.server.http.get(f"/api/sessions/{session.id}/minutes.pdf",
                                headers={"Authorization": f"Bearer {session.secretary}"})
    assert r.status_code == 200, r.text
    assert r.headers["server-timing"].startswith("render;dur="), "rendered by the worker for this request"
    return flat_text(r.content, tmp_path / "minutes.pdf")


def vi_time(moment: dt.datetime) -> str:
    return f"{moment.hour} giờ {moment.minute:02d}"


def vi_date(moment: dt.datetime) -> str:
    month = f"{moment.month:02d}" if moment.month in VI_MONTH_PAD else str(moment.month)
    return f"ngày {moment.day:02d} tháng {month} năm {moment.year}"


EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def en_time(moment: dt.datetime) -> str:
    return f"{moment:%H:%M}"


def en_date(moment: dt.datetime) -> str:
    return f"{moment.day} {EN_MONTHS[moment.month - 1]} {moment.year}"


def agenda_at(offset: str, language: str = "vi") -> dict:
    agenda = small_agenda(language=language)
    agenda["session"]["starts_at"] = f"2021-11-30T14:00:00{offset}"
    return agenda


def zone_of(offset: str) -> dt.timezone:
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


def stamps(session: Session, zone: dt.tzinfo) -> dict[str, list[dt.datetime]]:
    """Each event type's moments as the log stamped them, read back on the session's clock."""
    found: dict[str, list[dt.datetime]] = {}
    for event in session.events(token=session.secretary):
        at = dt.datetime.fromisoformat(event["at"])
        assert at.utcoffset() == zone.utcoffset(None), f"{event['type']} stamped {event['at']}"
        found.setdefault(event["type"], []).append(at.astimezone(zone))
    return found


def expected_phrases(found: dict[str, list[dt.datetime]], language: str) -> list[str]:
    """Every place item 1 lists: start, each item's times, the poll's open/close, the closing line and date."""
    time, date = (vi_time, vi_date) if language == "vi" else (en_time, en_date)
    opened, closed = found["session.opened"][0], found["session.closed"][0]
    (start_1, start_2), (end_1, end_2) = found["item.started"], found["item.ended"]
    poll_open, poll_close = found["poll.opened"][0], found["poll.closed"][0]

    def clock(moment: dt.datetime, day_of: dt.datetime) -> str:
        return time(moment) if moment.date() == day_of.date() else f"{time(moment)}, {date(moment)}"

    if language == "vi":
        return [
            f"Thời gian bắt đầu: {time(opened)}, {date(opened)}",
            f"Thời gian: {clock(start_1, opened)} – {clock(end_1, start_1)}",
            f"Thời gian: {clock(start_2, opened)} – {clock(end_2, start_2)}",
            f"Mở biểu quyết: {clock(poll_open, opened)}; kết thúc: {clock(poll_close, poll_open)}.",
            f"Cuộc họp kết thúc vào {time(closed)}, {date(closed)}./.",
        ]
    return [
        f"Start time: {time(opened)}, {date(opened)}",
        f"Time: {clock(start_1, opened)} – {clock(end_1, start_1)}",
        f"Time: {clock(start_2, opened)} – {clock(end_2, start_2)}",
        f"Vote opened: {clock(poll_open, opened)}; closed: {clock(poll_close, poll_open)}.",
        f"The meeting ended at {time(closed)} on {date(closed)}./.",
    ]


def test_a_plus_seven_session_prints_local_hours_everywhere(srv, tmp_path):
    """A +07:00 session's minutes, downloaded over HTTP, state every time item 1 lists in +07:00, none in UTC."""
    session = srv.create(agenda_at("+07:00"))
    whole(session, notes=1)
    zone = zone_of("+07:00")
    found = stamps(session, zone)
    text = minutes_text(session, tmp_path)
    missing = [p for p in expected_phrases(found, "vi") if p not in text]
    assert missing == []
    utc_close = found["session.closed"][0].astimezone(dt.timezone.utc)
    assert f"Cuộc họp kết thúc vào {vi_time(utc_close)}," not in text  # the hour the bug printed


def _crossing_offset(now: dt.datetime) -> str:
    """An offset whose local date differs from the UTC date now, with an hour to spare either way."""
    return "-12:00" if now.hour < 11 else "+14:00"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_local_date_differs_from_the_utc_date(srv, tmp_path, language):
    """A session whose local date is not today's UTC date is dated by its own clock in every place item 1 lists."""
    offset = _crossing_offset(dt.datetime.now(dt.timezone.utc))
    session = srv.create(agenda_at(offset, language))
    whole(session, notes=1)
    zone = zone_of(offset)
    found = stamps(session, zone)
    opened = found["session.opened"][0]
    assert opened.date() != opened.astimezone(dt.timezone.utc).date(), "the test needs a date that differs"
    text = minutes_text(session, tmp_path)
    missing = [p for p in expected_phrases(found, language) if p not in text]
    assert missing == []
    utc_date = (vi_date if language == "vi" else en_date)(opened.astimezone(dt.timezone.utc))
    assert utc_date not in text


@pytest.mark.parametrize("offset", ["-12:00", "-09:30", "-03:00", "+00:00", "+05:45", "+07:00", "+12:45", "+14:00"])
def test_every_offset_in_use_renders_on_its_own_clock(srv, tmp_path, offset):
    """Sessions at offsets from -12:00 to +14:00 (half and three-quarter hours too) print their own start and close."""
    session = srv.create(agenda_at(offset))
    session.ok(session.chair, type="session.open")
    session.ok(session.chair, type="session.close")
    found = stamps(session, zone_of(offset))
    opened, closed = found["session.opened"][0], found["session.closed"][0]
    text = minutes_text(session, tmp_path)
    assert f"Thời gian bắt đầu: {vi_time(opened)}, {vi_date(opened)}" in text
    assert f"Cuộc họp kết thúc vào {vi_time(closed)}, {vi_date(closed)}./." in text


@pytest.mark.parametrize("starts_at, expected", [
    ("2021-11-30T05:30:00+07:00", "5 giờ 30, ngày 30 tháng 11 năm 2021"),  # 22:30 on 29 November in UTC
    ("2022-01-01T20:00:00-05:00", "20 giờ 00, ngày 01 tháng 01 năm 2022"),  # 01:00 on 2 January in UTC
])
def test_planned_start_is_printed_as_the_agenda_wrote_it(srv, tmp_path, starts_at, expected):
    """Before it opens, the draft states the agenda's starts_at on its own clock and date, not UTC's."""
    agenda = small_agenda()
    agenda["session"]["starts_at"] = starts_at
    session = srv.create(agenda)
    assert f"Thời gian bắt đầu: {expected}" in minutes_text(session, tmp_path)
