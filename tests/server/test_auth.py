"""The Origin check compares scheme, host and port, parsed as URLs, against this server or its public URL."""

from __future__ import annotations

import pytest

from ..support import small_agenda

REFUSED = "cross-site request refused: the Origin is not this server"


def _post(server, origin: str, host: str | None = None, referer: bool = False):
    s = server.create(small_agenda())
    headers = {"Cookie": f"phienhop_token={s.chair}", ("Referer" if referer else "Origin"): origin}
    if host:
        headers["Host"] = host
    return server.http.post(f"/api/sessions/{s.id}/commands", json={"type": "session.open"}, headers=headers)


@pytest.mark.parametrize("origin", [
    "https://127.0.0.1:{port}",  # another scheme is another origin
    "http://127.0.0.1:{port}@evil.example",  # user-info trick: the host is evil.example
    "http://127.0.0.1:{other}",
    "null",
    "http://127.0.0.1",
])
def test_a_cookie_command_from_another_origin_is_refused(server, origin):
    """Scheme, host and port must all match; what is not a URL of ours is refused with the same 403."""
    r = _post(server, origin.format(port=server.port, other=server.port + 1))
    assert (r.status_code, r.json()["detail"]) == (403, REFUSED)


@pytest.mark.parametrize("origin, host, referer", [
    ("http://127.0.0.1:{port}", None, False),
    ("HTTP://127.0.0.1:{port}", None, False),  # schemes and hosts compare without case
    ("http://127.0.0.1:{port}/web/chair.html?session=x", None, True),  # a Referer is a whole URL
    ("http://localhost:80", "LOCALHOST", False),  # the default port, written or not
])
def test_a_cookie_command_from_our_origin_is_accepted(server, origin, host, referer):
    """Our own scheme, host and port, however written, pass."""
    r = _post(server, origin.format(port=server.port), host=host, referer=referer)
    assert r.status_code == 200, r.text
    assert [e["type"] for e in r.json()["events"]] == ["session.opened"]
