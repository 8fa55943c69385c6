"""Exports over HTTP: ``GET /api/sessions/{id}/export/{attendance,votes,speakers}.{csv,xlsx}``."""

from __future__ import annotations

import re

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from ..auth import of_this_session, roles
from ..domain.actor import Role
from ..engine import Engine
from ..exports import FORMATS, KINDS, export

_NAME = re.compile(rf"^({'|'.join(KINDS)})\.({'|'.join(FORMATS)})$")
MEDIA = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@get(
    "/api/sessions/{session_id:str}/export/{name:str}",
    guards=[of_this_session, roles(Role.CHAIR, Role.SECRETARY, Role.ADMIN)],
)
async def export_file(session_id: FromPath[str], name: FromPath[str], engine: NamedDependency[Engine]) -> Response[bytes]:
    """Attendance, votes (secret polls and shows of hands: totals only) or speakers, as CSV or XLSX.

    Columns are named in the session's language; times are on the session's clock.
    """
    match = _NAME.match(name)
    if match is None:
        raise NotFoundException(
            detail=f"no export '{name}': ask for one of {', '.join(f'{k}.{{csv,xlsx}}' for k in KINDS)}",
            extra={"error": "export.unknown"},
        )
    kind, fmt = match.groups()
    state = engine.state(session_id)
    return Response(
        export(state, kind, fmt), media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{kind}-{session_id}.{fmt}"', "Cache-Control": "no-store",
                 "X-Export-Seq": str(state.seq)},
    )
