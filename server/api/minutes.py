"""GET /api/sessions/{id}/minutes.pdf: the draft while the session runs, the final one once finalized."""

from __future__ import annotations

from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar import Response, get

from ..auth import of_this_session, roles
from ..domain.actor import Role
from ..minutes_doc import MinutesService


@get(
    "/api/sessions/{session_id:str}/minutes.pdf",
    guards=[of_this_session, roles(Role.CHAIR, Role.SECRETARY, Role.ADMIN)],
    media_type="application/pdf",
)
async def minutes_pdf(session_id: FromPath[str], minutes: NamedDependency[MinutesService]) -> Response[bytes]:
    """The minutes as PDF (DỰ THẢO / DRAFT until the secretary finalizes them).

    ``X-Minutes-Seq`` is the log seq the PDF reflects. ``Server-Timing`` says where the bytes
    came from: ``render;dur=<ms>`` when this request rendered them, ``cache;desc=draft`` when
    the draft at this seq was already rendered, ``cache;desc=final`` for the stored final PDF.
    """
    pdf = await minutes.pdf(session_id)
    name = "bien-ban" if pdf.final else "bien-ban-du-thao"
    if pdf.render_seconds is not None:
        timing = f"render;dur={pdf.render_seconds * 1000:.1f}"
    else:
        timing = f"cache;desc={'final' if pdf.final else 'draft'}"
    return Response(
        pdf.data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{name}-{session_id}.pdf"',
            "Cache-Control": "no-store",
            "X-Minutes-Seq": str(pdf.seq),
            "Server-Timing": timing,
        },
    )
