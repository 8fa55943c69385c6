"""Offline checks on a database: the hash chain, the stored minutes, the secret ballot boxes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .domain.events import PollClosed, decode
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


async def verify(db: str, session: str) -> tuple[list[str], str]:
    """Problems found in ``session`` (each naming a seq), and a one-line summary."""
    _existing(db)
    store = await Store(db).open()
    try:
        rows = await store.events(session)
        if not rows:
            return [f"no session '{session}' in {db}"], ""
        problems = verify_chain(rows)
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
            elif final.head_hash != rows[final.seq - 2].hash:
                problems.append(f"seq {final.seq}: the minutes name head {final.head_hash[:12]}…, the log had {rows[final.seq - 2].hash[:12]}…")
        summary = f"ok: session {session}, {len(rows)} events, head {rows[-1].hash}"
        if finals and not problems:
            summary += f", final minutes sha256 {finals[-1].sha256}"
        return problems, summary
    finally:
        await store.close()


async def offline_minutes(db: str, session: str) -> tuple[bytes, bool]:
    """The session's minutes from the database alone: the stored final PDF, or a fresh draft."""
    from .minutes_doc import MinutesService

    _existing(db)
    store = await Store(db).open()
    try:
        engine = Engine(store, _Nowhere(), PollKeys(None))
        await engine.start(require_keys=False)  # offline: reads only, opens no ballot box
        try:
            if session not in engine.states:
                raise LookupError(f"no session '{session}' in {db}")
            pdf = await MinutesService(engine).pdf(session)  # not started: renders in this process
        finally:
            await engine.stop()
        return pdf.data, pdf.final
    finally:
        await store.close()
