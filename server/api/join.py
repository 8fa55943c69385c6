"""GET /join/{token}: set the session cookie and open the page for that token's role."""

from __future__ import annotations

import hmac

from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar import Request, Response, get
from litestar.datastructures import Cookie
from litestar.response import Redirect

from ..auth import Principal, tab_cookie, tab_key
from ..domain.actor import Role
from ..engine import Engine

ADMIN_NO_PAGE = ("This is the admin token: it opens no page (Đây là mã quản trị: không mở trang nào). "
                 "Use it in the Authorization header, or with phienhop create.")

JOIN_INVALID = "This join link is not valid (Liên kết tham gia không hợp lệ). Ask the session's admin for a new one."

PAGES = {
    Role.CHAIR: "chair",
    Role.SECRETARY: "secretary",
    Role.PERSON: "member",
    Role.POINT: "point",
    Role.PUBLIC: "point",
}


def _behind_https(request: Request) -> bool:
    # Behind a proxy that ends TLS the request itself is http; PHIENHOP_PUBLIC_URL says https.
    public = request.app.state.settings.public_url
    return request.url.scheme == "https" or public.startswith("https://")


@get("/join/{token:str}", exclude_from_auth=True, include_in_schema=True)
async def join(token: FromPath[str], request: Request, engine: NamedDependency[Engine]) -> Response:
    """Sets this link's own HttpOnly, SameSite=Strict cookie and redirects to the role's page (``?as=`` names the cookie)."""
    grant = engine.grant(token)
    configured = request.app.state.admin_token
    if (grant is not None and grant.actor.role is Role.ADMIN) or (
        grant is None and configured and hmac.compare_digest(token.encode(), configured.encode())
    ):
        return Response({"error": "join.admin_token", "detail": ADMIN_NO_PAGE}, status_code=400)
    if grant is None:  # our error shape, like every other refusal (the text was plain, its charset doubled)
        return Response({"error": "join.invalid", "detail": JOIN_INVALID}, status_code=404)
    page = PAGES[grant.actor.role]
    key = tab_key(token)
    cookie = Cookie(
        key=tab_cookie(key), value=token, httponly=True, samesite="strict", path="/",
        secure=_behind_https(request), max_age=7 * 24 * 3600,
    )
    # The page learns its cookie's name (``as``), never the token: the URL it keeps holds no secret.
    return Redirect(f"/web/{page}.html?session={grant.session}&as={key}", status_code=303, cookies=[cookie])


@get("/api/me")
async def me(request: Request[Principal, str, object]) -> dict:
    """Who this token is: session, role, person, point."""
    actor = request.user.actor
    return {
        "session": request.user.grant.session,
        "role": actor.role.value,
        "person": actor.person,
        "point": actor.point,
    }
