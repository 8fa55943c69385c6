"""The minutes as a projection of the log, rendered off the event loop and cached by seq."""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import msgspec

from minutes import model as m

from .domain.actor import Actor
from .domain.events import Status
from .domain.records import check_finalize
from .domain.state import PollStatus, RequestStatus, SessionState
from .engine import CommandResult, Engine


def minutes_doc(state: SessionState, draft: bool) -> m.MinutesDoc:
    """Everything the biên bản says, read from the state the log adds up to."""
    agenda = state.agenda
    people = {p.id: p for p in agenda.people}
    points = {p.id: p.name for p in agenda.points}

    def person(pid: str | None) -> m.Person | None:
        p = people.get(pid) if pid else None
        return m.Person(name=p.name, position=p.position) if p else None

    in_hall, absent, online = [], [], {pid: [] for pid in points}
    for p in agenda.people:
        mark = state.attendance.get(p.id)
        if mark is None:
            continue
        if mark.status is Status.PRESENT:
            in_hall.append(person(p.id))
        elif mark.status is Status.ONLINE:
            online[mark.point or p.point].append(person(p.id))
        else:
            absent.append(m.Absent(person=person(p.id), reason=mark.reason))
    attendance = m.Attendance(
        in_hall=in_hall,
        online=[m.PointAttendance(point=points[pid], people=ps) for pid, ps in online.items() if ps],
        absent=absent,
        not_marked=sum(1 for p in agenda.people if p.id not in state.attendance),
        points_connected=[points[p] for p in points if p in state.points_seen],
    )
    items = []
    for number, item in enumerate(agenda.items, start=1):
        live = state.items[item.id]
        granted = [
            r for r in state.requests.values()
            if r.item == item.id and r.status in (RequestStatus.SPEAKING, RequestStatus.FINISHED)
        ]
        granted.sort(key=lambda r: r.granted_at)
        speakers = [
            m.Speaker(
                person=person(r.person) or m.Person(name=points.get(r.point, r.point or "")),
                point=points.get(r.point, "") if r.point and (people.get(r.person) is None or not _in_hall(state, r.person)) else "",
                at=r.granted_at,
            )
            for r in granted
        ]
        polls = [
            _poll_result(item.title, p, people, agenda.session.quorum)
            for p in state.polls.values() if p.item == item.id and p.status is PollStatus.CLOSED
        ]
        items.append(
            m.ItemMinutes(
                number=number, title=item.title, presenter=person(item.presenter), started_at=live.started_at,
                ended_at=live.ended_at, speakers=speakers,
                notes=[n.text for n in state.notes if n.item == item.id], polls=polls,
                conclusions=[c.text for c in state.conclusions if c.item == item.id],
            )
        )
    s = agenda.session
    return m.MinutesDoc(
        language=s.language.value, draft=draft, body=s.body, title=s.title, place=s.place, starts_at=s.starts_at,
        chair=person(s.chair), secretary=person(s.secretary), attendance=attendance, items=items,
        parent_body=s.parent_body, record_number=s.record_number, opened_at=state.opened_at,
        closed_at=state.closed_at, head_hash=state.head, event_count=state.seq,
    )


def _in_hall(state: SessionState, person_id: str) -> bool:
    mark = state.attendance.get(person_id)
    return mark is not None and mark.status is Status.PRESENT


def _poll_result(subject: str, poll, people: dict, quorum: str) -> m.PollResult:
    r = poll.result
    return m.PollResult(
        subject=subject, ballot=poll.spec.ballot.value, rule=poll.spec.rule.value,
        yes=r.counts.get("yes", 0), no=r.counts.get("no", 0), abstain=r.counts.get("abstain", 0),
        not_voted=r.not_voted, entitled=r.members, present=r.present, quorum=quorum, outcome=r.outcome.value,
        opened_at=poll.opened_at, closed_at=poll.closed_at,
        roll=[m.RollEntry(name=people[e.person].name, choice=e.choice.value) for e in (r.roll or [])],
    )


def _render_in_worker(encoded: bytes) -> bytes:
    from minutes.render import render_pdf

    return render_pdf(msgspec.msgpack.decode(encoded, type=m.MinutesDoc))


def _warm() -> None:
    import minutes.render  # noqa: F401  (import WeasyPrint once, before the first request needs it)


class MinutesService:
    """Renders in a separate process, so a PDF never stalls the live stream; one render per seq."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._pool: ProcessPoolExecutor | None = None
        self._cache: dict[str, tuple[int, bytes]] = {}
        self._final: dict[str, bytes] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def start(self) -> None:
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        self._pool.submit(_warm)

    def stop(self) -> None:
        if self._pool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def render(self, state: SessionState, draft: bool) -> bytes:
        encoded = msgspec.msgpack.encode(minutes_doc(state, draft))
        if self._pool is None:
            return await asyncio.to_thread(_render_in_worker, encoded)
        return await asyncio.get_running_loop().run_in_executor(self._pool, _render_in_worker, encoded)

    async def pdf(self, session: str) -> bytes:
        """The final PDF once finalized (exactly the stored bytes), else the draft at the current seq."""
        state = self.engine.state(session)
        if state.minutes_sha256:
            if session not in self._final:
                stored = await self.engine.store.minutes_pdf(session)
                self._final[session] = stored[1]
            return self._final[session]
        async with self._locks.setdefault(session, asyncio.Lock()):
            hit = self._cache.get(session)
            state = self.engine.state(session)
            if hit and hit[0] == state.seq:
                return hit[1]
            seq = state.seq
            data = await self.render(state, draft=True)
            self._cache[session] = (seq, data)
            return data

    async def finalize(self, session: str, actor: Actor) -> CommandResult:
        """Render the final minutes once, store the bytes and their hash in the log."""
        async with self._locks.setdefault(session, asyncio.Lock()):
            state = self.engine.state(session)
            check_finalize(state, actor)
            seq = state.seq
            data = await self.render(state, draft=False)
            result = await self.engine.finalize_minutes(session, actor, data, hashlib.sha256(data).hexdigest(), seq)
            self._final[session] = data
            return result
