"""The minutes document as it crosses into the render process."""

from __future__ import annotations

import datetime as dt

import msgspec

from phienhop.minutes import model as m
from phienhop.server.minutes_doc import decode_doc, encode_doc


def _moments(value) -> list[dt.datetime]:
    if isinstance(value, dt.datetime):
        return [value]
    if isinstance(value, msgspec.Struct):
        return [x for f in value.__struct_fields__ for x in _moments(getattr(value, f))]
    if isinstance(value, list):
        return [x for v in value for x in _moments(v)]
    return []


def test_every_datetime_keeps_its_offset_across_the_worker_boundary():
    """encode_doc/decode_doc give back each datetime with the offset it left with (msgpack kept only the instant)."""
    plus7, minus330 = dt.timezone(dt.timedelta(hours=7)), dt.timezone(-dt.timedelta(hours=3, minutes=30))
    at = dt.datetime(2021, 11, 30, 5, 30, tzinfo=plus7)
    nobody = m.Person(name="A")
    doc = m.MinutesDoc(
        language="vi", draft=True, body="B", title="T", place="P", starts_at=at, chair=nobody, secretary=nobody,
        attendance=m.Attendance(in_hall=[], online=[], absent=[]), opened_at=at, closed_at=at.astimezone(minus330),
        items=[m.ItemMinutes(number=1, title="I", started_at=at, ended_at=at,
                             speakers=[m.Speaker(person=nobody, at=at)],
                             polls=[m.PollResult(subject="S", ballot="named", rule="simple", yes=1, no=0, abstain=0,
                                                 not_voted=0, entitled=1, present=1, quorum="1/2",
                                                 outcome="adopted", opened_at=at, closed_at=at)])],
    )
    back = decode_doc(encode_doc(doc))
    sent, received = _moments(doc), _moments(back)
    assert len(sent) == 8
    assert [(x, x.utcoffset()) for x in received] == [(x, x.utcoffset()) for x in sent]
    assert back.starts_at.hour == 5 and back.closed_at.utcoffset() == -dt.timedelta(hours=3, minutes=30)


def test_speakers_follow_the_log_when_grant_times_tie():
    """Two grants stamped in the same millisecond (one group commit): the minutes follow seq, not the request order."""
    from phienhop.server.minutes_doc import minutes_doc
    from tests.domain import builder
    from tests.domain.builder import CHAIR, run

    state = builder.opened()  # every event of the builder carries the same moment
    run(state, CHAIR, type="item.start", item="khai-mac")
    run(state, CHAIR, type="speaker.request", item="khai-mac", person="tv-1")  # r1: A asks first
    run(state, CHAIR, type="speaker.request", item="khai-mac", person="tv-2")  # r2: B asks second
    for request in ("r2", "r1"):
        run(state, CHAIR, type="speaker.grant", request=request)
        run(state, CHAIR, type="speaker.finish", request=request)
    assert state.requests["r1"].granted_at == state.requests["r2"].granted_at
    doc = minutes_doc(state, draft=True)
    assert [s.person.name for s in doc.items[0].speakers] == ["Thành viên Số 2", "Thành viên Số 1"]
