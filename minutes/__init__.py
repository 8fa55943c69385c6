"""Minutes (biên bản) rendering: a document model and its PDF after Decree 30/2020/NĐ-CP."""

from .archive import Attached
from .model import (
    Absent,
    Attendance,
    ItemMinutes,
    MinutesDoc,
    Person,
    PointAttendance,
    PollResult,
    RollEntry,
    Speaker,
)
from .render import render_html, render_pdf

__all__ = [
    "Absent",
    "Attached",
    "Attendance",
    "ItemMinutes",
    "MinutesDoc",
    "Person",
    "PointAttendance",
    "PollResult",
    "RollEntry",
    "Speaker",
    "render_html",
    "render_pdf",
]
