"""Security headers on every HTTP response: the pages are static files we write ourselves (no
bundler, no inline script or style, no third-party origin), so one strict policy fits them all.

A response that sets one of these itself (the drafts route has its own, stricter CSP) keeps its own.
"""

from __future__ import annotations

from typing import Awaitable, Callable

# 'self' covers our scripts, stylesheets and the live WebSocket (same host); data: images are the
# QR codes and the minutes' watermark; frames only from ourselves (the secretary's PDF preview).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")

HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    # Join links carry tokens in their path; a page must never send its address to anyone.
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"SAMEORIGIN"),  # for browsers without CSP frame-ancestors
]

Send = Callable[[dict], Awaitable[None]]


def with_security_headers(send: Send) -> Send:
    """``send`` that adds HEADERS (those the response has not set) to the start of an HTTP response."""

    async def wrapped(message: dict) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers") or [])
            present = {bytes(name).lower() for name, _ in headers}
            headers += [(name, value) for name, value in HEADERS if name not in present]
            message = {**message, "headers": headers}
        await send(message)

    return wrapped
