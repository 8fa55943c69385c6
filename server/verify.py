"""Offline checks on a database: the hash chain, the stored minutes, the secret ballot boxes."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from .domain.events import MinutesSigned, PollClosed, decode
from .engine import Engine
from .keys import PollKeys
from .store import Store, verify_chain


class _Nowhere:
    def publish(self, session: str, data: bytes) -> None:
        pass


def _existing(db: str) -> str:
    if not Path(db).is_file():
        raise LookupError(f"no database at {db} (give --db or set PHIENHOP_DB)")
    return db


async def verify(db: str, session: str, readonly: bool = False) -> tuple[list[str], str]:
    """Problems found in ``session`` (each naming a seq), and a one-line summary; ``readonly``: write nothing to ``db``."""
    _existing(db)
    store = await Store(db, readonly=readonly).open()
    try:
        rows = await store.events(session)
        if not rows:
            return [f"no session '{session}' in {db}"], ""
        problems = verify_chain(rows)
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
                        problems.append(f"seq {event.seq}: poll {event.poll} says {choice}={count}, the ballot box holds {box.get(choice, 0)}")
        finals = [e for e in events if type(e).__struct_config__.tag == "minutes.finalized"]
        stored = await store.minutes_pdf(session)
        if finals:
            final = finals[-1]
            if stored is None:
                problems.append(f"seq {final.seq}: minutes finalized but no PDF stored")
            elif hashlib.sha256(stored[1]).hexdigest() != final.sha256:
                problems.append(f"seq {final.seq}: the stored PDF's sha256 is not the one the log recorded")
            elif (named := by_seq.get(final.seq - 1)) is None:
                problems.append(f"seq {final.seq}: the minutes name head {final.head_hash[:12]}…, but seq {final.seq - 1} is missing")
            elif final.head_hash != named.hash:
                problems.append(f"seq {final.seq}: the minutes name head {final.head_hash[:12]}…, the log had {named.hash[:12]}…")
        signed = [e for e in events if isinstance(e, MinutesSigned)]
        if signed:
            copies = await store.signed_copies(session)
            # pyHanko's validation runs its own event loop: not on this one.
            problems += await asyncio.to_thread(_check_signed_copies, signed, stored[1] if stored else b"", copies)
        summary = f"ok: session {session}, {len(rows)} events, head {rows[-1].hash}"
        if finals and not problems:
            summary += f", final minutes sha256 {finals[-1].sha256}"
        if signed and not problems:
            summary += f", {len(signed)} signed cop{'y' if len(signed) == 1 else 'ies'} intact"
        return problems, summary
    finally:
        await store.close()


def _check_signed_copies(signed: list, final: bytes, copies: list[tuple[int, str, bytes]]) -> list[str]:
    """Each minutes.signed event has its copy stored, with its sha256, extending the one before, every signature whole."""
    from phienhop.minutes.signing import check_signatures

    problems, held, previous = [], {c[0]: c for c in copies}, final
    for event in signed:
        copy = held.get(event.revision)
        if copy is None:
            problems.append(f"seq {event.seq}: signed copy {event.revision} is not stored")
            continue
        data = copy[2]
        if hashlib.sha256(data).hexdigest() != event.sha256:
            problems.append(f"seq {event.seq}: signed copy {event.revision}'s sha256 is not the one the log recorded")
        elif not data.startswith(previous):
            problems.append(f"seq {event.seq}: signed copy {event.revision} does not begin with the copy before it")
        else:
            for s in check_signatures(data, []):
                if s.state == "broken" or s.coverage == "partial":
                    problems.append(f"seq {event.seq}: signed copy {event.revision}: signature '{s.field}' by {s.signer} "
                                    f"(file revision {s.revision}) is {'broken' if s.state == 'broken' else 'not whole'}")
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
