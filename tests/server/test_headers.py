"""Security headers on every HTTP response, with a CSP that fits our static pages."""

from __future__ import annotations

from phienhop.server.headers import CSP


def test_pages_api_answers_and_refusals_carry_the_security_headers(server):
    """A page, a script, /health and a 401 all carry the CSP, nosniff, no-referrer and SAMEORIGIN."""
    for path in ("/web/index.html", "/web/js/state.js", "/health", "/api/sessions/nope"):
        r = server.http.get(path)
        assert r.status_code in (200, 401), (path, r.status_code)
        assert r.headers["content-security-policy"] == CSP, path
        assert (r.headers["x-content-type-options"], r.headers["referrer-policy"], r.headers["x-frame-options"]) == (
            "nosniff", "no-referrer", "SAMEORIGIN"), path
        assert len(r.headers.get_list("content-security-policy")) == 1, path


def test_the_policy_allows_only_our_own_origin():
    """No inline script or style, no other origin, no plugins; frames only from ourselves (the PDF preview)."""
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'self'"
    assert "unsafe" not in CSP and "*" not in CSP
