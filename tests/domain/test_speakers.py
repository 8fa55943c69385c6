"""Speaking time and points of order in the list of speakers."""

from __future__ import annotations

import datetime as dt

from phienhop.server.domain.speakers import queue

from . import builder
from .builder import CHAIR, GUEST, MEMBER, NOW, POINT, run, run_at
from tests.support import small_agenda


def started(speech_min: int | None = 3):
    agenda = small_agenda()
    if speech_min:
        agenda["items"][1]["speech_min"] = speech_min
    state = builder.everyone_present(builder.created(agenda))
    run(state, CHAIR, type="session.open")
    run(state, CHAIR, type="item.start", item="du-thao")
    return state


def test_an_overrun_is_recorded_when_the_speaker_finishes():
    """With speech_min 3 the grant gives 180 s; finishing after 200 s records 200 spoken and 20 over."""
    state = started(speech_min=3)
    run(state, MEMBER, type="speaker.request", item="du-thao")
    run(state, CHAIR, type="speaker.grant", request="r1")
    assert state.requests["r1"].limit_s == 180
    run_at(state, CHAIR, NOW + dt.timedelta(seconds=200, milliseconds=900), type="speaker.finish", request="r1")
    req = state.requests["r1"]
    assert (req.spoken_s, req.overrun_s) == (200, 20)


def test_a_grant_limit_overrides_the_item_and_an_early_finish_is_no_overrun():
    """limit_s on the grant replaces speech_min; finishing exactly at the limit is no overrun."""
    state = started(speech_min=3)
    run(state, MEMBER, type="speaker.request", item="du-thao")
    run(state, CHAIR, type="speaker.grant", request="r1", limit_s=60)
    run_at(state, CHAIR, NOW + dt.timedelta(seconds=60), type="speaker.finish", request="r1")
    assert (state.requests["r1"].limit_s, state.requests["r1"].spoken_s, state.requests["r1"].overrun_s) == (60, 60, 0)


def test_without_a_speech_time_there_is_no_limit_and_ending_the_item_records_the_time():
    """No speech_min and no limit_s: no limit; item.end finishing the floor still records the seconds."""
    state = started(speech_min=None)
    run(state, MEMBER, type="speaker.request", item="du-thao")
    run(state, CHAIR, type="speaker.grant", request="r1")
    assert state.requests["r1"].limit_s is None
    assert run_at(state, CHAIR, NOW + dt.timedelta(minutes=9), type="item.end", item="du-thao") == [
        "speaker.finished", "item.ended"]
    assert (state.requests["r1"].spoken_s, state.requests["r1"].overrun_s) == (540, 0)


def test_a_point_of_order_goes_ahead_first_come_among_points_of_order():
    """Points of order come before the others, each group in request order."""
    state = started()
    run(state, MEMBER, type="speaker.request", item="du-thao")
    run(state, GUEST, type="speaker.request", item="du-thao", point_of_order=True)
    run(state, POINT, type="speaker.request", item="du-thao", point_of_order=True)
    run(state, CHAIR, type="speaker.request", item="du-thao", person="tv-3")
    assert [r.id for r in queue(state, "du-thao")] == ["r2", "r3", "r1", "r4"]
    run(state, CHAIR, type="speaker.grant", request="r2")
    assert [r.id for r in queue(state, "du-thao")] == ["r3", "r1", "r4"]
