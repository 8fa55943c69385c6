"""Session lifecycle: the close records whoever was never marked as absent, without a reason."""

from __future__ import annotations

from phienhop.server.domain.actor import Actor, Role
from phienhop.server.domain.events import Status

from . import builder
from .builder import CHAIR, SECRETARY, decide_only, run


def opened_with_few_marked():
    """Open; only the chair (in the hall) and tv-2 (absent, with a reason) are marked."""
    state = builder.created()
    run(state, CHAIR, type="session.open")
    run(state, CHAIR, type="attendance.mark", person="chu-toa", status="present")
    run(state, CHAIR, type="attendance.mark", person="tv-2", status="absent", reason="Đi công tác")
    return state


def test_close_names_everyone_never_marked_in_agenda_order():
    """session.closed lists the people never marked, in agenda order: members and guests alike; the secretary,
    who took the notes, is recorded present instead."""
    (closed,) = decide_only(opened_with_few_marked(), CHAIR, {"type": "session.close"})
    assert (closed.absent, closed.present, closed.online) == (["tv-1", "tv-3", "tv-4", "khach-0"], ["thu-ky"], [])


def test_close_records_whoever_asked_for_the_floor_attending_at_their_point():
    """An unmarked member who asked for the floor is not absent: in the hall from a host point, online otherwise."""
    state = opened_with_few_marked()
    run(state, CHAIR, type="item.start", item="khai-mac")
    for person in ("tv-1", "tv-4"):  # tv-1 belongs to the hall, tv-4 to the tra-vinh point
        run(state, Actor(role=Role.PERSON, person=person), type="speaker.request", item="khai-mac")
    run(state, CHAIR, type="item.end", item="khai-mac")
    (closed,) = decide_only(state, CHAIR, {"type": "session.close"})
    assert (closed.absent, closed.present, closed.online) == (["tv-3", "khach-0"], ["thu-ky", "tv-1"], ["tv-4"])


def test_close_records_them_absent_without_a_reason_and_keeps_given_reasons():
    """After the close each never-marked person is absent with no reason; a reason given before is kept."""
    state = opened_with_few_marked()
    assert run(state, CHAIR, type="session.close") == ["session.closed"]
    marks = {p: (m.status, m.reason) for p, m in state.attendance.items()}
    assert marks == {
        "chu-toa": (Status.PRESENT, ""), "tv-2": (Status.ABSENT, "Đi công tác"), "thu-ky": (Status.PRESENT, ""),
        "tv-1": (Status.ABSENT, ""), "tv-3": (Status.ABSENT, ""), "tv-4": (Status.ABSENT, ""),
        "khach-0": (Status.ABSENT, ""),
    }
    assert state.present_voters == {"chu-toa"}


def test_close_with_everyone_marked_records_nobody():
    """When everyone was marked, session.closed names nobody."""
    (closed,) = decide_only(builder.opened(), CHAIR, {"type": "session.close"})
    assert closed.absent == []


def test_the_secretary_can_still_correct_an_absence_after_the_close():
    """Someone the close recorded absent can be marked present by the secretary before the minutes are final."""
    state = opened_with_few_marked()
    run(state, CHAIR, type="session.close")
    assert run(state, SECRETARY, type="attendance.mark", person="tv-1", status="present") == ["attendance.marked"]
    assert state.attendance["tv-1"].status is Status.PRESENT
