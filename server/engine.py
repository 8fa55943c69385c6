"""The engine: sessions in memory, one writer that group-commits commands, publish after commit.

Every change goes through one queue and one writer task. The writer takes whatever has
queued up, decides each command against a *working* copy of the state, writes all the
resulting events in one durable transaction, and only then applies them to the *committed*
state that readers see, publishes them, and answers the callers. Many commands share one
fsync, and nothing is visible or acknowledged before it is on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
import logging
import secrets
import time
from typing import Callable, Protocol

import msgspec

from .domain import Actor, Context, Decision, DomainError, NotFound, Role, apply, decide
from .domain.agenda import Agenda, Ballot as BallotKind
from .domain.audiences import Audience, public_bytes
from .domain.commands import CastVote, OpenPoll
from .domain.events import DeputyAssigned, Event, PollClosed, PollOpened, SessionCreated, decode, encode
from .domain.polls import CHOICES, apply_ballot, box_weight, member_voted_for
from .domain.presence import presence_change
from .domain.records import CheckedCopy, RenderedMinutes, finalize, sign
from .domain.registry import Ballot
from .domain.state import PollStatus, SessionState, SessionStatus
from .keys import PollKeys, receipt_hash
from . import faults
from .domain.errors import Conflict
from .store import GENESIS, Batch, BallotRow, CommandRow, EventRow, Store, TokenRow, chain
from .relay import Entry
from .tokens import Grant, SessionTokens, grant_of, issue, new_token, token_hash

log = logging.getLogger("phienhop.engine")

MAX_BATCH = 512
STOP_GRACE = 10.0  # seconds stop() waits for the queue and the batch in flight before cancelling the writer


def _actor_key(actor: Actor) -> str:
    """Who sent a command, as the commands table keys it: role, person, point."""
    return f"{actor.role.value}:{actor.person or ''}:{actor.point or ''}"
EVICT_AFTER = 300.0  # seconds a closed session stays in memory after it was last touched
MAX_CLOSED = 16  # closed sessions held at most; the least recently touched go first


class Publisher(Protocol):
    """Where committed events go live (the relays: the room in memory, and Redis when edges read it).

    Called once per commit with that commit's entries of one session, in seq order; must not
    wait and must not raise (a publisher's trouble never fails a command).
    """

    def publish(self, session: str, entries: list[Entry]) -> None: ...


class CommandResult(msgspec.Struct):
    """The answer to a command: the head seq after it and the events it caused."""

    seq: int
    events: list[msgspec.Raw]
    receipt: str | None = None
    link: str | None = None  # deputy.assign: the deputy's join link (the API puts the base URL before it)


class CreatedSession(msgspec.Struct):
    id: str
    tokens: SessionTokens


class UnknownSession(LookupError):
    pass


class KeysMissing(RuntimeError):
    """An open secret poll whose key file is gone: its sealed ballots could not be counted."""


class StoreFailed(RuntimeError):
    """The transaction did not commit; nothing of the batch was kept."""


class _Job:
    __slots__ = ("session", "future", "events", "ballots", "result", "revokes", "replay")

    def __init__(self, session: str | None, revokes: str | None = None) -> None:
        self.session = session
        self.revokes = revokes  # the session whose links this job rotates (no events of its own)
        self.future: asyncio.Future = asyncio.get_running_loop().create_future()
        self.events: list[tuple[Event, EventRow]] = []
        self.ballots: list[Ballot] = []  # counted after this job's events (its poll may open in the batch)
        self.result = None
        self.replay: tuple | None = None  # (the original command's row, this one's digest): answer as the original


class Engine:
    """Holds the sessions in use; all writes pass through its single writer task.

    Sessions not yet closed are loaded at start. A closed session is loaded when first touched
    (``ensure``), and let go again once it has been idle ``evict_after`` seconds, or when more
    than ``max_closed`` closed sessions are held, provided nothing is queued for it and
    ``in_use(session)`` (live followers) is false. Tokens of sessions not held are read from the
    store when presented. Memory so grows with the sessions in use, not with every one ever held.
    """

    def __init__(self, store: Store, publisher: Publisher, keys: PollKeys, clock: Callable[[], dt.datetime] | None = None,
                 evict_after: float = EVICT_AFTER, max_closed: int = MAX_CLOSED):
        self.store = store
        self.publisher = publisher
        self.keys = keys
        self.clock = clock or (lambda: dt.datetime.now(dt.timezone.utc))
        self.states: dict[str, SessionState] = {}  # committed: what readers see
        self._working: dict[str, SessionState] = {}  # the writer's copy, ahead by the batch in flight
        self.logs: dict[str, list[bytes]] = {}  # canonical bytes of every committed event, index seq-1
        self.public_logs: dict[str, list[bytes]] = {}  # the same as the PUBLIC audience reads them (mostly the same objects)
        self.epochs: dict[str, str] = {}  # session -> hash of its first event: which history this log is
        self.sources: dict[str, str] = {}  # agenda hash -> session id
        self.grants: dict[str, Grant] = {}  # token hash -> grant
        self._queue: asyncio.Queue[tuple[_Job, Callable]] | None = None
        self._task: asyncio.Task | None = None
        self._broken = False
        self._stopping = False
        # (session, actor, command_id) -> the accepted command, for answering a retry (loaded from the store)
        self.done: dict[tuple[str, str, str], CommandRow] = {}
        self.evict_after, self.max_closed = evict_after, max_closed
        self.in_use: Callable[[str], bool] = lambda session: False  # set by the app: live followers
        self._stored: set[str] = set()  # closed sessions on disk and not in memory
        self._touched: dict[str, float] = {}  # loaded session -> time.monotonic() of its last touch
        self._queued: dict[str, int] = {}  # session -> jobs submitted and not yet answered
        self._loading: dict[str, asyncio.Future] = {}
        self._sweeper: asyncio.Task | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, require_keys: bool = True) -> None:
        """Load the sessions not yet closed and start the writer; ``require_keys``: refuse if a secret poll's key is gone."""
        closed = await self.store.closed_sessions()
        loaded: list[str] = [""]  # "": the admin's tokens
        for session, source in await self.store.session_ids():
            if source:
                self.sources[source] = session
            if session in closed:  # loaded when first touched
                self._stored.add(session)
                continue
            await self._load(session)
            if session not in self.states:
                continue
            loaded.append(session)
            for poll in self.states[session].polls.values():
                secret = poll.spec.ballot is BallotKind.SECRET
                if require_keys and poll.status is PollStatus.OPEN and secret and not self.keys.has(session, poll.id):
                    raise KeysMissing(
                        f"secret poll {poll.id} of session {session} is open, but its key is not in {self.keys.path}; "
                        "restore that file from where the database came from, then start again"
                    )
        for row in await self.store.tokens(loaded):
            self.grants[row.hash] = grant_of(row)
        for c in await self.store.commands(loaded):
            self.done[(c.session, c.actor, c.command_id)] = c
        self._stopping = False
        self._queue = asyncio.Queue()
        self._task = asyncio.create_task(self._write_loop(), name="phienhop-writer")
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="phienhop-evict")

    async def stop(self, grace: float = STOP_GRACE) -> None:
        """Stop writing: what is queued and the batch in flight finish, and their callers hear the truth.

        New writes are refused (503) from the moment this is called. Only if the writer is still
        busy after ``grace`` seconds is it cancelled; even then a COMMIT under way is waited for.
        """
        if self._sweeper:
            self._sweeper.cancel()
            self._sweeper = None
        if self._task is None:
            return
        self._stopping = True
        if not self._task.done():
            self._queue.put_nowait(None)  # the end marker, behind whatever is queued
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace)
            except asyncio.TimeoutError:
                log.error("the writer did not finish within %.0f s of the stop; cancelling it", grace)
                self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _load(self, session: str, working_only: bool = False) -> None:
        rows = await self.store.events(session)
        if not rows:  # never committed (a create that failed): nothing to hold
            self.states.pop(session, None)
            self._working.pop(session, None)
            self.logs.pop(session, None)
            self.public_logs.pop(session, None)
            return
        ballots = await self.store.ballots(session)
        self.logs[session] = [r.data for r in rows]
        self.public_logs[session] = [public_bytes(r.data) for r in rows]
        self.epochs[session] = rows[0].hash
        for target in ((self._working,) if working_only else (self.states, self._working)):
            state: SessionState | None = None
            for row in rows:
                event = decode(row.data)
                if state is None:
                    state = SessionState(id=session, agenda=event.agenda)
                apply(state, event)
                state.head = row.hash
            for b in ballots:
                choice = self._unsealed(session, b.poll, b.key, b.choice) or ""  # "": the secret is lost
                apply_ballot(state, Ballot(poll=b.poll, key=b.key, choice=choice, weight=box_weight(state)))
            target[session] = state
        for poll in self.states[session].polls.values():
            if poll.status is PollStatus.CLOSED:  # the close committed, the key's deletion may not have
                self.keys.drop(session, poll.id)

    def _unsealed(self, session: str, poll: str, key: str, choice: str) -> str | None:
        """A stored ballot's choice: in clear once its poll has closed, sealed while it is open."""
        return choice if choice in CHOICES else self.keys.unseal(session, poll, key, choice, CHOICES)

    # -- loading on first touch, letting go when idle -------------------------------------------

    async def ensure(self, session: str) -> bool:
        """True when ``session`` exists; a closed one is loaded from the log if it is not in memory."""
        if session in self.states:
            self._touched[session] = time.monotonic()
            return True
        if session not in self._stored:
            return False
        loading = self._loading.get(session)
        if loading is None:  # one load per session, however many ask at once
            loading = self._loading[session] = asyncio.ensure_future(self._load_stored(session))
            loading.add_done_callback(lambda _: self._loading.pop(session, None))
        await asyncio.shield(loading)
        self._touched[session] = time.monotonic()
        return session in self.states

    async def _load_stored(self, session: str) -> None:
        await self._load(session)
        if session in self.states:
            for row in await self.store.tokens([session]):
                self.grants[row.hash] = grant_of(row)
            for c in await self.store.commands([session]):
                self.done[(c.session, c.actor, c.command_id)] = c
            self._stored.discard(session)
            log.info("loaded closed session %s (%d events)", session, len(self.logs[session]))

    @property
    def held(self) -> int:
        """Sessions in memory now."""
        return len(self.states)

    @property
    def known(self) -> int:
        """Sessions in memory or on disk."""
        return len(self.states) + len(self._stored)

    async def _sweep_loop(self) -> None:
        every = max(0.05, min(30.0, self.evict_after / 2))
        while True:
            await asyncio.sleep(every)
            if any(self._evictable()):
                try:
                    await self._submit(_Job(None), lambda job, batch: self._evict())
                except StoreFailed:
                    return

    def _evictable(self) -> list[str]:
        return [s for s, state in self.states.items()
                if state.status is SessionStatus.CLOSED and not self._queued.get(s) and not self._loading.get(s)
                and not self.in_use(s)]

    def _evict(self) -> list[str]:
        """Let go of idle closed sessions (run as a writer job, so never between a job's queueing and its prepare)."""
        now = time.monotonic()
        candidates = sorted(self._evictable(), key=lambda s: self._touched.get(s, 0.0))
        over = len(candidates) - self.max_closed
        gone = [s for i, s in enumerate(candidates) if i < over or now - self._touched.get(s, 0.0) >= self.evict_after]
        for session in gone:
            for held in (self.states, self._working, self.logs, self.public_logs, self.epochs, self._touched):
                held.pop(session, None)
            self._stored.add(session)
        if gone:
            for h in [h for h, g in self.grants.items() if g.session in gone]:
                del self.grants[h]
            for key in [key for key in self.done if key[0] in gone]:
                del self.done[key]
            log.info("let go of %d idle closed session(s)", len(gone))
        return gone

    # -- reads -------------------------------------------------------------------------------

    def state(self, session: str) -> SessionState:
        try:
            return self.states[session]
        except KeyError:
            raise UnknownSession(session) from None

    def events_since(self, session: str, since: int, audience: Audience = Audience.FULL) -> list[bytes]:
        """Committed events with seq > ``since``, as their canonical bytes (as ``audience`` reads them)."""
        logs = self.logs if audience is Audience.FULL else self.public_logs
        return logs[session][max(since, 0):]

    def entries_since(self, session: str, since: int) -> list[Entry]:
        """Committed events with seq > ``since`` as relay entries (what a relay republishes)."""
        full, public, epoch = self.logs[session], self.public_logs[session], self.epochs[session]
        return [Entry(i + 1, full[i], public[i], epoch) for i in range(max(since, 0), len(full))]

    def grant(self, token: str) -> Grant | None:
        """The grant of ``token``: from memory for the sessions held, else from the store."""
        hashed = token_hash(token)
        grant = self.grants.get(hashed)
        if grant is None and self._stored:
            row = self.store.token_now(hashed)
            if row is not None and row.session in self._stored:
                grant = grant_of(row)
        return grant

    def now(self, state: SessionState | None = None) -> dt.datetime:
        now = self.clock()
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        tz = state.agenda.session.starts_at.tzinfo if state else dt.timezone.utc
        return now.astimezone(tz)

    # -- writes: each returns once its events are committed -----------------------------------

    async def create_session(self, agenda: Agenda, source: str | None = None) -> CreatedSession:
        """Create a session from a checked agenda; returns its id and the fresh tokens."""

        def prepare(job: _Job, batch: Batch) -> CreatedSession:
            session = secrets.token_hex(4)
            while session in self._working or session in self._stored:
                session = secrets.token_hex(4)
            job.session = session
            tokens, rows = issue(session, agenda)
            state = SessionState(id=session, agenda=agenda)
            self._working[session] = state
            batch.sessions.append((session, source, self.now(state).isoformat()))
            batch.tokens.extend(rows)
            self._append(job, state, SessionCreated(at=self.now(state), session=session, agenda=agenda), batch)
            return CreatedSession(id=session, tokens=tokens)

        return await self._submit(_Job(None), prepare)

    async def ensure_admin(self) -> str | None:
        """A new admin token if none is stored yet (returned once, kept only as a hash), else None."""
        if any(g.actor.role is Role.ADMIN for g in self.grants.values()):
            return None
        token = new_token()

        def prepare(job: _Job, batch: Batch) -> str:
            batch.tokens.append(TokenRow(token_hash(token), "", Role.ADMIN.value, None))
            return token

        return await self._submit(_Job(None), prepare)

    async def rotate_tokens(self, session: str, targets: list[tuple[Role, str | None]]) -> list[str]:
        """New tokens for ``targets`` (role, subject), revoking the old ones in the same transaction.

        ``subject`` is the person (chair, secretary, a member), the point, or None (public). Returns
        the new tokens in the order asked. Raises NotFound for a target the session has no token for.
        """
        if session not in self.states and not await self.ensure(session):
            raise UnknownSession(session)

        def prepare(job: _Job, batch: Batch) -> list[str]:
            # Looked up in the writer, so two rotations of one link cannot both revoke the same old token.
            current = {(g.actor.role, g.actor.point if g.actor.role is Role.POINT else g.actor.person): h
                       for h, g in self.grants.items() if g.session == session and h not in batch.revoked}
            for role, subject in targets:
                if (role, subject) not in current:
                    raise NotFound("token.unknown", f"no {role.value} link for '{subject or ''}' in session {session}",
                                   {"role": role.value, "subject": subject})
            fresh = []
            for role, subject in targets:
                token = new_token()
                batch.revoked.append(current[(role, subject)])
                batch.tokens.append(TokenRow(token_hash(token), session, role.value, subject))
                fresh.append(token)
            return fresh

        return await self._submit(_Job(None, revokes=session), prepare)

    async def command(self, session: str, actor: Actor, command) -> CommandResult:
        """Decide and commit one command; raises DomainError (nothing written) when refused.

        A command with a ``command_id`` that this actor already sent in this session is answered
        with the original answer and changes nothing (``409 command_id.reused`` if it is another
        command). Votes are not remembered here: a vote's retry is recognized by its receipt,
        which must never be stored.
        """
        if session not in self.states and not await self.ensure(session):
            raise UnknownSession(session)
        key = None
        if getattr(command, "command_id", None) and not isinstance(command, CastVote):
            key = (session, _actor_key(actor), command.command_id)
            digest = hashlib.sha256(msgspec.json.encode(command)).hexdigest()
            if key in self.done:
                return self._replay(self.done[key], digest)

        def prepare(job: _Job, batch: Batch) -> CommandResult:
            state = self._working[session]
            if key is not None:
                if key in self.done:  # the original committed while this retry waited in the queue
                    job.replay = (self.done[key], digest)
                    return None
                for other in batch.commands:
                    if (other.session, other.actor, other.command_id) == key:  # sent twice in one batch
                        job.replay = (other, digest)
                        return None
            receipt = None
            if isinstance(command, CastVote) and actor.person:
                # Each member's vote has its own receipt, whoever casts it (a proxy holder, a deputy).
                member = member_voted_for(state, actor, command)
                receipt = self.keys.receipt(session, command.poll, member, command.choice.value)
            ctx = Context(now=self.now(state), ballot_key=receipt_hash(receipt) if receipt else None)
            decision: Decision = decide(state, actor, command, ctx)
            if isinstance(command, OpenPoll):
                for event in decision.events:
                    if isinstance(event, PollOpened):
                        self.keys.create(session, event.poll)  # before the commit: a vote may follow at once
            for event in decision.events:
                self._append(job, state, event, batch)
                if isinstance(event, PollClosed) and event.ballot == "secret":
                    unseal = functools.partial(self._unsealed, session, event.poll)
                    batch.boxes.append((session, event.poll, unseal))
            if decision.ballot is not None:
                b = decision.ballot
                sealed = self.keys.seal(session, b.poll, b.key, b.choice)
                # No weight beside the choice: a secret poll's voters all weigh the same (box_weight).
                batch.ballots.append(BallotRow(key=b.key, session=session, poll=b.poll, choice=sealed, weight=1))
                apply_ballot(state, b)
                job.ballots.append(b)
            fault = faults.value("prepare-fail")  # after its events went into the batch and the working state
            if fault and any(getattr(command, f) == fault for f in command.__struct_fields__):
                raise RuntimeError(f"injected fault: prepare-fail={fault}")
            if key is not None:
                first = job.events[0][1].seq if job.events else state.seq + 1
                batch.commands.append(CommandRow(session, key[1], key[2], digest, first, state.seq, state.seq))
            link = None
            for event in decision.events:
                if isinstance(event, DeputyAssigned):  # the deputy's own token, stored (hashed) with the event
                    token = new_token()
                    batch.tokens.append(TokenRow(token_hash(token), session, Role.PERSON.value, event.deputy))
                    link = f"/join/{token}"
            return CommandResult(seq=state.seq, events=[], receipt=receipt if decision.receipt else None, link=link)

        result: CommandResult = await self._submit(_Job(session), prepare)
        return result

    async def presence(self, session: str, point: str, online: bool) -> None:
        """Record a point going online or offline (no event if nothing changed)."""
        if session not in self.states and not await self.ensure(session):
            return

        def prepare(job: _Job, batch: Batch) -> None:
            state = self._working[session]
            for event in presence_change(state, point, online, self.now(state)):
                self._append(job, state, event, batch)

        await self._submit(_Job(session), prepare)

    async def finalize_minutes(
        self, session: str, actor: Actor, pdf: bytes, sha256: str, seq: int, sealed_by: str | None = None
    ) -> CommandResult:
        """Commit the final PDF rendered from the state at ``seq`` (sealed by ``sealed_by``), with its hash in the log."""
        if session not in self.states and not await self.ensure(session):
            raise UnknownSession(session)

        def prepare(job: _Job, batch: Batch) -> CommandResult:
            state = self._working[session]
            rendered = RenderedMinutes(sha256=sha256, size=len(pdf), seq=seq, sealed_by=sealed_by)
            for event in finalize(state, actor, rendered, Context(now=self.now(state))):
                self._append(job, state, event, batch)
            batch.minutes.append((session, sha256, pdf))
            return CommandResult(seq=state.seq, events=[])

        return await self._submit(_Job(session), prepare)

    async def record_signed(self, session: str, actor: Actor, pdf: bytes, copy: CheckedCopy) -> CommandResult:
        """Commit an accepted signed copy and its ``minutes.signed`` event, if it still extends the latest copy."""
        if session not in self.states and not await self.ensure(session):
            raise UnknownSession(session)

        def prepare(job: _Job, batch: Batch) -> CommandResult:
            state = self._working[session]
            events = sign(state, actor, copy, Context(now=self.now(state)))
            for event in events:
                self._append(job, state, event, batch)
                batch.signed.append((session, event.revision, copy.sha256, pdf))
            return CommandResult(seq=state.seq, events=[])

        return await self._submit(_Job(session), prepare)

    def _replay(self, done: CommandRow, digest: str) -> CommandResult:
        """The original answer to an accepted command, from the log."""
        if done.digest != digest:
            raise Conflict("command_id.reused", f"command_id '{done.command_id}' was already used for another command",
                           {"command_id": done.command_id})
        log_ = self.logs[done.session]
        events = [msgspec.Raw(data) for data in log_[done.first_seq - 1:done.last_seq]]
        return CommandResult(seq=done.seq, events=events)

    # -- the writer ----------------------------------------------------------------------------

    async def _submit(self, job: _Job, prepare: Callable):
        if self._task is None or self._task.done():
            raise StoreFailed("the writer is not running")
        if self._stopping:
            raise StoreFailed("the server is stopping; not committed: send it again once it is back")
        if self._broken:
            raise StoreFailed("writes are stopped after a failed rebuild from the log; restart the server")
        session = job.session or job.revokes
        if session:  # not let go while this job is queued
            self._queued[session] = self._queued.get(session, 0) + 1
        try:
            await self._queue.put((job, prepare))
            try:
                return await asyncio.shield(job.future)
            except asyncio.CancelledError:
                # The server is stopping (uvicorn cancels requests after its grace) while this command
                # is queued or committing: its outcome is known in moments, and the writer finishes
                # it either way. Wait for it, so that the answer, if it can still go out, is the truth.
                if job.future.done() and not job.future.cancelled():
                    asyncio.current_task().uncancel()
                    return job.future.result()
                if self._task is None or self._task.done():
                    raise
                asyncio.current_task().uncancel()
                return await asyncio.wait_for(asyncio.shield(job.future), STOP_GRACE)
        finally:
            if session:
                left = self._queued[session] - 1
                if left:
                    self._queued[session] = left
                else:
                    del self._queued[session]

    def _append(self, job: _Job, state: SessionState, event: Event, batch: Batch) -> None:
        event.seq = state.seq + 1
        data = encode(event)
        head = chain(state.head or GENESIS, data)
        row = EventRow(state.id, event.seq, type(event).__struct_config__.tag, data, head)
        batch.events.append(row)
        apply(state, event)
        state.head = head
        job.events.append((event, row))

    async def _write_loop(self) -> None:
        while True:
            first = await self._queue.get()
            if first is None:  # stop() was called and everything before it is done
                return
            jobs, last = [first], False
            while len(jobs) < MAX_BATCH and not self._queue.empty():
                job = self._queue.get_nowait()
                if job is None:
                    last = True
                    break
                jobs.append(job)
            try:
                await self._run(jobs)
            except Exception:  # never let the writer die: fail the batch, reload, go on
                log.exception("writer batch failed")
            if last:
                return

    async def _run(self, jobs: list[tuple[_Job, Callable]]) -> None:
        batch = Batch()
        accepted: list[_Job] = []
        cancelled = False
        for job, prepare in jobs:
            if job.future.done():  # the caller went away
                continue
            mark = batch.mark()
            try:
                job.result = prepare(job, batch)
                accepted.append(job)
            except DomainError as exc:  # decide refuses before anything is appended
                job.future.set_exception(exc)
            except Exception as exc:
                # A bug in one command must not fail the others of its group: drop what it
                # appended, rebuild its session's working copy, answer it alone with the error.
                log.error("command failed before its commit; the rest of its batch goes on", exc_info=exc)
                batch.truncate(mark)
                job.events.clear()
                job.ballots.clear()
                job.future.set_exception(exc)
                if job.session and not await self._rebuild_working(job.session, accepted):
                    for other in accepted:
                        if not other.future.done():
                            other.future.set_exception(StoreFailed(f"not committed: {exc}"))
                    return
        for row in batch.commands:  # a command's answer gives the head after its whole batch
            row.seq = self._working[row.session].seq
        if accepted and (batch.events or batch.tokens or batch.revoked or batch.commands):
            committing = asyncio.ensure_future(self.store.commit(batch))
            try:
                # Shielded: a stop that cancels the writer waits for the transaction's outcome,
                # so the callers hear the truth, and the cancel is carried out after that.
                await asyncio.shield(committing)
            except asyncio.CancelledError:
                cancelled = True
                await asyncio.wait([committing])
            except Exception:
                pass
            if committing.cancelled() or committing.exception() is not None:
                exc = committing.exception() if not committing.cancelled() else asyncio.CancelledError()
                if not await self._on_disk(batch):
                    # Not committed: fail the batch and rebuild the working states from the log.
                    log.error("batch not committed", exc_info=exc)
                    for job, _ in jobs:
                        if not job.future.done():
                            job.future.set_exception(StoreFailed(f"not committed: {exc!r}"))
                    await self._reload({job.session for job, _ in jobs if job.session})
                    if cancelled:
                        raise asyncio.CancelledError()
                    return
                log.warning("the commit reported %r after the rows were on disk; answering as committed", exc)
        if not accepted:
            if cancelled:
                raise asyncio.CancelledError()
            return
        try:
            published: dict[str, list[Entry]] = {}
            for job in accepted:
                self._commit_job(job, batch, published)
            for session, entries in published.items():
                self.publisher.publish(session, entries)
        except Exception:
            # Committed, but memory fell behind the disk: rebuild from the log, which has it all.
            # The callers are still answered: what they asked for is durable.
            log.exception("applying a committed batch failed; reloading from the log")
            await self._reload({job.session for job in accepted if job.session})
        for row in batch.commands:
            self.done[(row.session, row.actor, row.command_id)] = row
        for job in accepted:
            if not job.future.done():
                if job.replay is not None:
                    try:
                        job.result = self._replay(*job.replay)
                    except DomainError as exc:
                        job.future.set_exception(exc)
                        continue
                elif isinstance(job.result, CommandResult):
                    job.result.events = [msgspec.Raw(row.data) for _, row in job.events]
                    job.result.seq = self.states[job.session].seq
                job.future.set_result(job.result)
        if cancelled:
            raise asyncio.CancelledError()

    async def _on_disk(self, batch: Batch) -> bool:
        """After a commit that raised: is the batch on disk anyway? (its last event row, exactly)"""
        if not batch.events:
            return False
        try:
            return await self.store.has_event(batch.events[-1])
        except Exception:
            log.exception("could not tell whether the batch was committed")
            return False

    async def _rebuild_working(self, session: str, accepted: list[_Job]) -> bool:
        """The writer's copy of ``session`` again: the log, plus the jobs of this batch accepted so far."""
        try:
            await self._load(session, working_only=True)
        except Exception:
            log.critical("could not rebuild session %s from the log; refusing further writes", session, exc_info=True)
            self._broken = True
            return False
        state = self._working[session]
        for job in accepted:
            if job.session == session:
                for event, row in job.events:
                    apply(state, event)
                    state.head = row.hash
                for ballot in job.ballots:
                    apply_ballot(state, ballot)
        return True

    def _commit_job(self, job: _Job, batch: Batch, published: dict[str, list[Entry]]) -> None:
        for event, row in job.events:
            if isinstance(event, SessionCreated):
                self.states[job.session] = SessionState(id=job.session, agenda=event.agenda)
                self.logs[job.session], self.public_logs[job.session] = [], []
                self.epochs[job.session] = row.hash
            state = self.states[job.session]
            apply(state, event)
            state.head = row.hash
            public = public_bytes(row.data)
            self.logs[job.session].append(row.data)
            self.public_logs[job.session].append(public)
            published.setdefault(job.session, []).append(Entry(row.seq, row.data, public, self.epochs[job.session]))
            if isinstance(event, PollClosed):
                self.keys.drop(job.session, event.poll)
        for ballot in job.ballots:
            apply_ballot(self.states[job.session], ballot)
        if job.revokes:
            for h in batch.revoked:
                if h in self.grants and self.grants[h].session == job.revokes:
                    del self.grants[h]
        for t in batch.tokens:
            if t.session == (job.session or job.revokes or ""):
                self.grants[t.hash] = grant_of(t)
        for session, source, _ in batch.sessions:
            if session == job.session and source:
                self.sources[source] = session

    async def _reload(self, sessions: set[str]) -> None:
        try:
            for session in sessions:
                await self._load(session)
        except Exception:
            # Memory may now be ahead of the disk; writing on would number events wrongly.
            log.critical("could not rebuild sessions from the log; refusing further writes", exc_info=True)
            self._broken = True
