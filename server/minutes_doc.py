"""The minutes as a projection of the log, rendered off the event loop and cached by seq."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

import msgspec

from phienhop.minutes import model as m

from .domain.actor import Actor
from .domain.events import Status
from .domain.records import check_finalize
from .domain.state import PollStatus, RequestStatus, SessionState
from .engine import CommandResult, Engine

log = logging.getLogger("phienhop.minutes")

RENDER_NICENESS = 10  # added to the render process's nice value: the live stream comes first


def in_zone(moment: dt.datetime | None, zone: dt.tzinfo) -> dt.datetime | None:
    """``moment`` on the session's clock: the same instant, with the session's offset."""
    return moment.astimezone(zone) if moment is not None else None


def minutes_doc(state: SessionState, draft: bool) -> m.MinutesDoc:
    """Everything the biên bản says, read from the state the log adds up to.

    Every datetime in it is in the session's zone (the offset of the agenda's ``starts_at``),
    whatever zone the events were stamped in.
    """
    agenda = state.agenda
    zone = agenda.session.starts_at.tzinfo

    def local(moment: dt.datetime | None) -> dt.datetime | None:
        return in_zone(moment, zone)

    people = {p.id: m.Person(name=p.name, position=p.position) for p in agenda.people}
    points = {p.id: p.name for p in agenda.points}
    hall = {p.id for p in agenda.points if p.host}

    in_hall, absent, online = [], [], {pid: [] for pid in points}
    for p in agenda.people:
        mark = state.attendance.get(p.id)
        if mark is None:
            continue
        if mark.status is Status.PRESENT:
            in_hall.append(people[p.id])
        elif mark.status is Status.ONLINE:
            online[mark.point or p.point].append(people[p.id])
        else:
            absent.append(m.Absent(person=people[p.id], reason=mark.reason))
    listed = {pid for pid, ps in online.items() if ps}
    attendance = m.Attendance(
        in_hall=in_hall,
        online=[m.PointAttendance(point=points[pid], people=ps) for pid, ps in online.items() if ps],
        absent=absent,
        not_marked=sum(1 for p in agenda.people if p.id not in state.attendance),
        # Points that connected but have nobody listed under them: the rest are named above.
        points_connected=[points[p] for p in points if p in state.points_seen and p not in listed | hall],
    )
    requests_by_item: dict[str, list] = {}
    for r in state.requests.values():
        if r.status in (RequestStatus.SPEAKING, RequestStatus.FINISHED):
            requests_by_item.setdefault(r.item, []).append(r)
    polls_by_item: dict[str, list] = {}
    for p in state.polls.values():
        if p.status is PollStatus.CLOSED:
            polls_by_item.setdefault(p.item, []).append(p)
    items = []
    for number, item in enumerate(agenda.items, start=1):
        live = state.items[item.id]
        items.append(
            m.ItemMinutes(
                number=number, title=item.title, presenter=people.get(item.presenter or ""),
                started_at=local(live.started_at), ended_at=local(live.ended_at),
                speakers=_speakers(state, requests_by_item.get(item.id, []), people, points, hall, zone),
                notes=[n.text for n in state.notes if n.item == item.id],
                polls=[_poll_result(state, item.title, p, people, zone) for p in polls_by_item.get(item.id, [])],
                conclusions=[c.text for c in state.conclusions if c.item == item.id],
            )
        )
    s = agenda.session
    return m.MinutesDoc(
        language=s.language.value, draft=draft, body=s.body, title=s.title, place=s.place, starts_at=s.starts_at,
        chair=people[s.chair], secretary=people[s.secretary], attendance=attendance, items=items,
        parent_body=s.parent_body, record_number=s.record_number, opened_at=local(state.opened_at),
        closed_at=local(state.closed_at), head_hash=state.head, event_count=state.seq,
    )


def _speakers(state: SessionState, granted: list, people: dict, points: dict, hall: set,
              zone: dt.tzinfo) -> list[m.Speaker]:
    """Who had the floor, in the order they first had it, each once, with the point they spoke from."""
    speakers: list[m.Speaker] = []
    seen: set[tuple[str | None, str | None]] = set()
    # In log order: grants committed together share their millisecond, so times can tie.
    for r in sorted(granted, key=lambda r: r.granted_seq):
        key = (r.person, None) if r.person else (None, r.point)
        if key in seen:
            continue
        seen.add(key)
        if r.person is None:  # a point asked for the floor without naming anyone
            speakers.append(m.Speaker(person=m.Person(name=points.get(r.point, "")), at=in_zone(r.granted_at, zone)))
            continue
        mark = state.attendance.get(r.person)
        if mark is not None and mark.status is Status.PRESENT:
            point = None  # in the hall
        elif mark is not None and mark.status is Status.ONLINE:
            point = mark.point
        else:
            point = r.point
        name = points.get(point, "") if point and point not in hall else ""
        speakers.append(m.Speaker(person=people[r.person], point=name, at=in_zone(r.granted_at, zone)))
    return speakers


def _poll_result(state: SessionState, subject: str, poll, people: dict, zone: dt.tzinfo) -> m.PollResult:
    r = poll.result
    voting = state.voting_members()
    weighted = any(p.weight != 1 for p in voting)
    heads = None
    if r.votes:  # withheld for a weighted secret poll: heads beside weights would name a heavy voter
        heads = {c: r.votes.get(c, 0) for c in ("yes", "no", "abstain")}
        heads["not_voted"] = poll.members - sum(heads.values())
    return m.PollResult(
        subject=subject, ballot=poll.spec.ballot.value, rule=poll.spec.rule.value,
        yes=r.counts.get("yes", 0), no=r.counts.get("no", 0), abstain=r.counts.get("abstain", 0),
        not_voted=r.not_voted, entitled=r.members, present=r.present, quorum=state.agenda.session.quorum,
        outcome=r.outcome.value, opened_at=in_zone(poll.opened_at, zone), closed_at=in_zone(poll.closed_at, zone),
        roll=[m.RollEntry(name=people[e.person].name, choice=e.choice.value) for e in (r.roll or [])],
        members=poll.members, present_at_open=poll.present_at_open, needed=poll.needed,
        present_at_close=r.present_heads, weighted=weighted, heads=heads,
    )


# The document crosses into the render process as JSON, not msgpack: msgpack's timestamp keeps
# the instant and drops the offset, and the minutes then printed UTC hours ("9 giờ 51" for a
# session at 16:51 +07:00). JSON keeps each datetime's offset as written (RFC 3339).
_doc_encoder = msgspec.json.Encoder()
_doc_decoder = msgspec.json.Decoder(m.MinutesDoc)


def encode_doc(doc: m.MinutesDoc) -> bytes:
    """The bytes that carry ``doc`` to the render process; every datetime keeps its UTC offset."""
    return _doc_encoder.encode(doc)


def decode_doc(data: bytes) -> m.MinutesDoc:
    return _doc_decoder.decode(data)


def _render_in_worker(encoded: bytes) -> bytes:
    from phienhop.minutes.render import render_pdf

    return render_pdf(decode_doc(encoded))


def _exit_with(parent: int) -> None:
    # The pool's worker holds both ends of its own task pipe, so it never sees EOF when the
    # server dies (kill -9): without this it would idle on, orphaned, for good.
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def _start_worker(parent: int) -> None:
    """Runs once in the render process: leave with the server, yield the CPU to the live stream, warm up."""
    threading.Thread(target=_exit_with, args=(parent,), name="exit-with-server", daemon=True).start()
    os.nice(RENDER_NICENESS)
    from phienhop.minutes.render import render_pdf

    # The first render loads the fonts and parses the stylesheet; pay for it before any request does.
    moment = dt.datetime(2021, 11, 30, 14, tzinfo=dt.timezone.utc)
    nobody = m.Person(name="")
    render_pdf(
        m.MinutesDoc(
            language="vi", draft=True, body="", title="", place="", starts_at=moment, chair=nobody, secretary=nobody,
            attendance=m.Attendance(in_hall=[], online=[], absent=[]), items=[],
        )
    )


class MinutesPdf(msgspec.Struct, frozen=True):
    """A minutes PDF as served: the bytes, the seq they reflect, and whether this call rendered them."""

    data: bytes
    seq: int
    final: bool
    render_seconds: float | None = None  # None: served from the cache (a draft) or the store (final)


class MinutesService:
    """Renders in a separate process, so a PDF never stalls the live stream; one render per seq.

    The render process runs at a lower CPU priority (``RENDER_NICENESS``): on a busy machine
    the event loop that feeds the followers gets the CPU first, and a render takes longer.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pool: ProcessPoolExecutor | None = None
        self._cache: dict[str, tuple[int, bytes]] = {}
        self._final: dict[str, MinutesPdf] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def start(self) -> None:
        self._pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
            initargs=(os.getpid(),),
        )
        self._pool.submit(int)  # start the process now, not on the first request

    def stop(self) -> None:
        if self._pool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def render(self, state: SessionState, draft: bool) -> tuple[bytes, float]:
        """Render the minutes of ``state``; returns the PDF and the seconds it took."""
        started = time.perf_counter()
        encoded = encode_doc(minutes_doc(state, draft))
        if self._pool is None:
            data = await asyncio.to_thread(_render_in_worker, encoded)
        else:
            data = await asyncio.get_running_loop().run_in_executor(self._pool, _render_in_worker, encoded)
        seconds = time.perf_counter() - started
        log.info("rendered %s minutes of session %s at seq %d in %.2fs", "draft" if draft else "final",
                 state.id, state.seq, seconds)
        return data, seconds

    async def pdf(self, session: str) -> MinutesPdf:
        """The final PDF once finalized (exactly the stored bytes), else the draft at the current seq."""
        async with self._locks.setdefault(session, asyncio.Lock()):
            state = self.engine.state(session)
            if state.minutes_sha256:
                return await self._stored(session)
            hit = self._cache.get(session)
            if hit and hit[0] == state.seq:
                return MinutesPdf(data=hit[1], seq=hit[0], final=False)
            seq = state.seq
            data, seconds = await self.render(state, draft=True)
            self._cache[session] = (seq, data)
            return MinutesPdf(data=data, seq=seq, final=False, render_seconds=seconds)

    async def _stored(self, session: str) -> MinutesPdf:
        if session not in self._final:
            stored = await self.engine.store.minutes_pdf(session)
            state = self.engine.state(session)
            if stored is None:
                raise RuntimeError(f"session {session}: minutes finalized but no PDF stored; run 'phienhop verify'")
            self._final[session] = MinutesPdf(data=stored[1], seq=state.seq, final=True)
        return self._final[session]

    async def finalize(self, session: str, actor: Actor) -> CommandResult:
        """Render the final minutes once, store the bytes and their hash in the log."""
        async with self._locks.setdefault(session, asyncio.Lock()):
            state = self.engine.state(session)
            check_finalize(state, actor)
            seq = state.seq
            data, _ = await self.render(state, draft=False)
            result = await self.engine.finalize_minutes(session, actor, data, hashlib.sha256(data).hexdigest(), seq)
            self._final[session] = MinutesPdf(data=data, seq=result.seq, final=True)
            self._cache.pop(session, None)
            return result
