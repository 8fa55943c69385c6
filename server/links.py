"""Join links: printed once at creation (only the tokens' hashes are kept), written to a private CSV,
and printed as invitation cards with a QR code.

A link is ``{base}/join/{token}``. ``link_rows`` lists every link of a session as
(role, name, point, link); ``write_links_csv`` writes them to a file only its owner can read;
``cards_pdf`` lays out one card per person and per point (plus chair, secretary and public).
"""

from __future__ import annotations

import csv
import html
import io
import os
from pathlib import Path

ROLE_LABELS = {
    "chair": "chủ tọa / chair",
    "secretary": "thư ký / secretary",
    "public": "màn hình công khai / public screen",
    "point": "điểm cầu / connection point",
    "person": "thành viên / member",
    "guest": "khách mời / guest",
}


def link_rows(base_url: str, agenda, tokens) -> list[dict]:
    """Every link of a session: ``role`` (chair, secretary, public, point, person), ``id``, ``name``,
    ``position``, ``point`` (its name) and ``link``, in the order they are printed."""
    link = lambda t: f"{base_url}/join/{t}"  # noqa: E731
    people = {p.id: p for p in agenda.people}
    points = {p.id: p for p in agenda.points}
    point_name = lambda pid: points[pid].name if pid in points else ""  # noqa: E731

    def of_person(role: str, pid: str, token: str) -> dict:
        p = people[pid]
        return {"role": role, "id": pid, "name": p.name, "position": p.position, "point": point_name(p.point),
                "voting": p.voting, "link": link(token)}

    s = agenda.session
    rows = [of_person("chair", s.chair, tokens.chair), of_person("secretary", s.secretary, tokens.secretary),
            {"role": "public", "id": "", "name": "(read-only, anyone)", "position": "", "point": "", "voting": False,
             "link": link(tokens.public)}]
    rows += [{"role": "point", "id": p.id, "name": p.name, "position": "", "point": p.name, "voting": False,
              "link": link(tokens.points[p.id])} for p in agenda.points if p.id in tokens.points]
    rows += [of_person("person", p.id, tokens.people[p.id]) for p in agenda.people if p.id in tokens.people]
    return rows


def write_links_csv(path: str | Path, rows: list[dict]) -> Path:
    """Write ``rows`` as CSV (role, name, point, link) readable by its owner only (mode 0600).

    The file is created with that mode (never world-readable, not even for a moment) and replaces
    any older file of the same name. UTF-8 with a BOM, so spreadsheet programs show Vietnamese right.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["role", "name", "point", "link"])
    for r in rows:
        writer.writerow([r["role"], r["name"], r["point"], r["link"]])
    return write_private(path, ("\ufeff" + buffer.getvalue()).encode("utf-8"))


def write_private(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` readable by its owner only (mode 0600), replacing any older file.

    For files that carry secrets (join links, the log with its tokens' hashes and notes): created
    with that mode, never world-readable, not even for a moment, and on disk when this returns.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask cannot widen it; an existing tmp file is narrowed too
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def format_links(base_url: str, session_id: str, agenda, tokens, csv_path: str | Path | None = None) -> str:
    """Every join link of a session, grouped by role, for printing once; the chair, secretary and
    public links are repeated at the end (the long lists scroll them away), with the CSV's path."""
    link = lambda t: f"{base_url}/join/{t}"  # noqa: E731
    people = {p.id: p for p in agenda.people}
    chair = f"  chair (chủ tọa)       {people[agenda.session.chair].name:<40} {link(tokens.chair)}"
    secretary = f"  secretary (thư ký)    {people[agenda.session.secretary].name:<40} {link(tokens.secretary)}"
    public = f"  public screen         {'(read-only, anyone)':<40} {link(tokens.public)}"
    lines = [f"Session {session_id}: {agenda.session.title}", "", chair, secretary, public, ""]
    lines.append(f"  connection points (điểm cầu): {len(tokens.points)}")
    for point in agenda.points:
        lines.append(f"    {point.name:<58} {link(tokens.points[point.id])}")
    lines.append("")
    lines.append(f"  members and guests (thành viên, khách mời): {len(tokens.people)}")
    for person in agenda.people:
        vote = "votes" if person.voting else "     "
        lines.append(f"    {person.name:<50} {vote}  {link(tokens.people[person.id])}")
    lines += ["", f"Session {session_id}, again: the links to open first", chair, secretary, public]
    if csv_path:
        lines.append(f"  every link is in {csv_path} (readable by you only; they are not shown again)")
    return "\n".join(lines)


# -- invitation cards -----------------------------------------------------------------------

_FONTS = Path(__file__).resolve().parent.parent / "minutes" / "fonts"

_CARDS_CSS = """
@font-face { font-family: "Phienhop Serif"; src: url("%(regular)s"); font-weight: normal; }
@font-face { font-family: "Phienhop Serif"; src: url("%(bold)s"); font-weight: bold; }
@page { size: A4; margin: 12mm; }
body { font-family: "Phienhop Serif"; margin: 0; font-size: 11pt; color: #000; }
/* Each row of cards is a line box: without this, widows (2) moved a row to the last page, leaving a gap. */
.sheet { orphans: 1; widows: 1; }
/* A card is 93 x 66 mm, eight to a page. Its parts sit at fixed places so that a long name or
   position can never push the footer (start time, "scan to join") off the card: the session's
   title runs across the top, the QR code at the right, the footer across the bottom, and only
   the text column between them may cut what does not fit. */
.card { box-sizing: border-box; display: inline-block; vertical-align: top; width: 93mm; height: 66mm; border: 0.4pt dashed #777;
        position: relative; break-inside: avoid; overflow: hidden; }
.session { position: absolute; left: 5mm; right: 5mm; top: 4mm; margin: 0; font-size: 8pt; line-height: 1.2;
           white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.text { position: absolute; left: 5mm; top: 9.5mm; width: 47mm; bottom: 15mm; overflow: hidden; }
.role { font-size: 8pt; text-transform: uppercase; letter-spacing: .04em; margin: 0 0 1mm; }
.name { font-size: 14pt; font-weight: bold; margin: 0 0 1mm; line-height: 1.15; }
.position, .point { margin: 0 0 1mm; font-size: 9pt; line-height: 1.2; }
.qr { position: absolute; right: 5mm; top: 10mm; width: 33mm; height: 33mm; image-rendering: pixelated; }
.foot { position: absolute; left: 5mm; right: 5mm; bottom: 3.5mm; border-top: 0.4pt solid #999; padding-top: 1mm; }
.start { font-size: 9pt; font-weight: bold; margin: 0; }
.hint { font-size: 7.5pt; margin: .5mm 0 0; }
"""


def _qr_uri(link: str) -> str:
    import segno

    return segno.make_qr(link, error="m").png_data_uri(scale=6, border=2)


def cards_html(agenda, rows: list[dict]) -> str:
    """The cards as one HTML document (two columns of four cards per A4 page)."""
    s = agenda.session
    start = s.starts_at.strftime("%H:%M, %d/%m/%Y")
    cards = []
    for r in rows:
        role = "guest" if r["role"] == "person" and not r["voting"] else r["role"]
        session = f'<p class="session">{html.escape(s.title)}</p>'
        lines = [f'<p class="role">{html.escape(ROLE_LABELS[role])}</p>',
                 f'<p class="name">{html.escape(r["name"])}</p>']
        if r["position"]:
            lines.append(f'<p class="position">{html.escape(r["position"])}</p>')
        if r["point"] and r["role"] != "point":
            lines.append(f'<p class="point">{html.escape(r["point"])}</p>')
        foot = (f'<div class="foot"><p class="start">{html.escape(start)}</p>'
                '<p class="hint">Quét mã để tham gia; không chia sẻ. / Scan to join; do not share.</p></div>')
        cards.append(f'<div class="card">{session}<div class="text">{"".join(lines)}</div>'
                     f'<img class="qr" alt="QR" src="{_qr_uri(r["link"])}">{foot}</div>')
    css = _CARDS_CSS % {"regular": (_FONTS / "LiberationSerif-Regular.ttf").as_uri(),
                        "bold": (_FONTS / "LiberationSerif-Bold.ttf").as_uri()}
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>{css}</style></head>'
            f'<body><div class="sheet">{"".join(cards)}</div></body></html>')


def cards_pdf(agenda, rows: list[dict]) -> bytes:
    """Printable invitation cards, one per row, each with name, position, point and the link as a QR code."""
    from weasyprint import HTML

    return HTML(string=cards_html(agenda, rows)).write_pdf()
