"""The minutes over HTTP: the PDF (draft, final, signed copies), signed-copy uploads, the log file."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from phienhop.minutes.signing import Refused

from ..auth import Principal, of_this_session, roles
from ..domain.actor import Role
from ..engine import CommandResult, Engine
from ..logfile import log_jsonl, rows_of
from ..minutes_doc import MinutesService, content_disposition, download_name

MAX_SIGNED_BYTES = 64 * 1024 * 1024  # a signed copy is the final PDF (log and drafts inside) plus its signatures


@get(
    "/api/sessions/{session_id:str}/minutes.pdf",
    guards=[of_this_session, roles(Role.CHAIR, Role.SECRETARY, Role.ADMIN)],
    media_type="application/pdf",
)
async def minutes_pdf(
    session_id: FromPath[str], minutes: NamedDependency[MinutesService],
    revision: FromQuery[Literal["latest", "final"]] = "latest",
) -> Response[bytes]:
    """The minutes as PDF (DỰ THẢO / DRAFT until the secretary finalizes them).

    Once final: the latest accepted signed copy, or with ``?revision=final`` the PDF as
    finalized (sealed, when the server has a seal). ``X-Minutes-Revision`` is 0 for that one
    and n for the n-th signed copy. ``X-Minutes-Seq`` is the log seq the PDF reflects.
    ``Server-Timing`` says where the bytes came from: ``render;dur=<ms>`` when this request
    rendered them, ``cache;desc=draft`` when the draft at this seq was already rendered,
    ``cache;desc=final`` for a stored final PDF or signed copy.
    """
    pdf = await minutes.pdf(session_id, revision)
    name = download_name(minutes.engine.state(session_id), pdf.final, pdf.revision)
    if pdf.render_seconds is not None:
        timing = f"render;dur={pdf.render_seconds * 1000:.1f}"
    else:
        timing = f"cache;desc={'final' if pdf.final else 'draft'}"
    headers = {
        "Content-Disposition": content_disposition(name),
        "Cache-Control": "no-store",
        "X-Minutes-Seq": str(pdf.seq),
        "Server-Timing": timing,
    }
    if pdf.final:
        headers["X-Minutes-Revision"] = str(pdf.revision)
    return Response(pdf.data, media_type="application/pdf", headers=headers)


@post(
    "/api/sessions/{session_id:str}/minutes/signed",
    guards=[of_this_session],
    status_code=200,
    request_max_body_size=MAX_SIGNED_BYTES,
)
async def post_signed(
    session_id: FromPath[str], request: Request[Principal, Any, Any], minutes: NamedDependency[MinutesService],
    engine: NamedDependency[Engine],
) -> CommandResult:
    """Hand in a copy of the final minutes that someone signed in their own tool (the body: the PDF's bytes).

    Accepted only when it is the latest served copy plus appended revisions, every signature
    in it is intact and covers its whole revision, and nothing but signatures changed; the
    answer is the ``minutes.signed`` event. Refusals are 4xx naming the reason: ``signed.not_pdf``,
    ``signed.not_prefix`` (rewritten, not incrementally signed), ``signed.other_session``,
    ``signed.stale`` (409: signed on an earlier copy), ``signed.no_signature``, ``signed.broken``,
    ``signed.partial``, ``signed.modified``, ``signed.unsigned_tail``, ``signed.unreadable``.
    A valid signature from a certificate outside the trust list is accepted and recorded as
    not trusted here. Chair or secretary.
    """
    engine.state(session_id)
    return await minutes.sign(session_id, request.user.actor, await request.body())


@get(
    "/api/sessions/{session_id:str}/log.jsonl",
    guards=[of_this_session, roles(Role.CHAIR, Role.SECRETARY, Role.ADMIN)],
    media_type="application/jsonl",
)
async def log_file(session_id: FromPath[str], engine: NamedDependency[Engine]) -> Response[bytes]:
    """The session's log, one canonical event per line with its hash (see phienhop.server.logfile)."""

    state = engine.state(session_id)
    data = log_jsonl(rows_of(session_id, engine.events_since(session_id, 0), state.seq))
    return Response(
        data, media_type="application/jsonl",
        headers={"Content-Disposition": f'attachment; filename="log-{session_id}.jsonl"', "Cache-Control": "no-store",
                 "X-Log-Seq": str(state.seq)},
    )


def refused(request: Request, exc: Refused) -> Response:
    return Response({"error": exc.code, "detail": exc.detail}, status_code=exc.status)
