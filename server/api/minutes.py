"""GET /api/sessions/{id}/minutes.pdf: the draft while the session runs, the final one once finalized."""

from __future__ import annotations

from litestar import Response, get

from ..auth import of_this_session, roles
from ..domain.actor import Role
from ..minutes_doc import MinutesService


@get(
    "/api/sessions/{session_id:str}/minutes.pdf",
    guards=[of_this_session, roles(Role.CHAIR, Role.SECRETARY, Role.ADMIN)],
    media_type="application/pdf",
)
async def minutes_pdf(session_id: str, minutes: MinutesService) -> Response[bytes]:
    """The minutes as PDF (DỰ THẢO / DRAFT until the secretary finalizes them)."""
    data = await minutes.pdf(session_id)
    state = minutes.engine.state(session_id)
    name = "bien-ban" if state.minutes_sha256 else "bien-ban-du-thao"
    return Response(
        data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}-{session_id}.pdf"', "Cache-Control": "no-store"},
    )
