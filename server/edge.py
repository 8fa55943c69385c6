"""``phienhop edge``: a stateless process that serves followers, fed by Redis streams, backed by the primary.

It serves ``WS /api/sessions/{id}/live`` (the same handler, room and close codes as the primary)
and ``GET /api/sessions/{id}/events?since=N`` with the primary's contract, and nothing else;
commands, votes and minutes go to the primary. One reader task (``RedisRelay``) does ``XREAD
BLOCK`` across the sessions this edge serves; each session's entries reach the room strictly in
seq order: a hole is filled from ``XRANGE``, else from the primary's ``events?since=``, before
anything after it is fanned out. With Redis unreachable, the edge polls the primary instead
(followers see a delay, never a hole). Tokens are checked against the primary's token map of the
session (cached for ``GRANTS_TTL`` s; a revoked link stops within that, open streams included).
Points held open here are reported to the primary, the one writer of ``point.online/offline``.
"""

from __future__ import annotations

import asyncio
import collections
import hmac
import logging
import secrets
from typing import Callable

import httpx
import msgspec

from . import serving
from .api import live
from .api.sessions import SINCE, since_beyond_head, since_not_a_number, since_repeated
from .auth import token_from
from .domain.actor import Actor, Role
from .domain.audiences import Audience, audience_of, public_bytes
from .live import CLOSE_HISTORY_CHANGED, Presence, Room
from .relay import Entry
from .relay_redis import RedisRelay, end_task
from .settings import BY_NAME
from .tokens import Grant, token_hash
from .view import ADMIN_GRANT, SessionView

log = logging.getLogger("phienhop.edge")

GRANTS_TTL = 2.0  # seconds a session's token map is trusted before it is fetched again
CACHE = 4096  # recent entries kept per session for followers' catch-up
POLL_EVERY = 0.5  # seconds between reads of the primary while Redis is unreachable
PRESENCE_EVERY = 5.0  # seconds between an edge's presence reports (each lapses after 3x this)


class EdgeSettings(msgspec.Struct):
    primary: str
    redis: str
    host: str = "127.0.0.1"
    port: int = 8001
    admin_token: str = ""
    public_url: str = ""
    follower_backlog: int = BY_NAME["follower_backlog"].default  # the primary's settings table, written once there
    ping_every: float = BY_NAME["ping_every"].default


class Primary:
    """The primary's HTTP API, as an edge uses it (with the admin token)."""

    def __init__(self, base: str, admin_token: str) -> None:
        self.http = httpx.AsyncClient(base_url=base.rstrip("/"), timeout=10,
                                      headers={"Authorization": f"Bearer {admin_token}"})

    async def grants(self, session: str) -> dict | None:
        r = await self.http.get(f"/api/sessions/{session}/grants")
        if r.status_code == 404:
            return None
        r.raise_for_status()
        return r.json()

    async def events(self, session: str, since: int) -> tuple[int, str, list[bytes]]:
        """(head seq, epoch, the events after ``since`` as the FULL audience reads them)."""
        r = await self.http.get(f"/api/sessions/{session}/events", params={"since": since})
        r.raise_for_status()
        body = msgspec.json.decode(r.content, type=_Events)
        return body.seq, body.epoch, [bytes(e) for e in body.events]

    async def presence(self, edge: str, held: dict[str, list[str]], ttl: float) -> None:
        r = await self.http.post("/api/edges/presence", json={"edge": edge, "held": held, "ttl": ttl})
        r.raise_for_status()

    async def close(self) -> None:
        await self.http.aclose()


class _Events(msgspec.Struct):
    seq: int
    events: list[msgspec.Raw]
    epoch: str = ""


class Tracked:
    """What the edge knows of one session: epoch, the last seq fanned out, recent entries, the token map."""

    def __init__(self, epoch: str, head: int, grants: dict) -> None:
        self.epoch, self.head = epoch, head
        self.cache: collections.deque[Entry] = collections.deque(maxlen=CACHE)
        self.grants = grants
        self.grants_at = asyncio.get_running_loop().time()
        self.pending: list[Entry] = []  # entries read past a hole, waiting for it to be filled
        self.filling: asyncio.Task | None = None
        self.primary_head = head


def _entry(seq: int, full: bytes, epoch: str) -> Entry:
    return Entry(seq, full, public_bytes(full), epoch)


def _grant(session: str, row: list) -> Grant:
    role = Role(row[0])
    return Grant(session, Actor(role=role, person=row[1], point=row[2]))


class Edge(SessionView):
    """The edge's session view and feed: Redis in, the primary behind it, the room out."""

    def __init__(self, settings: EdgeSettings, relay: RedisRelay | None = None, primary: Primary | None = None) -> None:
        self.settings = settings
        self.id = f"edge-{secrets.token_hex(4)}"
        self.relay = relay or RedisRelay(settings.redis)
        self.primary = primary or Primary(settings.primary, settings.admin_token)
        self.room = Room(backlog=settings.follower_backlog)
        self.presence = Presence(self._presence_changed, debounce=0)
        self.sessions: dict[str, Tracked] = {}
        self._locks: dict[str, asyncio.Lock] = collections.defaultdict(asyncio.Lock)
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        self._presence_kick = asyncio.Event()
        self.relay.listen(self._on_entry)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.relay.start()
        self._tasks = [asyncio.create_task(self._watch(), name="phienhop-edge-watch"),
                       asyncio.create_task(self._report_presence(), name="phienhop-edge-presence")]

    async def stop(self) -> None:
        self._stopping = True
        for task in self._tasks:
            await end_task(task)  # bounded: a loop around network calls may not end on a cancel alone
        await self.room.close()
        await self.relay.close()
        await self.primary.close()

    # -- the session view ---------------------------------------------------------------------

    async def _track(self, session: str, refresh: bool = False) -> Tracked | None:
        tracked = self.sessions.get(session)
        if tracked is not None and not refresh:
            return tracked
        async with self._locks[session]:
            tracked = self.sessions.get(session)
            if tracked is not None and (not refresh or asyncio.get_running_loop().time() - tracked.grants_at < GRANTS_TTL / 4):
                return tracked  # (another caller refreshed it while this one waited)
            body = await self.primary.grants(session)
            if body is None:
                return None
            if tracked is None:
                tracked = Tracked(body["epoch"], body["seq"], body["grants"])
                self.sessions[session] = tracked
                await self.relay.follow(session, body["seq"])
            else:
                self._refreshed(session, tracked, body)
            return tracked

    def _refreshed(self, session: str, tracked: Tracked, body: dict) -> None:
        if body["epoch"] != tracked.epoch:
            self._history_changed(session)
            return
        tracked.grants, tracked.grants_at = body["grants"], asyncio.get_running_loop().time()
        tracked.primary_head = body["seq"]
        revoked = {token_hash_ for token_hash_ in self._held_tokens(session) if token_hash_ not in tracked.grants}
        if revoked:
            self.room.revoke(session, revoked)

    def _held_tokens(self, session: str) -> set[str]:
        return {f.token for f in self.room.followers.get(session, ())} - {None}

    def _history_changed(self, session: str) -> None:
        log.warning("session %s: the primary's history changed (epoch); closing its followers with 4409", session)
        self.sessions.pop(session, None)
        self.room.cut(session, CLOSE_HISTORY_CHANGED, "history changed: reload from since=0")

    async def head(self, session: str, at_least: int = 0) -> int | None:
        tracked = await self._track(session)
        if tracked is not None and at_least > max(tracked.head, tracked.primary_head):
            tracked = await self._track(session, refresh=True)  # a follower from an edge further on
        return None if tracked is None else max(tracked.head, tracked.primary_head)

    async def epoch(self, session: str) -> str | None:
        tracked = await self._track(session)
        return None if tracked is None else tracked.epoch

    async def grant(self, session: str, token: str) -> Grant | None:
        if self.settings.admin_token and hmac.compare_digest(token.encode(), self.settings.admin_token.encode()):
            return ADMIN_GRANT
        tracked = await self._track(session)
        if tracked is None:
            return None
        if asyncio.get_running_loop().time() - tracked.grants_at > GRANTS_TTL:
            tracked = await self._track(session, refresh=True) or tracked
        row = tracked.grants.get(token_hash(token))
        return _grant(session, row) if row is not None else None

    async def events_since(self, session: str, since: int, audience: Audience, until: int | None = None) -> list[bytes]:
        """From the recent entries when they reach back to ``since``; else from the primary's log."""
        tracked = await self._track(session)
        if tracked is None:
            return []
        cache = tracked.cache
        if not cache or cache[0].seq > since + 1:
            _, _, events = await self.primary.events(session, since)
            if until is not None:
                events = events[: max(0, until - since)]
            return events if audience is Audience.FULL else [public_bytes(e) for e in events]
        last = tracked.head if until is None else min(until, tracked.head)
        start = since + 1 - cache[0].seq
        return [cache[i].data(audience) for i in range(start, start + max(0, last - since))]

    # -- the feed: entries in seq order into the room ---------------------------------------------

    def _on_entry(self, session: str, entry: Entry) -> None:
        tracked = self.sessions.get(session)
        if tracked is None:
            return
        if entry.epoch != tracked.epoch:
            self._history_changed(session)
            return
        if tracked.filling is not None or entry.seq > tracked.head + 1:
            tracked.pending.append(entry)
            if tracked.filling is None:
                tracked.filling = asyncio.create_task(self._fill(session, tracked))
            return
        self._deliver(session, tracked, entry)

    def _deliver(self, session: str, tracked: Tracked, entry: Entry) -> None:
        if entry.seq != tracked.head + 1:
            return  # already delivered (a duplicate read), never out of order
        tracked.head = entry.seq
        tracked.primary_head = max(tracked.primary_head, entry.seq)
        tracked.cache.append(entry)
        self.room.deliver(session, entry)

    async def _fill(self, session: str, tracked: Tracked) -> None:
        """Fill the hole before the pending entries (XRANGE, then the primary), then deliver them in order."""
        try:
            while True:
                target = max([e.seq for e in tracked.pending] + [tracked.primary_head])
                if tracked.head >= target and not tracked.pending:
                    break
                await self._catch_up(session, tracked, target)
                for entry in sorted(tracked.pending, key=lambda e: e.seq):
                    self._deliver(session, tracked, entry)
                tracked.pending = [e for e in tracked.pending if e.seq > tracked.head]
                if not tracked.pending:
                    break
        except Exception:
            log.warning("session %s: could not fill from seq %s; will retry", session, tracked.head, exc_info=True)
        finally:
            tracked.filling = None
            if tracked.pending and self.sessions.get(session) is tracked:
                tracked.filling = asyncio.create_task(self._retry_fill(session, tracked))

    async def _retry_fill(self, session: str, tracked: Tracked) -> None:
        await asyncio.sleep(POLL_EVERY)
        tracked.filling = None
        if tracked.pending:
            tracked.filling = asyncio.create_task(self._fill(session, tracked))

    async def _catch_up(self, session: str, tracked: Tracked, target: int) -> None:
        """Deliver everything up to ``target`` (or the primary's head) in order: from Redis while it has it, then the primary."""
        while tracked.head < target:
            try:
                got = await self.relay.read(session, tracked.head, limit=min(1000, target - tracked.head))
            except Exception:
                got = []
            if got and got[0].seq == tracked.head + 1:
                for entry in got:
                    if entry.epoch != tracked.epoch:
                        self._history_changed(session)
                        return
                    if entry.seq > target:
                        break
                    self._deliver(session, tracked, entry)
                continue
            head, epoch, events = await self.primary.events(session, tracked.head)
            if epoch and epoch != tracked.epoch:
                self._history_changed(session)
                return
            tracked.primary_head = head
            start = tracked.head
            for i, data in enumerate(events):
                self._deliver(session, tracked, _entry(start + 1 + i, data, tracked.epoch))
            if not events:
                return
        self.relay.move(session, tracked.head)

    async def _watch(self) -> None:
        """Every GRANTS_TTL s: refresh each session's tokens and head from the primary; fill what Redis did not bring.

        This is also the fallback while Redis is unreachable (every POLL_EVERY s then), and what
        finds a last event lost between the primary and Redis (a flush): no next entry shows that hole.
        """
        while not self._stopping:
            await asyncio.sleep(POLL_EVERY if not self.relay.healthy else GRANTS_TTL)
            for session in list(self.sessions):
                if not self.room.count(session) and self.relay.healthy:
                    continue
                try:
                    tracked = await self._track(session, refresh=True)
                    if tracked is not None and tracked.primary_head > tracked.head and tracked.filling is None:
                        tracked.filling = asyncio.create_task(self._fill(session, tracked))
                except Exception:
                    log.warning("session %s: the primary did not answer", session, exc_info=True)

    # -- presence -------------------------------------------------------------------------------

    async def _presence_changed(self, session: str, point: str, online: bool) -> None:
        self._presence_kick.set()

    async def _report_presence(self) -> None:
        while not self._stopping:
            try:
                await asyncio.wait_for(self._presence_kick.wait(), PRESENCE_EVERY)
            except asyncio.TimeoutError:
                pass
            self._presence_kick.clear()
            try:
                await self.primary.presence(self.id, self.presence.held(), PRESENCE_EVERY * 3)
            except Exception:
                log.warning("presence report to the primary failed", exc_info=True)


class EdgeApp:
    """The edge's ASGI app: the live stream, ``events?since=`` and ``/health``; everything else 404."""

    def __init__(self, settings: EdgeSettings, edge: Edge | None = None) -> None:
        self.settings = settings
        self.edge = edge or Edge(settings)
        self.live = live.LiveContext(view=self.edge, room=self.edge.room, presence=self.edge.presence,
                                     settings=settings)

    async def __call__(self, scope, receive, send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            return await self._lifespan(receive, send)
        if kind == "websocket":
            if live.session_of(scope["path"]) is not None:
                return await live.serve(scope, receive, send, self.live)
            await receive()
            return await send({"type": "websocket.close", "code": 4404, "reason": "not served here"})
        if kind == "http":
            return await self._http(scope, receive, send)

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.edge.start()
                except Exception as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                serving.collect_less()  # as the primary: followers' objects are long-lived
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.edge.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope, receive, send) -> None:
        path, method = scope["path"], scope["method"]
        if path == "/health" and method in ("GET", "HEAD"):
            return await _json(send, 200, {"status": "ok", "edge": self.edge.id})
        prefix, suffix = "/api/sessions/", "/events"
        if method == "GET" and path.startswith(prefix) and path.endswith(suffix) and "/" not in path[len(prefix):-len(suffix)]:
            try:
                return await self._events(scope, path[len(prefix):-len(suffix)], send)
            except (httpx.HTTPError, OSError) as exc:
                log.warning("events?since= not answered: the primary is unreachable (%s)", exc)
                return await _json(send, 503, {"error": "primary.unavailable",
                                               "detail": "the primary does not answer; try again in a moment"})
        return await _json(send, 404, {"error": "not_found",
                                       "detail": "an edge serves only the live stream and events?since=; send the rest to the primary"})

    async def _events(self, scope, session: str, send) -> None:
        hello = live.Handshake(scope, self.live)
        try:
            token, _ = token_from(hello, allow_query=False)
        except Exception as exc:
            return await _json(send, 401, {"error": "unauthorized", "detail": getattr(exc, "detail", str(exc))})
        if not token:
            return await _json(send, 401, {"error": "unauthorized",
                                           "detail": "no token: send 'Authorization: Bearer <token>' or open your join link"})
        grant = await self.edge.grant(session, token)
        if grant is None:
            if await self.edge.head(session) is None:
                return await _json(send, 404, {"error": "session.unknown", "detail": f"no session '{session}'"})
            return await _json(send, 401, {"error": "unauthorized",
                                           "detail": "unknown token: check the link or ask the admin for a new one"})
        if grant.actor.role is not Role.ADMIN and grant.session != session:
            return await _json(send, 403, {"error": "forbidden", "detail": f"this token is not for session '{session}'"})
        raw = hello.query_params.get("since", "0")
        if not SINCE.fullmatch(raw):  # the primary's words and code
            return await _json(send, 400, {"error": "since.invalid", "detail": since_not_a_number(raw)})
        if "since" in hello.repeated:
            return await _json(send, 400, {"error": "since.invalid", "detail": since_repeated(hello.repeated["since"])})
        since = int(raw)
        head = await self.edge.head(session, at_least=since)
        if head is None:
            return await _json(send, 404, {"error": "session.unknown", "detail": f"no session '{session}'"})
        if since > head:  # as the primary answers (and the live stream closes 4400)
            return await _json(send, 400, {"error": "since.invalid", "detail": since_beyond_head(since, head)})
        events = await self.edge.events_since(session, since, audience_of(grant.actor.role)) if since < head else []
        body = b'{"seq":%d,"events":[%s],"epoch":"%s"}' % (
            max(head, since + len(events)), b",".join(events), (await self.edge.epoch(session) or "").encode())
        await _raw(send, 200, body)


async def _json(send: Callable, status: int, body: dict) -> None:
    await _raw(send, status, msgspec.json.encode(body))


async def _raw(send: Callable, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def run(settings: EdgeSettings, log_level: str = "warning") -> int:
    """Serve followers on ``settings.host:port`` until interrupted; the exit code."""
    import uvicorn

    from .serving import uvicorn_config

    if not settings.admin_token:
        raise SystemExit("phienhop edge: the admin token is needed to ask the primary ($PHIENHOP_ADMIN_TOKEN)")
    app = EdgeApp(settings)
    print(f"phienhop edge {app.edge.id} on http://{settings.host}:{settings.port}  "
          f"(primary {settings.primary}, redis {settings.redis})", flush=True)
    uvicorn.Server(uvicorn_config(app, settings.host, settings.port, log_level, ping_every=settings.ping_every)).run()
    return 0
