"""``phienhop verify --pdf FILE``: final minutes checked from the file alone (and, with ``--db``, against the database).

The final PDF carries the log it was rendered from (``log.jsonl``). From that attachment this
recomputes the hash chain, checks the event count and head hash printed on the page, renders
the minutes again from the attached log and compares the page text, and checks every
signature (intact, covering its revision, nothing but signatures after it, trusted here).

Each failure has its own exit code; when several fail, the command exits with the lowest.
"""

from __future__ import annotations

import enum
import hashlib
import io
import re
from pathlib import Path

import msgspec

from phienhop.minutes.archive import LOG_NAME

from .store import EventRow, verify_chain


class Exit(enum.IntEnum):
    """What ``phienhop verify --pdf`` exits with."""

    OK = 0
    UNREADABLE = 2  # the file (or the database) cannot be read, or is not a PDF
    NO_LOG = 3  # no log.jsonl inside: a draft, or not phienhop's final minutes
    CHAIN = 4  # the attached log's hash chain is broken
    PRINTED = 5  # the count or head hash printed on the page is not the attached log's
    TEXT = 6  # the page text is not what the attached log renders to
    SIGNATURE = 7  # a signature is broken, partial, or followed by other changes
    DATABASE = 8  # (--db) the log or the file is not what the database holds
    UNTRUSTED = 9  # everything checks, but a signer does not chain to the trust list


class Finding(msgspec.Struct, frozen=True):
    code: Exit
    message: str


class Report(msgspec.Struct):
    """Failures (each with its exit code and a message naming what and where) and what checked out."""

    failures: list[Finding] = msgspec.field(default_factory=list)
    passed: list[str] = msgspec.field(default_factory=list)
    origin_checked: bool = False  # a seal or signature, or the database (--db), vouched for where the file came from

    def fail(self, code: Exit, message: str) -> None:
        self.failures.append(Finding(code, message))

    @property
    def exit_code(self) -> int:
        return int(min(f.code for f in self.failures)) if self.failures else 0


def page_texts(data: bytes) -> list[str]:
    """The text of each page (pypdf), whitespace kept as extracted."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]


def _printed(text: str) -> tuple[int, str] | None:
    """The (event count, head hash) the provenance line prints, in either language; None when absent."""
    from phienhop.minutes.labels import LABELS

    flat = " ".join(text.split())
    for labels in LABELS.values():
        literal = [re.escape(" ".join(part.split())) for part in labels.provenance.split("{}")]
        if len(literal) != 3:
            continue
        # The 64 hex digits may be broken across lines (the line wraps anywhere): allow spaces between them.
        pattern = literal[0] + r"\s*(\d+)\s*" + literal[1] + r"\s*((?:[0-9a-f]\s?){64})"
        found = re.search(pattern, flat)
        if found:
            return int(found[1]), re.sub(r"\s", "", found[2])
    return None


def _zone(rows: list[EventRow]):
    """The session's zone (the offset of its starts_at), from the attached log's first event; UTC if unreadable."""
    import datetime as dt

    from .domain.events import decode

    try:
        return decode(rows[0].data).agenda.session.starts_at.tzinfo
    except Exception:  # not a session.created we can read: say the time in UTC rather than fail the check
        return dt.timezone.utc


def _first_difference(ours: list[str], theirs: list[str]) -> str | None:
    """Where two documents' texts first differ: 'page P, line L: …'; None when they are the same."""
    if len(ours) != len(theirs):
        return f"the file has {len(ours)} pages, the attached log renders to {len(theirs)}"
    for page, (a, b) in enumerate(zip(ours, theirs), start=1):
        if a == b:
            continue
        lines_a, lines_b = a.splitlines(), b.splitlines()
        for line, (x, y) in enumerate(zip(lines_a, lines_b), start=1):
            if x != y:
                return f"page {page}, line {line}: the file says {x.strip()!r}, the attached log renders {y.strip()!r}"
        line = min(len(lines_a), len(lines_b)) + 1
        return f"page {page}, line {line}: the file has {len(lines_a)} lines, the attached log renders {len(lines_b)}"
    return None


def _rerender(rows: list[EventRow]) -> bytes:
    """The final minutes as the server renders them from these events."""
    from phienhop.minutes.render import render_pdf

    from .domain import apply, new_state
    from .domain.events import decode
    from .minutes_doc import archive_files, minutes_doc

    events = [decode(r.data) for r in rows]
    state = new_state(events[0])
    for event in events[1:]:
        apply(state, event)
    state.head = rows[-1].hash
    return render_pdf(minutes_doc(state, draft=False), archive_files(state, [r.data for r in rows]))


def verify_pdf(data: bytes, trust: list[bytes]) -> tuple[Report, list[EventRow]]:
    """Check final minutes from the file alone; returns the report and the attached log's rows."""
    from pypdf import PdfReader

    from phienhop.minutes.signing import Refused, check_signatures

    from .logfile import LogFileError, parse_log_jsonl

    report = Report()
    if not data.startswith(b"%PDF-"):
        report.fail(Exit.UNREADABLE, "not a PDF file")
        return report, []
    try:
        attachments = PdfReader(io.BytesIO(data)).attachments
        logs = attachments.get(LOG_NAME) or []
    except Exception as exc:  # pypdf on a damaged file
        report.fail(Exit.UNREADABLE, f"the PDF cannot be read: {exc}")
        return report, []
    if not logs:
        report.fail(Exit.NO_LOG, f"no {LOG_NAME} attached: not phienhop's final minutes (a draft carries none)")
        return report, []
    try:
        rows = parse_log_jsonl(logs[0])
    except LogFileError as exc:
        report.fail(Exit.CHAIN, f"attached {exc}")
        return report, []
    if not rows:
        report.fail(Exit.CHAIN, f"attached {LOG_NAME} is empty")
        return report, []
    chain = verify_chain(rows)
    for problem in chain:
        report.fail(Exit.CHAIN, f"attached {LOG_NAME}: {problem}")
    if not chain:
        report.passed.append(f"hash chain of the attached {LOG_NAME}: {len(rows)} events, head {rows[-1].hash}")

    texts = page_texts(data)
    printed = _printed("\n".join(texts))
    if printed is None:
        report.fail(Exit.PRINTED, "the pages print no event count and head hash")
    elif printed != (len(rows), rows[-1].hash):
        report.fail(Exit.PRINTED, f"the page prints {printed[0]} events, head {printed[1]}; the attached log has "
                                  f"{len(rows)} events, head {rows[-1].hash}")
    else:
        report.passed.append(f"the page prints the attached log's {printed[0]} events and head hash")

    if not chain:
        try:
            difference = _first_difference(texts, page_texts(_rerender(rows)))
        except Exception as exc:  # a log that passes the chain but cannot be replayed
            difference = f"the attached log cannot be rendered again: {exc}"
        if difference:
            report.fail(Exit.TEXT, f"the minutes are not what the attached log renders to: {difference}")
        else:
            report.passed.append(f"the text of all {len(texts)} pages is what the attached log renders to")

    try:
        signatures = check_signatures(data, trust)
    except Refused as exc:
        report.fail(Exit.SIGNATURE, exc.detail)
        signatures = []
    for s in signatures:
        where = f"signature '{s.field}' by {s.signer} (file revision {s.revision})"
        if s.state == "broken":
            report.fail(Exit.SIGNATURE, f"{where} is broken: the signed bytes or the signature value do not check")
        elif s.coverage == "partial":
            report.fail(Exit.SIGNATURE, f"{where} does not cover its whole revision")
        elif s.modifications in ("annotations", "other"):
            report.fail(Exit.SIGNATURE, f"{where}: the file was changed after it in ways other than adding signatures")
        elif not s.trusted:
            report.fail(Exit.UNTRUSTED, f"{where}: valid signature, signer not trusted here")
        else:
            when = f" at {s.signed_at.astimezone(_zone(rows)).isoformat()}" if s.signed_at else ""
            report.passed.append(f"{where}: valid, trusted{when}")
    report.origin_checked = report.origin_checked or bool(signatures)
    if signatures and max(s.end for s in signatures) != len(data):
        report.fail(Exit.SIGNATURE, "the file ends with changes that no signature covers")
    return report, rows


async def verify_pdf_against_db(data: bytes, rows: list[EventRow], db: str, report: Report) -> None:
    """``--db``: the attached log is the database's, and the file is a copy the database holds (or ends with one)."""
    from .store import Store

    created = msgspec.json.decode(rows[0].data) if rows else {}
    session = created.get("session", "") if isinstance(created, dict) else ""
    store = await Store(db).open()
    try:
        stored = await store.events(session)
        if not stored:
            report.fail(Exit.DATABASE, f"no session '{session}' in {db}")
            return
        for mine, theirs in zip(rows, stored):
            if mine.data != theirs.data or mine.hash != theirs.hash:
                report.fail(Exit.DATABASE, f"seq {mine.seq}: the attached log differs from the database's")
                return
        if len(rows) > len(stored):
            report.fail(Exit.DATABASE, f"the attached log has {len(rows)} events, the database {len(stored)}")
            return
        final = await store.minutes_pdf(session)
        copies = [(0, final[1])] if final else []
        copies += [(revision, pdf) for revision, _, pdf in await store.signed_copies(session)]
        digest = hashlib.sha256(data).hexdigest()
        held = [revision for revision, pdf in copies if hashlib.sha256(pdf).hexdigest() == digest]
        if held:
            name = "the final PDF" if held[0] == 0 else f"signed copy {held[0]}"
            report.passed.append(f"session {session} in {db}: the same log, and this file is {name} as stored")
        else:
            report.fail(Exit.DATABASE, f"this file (sha256 {digest}) is none of the copies session {session} holds in {db}")
    finally:
        await store.close()


def read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise LookupError(f"{path}: {exc.strerror}") from None
