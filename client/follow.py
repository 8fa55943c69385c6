"""``phienhop follow LINK``: a connection point's live screen, on the websockets asyncio client.

It learns who the link is (GET /api/me), reads the snapshot, then follows the live stream from
the snapshot's seq. It carries the last seq it has shown: every reconnect resumes from it, a
gap in seq means "resume now", a duplicate is skipped. Lost connections are retried with
capped exponential backoff and jitter; a refused token (HTTP 401/403, close 4401/4403) stops
with exit code 3, and the end of the session (``session.closed``) with exit code 0. Every
connection sends the epoch it knows (the hash of the session's first event): when the server's
log is another history (close 4409: a restored or rebuilt database), it reloads the snapshot
and follows from there, as from seq 0.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import sys
import urllib.error
import urllib.request
from urllib.parse import quote, urlsplit

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from .view import View, plain_line, status_text

EXIT_CLOSED, EXIT_ERROR, EXIT_REFUSED = 0, 2, 3
BACKOFF_FIRST, BACKOFF_CAP = 0.5, 8.0  # seconds
CLOSE_TOO_SLOW = 4408
CLOSE_HISTORY_CHANGED = 4409
REFUSING_CODES = {4401: "unknown token", 4403: "forbidden"}
FATAL_CODES = {4400: "bad resume point", 4404: "unknown session"}


class Refused(Exception):
    """The server will not take this link's token: retrying cannot help."""


class Fatal(Exception):
    """Something retrying cannot fix, other than the token."""


class Link:
    """``http://host:port/join/TOKEN`` split into the server's base URL and the token."""

    def __init__(self, text: str) -> None:
        parts = urlsplit(text.strip())
        segments = parts.path.rstrip("/").split("/")
        if parts.scheme not in ("http", "https") or len(segments) < 3 or segments[-2] != "join" or not segments[-1]:
            raise Fatal(f"not a join link: {text!r} (expected http://HOST:PORT/join/TOKEN)")
        self.token = segments[-1]
        prefix = "/".join(segments[:-2])
        self.base = f"{parts.scheme}://{parts.netloc}{prefix}"
        self.ws_base = ("wss" if parts.scheme == "https" else "ws") + f"://{parts.netloc}{prefix}"

    def live_url(self, session: str, since: int, epoch: str = "") -> str:
        # The token goes in the Authorization header, not the URL: URLs end up in logs.
        url = f"{self.ws_base}/api/sessions/{quote(session)}/live?since={since}"
        return url + f"&epoch={quote(epoch)}" if epoch else url


def get_json(link: Link, path: str) -> dict:
    """GET ``path`` with the link's token; Refused on 401/403, OSError when the server is unreachable."""
    request = urllib.request.Request(link.base + path, headers={"Authorization": f"Bearer {link.token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("detail", "")
        except ValueError:
            detail = ""
        if exc.code in (401, 403):
            raise Refused(f"{exc.code} {detail}".strip()) from None
        if 400 <= exc.code < 500:
            raise Fatal(f"{path}: {exc.code} {detail}".strip()) from None
        raise OSError(f"{path}: HTTP {exc.code}") from None


def backoff(attempt: int) -> float:
    """Seconds to wait before try ``attempt`` (0-based): doubling from 0.5 s, capped, with jitter."""
    return min(BACKOFF_CAP, BACKOFF_FIRST * 2**attempt) * random.uniform(0.5, 1.0)


class Follower:
    """One follower: the view, the last seq, and the connect / read / resume loop."""

    def __init__(self, link: Link, plain: bool, out=sys.stdout, lang: str | None = None) -> None:
        self.link, self.plain, self.out, self.lang = link, plain, out, lang
        self.view: View | None = None
        self.session = ""
        self.last = 0
        self.epoch = ""  # the history the view was built from; sent with every connection

    def status(self, text: str) -> None:
        if self.view is not None:
            self.view.connection = status_text(text, self.view.lang)
        if self.plain:
            print(f"# {text}", file=self.out, flush=True)
        else:
            self.redraw()

    def redraw(self) -> None:
        if self.plain or self.view is None:
            return
        now = dt.datetime.now(dt.timezone.utc)
        self.out.write("\x1b[H\x1b[2J" + self.view.render(now) + "\n")
        self.out.flush()

    async def start(self) -> bool:
        """Who we are and the snapshot; False when the session is already closed."""
        me = await asyncio.to_thread(get_json, self.link, "/api/me")
        self.session = me["session"] or ""
        if not self.session:
            raise Fatal("this is the admin token, which names no session: use a session's join link")
        snapshot = await asyncio.to_thread(get_json, self.link, f"/api/sessions/{quote(self.session)}")
        self.view = View(snapshot, self.lang)
        self.last = snapshot["seq"]
        self.epoch = snapshot.get("epoch", "")
        self.status(f"following session {self.session} as {me['role']}{' ' + me['point'] if me.get('point') else ''}")
        self.status(f"snapshot seq {self.last}")
        if self.plain:  # the state first, readably (times in the session's zone); then one line per event
            for line in self.view.summary_lines(dt.datetime.now(dt.timezone.utc)):
                print(f"# {line}", file=self.out, flush=True)
        return self.view.status != "closed"

    async def follow(self) -> None:
        """Connect, read, resume; returns after session.closed, raises Refused or Fatal."""
        attempt, first = 0, True
        while True:
            outcome = await self.connection(first)
            first = False
            if outcome == "closed":
                return
            if outcome == "history changed":
                # Our view belongs to a log the server no longer has: start again from its snapshot.
                known = self.epoch
                self.status(f"history changed: reloading from seq 0 (we had seq {self.last})")
                try:
                    if not await self.start():
                        return
                except OSError as exc:
                    outcome = f"offline: {exc.__class__.__name__}"
                else:
                    if self.epoch != known:
                        attempt = 0
                        continue
                    outcome = "history changed, but the snapshot is of the history we had"
            if outcome in ("gap", "too slow"):
                self.status(f"{outcome}: resuming from seq {self.last}")
                attempt = 0
                continue
            if outcome == "progress":
                attempt = 0
            delay = backoff(attempt)
            attempt += 1
            self.status(f"reconnecting in {delay:.1f}s ({outcome})")
            await asyncio.sleep(delay)

    async def connection(self, first: bool) -> str:
        """One connection's life: what ended it ("closed", "gap", "too slow", "progress" or a reason)."""
        url = self.link.live_url(self.session, self.last, self.epoch)
        start = self.last
        try:
            async with connect(url, additional_headers={"Authorization": f"Bearer {self.link.token}"}, open_timeout=10, ping_interval=20, ping_timeout=20, close_timeout=2,
                               max_size=2**22) as ws:
                self.status(f"live from seq {self.last}" if first else f"resumed from seq {self.last}")
                while True:
                    event = json.loads(await ws.recv())
                    seq = event.get("seq", 0)
                    if seq <= self.last:
                        continue  # already shown
                    if seq > self.last + 1:
                        self.status(f"gap after seq {self.last} (got {seq})")
                        return "gap"
                    self.show(event)
                    if event["type"] == "session.closed":
                        return "closed"
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else 1006
            reason = exc.rcvd.reason if exc.rcvd else "connection lost"
            if code in REFUSING_CODES:
                raise Refused(f"{code} {reason}") from None
            if code in FATAL_CODES:
                raise Fatal(f"the server closed the stream: {code} {reason}") from None
            if code == CLOSE_TOO_SLOW:
                return "too slow"
            if code == CLOSE_HISTORY_CHANGED:
                return "history changed"
            return "progress" if self.last > start else f"closed {code}"
        except InvalidStatus as exc:
            status = exc.response.status_code
            if status in (401, 403):
                raise Refused(f"{status} at the WebSocket handshake") from None
            return f"HTTP {status}"
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            return f"offline: {exc.__class__.__name__}"

    def show(self, event: dict) -> None:
        self.last = event["seq"]
        self.view.apply(event)
        if self.plain:
            print(plain_line(event, self.view.zone), file=self.out, flush=True)
        else:
            self.redraw()


async def _ticking(follower: Follower) -> None:
    """Redraw once a second, so the countdown moves between events."""
    while True:
        await asyncio.sleep(1)
        follower.redraw()


async def _main(link: Link, plain: bool, lang: str | None) -> int:
    follower = Follower(link, plain, lang=lang)
    attempt = 0
    while True:  # the server may be down when we start: keep trying, as the big screen would
        try:
            open_session = await follower.start()
            break
        except OSError as exc:
            delay = backoff(attempt)
            attempt += 1
            print(f"# offline ({exc}); retrying in {delay:.1f}s", file=sys.stderr, flush=True)
            await asyncio.sleep(delay)
    ticker = None if plain else asyncio.create_task(_ticking(follower))
    try:
        if open_session:
            await follower.follow()
        follower.status("session closed")
        return EXIT_CLOSED
    finally:
        if ticker:
            ticker.cancel()


def run(link: str, plain: bool = False, lang: str | None = None) -> int:
    """Follow the session behind a join link until it closes (screen in ``lang``, default the session's); the exit code."""
    try:
        return asyncio.run(_main(Link(link), plain, lang))
    except Refused as exc:
        print(f"phienhop follow: the server refused this link ({exc}).\n"
              "Check the link, or ask the session's admin for a new one.", file=sys.stderr)
        return EXIT_REFUSED
    except Fatal as exc:
        print(f"phienhop follow: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
