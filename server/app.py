"""Assembles the Litestar app: store, engine, fan-out, routes, errors. Nothing else lives here."""

from __future__ import annotations

import logging
import secrets
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator, Callable

from litestar import Litestar, Request, Response, get
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.middleware.base import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.response import File, Redirect
from litestar.static_files import create_static_files_router

from .agendas import load_agenda_file
from .api import contract, drafts, edges, exports, join, live, minutes, sessions, tokens
from .auth import TokenAuth, admin_only
from .headers import with_security_headers
from .domain.agenda import AgendaError
from .domain.errors import DomainError
from phienhop.minutes.signing import Refused
from .engine import Engine, StoreFailed, UnknownSession
from . import faults, serving
from .keys import PollKeys
from .links import format_links, link_rows, write_links_csv
from .live import Presence, Room
from .minutes_doc import MinutesService, RenderUnavailable
from .relay import MemoryRelay, Tee
from .settings import Settings, seal_config
from .view import LocalView
from .store import Store

log = logging.getLogger("phienhop")

WEB_DIR = Path(__file__).resolve().parent.parent / "client" / "web"



@get("/health", exclude_from_auth=True)
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/api/status", guards=[admin_only])
async def status(request: Request) -> dict:
    """For operators (admin token): ``{"sessions": {"held": [ids], "known": N}, "followers": N}``, the sessions in
    memory now, the number stored, and the live streams open on this process."""
    engine: Engine = request.app.state.engine
    return {"sessions": {"held": sorted(engine.states), "known": engine.known}, "followers": request.app.state.room.count()}


@get("/", exclude_from_auth=True, include_in_schema=False)
async def index() -> Redirect:
    return Redirect("/web/index.html")


@get("/favicon.ico", exclude_from_auth=True, include_in_schema=False)
async def favicon() -> File:
    """The pages name /web/favicon.svg; browsers still ask /favicon.ico first on pages without one (the drafts, a PDF)."""
    return File(WEB_DIR / "favicon.svg", media_type="image/svg+xml", content_disposition_type="inline")


_ERROR_NAMES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
                409: "conflict", 413: "too_large", 422: "invalid", 429: "too_many_requests"}


def _http_error(request: Request, exc: HTTPException) -> Response:
    extra = exc.extra if isinstance(exc.extra, dict) else {}
    code = extra.get("error") or _ERROR_NAMES.get(exc.status_code, "error")
    body = {"error": code, "detail": exc.detail}
    if exc.status_code == 400 and isinstance(exc.extra, list) and exc.extra:  # Litestar's validation
        body["error"], body["detail"] = sessions.explain_invalid(exc.extra)
        if any(e.get("key") == "since" and e.get("source") == "query" for e in exc.extra if isinstance(e, dict)):
            # The live stream's words and code for it, as for a since past the head.
            body["error"], body["detail"] = "since.invalid", sessions.since_not_a_number(request.query_params.get("since", ""))
    elif exc.status_code == 400 and exc.detail.startswith(("JSON is malformed", "Input data was truncated")):
        body["error"], body["detail"] = "json.invalid", f"invalid JSON: {exc.detail}"
    elif exc.status_code == 413:
        limit = request.route_handler.resolve_request_max_body_size()
        body["detail"] = f"the request body is too large: at most {limit} bytes are accepted here"
    return Response(body, status_code=exc.status_code, headers=exc.headers)


def _domain_error(request: Request, exc: DomainError) -> Response:
    return Response(exc.body(), status_code=exc.status)


def _unknown_session(request: Request, exc: UnknownSession) -> Response:
    return Response({"error": "session.unknown", "detail": f"no session '{exc.args[0]}'"}, status_code=404)


def _unexpected(request: Request, exc: Exception) -> Response:
    """Anything unforeseen: logged with a request id (at ERROR, seen at the default level), answered in our shape."""
    request_id = secrets.token_hex(6)
    log.error("request %s: %s %s failed: %s: %s", request_id, request.method, request.url.path,
              type(exc).__name__, exc, exc_info=exc)
    return Response(
        {"error": "internal", "detail": f"an unexpected error on the server; it is logged as request {request_id}",
         "request_id": request_id},
        status_code=500, headers={"X-Request-Id": request_id},
    )


def _render_unavailable(request: Request, exc: RenderUnavailable) -> Response:
    return Response({"error": "minutes.unavailable", "detail": str(exc)}, status_code=503, headers={"Retry-After": "5"})


def _store_failed(request: Request, exc: StoreFailed) -> Response:
    return Response({"error": "store.failed", "detail": str(exc)}, status_code=503)


class Routes:
    """The ASGI app served: the live stream (``api.live``) ahead of Litestar, everything else (lifespan too) to Litestar.

    Plain ASGI dispatch on the path, through public interfaces only; attributes not found here
    (``state``, ``routes``…) are Litestar's.
    """

    def __init__(self, litestar: Litestar, live_context: live.LiveContext) -> None:
        self.litestar = litestar
        self.live = live_context

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket" and live.session_of(scope["path"]) is not None:
            try:
                return await live.serve(scope, receive, send, self.live)
            except Exception as exc:
                request_id = secrets.token_hex(6)
                log.error("request %s: live stream %s failed: %s: %s", request_id, scope["path"],
                          type(exc).__name__, exc, exc_info=exc)
                raise
        if scope["type"] == "http":
            send = with_security_headers(send)
        await self.litestar(scope, receive, send)

    def __getattr__(self, name: str):
        return getattr(self.litestar, name)


def create_app(settings: Settings, announce: Callable[[str], None] | None = None, publishers: list | None = None) -> Routes:
    """The app for ``settings``; ``announce`` prints what is shown once (new admin token, join links).

    ``publishers``: more ``(session, entries)`` targets for committed events (e.g. the Redis
    publisher of ``relay_redis``), beside the in-process room.
    """
    memory = MemoryRelay()
    room = Room(backlog=settings.follower_backlog)
    memory.listen(room.deliver)
    store = Store(settings.db)
    engine = Engine(store, Tee(memory.publish_nowait, *(publishers or [])), PollKeys(settings.keys_path),
                    evict_after=settings.evict_after)
    engine.in_use = lambda session: room.count(session) > 0  # followed live here: kept in memory
    presence = Presence(engine.presence, debounce=settings.presence_debounce)
    view = LocalView(engine, settings.admin_token)
    redis_publisher = None
    if settings.redis_url:  # edges read the committed events from Redis streams
        from .relay_redis import RedisPublisher, RedisRelay

        redis_publisher = RedisPublisher(RedisRelay(settings.redis_url), engine)
        engine.publisher.targets.append(redis_publisher)
    sealer, trust = seal_config(settings)  # ValueError: the seal or trust list cannot be used
    minutes_service = MinutesService(engine, sealer=sealer, trust=trust)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await store.open()
        if faults.ACTIVE:
            log.warning("test faults are on (PHIENHOP_FAULTS): %s; never in production", ", ".join(faults.ACTIVE))
        try:  # whatever fails from here on, the store's threads are closed so the process can exit
            await engine.start()
            for state in engine.states.values():
                presence.expect_back(state.id, state.online_points)
            minutes_service.start()
            if redis_publisher is not None:
                await redis_publisher.start()  # republishes what Redis lacks, then each commit
            admin = None if settings.admin_token else await engine.ensure_admin()
            if admin and announce:
                announce(f"admin token (shown once; keep it, or set PHIENHOP_ADMIN_TOKEN): {admin}")
            for path in settings.agendas:
                agenda, source = load_agenda_file(path)
                if source in engine.sources:
                    if announce:
                        announce(f"{path}: session {engine.sources[source]} exists (links were printed when it was created)")
                    continue
                created = await engine.create_session(agenda, source=source)
                rows = link_rows(settings.base_url, agenda, created.tokens)
                csv_path = write_links_csv(Path(settings.db).resolve().parent / f"links-{created.id}.csv", rows)
                if announce:
                    announce(format_links(settings.base_url, created.id, agenda, created.tokens, csv_path))
            serving.collect_less()
            yield
        finally:
            minutes_service.stop()
            await room.close()
            if redis_publisher is not None:
                await redis_publisher.stop()
            await engine.stop()
            await store.close()

    app = Litestar(
        route_handlers=[
            health, status, index, favicon, sessions.create_session, sessions.get_snapshot, sessions.get_events,
            sessions.post_command, join.join, join.me, minutes.minutes_pdf, minutes.post_signed, minutes.log_file,
            drafts.get_draft, tokens.rotate, exports.export_file, edges.grants, edges.presence,
            create_static_files_router(path="/web", directories=[WEB_DIR], html_mode=False, include_in_schema=False),
        ],
        dependencies={
            "engine": Provide(lambda: engine, sync_to_thread=False),
            "room": Provide(lambda: room, sync_to_thread=False),
            "presence": Provide(lambda: presence, sync_to_thread=False),
            "minutes": Provide(lambda: minutes_service, sync_to_thread=False),
            "agenda_dir": Provide(lambda: Path(settings.agenda_dir), sync_to_thread=False),
        },
        middleware=[DefineMiddleware(TokenAuth, exclude=["^/health$", "^/web", "^/join", "^/schema", "^/$", "^/favicon.ico$"])],
        exception_handlers={
            HTTPException: _http_error,
            DomainError: _domain_error,
            AgendaError: sessions.agenda_error,
            UnknownSession: _unknown_session,
            StoreFailed: _store_failed,
            RenderUnavailable: _render_unavailable,
            Exception: _unexpected,
            Refused: minutes.refused,
        },
        openapi_config=OpenAPIConfig(
            title="phienhop", version="1", path="/schema",
            render_plugins=[contract.ContractJsonPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        lifespan=[lifespan],
        logging_config=None,
    )
    app.state.engine, app.state.minutes = engine, minutes_service  # the commands route reads these: no DI per vote
    app.state.room, app.state.presence, app.state.relay, app.state.view = room, presence, memory, view
    app.state.redis_publisher = redis_publisher
    app.state.admin_token = settings.admin_token
    app.state.settings = settings
    return Routes(app, live.LiveContext(view=view, room=room, presence=presence, settings=settings))
