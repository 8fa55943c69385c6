"""The minutes as a projection of the log, rendered off the event loop and cached by seq."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import hashlib
import logging
import multiprocessing
import os
import re
import threading
import time
import unicodedata
import weakref
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from urllib.parse import quote

import msgspec

from phienhop.minutes import model as m
from phienhop.minutes.archive import LOG_NAME, Attached
from phienhop.minutes.signing import Refused, Sealer, SignatureInfo, check_sealer, check_signed_copy, seal_pdf

from .domain.actor import Actor
from .domain.events import Status
from .domain.events import SignedBy
from .domain.records import CheckedCopy, check_finalize, check_sign, latest_minutes
from .domain.items import taken_order
from .domain.polls import ballot_numbers
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
    for deputy in state.deputies.values():
        people[deputy.id] = m.Person(name=deputy.name, position=deputy.position)
    deputies = [m.Deputy(person=people[d.id], member=people[d.person]) for d in state.deputies.values()]
    attendance = m.Attendance(
        in_hall=in_hall,
        online=[m.PointAttendance(point=points[pid], people=ps) for pid, ps in online.items() if ps],
        absent=absent,
        deputies=deputies,
        not_marked=[people[p.id] for p in agenda.people if p.id not in state.attendance],
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
    numbers = ballot_numbers(state)
    items = []
    # In the order the items were actually taken; then the ones not taken (deferred, or never reached). Each keeps
    # its agenda number (its place in the agenda as it stands, added items included), the number the screens
    # showed ("Nội dung 2/5"), so the minutes, the agenda and the screens name an item alike.
    agenda_number = {item_id: n for n, item_id in enumerate(state.order, start=1)}
    for item_id in taken_order(state):
        item, live = state.item(item_id), state.items[item_id]
        items.append(
            m.ItemMinutes(
                number=agenda_number[item_id], title=item.title, presenter=people.get(item.presenter or ""),
                added=live.added, deferred=live.status.value == "deferred", deferral_reason=live.reason,
                # Only a closed session can say an item was never reached; before that it may still be.
                not_taken_up=state.closed_at is not None and live.status.value == "pending"
                and live.started_at is None,
                started_at=local(live.started_at), ended_at=local(live.ended_at),
                speakers=_speakers(state, requests_by_item.get(item.id, []), people, points, hall, zone),
                notes=[n.text for n in state.notes if n.item == item.id],
                polls=[_poll_result(state, item.title, p, people, zone, numbers[p.id]) for p in polls_by_item.get(item.id, [])],
                conclusions=[c.text for c in state.conclusions if c.item == item.id],
            )
        )
    s = agenda.session
    return m.MinutesDoc(
        language=s.language.value, draft=draft, body=s.body, title=s.title, place=s.place, starts_at=s.starts_at,
        chair=people[s.chair], secretary=people[s.secretary], attendance=attendance, items=items,
        parent_body=s.parent_body, record_number=s.record_number, opened_at=local(state.opened_at),
        closed_at=local(state.closed_at), recipients=list(s.recipients), head_hash=state.head, event_count=state.seq,
        proxies=[m.Proxy(grantor=people[p.grantor], holder=people[p.holder], at=local(p.at), revoked_at=local(p.revoked_at))
                 for p in state.proxy_history],
        speaking_people=[m.SpeakingTime(name=_person_line(people[k]), seconds=v[0], turns=v[1], overrun_s=v[2])
                         for k, v in speaking_time(state, by="person").items()],
        speaking_points=[m.SpeakingTime(name=points[k], seconds=v[0], turns=v[1], overrun_s=v[2])
                         for k, v in speaking_time(state, by="point").items()],
    )


def _person_line(person: m.Person) -> str:
    return f"{person.name}, {person.position}" if person.position else person.name


def spoke_from(state: SessionState, request) -> str | None:
    """The point a request's speaker spoke from: None for the hall (present, or the host point)."""
    hall = {p.id for p in state.agenda.points if p.host}
    if request.person is None:
        point = request.point
    else:
        mark = state.attendance.get(request.person)
        if mark is not None and mark.status is Status.PRESENT:
            point = None
        elif mark is not None and mark.status is Status.ONLINE:
            point = mark.point
        else:
            point = request.point
    return None if point in hall else point


def speaking_time(state: SessionState, by: str) -> dict[str, tuple[int, int, int]]:
    """Seconds spoken, turns and seconds over, per person (``by="person"``) or per point other than the hall.

    People in the order they first had the floor; points in agenda order. Only finished turns count.
    """
    totals: dict[str, list[int]] = {}
    turns = sorted((r for r in state.requests.values() if r.spoken_s is not None), key=lambda r: r.granted_seq)
    for r in turns:
        key = (r.person or f"@{r.point}") if by == "person" else spoke_from(state, r)
        if key is None:
            continue
        row = totals.setdefault(key, [0, 0, 0])
        row[0] += r.spoken_s
        row[1] += 1
        row[2] += r.overrun_s or 0
    if by == "point":
        return {p.id: tuple(totals[p.id]) for p in state.agenda.points if p.id in totals}
    return {k: tuple(v) for k, v in totals.items() if not k.startswith("@")}


def _speakers(state: SessionState, granted: list, people: dict, points: dict, hall: set,
              zone: dt.tzinfo) -> list[m.Speaker]:
    """Who had the floor, in the order they first had it, each once, with the point they spoke from."""
    speakers: list[m.Speaker] = []
    seen: dict[tuple[str | None, str | None], m.Speaker] = {}
    # In log order: grants committed together share their millisecond, so times can tie.
    for r in sorted(granted, key=lambda r: r.granted_seq):
        key = (r.person, None) if r.person else (None, r.point)
        if key in seen:  # listed once, with the time of all their turns
            earlier = seen[key]
            if r.spoken_s is not None:
                earlier.spoken_s = (earlier.spoken_s or 0) + r.spoken_s
                earlier.overrun_s += r.overrun_s or 0
            continue
        if r.person is None:  # a point asked for the floor without naming anyone
            speakers.append(m.Speaker(person=m.Person(name=points.get(r.point, "")), at=in_zone(r.granted_at, zone),
                                      spoken_s=r.spoken_s, overrun_s=r.overrun_s or 0))
            seen[key] = speakers[-1]
            continue
        mark = state.attendance.get(r.person)
        if mark is not None and mark.status is Status.PRESENT:
            point = None  # in the hall
        elif mark is not None and mark.status is Status.ONLINE:
            point = mark.point
        else:
            point = r.point
        name = points.get(point, "") if point and point not in hall else ""
        speakers.append(m.Speaker(person=people[r.person], point=name, at=in_zone(r.granted_at, zone),
                                  spoken_s=r.spoken_s, overrun_s=r.overrun_s or 0))
        seen[key] = speakers[-1]
    return speakers


def _poll_result(state: SessionState, subject: str, poll, people: dict, zone: dt.tzinfo,
                 number: int = 0) -> m.PollResult:
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
        roll=[m.RollEntry(name=people[e.person].name, choice=e.choice.value, by=people[e.by].name if e.by else "")
              for e in (r.roll or [])],
        members=poll.members, present_at_open=poll.present_at_open, needed=poll.needed,
        present_at_close=r.present_heads, weighted=weighted, heads=heads, ballot_number=number,
    )


_NAME_WORDS = {"vi": ("bien-ban", "du-thao", "ky"), "en": ("minutes", "draft", "signed")}


def download_name(state: SessionState, final: bool, revision: int = 0) -> str:
    """The minutes' file name: the record number and the session's date, ``01-BB-UBQGCDS_2021-11-30.pdf``.

    The date is the day the session opened on its own clock (before it opens, the planned day);
    a draft ends ``_du-thao`` (``_draft``), the n-th signed copy ``_ky-n`` (``_signed-n``). Without
    a record number the name starts ``bien-ban`` (``minutes``). May hold non-ASCII letters.
    """
    s = state.agenda.session
    document, draft, signed = _NAME_WORDS.get(s.language.value, _NAME_WORDS["vi"])
    day = (state.opened_at or s.starts_at).astimezone(s.starts_at.tzinfo).date().isoformat()
    number = re.sub(r"[^\w.-]+", "-", s.record_number, flags=re.UNICODE).strip("-.")
    name = f"{number or document}_{day}"
    if not final:
        name += f"_{draft}"
    elif revision:
        name += f"_{signed}-{revision}"
    return f"{name}.pdf"


def _ascii(name: str) -> str:
    letters = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(c for c in letters if not unicodedata.combining(c))
    return re.sub(r"[^A-Za-z0-9._-]+", "-", plain)


def content_disposition(name: str, disposition: str = "inline") -> str:
    """A Content-Disposition value after RFC 6266: an ASCII ``filename``, and ``filename*`` (UTF-8) when they differ."""
    fallback = _ascii(name)
    value = f'{disposition}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


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


_DESCRIPTIONS = {
    "vi": ("Nhật ký sự kiện của phiên họp: mỗi dòng một sự kiện, đúng các byte đã băm, kèm mã băm của nó",
           "Dự thảo đưa ra biểu quyết: {}"),
    "en": ("The session's event log: one event per line, exactly the bytes that were hashed, with its hash",
           "Draft put to the vote: {}"),
}


def archive_files(state: SessionState, log: list[bytes]) -> list[Attached]:
    """What the final PDF carries inside: the log up to ``state.seq`` and the drafts put to the vote.

    ``log`` is the session's canonical event bytes (index seq-1); only the events the pages
    were rendered from are attached, so the head hash printed on the page is the file's last.
    """
    from .logfile import log_jsonl, rows_of

    log_text, draft_text = _DESCRIPTIONS.get(state.agenda.session.language.value, _DESCRIPTIONS["vi"])
    files = [Attached(LOG_NAME, log_jsonl(rows_of(state.id, log, state.seq)), log_text, "Source")]
    voted = {p.item for p in state.polls.values()}
    for item in state.agenda.items:
        if item.draft_text and item.id in voted:
            name = os.path.basename(item.draft) if item.draft else f"{item.id}.md"
            files.append(Attached(name, item.draft_text.encode(), draft_text.format(item.title), "Supplement"))
    return files


def _render_in_worker(encoded: bytes, attached: bytes = b"") -> bytes:
    from phienhop.minutes.render import render_pdf

    from . import faults

    if faults.value("render-exit") is not None:  # the failure-path tests: the process dies mid-render
        os._exit(70)

    files = msgspec.msgpack.decode(attached, type=list[Attached]) if attached else []
    return render_pdf(decode_doc(encoded), files)


def _seal_in_worker(data: bytes, sealer: Sealer) -> bytes:
    return seal_pdf(data, sealer)


def _check_in_worker(data: bytes, base: bytes, trust: list[bytes]) -> list[SignatureInfo]:
    return check_signed_copy(data, base, trust)


def _exit_with(parent: int) -> None:
    # The pool's worker holds both ends of its own task pipe, so it never sees EOF when the
    # server dies (kill -9): without this it would idle on, orphaned, for good.
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def yield_the_cpu() -> None:
    """Make this process run only when nothing else wants the CPU (Linux SCHED_IDLE; else nice +RENDER_NICENESS),
    and only on the last CPU it may use.

    Under SCHED_IDLE a woken event loop takes the CPU from a render at once; at nice +10 a render
    still held a share of a core while the loop waited for one. Kept on one CPU, a render also
    leaves the other cores' caches to the live stream. bench/minutes.py, live p99 during renders
    over idle, per run, on two cores: nice +10 x1.12-x1.47; SCHED_IDLE x1.00-x1.38 (median x1.25
    of six); SCHED_IDLE on one CPU x0.77-x1.32 (median x1.04 of six). The price: a render on a
    machine kept busy by other work waits for it (it still gets a sliver of the CPU).
    """
    os.nice(RENDER_NICENESS)  # where SCHED_IDLE is missing or refused, this is what is left
    with contextlib.suppress(AttributeError, OSError):  # not Linux; a sandbox that forbids it
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})


def _start_worker(parent: int) -> None:
    """Runs once in the render process: leave with the server, yield the CPU to the live stream, warm up."""
    threading.Thread(target=_exit_with, args=(parent,), name="exit-with-server", daemon=True).start()
    yield_the_cpu()
    from phienhop.minutes import cffi_arrays
    from phienhop.minutes.render import render_pdf

    cffi_arrays.install()  # else each document's new glyph counts cost a C parse each (see the module)

    # The first render loads the fonts and parses the stylesheet; pay for it before any request does.
    render_pdf(_warm_up_doc())
    # A final render also loads the PDF/A colour profile and writes attachments, and a seal (or a
    # signed copy's check) imports pyHanko: neither should land on the secretary's finalize.
    render_pdf(msgspec.structs.replace(_warm_up_doc(), draft=False), [Attached(LOG_NAME, b"{}\n", "", "Source")])
    import pyhanko.sign.signers  # noqa: F401
    import pyhanko.sign.validation  # noqa: F401
    # What is alive now (modules, fonts, the stylesheet, caches) lives as long as the process: out
    # of the collector's sight, so a full collection no longer walks it (~40-60 ms, mid-render).
    gc.collect()
    gc.freeze()


# Every Vietnamese letter, both cases, each vowel with its five tone marks (NFC): the warm-up
# render shapes them in each face the template uses, so no request is the first to load a glyph.
_BASE = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_TONED = "aăâeêioôơuưy"
_LETTERS = " ".join(
    [_BASE, _BASE.upper(), "0123456789 .,:;!?()/-–%"]
    + [unicodedata.normalize("NFC", "".join(v + mark for mark in "\u0300\u0301\u0303\u0309\u0323"))
       for v in _TONED + _TONED.upper()]
)


def _warm_up_doc() -> m.MinutesDoc:
    """A small document that passes every part of the template (and so every face) over every letter."""
    moment = dt.datetime(2021, 11, 30, 14, tzinfo=dt.timezone.utc)
    who = m.Person(name=_LETTERS, position="Đ")  # the letters once per part: more would only slow the start
    poll = m.PollResult(
        subject="Đ", ballot="named", rule="more-than-half-of-members", yes=1, no=1, abstain=1, not_voted=1,
        entitled=4, present=3, quorum="1/2", outcome="adopted", opened_at=moment, closed_at=moment,
        roll=[m.RollEntry(name="Đ", choice="yes")], members=4, present_at_open=3, needed=3, present_at_close=3,
    )
    item = m.ItemMinutes(
        number=1, title=_LETTERS, presenter=who, started_at=moment, ended_at=moment,
        speakers=[m.Speaker(person=who, point="Đ", at=moment)], notes=[_LETTERS], polls=[poll], conclusions=["Đ"],
    )
    return m.MinutesDoc(
        language="vi", draft=True, body=_LETTERS, title=_LETTERS, place="Đ", starts_at=moment, chair=who,
        secretary=who, items=[item], parent_body="Đ", opened_at=moment, closed_at=moment,
        attendance=m.Attendance(in_hall=[who], online=[m.PointAttendance(point="Đ", people=[who])],
                                absent=[m.Absent(person=who, reason="Đ")], points_connected=["Đ"]),
    )


class RenderUnavailable(RuntimeError):
    """The render process died, and its replacement too: answered 503 in our error shape."""


class MinutesPdf(msgspec.Struct, frozen=True):
    """A minutes PDF as served: the bytes, the seq they reflect, and whether this call rendered them."""

    data: bytes
    seq: int
    final: bool
    render_seconds: float | None = None  # None: served from the cache (a draft) or the store (final)
    revision: int = 0  # a final PDF: 0 as finalized, n the n-th accepted signed copy


PDFS_KEPT = 16  # drafts, and final PDFs, kept in memory at most (least recently used go first)


def _keep(cache: OrderedDict, key: str, value) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > PDFS_KEPT:
        cache.popitem(last=False)


class MinutesService:
    """Renders in a separate process, so a PDF never stalls the live stream; one render per seq.

    The render process runs only when a CPU is otherwise idle, on one CPU (``yield_the_cpu``): on a busy machine
    the event loop that feeds the followers gets the CPU first, and a render takes longer.
    """

    def __init__(self, engine: Engine, sealer: Sealer | None = None, trust: list[bytes] | None = None) -> None:
        """``sealer``: the issuing body's key, finalize seals with it (None: unsealed); raises
        ValueError when it cannot be opened. ``trust``: DER certificates of the trust list."""
        self.engine = engine
        self.sealer = sealer
        self.sealer_name = check_sealer(sealer) if sealer is not None else None
        self.trust = trust or []  # DER certificates a signer must chain to, to be "trusted here"
        self._pool: ProcessPoolExecutor | None = None
        self._cache: OrderedDict[str, tuple[int, bytes]] = OrderedDict()  # draft per session, newest seq only
        self._final: OrderedDict[str, MinutesPdf] = OrderedDict()
        self._latest: OrderedDict[str, MinutesPdf] = OrderedDict()
        # A lock lives while someone holds or waits on it: nothing kept per session ever seen.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, session: str) -> asyncio.Lock:
        lock = self._locks.get(session)
        if lock is None:
            lock = self._locks[session] = asyncio.Lock()
        return lock

    def start(self) -> None:
        self._pool = self._new_pool()
        self._pool.submit(int)  # start the process now, not on the first request

    @staticmethod
    def _new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
            initargs=(os.getpid(),),
        )

    def stop(self) -> None:
        if self._pool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def _run(self, fn, *args):
        """Run ``fn(*args)`` in the render process (or a thread, offline, when it was never started)."""
        if self._pool is None:
            return await asyncio.to_thread(fn, *args)
        for attempt in (1, 2):
            pool = self._pool
            try:
                return await asyncio.get_running_loop().run_in_executor(pool, fn, *args)
            except BrokenProcessPool as exc:
                # The render process died (killed, out of memory): a pool never recovers from
                # that, so replace it and try once more; a second death is a 503, not a hang.
                log.error("the minutes render process died (attempt %d); starting a new one", attempt, exc_info=exc)
                if self._pool is pool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._new_pool()
        raise RenderUnavailable("the minutes could not be rendered: the render process died twice; try again")

    async def render(self, state: SessionState, draft: bool) -> tuple[bytes, float]:
        """Render the minutes of ``state``; returns the PDF and the seconds it took.

        A final render is PDF/A-3u with the log up to ``state.seq`` and the drafts attached.
        """
        started = time.perf_counter()
        encoded = encode_doc(minutes_doc(state, draft))
        attached = b"" if draft else msgspec.msgpack.encode(archive_files(state, self.engine.events_since(state.id, 0)))
        data = await self._run(_render_in_worker, encoded, attached)
        seconds = time.perf_counter() - started
        log.info("rendered %s minutes of session %s at seq %d in %.2fs", "draft" if draft else "final",
                 state.id, state.seq, seconds)
        return data, seconds

    async def pdf(self, session: str, revision: str = "latest") -> MinutesPdf:
        """The final PDF once finalized: the latest signed copy (``revision="latest"``) or the
        finalized bytes (``"final"``), exactly as stored; else the draft at the current seq."""
        await self.engine.ensure(session)
        async with self._lock(session):
            state = self.engine.state(session)
            if state.minutes_sha256:
                return await (self._stored(session) if revision == "final" else self._latest_copy(session))
            hit = self._cache.get(session)
            if hit and hit[0] == state.seq:
                return MinutesPdf(data=hit[1], seq=hit[0], final=False)
            seq = state.seq
            data, seconds = await self.render(state, draft=True)
            _keep(self._cache, session, (seq, data))
            return MinutesPdf(data=data, seq=seq, final=False, render_seconds=seconds)

    async def _stored(self, session: str) -> MinutesPdf:
        if session not in self._final:
            stored = await self.engine.store.minutes_pdf(session)
            state = self.engine.state(session)
            if stored is None:
                raise RuntimeError(f"session {session}: minutes finalized but no PDF stored; run 'phienhop verify'")
            _keep(self._final, session, MinutesPdf(data=stored[1], seq=state.seq, final=True))
        return self._final[session]

    async def _latest_copy(self, session: str) -> MinutesPdf:
        state = self.engine.state(session)
        if not state.minutes_signed:
            return await self._stored(session)
        latest = state.minutes_signed[-1]
        hit = self._latest.get(session)
        if hit is None or hit.revision != latest.revision:
            copies = await self.engine.store.signed_copies(session)
            revision, sha256, data = copies[-1]
            if revision != latest.revision or sha256 != latest.sha256:
                raise RuntimeError(f"session {session}: signed copy {latest.revision} is not stored; run 'phienhop verify'")
            hit = MinutesPdf(data=data, seq=state.seq, final=True, revision=revision)
            _keep(self._latest, session, hit)
        return hit

    async def finalize(self, session: str, actor: Actor) -> CommandResult:
        """Render the final minutes once, seal them when a seal is configured, store the bytes and their hash in the log."""
        await self.engine.ensure(session)
        async with self._lock(session):
            state = self.engine.state(session)
            check_finalize(state, actor)
            seq = state.seq
            data, _ = await self.render(state, draft=False)
            sealed_by = None
            if self.sealer is not None:
                data = await self._run(_seal_in_worker, data, self.sealer)
                sealed_by = self.sealer_name
            result = await self.engine.finalize_minutes(
                session, actor, data, hashlib.sha256(data).hexdigest(), seq, sealed_by=sealed_by
            )
            _keep(self._final, session, MinutesPdf(data=data, seq=result.seq, final=True))
            self._cache.pop(session, None)
            return result

    async def sign(self, session: str, actor: Actor, data: bytes) -> CommandResult:
        """Accept a signed copy of the latest minutes (see phienhop.minutes.signing.check_signed_copy).

        Raises ``Refused`` (nothing stored) when the copy cannot be accepted.
        """
        await self.engine.ensure(session)
        async with self._lock(session):
            state = self.engine.state(session)
            check_sign(state, actor)
            latest = await self._latest_copy(session)
            if not data.startswith(latest.data):
                await self._why_not_prefix(session, data)
            new = await self._run(_check_in_worker, data, latest.data, self.trust)
            copy = CheckedCopy(
                base=latest_minutes(state), sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                signatures=[SignedBy(signer=s.signer, subject=s.subject, signed_at=s.signed_at, trusted=s.trusted) for s in new],
            )
            return await self.engine.record_signed(session, actor, data, copy)

    async def _why_not_prefix(self, session: str, data: bytes) -> None:
        """Raise the most precise refusal for an upload that does not extend the latest copy."""
        final = await self._stored(session)
        earlier = [final.data] + [c[2] for c in (await self.engine.store.signed_copies(session))[:-1]]
        if any(data.startswith(copy) for copy in earlier):
            raise Refused(
                "signed.stale",
                "the upload was signed on an earlier copy of the minutes; another signed copy was accepted since: "
                "download minutes.pdf again and sign that",
                status=409,
            )
        for other, sha256, size in await self.engine.store.final_sizes():
            if other != session and len(data) >= size and hashlib.sha256(data[:size]).hexdigest() == sha256:
                raise Refused("signed.other_session", "the upload is a signed copy of another session's minutes")
        if not data.startswith(b"%PDF-"):
            raise Refused("signed.not_pdf", "the upload is not a PDF file")
        raise Refused(
            "signed.not_prefix",
            "the upload does not begin with the final minutes' bytes: it was rewritten, not signed as an "
            "incremental update; sign the PDF downloaded from minutes.pdf without saving it in another way",
        )
