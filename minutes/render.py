"""Render a MinutesDoc to HTML and to a PDF laid out after Decree 30/2020/NĐ-CP, form 1.9."""

import datetime as dt
import threading
import unicodedata
from functools import cache
from typing import Sequence
from pathlib import Path

import jinja2
from markupsafe import Markup
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .archive import VARIANT, Attached, metadata_finisher, weasy_attachments
from .labels import LABELS, Labels
from .model import MinutesDoc, Person, PollResult
from .watermark import watermark_uri

__all__ = ["render_html", "render_pdf"]

_HERE = Path(__file__).resolve().parent
_STYLESHEET = _HERE / "static" / "minutes.css"

# Fontconfig setup and @font-face loading are the slow part of a render; do them once.
_FONT_CONFIG = FontConfiguration()
# Pango/Fontconfig objects behind the shared font configuration are not thread-safe,
# so renders in one process run one at a time; use processes for parallel renders.
_RENDER_LOCK = threading.Lock()


def _nfc(value: object) -> object:
    """Normalise text to NFC so decomposed Vietnamese marks shape like typed text."""
    if isinstance(value, Markup):
        return Markup(unicodedata.normalize("NFC", value))
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    finalize=_nfc,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _vi_date(moment: dt.date) -> str:
    # Decree 30/2020: days below 10 and months 1 and 2 take a leading zero.
    day = f"{moment.day:02d}"
    month = f"{moment.month:02d}" if moment.month < 3 else str(moment.month)
    return f"ngày {day} tháng {month} năm {moment.year}"


# Spelled out rather than strftime("%B"), which follows the process locale.
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _en_date(moment: dt.date) -> str:
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"


def _time(moment: dt.datetime, language: str) -> str:
    """Format the wall-clock time in the moment's own offset ("14 giờ 05" / "14:05")."""
    if language == "vi":
        return f"{moment.hour} giờ {moment.minute:02d}"
    return f"{moment:%H:%M}"


def _date(moment: dt.date, language: str) -> str:
    return _vi_date(moment) if language == "vi" else _en_date(moment)


def _datetime(moment: dt.datetime, language: str) -> str:
    """Format a moment the way form 1.9 states times ("14 giờ 00, ngày 30 tháng 11 năm 2021")."""
    return f"{_time(moment, language)}, {_date(moment, language)}"


def _percent(count: int, total: int, language: str) -> str:
    if total <= 0:
        return "–"
    text = f"{100 * count / total:.2f}%"
    return text.replace(".", ",") if language == "vi" else text


def _poll_view(poll: PollResult, labels: Labels, lang: str) -> dict:
    """A poll's statement lines and tally, heads and weights apart and each labelled.

    The quorum is stated as it was checked, when the poll opened; presence at the close apart.
    """
    if poll.rule == "consultative":
        quorum = labels.quorum_consultative.format(present=poll.present_at_open, members=poll.members)
    else:
        quorum = labels.quorum_open.format(
            present=poll.present_at_open, members=poll.members, needed=poll.needed, quorum=poll.quorum
        )
    if poll.weighted:
        present = labels.present_close_weighted.format(
            present=poll.present_at_close, members=poll.members, wpresent=poll.present, wmembers=poll.entitled
        )
    else:
        present = labels.present_close.format(present=poll.present_at_close, members=poll.members)
    keys = ("yes", "no", "abstain", "not_voted")
    weights = {"yes": poll.yes, "no": poll.no, "abstain": poll.abstain, "not_voted": poll.not_voted}
    share = {k: _percent(weights[k], poll.entitled, lang) for k in keys}
    if not poll.weighted:
        head = list(labels.tally_head)
        if poll.ballot == "hands":  # a show of hands counts hands raised, not ballots
            head[1] = labels.hands
        rows = [(labels.tally[k], [str(weights[k]), share[k]]) for k in keys]
    elif poll.heads is not None:
        head = list(labels.tally_head_weighted)
        rows = [(labels.tally[k], [str(poll.heads[k]), str(weights[k]), share[k]]) for k in keys]
    else:  # a weighted secret poll publishes weights only
        head = [labels.tally_head_weighted[0], *labels.tally_head_weighted[2:]]
        rows = [(labels.tally[k], [str(weights[k]), share[k]]) for k in keys]
    return {"quorum": quorum, "present": present, "head": head, "rows": rows}


def short_code(head_hash: str) -> str:
    """The head hash's first 12 hex digits in groups of four, to read out: ``9F2C-16A8-B3E0``."""
    head = head_hash[:12].upper()
    return "-".join(head[i:i + 4] for i in range(0, len(head), 4))


def _recipients(lines: list[str]) -> list[str]:
    """Form 1.9's list: "- line;" each, the last "- line." (a line's own end mark is kept)."""
    out = []
    for i, line in enumerate(lines):
        text = line.strip()
        if text and text[-1] not in ".;:!?":
            text += "." if i == len(lines) - 1 else ";"
        out.append(f"- {text}")
    return out


def _person(person: Person) -> str:
    """Name followed by position, as a line in an attendance list."""
    return f"{person.name}, {person.position}" if person.position else person.name


def _at_point(name: str, labels: Labels) -> str:
    """Where a speaker spoke from, without doubling the word when the point's name has it."""
    word = labels.point.format("").strip()
    return name if name.casefold().startswith(word.casefold()) else labels.point.format(name)


def render_html(doc: MinutesDoc) -> str:
    """Return the minutes as an HTML document; render_pdf applies the stylesheet and fonts."""
    lang = doc.language
    if lang not in LABELS:
        raise ValueError(f'unknown minutes language {lang!r}: use "vi" or "en"')
    labels: Labels = LABELS[lang]
    # Every time is printed on the session's clock (the offset of starts_at), whatever offset a
    # moment arrived with: the same instant, read where the session was held.
    zone = doc.starts_at.tzinfo
    if zone is None:
        raise ValueError("starts_at needs a UTC offset: the minutes print times in the session's zone")

    def local(moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(zone)

    def when(moment: dt.datetime) -> str:
        return _datetime(local(moment), lang)

    def clock(moment: dt.datetime, same_day_as: dt.datetime | None = None) -> str:
        # Times within the session's day need no date; others carry theirs.
        if same_day_as is not None and local(moment).date() != local(same_day_as).date():
            return when(moment)
        return _time(local(moment), lang)

    if doc.closed_at is not None:
        closing = labels.closing.format(
            time=_time(local(doc.closed_at), lang), date=_date(local(doc.closed_at), lang)
        )
    else:
        closing = labels.closing_blank
    template = _ENV.get_template("minutes.html")
    return template.render(
        doc=doc,
        t=labels,
        start=doc.opened_at or doc.starts_at,
        closing=closing,
        when=when,
        clock=clock,
        poll_view=lambda poll: _poll_view(poll, labels, lang),
        short_code=short_code,
        recipients=_recipients(doc.recipients),
        person=_person,
        at_point=lambda name: _at_point(name, labels),
        duration=lambda seconds: labels.minutes_seconds.format(m=seconds // 60, s=seconds % 60),
        watermark=watermark_uri,
    )


@cache
def _stylesheet() -> CSS:
    # Parsed once: @font-face rules register the bundled fonts with the shared config.
    return CSS(filename=str(_STYLESHEET), font_config=_FONT_CONFIG)


def render_pdf(doc: MinutesDoc, attachments: Sequence[Attached] = ()) -> bytes:
    """Render the minutes to PDF bytes. CPU-bound and synchronous: call it off the event loop.

    Final minutes (``doc.draft`` false) are PDF/A-3u carrying ``attachments`` as associated
    files (see archive.py); drafts are plain PDF and carry nothing.
    """
    html = render_html(doc)
    archive = not doc.draft
    options = {}
    if archive:
        options = {"pdf_variant": VARIANT, "attachments": weasy_attachments(list(attachments), doc.closed_at)}
    with _RENDER_LOCK:
        document = HTML(string=html, base_url=str(_HERE) + "/")
        return document.write_pdf(
            stylesheets=[_stylesheet()], font_config=_FONT_CONFIG, finisher=metadata_finisher(doc, archive),
            **options,
        )
