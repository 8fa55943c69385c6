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

# What a person who opened the link in a browser reads (the JSON above is for API clients): Vietnamese
# first, English after it, both on the one page so nobody needs a language switch to understand it.
_PAGE = """<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title_vi} · {title_en}</title>
<link rel="icon" href="/web/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/web/css/base.css">
</head>
<body class="page-join-refused">
<main id="main">
<section class="panel invalid" aria-labelledby="vi-title">
<h1 id="vi-title">{title_vi}</h1>
<p>{body_vi}</p>
</section>
<section class="panel invalid" lang="en" aria-labelledby="en-title">
<h1 id="en-title">{title_en}</h1>
<p>{body_en}</p>
</section>
</main>
</body>
</html>
"""

REFUSED_PAGES = {
    "join.invalid": _PAGE.format(
        title_vi="Liên kết tham gia không hợp lệ",
        body_vi="Liên kết này đã hết hạn, đã bị thu hồi hoặc không đúng. Hãy mở lại liên kết tham gia bạn được gửi, "
                "hoặc đề nghị người quản trị cấp liên kết mới.",
        title_en="This join link is not valid",
        body_en="The link has expired, was revoked or is mistyped. Open the join link you were sent again, "
                "or ask the session's admin for a new one."),
    "join.admin_token": _PAGE.format(
        title_vi="Đây là mã quản trị, không phải liên kết tham gia",
        body_vi="Mã quản trị không mở trang nào. Hãy dùng liên kết tham gia của chủ tọa, thư ký, đại biểu hoặc điểm cầu.",
        title_en="This is the admin token, not a join link",
        body_en="The admin token opens no page. Use the join link of the chair, the secretary, a member or a point."),
}


def _refused(request: Request, code: str, detail: str, status: int) -> Response:
    """The refusal as a readable page to a browser (it accepts text/html), as our JSON error to anyone else."""
    if "text/html" in request.headers.get("accept", ""):
        return Response(REFUSED_PAGES[code], status_code=status, media_type="text/html")  # Litestar adds the charset
    return Response({"error": code, "detail": detail}, status_code=status)


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
        return _refused(request, "join.admin_token", ADMIN_NO_PAGE, 400)
    if grant is None:  # our error shape, like every other refusal (the text was plain, its charset doubled)
        return _refused(request, "join.invalid", JOIN_INVALID, 404)
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
