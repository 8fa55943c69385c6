"""Offline checks on a database: the hash chain, the stored minutes, the secret ballot boxes.

Every line ``phienhop verify SESSION`` prints is in Vietnamese or English (``MESSAGES``): a
problem is a ``Said`` — its English text, for logs and backups' reports, plus its key and
parameters, so the command prints it in the session's language (or ``--lang``).
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from .domain.events import MinutesSigned, PollClosed, decode
from .engine import Engine
from .keys import PollKeys
from .store import Store, verify_chain


# key -> (vi, en); {names} are the parameters. A test holds both languages to the same parameters.
MESSAGES: dict[str, tuple[str, str]] = {
    "session.unknown": ("không có phiên '{session}' trong {db}", "no session '{session}' in {db}"),
    "chain.missing": ("sự kiện số {seq}: bị thiếu (dòng kế tiếp là số {other})", "seq {seq}: missing (next row is seq {other})"),
    "chain.hash": ("sự kiện số {seq}: mã băm không khớp (dòng đã bị sửa)", "seq {seq}: hash mismatch (the row was changed)"),
    "chain.seq": ("sự kiện số {seq}: nội dung ghi số {other}", "seq {seq}: the event inside says seq {other}"),
    "chain.unreadable": ("sự kiện số {seq}: không đọc được ({other})", "seq {seq}: unreadable event ({other})"),
    "box.differs": ("sự kiện số {seq}: biểu quyết {poll} ghi {choice}={count}, hòm phiếu có {held}",
                    "seq {seq}: poll {poll} says {choice}={count}, the ballot box holds {held}"),
    "minutes.not_stored": ("sự kiện số {seq}: biên bản đã chốt nhưng không có tệp PDF nào được lưu",
                           "seq {seq}: minutes finalized but no PDF stored"),
    "minutes.sha": ("sự kiện số {seq}: mã SHA-256 của tệp PDF đã lưu khác với mã nhật ký đã ghi",
                    "seq {seq}: the stored PDF's sha256 is not the one the log recorded"),
    "minutes.head_missing": ("sự kiện số {seq}: biên bản ghi mã cuối {head}…, nhưng thiếu sự kiện số {before}",
                             "seq {seq}: the minutes name head {head}…, but seq {before} is missing"),
    "minutes.head_differs": ("sự kiện số {seq}: biên bản ghi mã cuối {head}…, nhật ký có {had}…",
                             "seq {seq}: the minutes name head {head}…, the log had {had}…"),
    "signed.missing": ("sự kiện số {seq}: bản đã ký {revision} không được lưu", "seq {seq}: signed copy {revision} is not stored"),
    "signed.sha": ("sự kiện số {seq}: mã SHA-256 của bản đã ký {revision} khác với mã nhật ký đã ghi",
                   "seq {seq}: signed copy {revision}'s sha256 is not the one the log recorded"),
    "signed.prefix": ("sự kiện số {seq}: bản đã ký {revision} không bắt đầu bằng bản trước nó",
                      "seq {seq}: signed copy {revision} does not begin with the copy before it"),
    "signed.broken": ("sự kiện số {seq}: bản đã ký {revision}: chữ ký '{field}' của {signer} (phiên bản tệp {file_revision}) "
                      "đã bị phá vỡ",
                      "seq {seq}: signed copy {revision}: signature '{field}' by {signer} (file revision {file_revision}) "
                      "is broken"),
    "signed.partial": ("sự kiện số {seq}: bản đã ký {revision}: chữ ký '{field}' của {signer} (phiên bản tệp "
                       "{file_revision}) không phủ toàn bộ",
                       "seq {seq}: signed copy {revision}: signature '{field}' by {signer} (file revision {file_revision}) "
                       "is not whole"),
    "summary.ok": ("ok: phiên {session}, {count} sự kiện, mã cuối {head}", "ok: session {session}, {count} events, head {head}"),
    "summary.final": (", mã SHA-256 biên bản chính thức {sha256}", ", final minutes sha256 {sha256}"),
    "summary.signed": (", {count} bản đã ký còn nguyên vẹn", ", {count} signed copies intact"),
    "summary.signed.one": (", {count} bản đã ký còn nguyên vẹn", ", {count} signed copy intact"),
    "summary.failed": ("{count} vấn đề trong phiên {session}", "{count} problem(s) in session {session}"),
}


def say(key: str, lang: str, **params) -> str:
    """The message ``key`` in ``lang`` ("vi" or "en") with ``params`` filled in."""
    return MESSAGES[key][0 if lang == "vi" else 1].format(**params)


class Said(str):
    """A message in English (its ``str``), with the keys and parameters it was said with, to say it in another language."""

    parts: tuple[tuple[str, dict], ...]

    @classmethod
    def of(cls, *parts: tuple[str, dict]) -> "Said":
        said = cls("".join(say(key, "en", **params) for key, params in parts))
        said.parts = parts
        return said

    def text(self, lang: str) -> str:
        return "".join(say(key, lang, **params) for key, params in self.parts)


def said(key: str, **params) -> Said:
    return Said.of((key, params))


class _Nowhere:
    def publish(self, session: str, data: bytes) -> None:
        pass


def _existing(db: str) -> str:
    if not Path(db).is_file():
        raise LookupError(f"no database at {db} (give --db or set PHIENHOP_DB)")
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
