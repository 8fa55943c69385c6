"""Which connection points are with us now. Evidence only: marked attendance stays the record."""

from __future__ import annotations

import datetime as dt

from .events import Event, PointOffline, PointOnline
from .registry import applies
from .state import SessionState, SessionStatus


def presence_change(state: SessionState, point: str, online: bool, now: dt.datetime) -> list[Event]:
    """The event that records ``point`` going online or offline, or nothing if it already is."""
    if state.status is SessionStatus.CLOSED or state.point(point) is None:
        return []
    if online == (point in state.online_points):
        return []
    return [PointOnline(at=now, point=point) if online else PointOffline(at=now, point=point)]


@applies(PointOnline)
def came_online(state: SessionState, event: PointOnline) -> None:
    state.online_points.add(event.point)
    state.points_seen.add(event.point)


@applies(PointOffline)
def went_offline(state: SessionState, event: PointOffline) -> None:
    state.online_points.discard(event.point)
