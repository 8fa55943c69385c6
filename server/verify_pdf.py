"""``phienhop verify --pdf FILE``: final minutes checked from the file alone (and, with ``--db``, against the database).

The final PDF carries the log it was rendered from (``log.jsonl``). From that attachment this
recomputes the hash chain, checks the event count and head hash printed on the page, renders
the minutes again from the attached log and compares the page text, and checks every
signature (intact, covering its revision, nothing but signatures after it, trusted here).

Each failure has its own exit code; when several fail, the command exits with the lowest.
Every line it prints is in Vietnamese or English (``MESSAGES``): a finding keeps its key and
parameters, and the words are chosen when the report is printed.
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


# key -> (vi, en); {names} are the finding's params. Kept apart from the checks so both
# languages say the same thing and a test can hold them to it.
MESSAGES: dict[str, tuple[str, str]] = {
    "not_pdf": ("không phải tệp PDF", "not a PDF file"),
    "unreadable": ("không đọc được tệp PDF: {error}", "the PDF cannot be read: {error}"),
    "no_log": ("không có {log} đính kèm: đây không phải biên bản chính thức của phienhop (bản dự thảo không có)",
               "no {log} attached: not phienhop's final minutes (a draft carries none)"),
    "log_line": ("{log} đính kèm, dòng {line}: không phải một dòng nhật ký ({error})",
                 "attached {log} line {line}: not a log line ({error})"),
    "log_empty": ("{log} đính kèm không có sự kiện nào", "attached {log} is empty"),
    "chain.missing": ("{log} đính kèm: thiếu sự kiện số {seq} (dòng kế tiếp là số {other})",
                      "attached {log}: seq {seq}: missing (next row is seq {other})"),
    "chain.hash": ("{log} đính kèm: sự kiện số {seq}: mã băm không khớp (dòng đã bị sửa)",
                   "attached {log}: seq {seq}: hash mismatch (the row was changed)"),
    "chain.seq": ("{log} đính kèm: sự kiện số {seq}: nội dung ghi số {other}",
                  "attached {log}: seq {seq}: the event inside says seq {other}"),
    "chain.unreadable": ("{log} đính kèm: sự kiện số {seq}: không đọc được ({other})",
                         "attached {log}: seq {seq}: unreadable event ({other})"),
    "chain.ok": ("chuỗi băm của {log} đính kèm: {count} sự kiện, mã cuối {head}",
                 "hash chain of the attached {log}: {count} events, head {head}"),
    "printed.none": ("các trang không in số sự kiện và mã băm cuối", "the pages print no event count and head hash"),
    "printed.differs": ("trang in {printed_count} sự kiện, mã cuối {printed_head}; nhật ký đính kèm có {count} sự kiện, "
                        "mã cuối {head}",
                        "the page prints {printed_count} events, head {printed_head}; the attached log has {count} "
                        "events, head {head}"),
    "printed.ok": ("trang in đúng {count} sự kiện và mã băm cuối của nhật ký đính kèm",
                   "the page prints the attached log's {count} events and head hash"),
    "text.pages": ("nội dung biên bản khác với bản dựng lại từ nhật ký đính kèm: tệp có {ours} trang, "
                   "nhật ký dựng lại được {theirs} trang",
                   "the minutes are not what the attached log renders to: the file has {ours} pages, the attached "
                   "log renders to {theirs}"),
    "text.line": ("nội dung biên bản khác với bản dựng lại từ nhật ký đính kèm: trang {page}, dòng {line}: tệp ghi "
                  "{ours!r}, nhật ký dựng lại thành {theirs!r}",
                  "the minutes are not what the attached log renders to: page {page}, line {line}: the file says "
                  "{ours!r}, the attached log renders {theirs!r}"),
    "text.lines": ("nội dung biên bản khác với bản dựng lại từ nhật ký đính kèm: trang {page}, dòng {line}: tệp có "
                   "{ours} dòng, nhật ký dựng lại được {theirs}",
                   "the minutes are not what the attached log renders to: page {page}, line {line}: the file has "
                   "{ours} lines, the attached log renders {theirs}"),
    "text.rerender": ("nội dung biên bản khác với bản dựng lại từ nhật ký đính kèm: không dựng lại được từ nhật ký ({error})",
                      "the minutes are not what the attached log renders to: the attached log cannot be rendered "
                      "again: {error}"),
    "text.ok": ("nội dung cả {pages} trang đúng như bản dựng lại từ nhật ký đính kèm",
                "the text of all {pages} pages is what the attached log renders to"),
    "signatures.unreadable": ("không đọc được các chữ ký: {error}", "the signatures cannot be read: {error}"),
    "signature.broken": ("chữ ký '{field}' của {signer} (bản sửa đổi {revision}) bị hỏng: phần được ký hoặc giá trị "
                         "chữ ký không khớp",
                         "signature '{field}' by {signer} (file revision {revision}) is broken: the signed bytes or "
                         "the signature value do not check"),
    "signature.partial": ("chữ ký '{field}' của {signer} (bản sửa đổi {revision}) không phủ hết bản sửa đổi của nó",
                          "signature '{field}' by {signer} (file revision {revision}) does not cover its whole revision"),
    "signature.modified": ("chữ ký '{field}' của {signer} (bản sửa đổi {revision}): tệp bị sửa sau chữ ký, không chỉ "
                           "thêm chữ ký",
                           "signature '{field}' by {signer} (file revision {revision}): the file was changed after it "
                           "in ways other than adding signatures"),
    "signature.untrusted": ("chữ ký '{field}' của {signer} (bản sửa đổi {revision}): chữ ký hợp lệ, nhưng người ký "
                            "không thuộc danh sách tin cậy ở đây",
                            "signature '{field}' by {signer} (file revision {revision}): valid signature, signer not "
                            "trusted here"),
    "signature.ok": ("chữ ký '{field}' của {signer} (bản sửa đổi {revision}): hợp lệ, tin cậy{when}",
                     "signature '{field}' by {signer} (file revision {revision}): valid, trusted{when}"),
    "signature.when": (" lúc {at}", " at {at}"),
    "unsigned_tail": ("cuối tệp có thay đổi không chữ ký nào phủ", "the file ends with changes that no signature covers"),
    "db.no_session": ("không có phiên họp '{session}' trong {db}", "no session '{session}' in {db}"),
    "db.differs": ("sự kiện số {seq}: nhật ký đính kèm khác với cơ sở dữ liệu",
                   "seq {seq}: the attached log differs from the database's"),
    "db.longer": ("nhật ký đính kèm có {count} sự kiện, cơ sở dữ liệu có {stored}",
                  "the attached log has {count} events, the database {stored}"),
    "db.final": ("phiên họp {session} trong {db}: cùng nhật ký, và tệp này là bản PDF chính thức đã lưu",
                 "session {session} in {db}: the same log, and this file is the final PDF as stored"),
    "db.copy": ("phiên họp {session} trong {db}: cùng nhật ký, và tệp này là bản có chữ ký số {revision} đã lưu",
                "session {session} in {db}: the same log, and this file is signed copy {revision} as stored"),
    "db.none": ("tệp này (sha256 {digest}) không phải bản nào phiên họp {session} lưu trong {db}",
                "this file (sha256 {digest}) is none of the copies session {session} holds in {db}"),
    "verdict.ok": ("{path}: đã xác minh", "{path}: verified"),
    "verdict.failed": ("{path}: {count} vấn đề; mã thoát {code}", "{path}: {count} problem(s); exit {code}"),
    "verdict.unsealed": ("{path}: nhất quán bên trong, nhưng không có dấu và chữ ký số: chỉ chứng minh toàn vẹn, chưa "
                         "chứng minh nguồn gốc (so với cơ sở dữ liệu: --db DB)",
                         "{path}: internally consistent, but unsealed and unsigned: integrity only, origin not proven "
                         "(compare with the database: --db DB)"),
}


def say(key: str, lang: str, **params) -> str:
    """The message ``key`` in ``lang`` ("vi" or "en") with ``params`` filled in."""
    if key == "signature.ok":
        at = params.pop("at", None)
        params["when"] = say("signature.when", lang, at=at) if at else ""
    return MESSAGES[key][0 if lang == "vi" else 1].format(log=LOG_NAME, **params)


class Finding(msgspec.Struct, frozen=True):
    code: Exit
    key: str  # in MESSAGES
    params: dict = {}

    def text(self, lang: str) -> str:
        return say(self.key, lang, **self.params)


class Report(msgspec.Struct):
    """Failures (each with its exit code and a message naming what and where) and what checked out."""

    failures: list[Finding] = msgspec.field(default_factory=list)
    passed: list[Finding] = msgspec.field(default_factory=list)
    origin_checked: bool = False  # a seal or signature, or the database (--db), vouched for where the file came from
    language: str = "vi"  # the minutes' own language, from the attached log (the default for printing)

    def fail(self, code: Exit, key: str, **params) -> None:
        self.failures.append(Finding(code, key, params))

    def ok(self, key: str, **params) -> None:
        self.passed.append(Finding(Exit.OK, key, params))

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


def _language(rows: list[EventRow]) -> str:
    """The minutes' language ("vi" or "en"), from the attached log's first event; "vi" if unreadable."""
    from .domain.events import decode

    try:
        return str(decode(rows[0].data).agenda.session.language.value)
    except Exception:  # not a session.created we can read: Vietnamese, the product's first language
        return "vi"


def _first_difference(ours: list[str], theirs: list[str]) -> tuple[str, dict] | None:
    """Where two documents' texts first differ, as a message key and its params; None when they are the same."""
    if len(ours) != len(theirs):
        return "text.pages", {"ours": len(ours), "theirs": len(theirs)}
    for page, (a, b) in enumerate(zip(ours, theirs), start=1):
        if a == b:
            continue
        lines_a, lines_b = a.splitlines(), b.splitlines()
        for line, (x, y) in enumerate(zip(lines_a, lines_b), start=1):
            if x != y:
                return "text.line", {"page": page, "line": line, "ours": x.strip(), "theirs": y.strip()}
        line = min(len(lines_a), len(lines_b)) + 1
        return "text.lines", {"page": page, "line": line, "ours": len(lines_a), "theirs": len(lines_b)}
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
        report.fail(Exit.UNREADABLE, "not_pdf")
        return report, []
    try:
        attachments = PdfReader(io.BytesIO(data)).attachments
        logs = attachments.get(LOG_NAME) or []
    except Exception as exc:  # pypdf on a damaged file
        report.fail(Exit.UNREADABLE, "unreadable", error=str(exc))
        return report, []
    if not logs:
        report.fail(Exit.NO_LOG, "no_log")
        return report, []
    try:
        rows = parse_log_jsonl(logs[0])
    except LogFileError as exc:
        report.fail(Exit.CHAIN, "log_line", line=exc.line, error=exc.reason)
        return report, []
    if not rows:
        report.fail(Exit.CHAIN, "log_empty")
        return report, []
    chain = verify_chain(rows)
    report.language = _language(rows)
    for problem in chain:
        report.fail(Exit.CHAIN, f"chain.{problem.kind}", seq=problem.seq, other=problem.other)
    if not chain:
        report.ok("chain.ok", count=len(rows), head=rows[-1].hash)

    texts = page_texts(data)
    printed = _printed("\n".join(texts))
    if printed is None:
        report.fail(Exit.PRINTED, "printed.none")
    elif printed != (len(rows), rows[-1].hash):
        report.fail(Exit.PRINTED, "printed.differs", printed_count=printed[0], printed_head=printed[1],
                    count=len(rows), head=rows[-1].hash)
    else:
        report.ok("printed.ok", count=printed[0])

    if not chain:
        try:
            difference = _first_difference(texts, page_texts(_rerender(rows)))
        except Exception as exc:  # a log that passes the chain but cannot be replayed
            difference = "text.rerender", {"error": str(exc)}
        if difference:
            report.fail(Exit.TEXT, difference[0], **difference[1])
        else:
            report.ok("text.ok", pages=len(texts))

    try:
        signatures = check_signatures(data, trust)
    except Refused as exc:
        report.fail(Exit.SIGNATURE, "signatures.unreadable", error=exc.detail)
        signatures = []
    for s in signatures:
        where = {"field": s.field, "signer": s.signer, "revision": s.revision}
        if s.state == "broken":
            report.fail(Exit.SIGNATURE, "signature.broken", **where)
        elif s.coverage == "partial":
            report.fail(Exit.SIGNATURE, "signature.partial", **where)
        elif s.modifications in ("annotations", "other"):
            report.fail(Exit.SIGNATURE, "signature.modified", **where)
        elif not s.trusted:
            report.fail(Exit.UNTRUSTED, "signature.untrusted", **where)
        else:
            at = s.signed_at.astimezone(_zone(rows)).isoformat() if s.signed_at else None
            report.ok("signature.ok", **where, at=at)
    report.origin_checked = report.origin_checked or bool(signatures)
    if signatures and max(s.end for s in signatures) != len(data):
        report.fail(Exit.SIGNATURE, "unsigned_tail")
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
            report.fail(Exit.DATABASE, "db.no_session", session=session, db=db)
            return
        for mine, theirs in zip(rows, stored):
            if mine.data != theirs.data or mine.hash != theirs.hash:
                report.fail(Exit.DATABASE, "db.differs", seq=mine.seq)
                return
        if len(rows) > len(stored):
            report.fail(Exit.DATABASE, "db.longer", count=len(rows), stored=len(stored))
            return
        final = await store.minutes_pdf(session)
        copies = [(0, final[1])] if final else []
        copies += [(revision, pdf) for revision, _, pdf in await store.signed_copies(session)]
        digest = hashlib.sha256(data).hexdigest()
        held = [revision for revision, pdf in copies if hashlib.sha256(pdf).hexdigest() == digest]
        if held:
            if held[0] == 0:
                report.ok("db.final", session=session, db=db)
            else:
                report.ok("db.copy", session=session, db=db, revision=held[0])
        else:
            report.fail(Exit.DATABASE, "db.none", digest=digest, session=session, db=db)
    finally:
        await store.close()


def read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise LookupError(f"{path}: {exc.strerror}") from None
