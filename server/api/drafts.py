"""GET /api/sessions/{id}/drafts/{item}: the draft an item puts to the vote, as a page to read (or its Markdown).

Drafts come from agenda files, so their Markdown is rendered with raw HTML escaped (markdown-it-py's
CommonMark with ``html`` off; its link check drops ``javascript:`` links), and the page is served with
a Content-Security-Policy that allows no script and only our own stylesheet.
"""

from __future__ import annotations

import html
from typing import Literal

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from markdown_it import MarkdownIt

from ..auth import of_this_session
from ..domain.errors import NotFound
from ..engine import Engine

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"

LABELS = {
    "vi": {"draft": "Dự thảo", "of": "Nội dung {n}"},
    "en": {"draft": "Draft", "of": "Item {n}"},
}


def render_draft(markdown: str, title: str, heading: str, lang: str) -> str:
    """A whole HTML page for one draft: escaped title, the Markdown rendered with raw HTML escaped."""
    body = _markdown.render(markdown)
    # One h1 per page: the draft's own "# title" when it has one, else the item's title.
    tag = "p" if "<h1>" in body else "h1"
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<link rel="icon" href="/web/favicon.svg" type="image/svg+xml">\n<link rel="stylesheet" href="/web/css/draft.css">\n</head>\n<body>\n'
        f'<header><p class="kicker">{html.escape(heading)}</p><{tag} class="item-title">{html.escape(title)}</{tag}></header>\n'
        f'<main class="draft">\n{body}</main>\n</body>\n</html>\n'
    )


@get("/api/sessions/{session_id:str}/drafts/{item_id:str}", guards=[of_this_session])
async def get_draft(
    session_id: FromPath[str], item_id: FromPath[str], engine: NamedDependency[Engine],
    format: FromQuery[Literal["html", "md"]] = "html",
) -> Response:
    """The draft put to the vote on ``item``: an HTML page (default) or its Markdown (``?format=md``).

    404 ``item.unknown`` for an item the session does not have; 404 ``draft.none`` for an item without a draft.
    """
    state = engine.state(session_id)
    item = state.item(item_id)
    if item is None:
        raise NotFound("item.unknown", f"no item '{item_id}' in this session", {"item": item_id})
    if not item.draft_text:
        raise NotFound("draft.none", f"item '{item_id}' has no draft", {"item": item_id})
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if format == "md":
        name = (item.draft.rsplit("/", 1)[-1] or f"{item_id}.md").replace('"', "")
        headers["Content-Disposition"] = f'inline; filename="{name}"'
        return Response(item.draft_text, media_type="text/markdown", headers=headers)
    lang = state.agenda.session.language.value
    n = next(i for i, it in enumerate(state.agenda.items, 1) if it.id == item_id)
    heading = f"{LABELS[lang]['draft']} · {LABELS[lang]['of'].format(n=n)}"
    page = render_draft(item.draft_text, item.title, heading, lang)
    headers["Content-Security-Policy"] = CSP
    return Response(page, media_type="text/html", headers=headers)
