"""Offline checks on a database: the hash chain, the stored minutes, the secret ballot boxes.

Every problem is a ``reports.Said``: its English text plus its key and parameters, so
``phienhop verify SESSION`` prints it in the session's language (or ``--lang``).
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from .domain.events import MinutesSigned, PollClosed, decode
from .engine import Engine
from .keys import PollKeys
from .reports import Said, said
from .store import Store, verify_chain


class _Nowhere:
    def publish(self, session: str, data: bytes) -> None:
        pass


def _existing(db: str) -> str:
    if not Path(db).is_file():
        raise LookupError(said("db.missing", db=db))
    return db


async def verify(db: str, session: str, readonly: bool = False) -> tuple[list[Said], Said, str | None]:
    """Problems found in ``session`` (each naming a seq), a one-line summary, and the session's language ("vi", "en";
    None when its first event cannot be read); ``readonly``: write nothing to ``db``."""
    _existing(db)
    store = await Store(db, readonly=readonly).open()
    try:
        rows = await store.events(session)
        if not rows:
            return [said("session.unknown", session=session, db=db)], said("summary.failed", count=1, session=session), None
        problems = [said(f"chain.{p.kind}", seq=p.seq, other=p.other) for p in verify_chain(rows)]
        by_seq = {row.seq: row for row in rows}  # by seq, not by position: a gap shifts positions
        events = []
        for row in rows:
            try:
                events.append(decode(row.data))
            except Exception:
                pass
        ballots = await store.ballots(session)
        voting = {p.weight for p in events[0].agenda.people if p.voting} if events and hasattr(events[0], "agenda") else set()
        weight = voting.pop() if len(voting) == 1 else 1  # a secret box keeps no weight: its voters all weigh the same
        for event in events:
            if isinstance(event, PollClosed) and event.ballot == "secret":
                box: dict[str, int] = {}
                for b in ballots:
                    if b.poll == event.poll:
                        box[b.choice] = box.get(b.choice, 0) + (weight if b.weight == 1 else b.weight)
                for choice, count in event.counts.items():
                    if box.get(choice, 0) != count:
                        problems.append(said("box.differs", seq=event.seq, poll=event.poll, choice=choice, count=count,
                                             held=box.get(choice, 0)))
        finals = [e for e in events if type(e).__struct_config__.tag == "minutes.finalized"]
        stored = await store.minutes_pdf(session)
        if finals:
            final = finals[-1]
            if stored is None:
                problems.append(said("minutes.not_stored", seq=final.seq))
            elif hashlib.sha256(stored[1]).hexdigest() != final.sha256:
                problems.append(said("minutes.sha", seq=final.seq))
            elif (named := by_seq.get(final.seq - 1)) is None:
                problems.append(said("minutes.head_missing", seq=final.seq, head=final.head_hash[:12], before=final.seq - 1))
            elif final.head_hash != named.hash:
                problems.append(said("minutes.head_differs", seq=final.seq, head=final.head_hash[:12], had=named.hash[:12]))
        signed = [e for e in events if isinstance(e, MinutesSigned)]
        if signed:
            copies = await store.signed_copies(session)
            # pyHanko's validation runs its own event loop: not on this one.
            problems += await asyncio.to_thread(_check_signed_copies, signed, stored[1] if stored else b"", copies)
        language = getattr(getattr(events[0], "agenda", None), "language", None) if events else None
        if problems:
            return problems, said("summary.failed", count=len(problems), session=session), getattr(language, "value", None)
        parts = [("summary.ok", {"session": session, "count": len(rows), "head": rows[-1].hash})]
        if finals:
            parts.append(("summary.final", {"sha256": finals[-1].sha256}))
        if signed:
            parts.append(("summary.signed.one" if len(signed) == 1 else "summary.signed", {"count": len(signed)}))
        return problems, Said.of(*parts), getattr(language, "value", None)
    finally:
        await store.close()


def _check_signed_copies(signed: list, final: bytes, copies: list[tuple[int, str, bytes]]) -> list[Said]:
    """Each minutes.signed event has its copy stored, with its sha256, extending the one before, every signature whole."""
    from phienhop.minutes.signing import check_signatures

    problems, held, previous = [], {c[0]: c for c in copies}, final
    for event in signed:
        copy = held.get(event.revision)
        if copy is None:
            problems.append(said("signed.missing", seq=event.seq, revision=event.revision))
            continue
        data = copy[2]
        if hashlib.sha256(data).hexdigest() != event.sha256:
            problems.append(said("signed.sha", seq=event.seq, revision=event.revision))
        elif not data.startswith(previous):
            problems.append(said("signed.prefix", seq=event.seq, revision=event.revision))
        else:
            for s in check_signatures(data, []):
                if s.state == "broken" or s.coverage == "partial":
                    problems.append(said("signed.broken" if s.state == "broken" else "signed.partial", seq=event.seq,
                                         revision=event.revision, field=s.field, signer=s.signer, file_revision=s.revision))
        previous = data
    return problems


async def offline_minutes(db: str, session: str) -> tuple[bytes, bool]:
    """The session's minutes from the database alone: the stored final PDF, or a fresh draft."""
    from .minutes_doc import MinutesService

    _existing(db)
    store = await Store(db).open()
    try:
        engine = Engine(store, _Nowhere(), PollKeys(None))
        await engine.start(require_keys=False)  # offline: reads only, opens no ballot box
        try:
            if not await engine.ensure(session):
                raise LookupError(f"no session '{session}' in {db}")
            pdf = await MinutesService(engine).pdf(session)  # not started: renders in this process
        finally:
            await engine.stop()
        return pdf.data, pdf.final
    finally:
        await store.close()
