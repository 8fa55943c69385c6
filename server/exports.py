"""Exports: attendance, votes and speakers as tables (CSV or XLSX), a projection like the minutes.

Each table is built from the state alone, reads it and never writes. Column names are in the
session's language; every time is on the session's clock (the offset of the agenda's
``starts_at``), written ``YYYY-MM-DD HH:MM:SS`` with the offset named in the column header.
Secret polls and shows of hands give totals only: no row links a member to a choice.

CSV is UTF-8 with a byte-order mark (so spreadsheet programs read Vietnamese as UTF-8), comma
separated, written by the csv module; text beginning with ``=``, ``+``, ``-``, ``@``, a tab or CR
gets a leading ``'`` (CSV injection: a spreadsheet would run it as a formula). In XLSX every text
is written as a string cell, never a formula, and kept as it is. XLSX is written by XlsxWriter: a maintained, dependency-free,
write-only library that produces files Excel, LibreOffice and openpyxl open as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import msgspec

from .domain.agenda import Ballot
from .domain.events import Status
from .domain.polls import ballot_numbers
from .domain.state import PollStatus, SessionState
from .minutes_doc import speaking_time, spoke_from

KINDS = ("attendance", "votes", "speakers")
FORMATS = ("csv", "xlsx")


class Table(msgspec.Struct):
    """One sheet: a title, the column names and the rows (str, int or None cells)."""

    title: str
    columns: list[str]
    rows: list[list]


WORDS = {
    "vi": {
        "attendance": "Điểm danh", "votes": "Biểu quyết", "speakers": "Phát biểu",
        "by_person": "Theo người", "by_point": "Theo điểm cầu",
        "no": "STT", "id": "Mã", "name": "Họ và tên", "position": "Chức vụ", "point": "Điểm cầu",
        "status": "Tình trạng", "reason": "Lý do", "deputy_for": "Dự thay cho", "proxy_to": "Ủy quyền cho",
        "voting": "Có quyền biểu quyết", "weight": "Trọng số", "marked_at": "Thời điểm điểm danh",
        "poll": "Cuộc biểu quyết", "item": "Nội dung", "ballot": "Hình thức", "rule": "Nguyên tắc",
        "member": "Thành viên", "choice": "Lựa chọn", "cast_by": "Người biểu quyết thay", "yes": "Tán thành",
        "no_votes": "Không tán thành", "abstain": "Không biểu quyết", "not_voted": "Không tham gia",
        "outcome": "Kết quả", "opened_at": "Mở lúc", "closed_at": "Kết thúc lúc",
        "speaker": "Người phát biểu", "point_of_order": "Ý kiến về thủ tục", "granted_at": "Bắt đầu",
        "finished_at": "Kết thúc", "limit_s": "Thời gian được phát biểu (giây)", "spoken_s": "Thời gian đã nói (giây)",
        "overrun_s": "Vượt (giây)", "turns": "Số lượt", "yes_word": "có", "no_word": "không",
        "statuses": {"present": "Có mặt tại hội trường", "online": "Trực tuyến", "absent": "Vắng mặt",
                     "": "Chưa điểm danh"},
        "ballots": {"named": "Công khai", "secret": "Bỏ phiếu kín", "hands": "Giơ tay"},
        "choices": {"yes": "Tán thành", "no": "Không tán thành", "abstain": "Không biểu quyết"},
        "outcomes": {"adopted": "Thông qua", "rejected": "Không thông qua", "consultative": "Thăm dò ý kiến"},
        "rules": {"simple": "Đa số phiếu biểu quyết", "more-than-half-of-present": "Quá nửa số có mặt",
                  "more-than-half-of-members": "Quá nửa tổng số thành viên",
                  "two-thirds-of-members": "Ít nhất hai phần ba tổng số thành viên",
                  "consultative": "Thăm dò ý kiến"},
        "deputy": "Người dự thay", "total": "Tổng", "ballot_number": "(lần {})",
    },
    "en": {
        "attendance": "Attendance", "votes": "Votes", "speakers": "Speakers",
        "by_person": "By speaker", "by_point": "By point",
        "no": "No.", "id": "Id", "name": "Name", "position": "Position", "point": "Connection point",
        "status": "Status", "reason": "Reason", "deputy_for": "Deputy for", "proxy_to": "Proxy to",
        "voting": "Has a vote", "weight": "Weight", "marked_at": "Marked at",
        "poll": "Poll", "item": "Item", "ballot": "Ballot", "rule": "Rule",
        "member": "Member", "choice": "Choice", "cast_by": "Cast by", "yes": "Yes", "no_votes": "No",
        "abstain": "Abstain", "not_voted": "Not voted", "outcome": "Outcome", "opened_at": "Opened at",
        "closed_at": "Closed at", "speaker": "Speaker", "point_of_order": "Point of order",
        "granted_at": "Started", "finished_at": "Finished", "limit_s": "Time given (s)", "spoken_s": "Time spoken (s)",
        "overrun_s": "Over (s)", "turns": "Turns", "yes_word": "yes", "no_word": "no",
        "statuses": {"present": "In the hall", "online": "Online", "absent": "Absent", "": "Not marked"},
        "ballots": {"named": "Named", "secret": "Secret ballot", "hands": "Show of hands"},
        "choices": {"yes": "Yes", "no": "No", "abstain": "Abstain"},
        "outcomes": {"adopted": "Adopted", "rejected": "Rejected", "consultative": "Consultative"},
        "rules": {"simple": "Majority of the votes cast", "more-than-half-of-present": "More than half of those present",
                  "more-than-half-of-members": "More than half of all members",
                  "two-thirds-of-members": "At least two thirds of all members", "consultative": "Consultative"},
        "deputy": "Deputy", "total": "Total", "ballot_number": "(ballot {})",
    },
}


def _offset(state: SessionState) -> str:
    """``UTC+07:00``: the session's offset, named once in each time column's header."""
    delta = state.agenda.session.starts_at.utcoffset() or dt.timedelta(0)
    sign = "-" if delta < dt.timedelta(0) else "+"
    minutes = abs(int(delta.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _clock(state: SessionState):
    zone = state.agenda.session.starts_at.tzinfo

    def at(moment: dt.datetime | None) -> str | None:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else None

    return at


def _timed(w: dict, key: str, state: SessionState) -> str:
    return f"{w[key]} ({_offset(state)})"


def attendance(state: SessionState, lang: str) -> list[Table]:
    """Every person of the agenda, then every deputy: status, point, reason, deputy and proxy links."""
    w, at = WORDS[lang], _clock(state)
    points = {p.id: p.name for p in state.agenda.points}
    columns = [w["no"], w["id"], w["name"], w["position"], w["point"], w["status"], w["reason"], w["voting"],
               w["weight"], w["deputy_for"], w["proxy_to"], _timed(w, "marked_at", state)]
    rows = []
    people = [(p, None) for p in state.agenda.people] + [(state.person(d.id), d) for d in state.deputies.values()]
    for n, (person, deputy) in enumerate(people, start=1):
        mark = state.attendance.get(person.id)
        status = mark.status.value if mark else ""
        point = (mark.point if mark and mark.status is Status.ONLINE else person.point) or ""
        proxy = state.proxies.get(person.id)
        rows.append([
            n, person.id, person.name, person.position, points.get(point, ""), w["statuses"][status],
            mark.reason if mark else "", w["yes_word"] if person.voting else w["no_word"],
            person.weight if person.voting else None,
            state.person(deputy.person).name if deputy else "",
            state.person(proxy.holder).name if proxy else "", at(mark.at) if mark else None,
        ])
    return [Table(title=w["attendance"], columns=columns, rows=rows)]


def votes(state: SessionState, lang: str) -> list[Table]:
    """Per closed poll a totals row; then, for named polls only, one row per member's vote."""
    w, at = WORDS[lang], _clock(state)
    columns = [w["poll"], w["item"], w["ballot"], w["rule"], w["member"], w["choice"], w["cast_by"], w["weight"],
               w["yes"], w["no_votes"], w["abstain"], w["not_voted"], w["outcome"],
               _timed(w, "opened_at", state), _timed(w, "closed_at", state)]
    rows, numbers = [], ballot_numbers(state)
    for poll in state.polls.values():
        if poll.status is not PollStatus.CLOSED or poll.result is None:
            continue
        r = poll.result
        title = state.item(poll.item).title
        if numbers.get(poll.id):  # a repeat vote on the item: say which ballot, as the minutes do
            title = f"{title} {w['ballot_number'].format(numbers[poll.id])}"
        head = [poll.id, title, w["ballots"][poll.spec.ballot.value], w["rules"][poll.spec.rule.value]]
        rows.append(head + [w["total"], None, None, None, r.counts.get("yes", 0), r.counts.get("no", 0),
                            r.counts.get("abstain", 0), r.not_voted, w["outcomes"][r.outcome.value],
                            at(poll.opened_at), at(poll.closed_at)])
        if poll.spec.ballot is not Ballot.NAMED:
            continue  # secret ballots and shows of hands: totals only
        for entry in r.roll or []:
            member = state.person(entry.person)
            by = state.person(entry.by).name if entry.by else ""
            rows.append(head + [member.name, w["choices"][entry.choice.value], by, member.weight,
                                None, None, None, None, None, None, None])
    return [Table(title=w["votes"], columns=columns, rows=rows)]


def speakers(state: SessionState, lang: str) -> list[Table]:
    """Every turn on the floor in log order; then the seconds per person and per connection point."""
    w, at = WORDS[lang], _clock(state)
    points = {p.id: p.name for p in state.agenda.points}
    columns = [w["no"], w["item"], w["speaker"], w["point"], w["point_of_order"], _timed(w, "granted_at", state),
               _timed(w, "finished_at", state), w["limit_s"], w["spoken_s"], w["overrun_s"]]
    turns = sorted((r for r in state.requests.values() if r.granted_at), key=lambda r: r.granted_seq)
    rows = []
    for n, r in enumerate(turns, start=1):
        who = state.person(r.person).name if r.person else points.get(r.point or "", "")
        where = spoke_from(state, r)
        rows.append([n, state.item(r.item).title, who, points.get(where, "") if where else "",
                     w["yes_word"] if r.point_of_order else w["no_word"], at(r.granted_at), at(r.finished_at),
                     r.limit_s, r.spoken_s, r.overrun_s])
    totals = [w["turns"], w["spoken_s"], w["overrun_s"]]
    by_person = [[state.person(k).name, *v] for k, v in speaking_time(state, by="person").items()]
    by_point = [[points[k], *v] for k, v in speaking_time(state, by="point").items()]
    return [
        Table(title=w["speakers"], columns=columns, rows=rows),
        Table(title=w["by_person"], columns=[w["speaker"], totals[1], totals[0], totals[2]],
              rows=[[name, spoken, n, over] for name, spoken, n, over in by_person]),
        Table(title=w["by_point"], columns=[w["point"], totals[1], totals[0], totals[2]],
              rows=[[name, spoken, n, over] for name, spoken, n, over in by_point]),
    ]


BUILDERS = {"attendance": attendance, "votes": votes, "speakers": speakers}


def tables(state: SessionState, kind: str) -> list[Table]:
    """The tables of export ``kind`` in the session's language; raises KeyError for an unknown kind."""
    return BUILDERS[kind](state, state.agenda.session.language.value)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as the start of a formula


def csv_text(cell) -> str | int:
    """A cell as CSV writes it: None empty; text that a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+``,
    ``-``, ``@``, a tab or CR first) with a ``'`` in front, as OWASP's CSV injection advice says; numbers as they are."""
    if cell is None:
        return ""
    if isinstance(cell, str) and cell.startswith(FORMULA_START):
        return "'" + cell
    return cell


def to_csv(table: Table) -> bytes:
    """One table as CSV: UTF-8 with a BOM, a header row, empty cells for None, no text that runs as a formula."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_text(name) for name in table.columns])
    writer.writerows([[csv_text(cell) for cell in row] for row in table.rows])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(sheets: list[Table]) -> bytes:
    """Tables as the sheets of one XLSX workbook: bold header row, frozen, columns sized to their text."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    for table in sheets:
        sheet = book.add_worksheet(table.title[:31])
        sheet.write_row(0, 0, table.columns, bold)
        for i, row in enumerate(table.rows, start=1):
            for j, cell in enumerate(row):
                if cell is None or cell == "":  # an empty cell, as in the CSV
                    continue
                if isinstance(cell, str):
                    sheet.write_string(i, j, cell)  # never a formula, whatever the text begins with
                else:
                    sheet.write_number(i, j, cell)
        for j, name in enumerate(table.columns):
            width = max([len(str(name))] + [len(str(r[j])) for r in table.rows if r[j] is not None])
            sheet.set_column(j, j, min(max(width + 2, 6), 60))
        sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def export(state: SessionState, kind: str, fmt: str) -> bytes:
    """The bytes of ``kind`` (attendance, votes, speakers) as ``fmt`` (csv: the first table; xlsx: all of them)."""
    sheets = tables(state, kind)
    return to_csv(sheets[0]) if fmt == "csv" else to_xlsx(sheets)


def parse_name(name: str) -> tuple[str, str]:
    """``"votes.xlsx"`` -> ``("votes", "xlsx")``; ``"log.jsonl"`` too; raises LookupError naming what exists."""
    kind, _, fmt = name.partition(".")
    if (kind in KINDS and fmt in FORMATS) or name == "log.jsonl":
        return kind, fmt
    choices = ", ".join(f"{k}.{{csv,xlsx}}" for k in KINDS)
    raise LookupError(f"no export '{name}': ask for one of {choices}, log.jsonl")


async def offline_export(db: str, session: str, name: str) -> bytes:
    """Export ``name`` (e.g. ``votes.xlsx``, ``log.jsonl``) of ``session`` from the database file alone."""
    from pathlib import Path

    from .engine import Engine
    from .keys import PollKeys
    from .logfile import log_jsonl
    from .store import Store

    kind, fmt = parse_name(name)
    if not Path(db).is_file():
        raise LookupError(f"no database at {db} (give --db or set PHIENHOP_DB)")
    store = await Store(db).open()
    try:
        if name == "log.jsonl":
            rows = await store.events(session)
            if not rows:
                raise LookupError(f"no session '{session}' in {db}")
            return log_jsonl(rows)

        class _Nowhere:
            def publish(self, session: str, data: bytes) -> None:
                pass

        engine = Engine(store, _Nowhere(), PollKeys(None))
        await engine.start(require_keys=False)  # reads only, opens no ballot box
        try:
            if not await engine.ensure(session):  # sessions are loaded on first touch
                raise LookupError(f"no session '{session}' in {db}")
            return export(engine.state(session), kind, fmt)
        finally:
            await engine.stop()
    finally:
        await store.close()
