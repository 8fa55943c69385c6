"""Refusals over HTTP: a stable code, the English detail, and the values it was made from (``params``)."""

from __future__ import annotations

from ..support import small_agenda


def test_quorum_refusal_carries_its_numbers(srv):
    """poll.open without quorum is 409 quorum.not_met with present, needed and members as numbers."""
    session = srv.create(small_agenda(voters=16))
    session.ok(session.chair, type="session.open")
    session.ok(session.chair, type="attendance.mark", person="chu-toa", status="present")
    session.ok(session.chair, type="item.start", item="du-thao")
    r = session.command(session.chair, type="poll.open", item="du-thao")
    assert (r.status_code, r.json()) == (409, {
        "error": "quorum.not_met",
        "detail": "quorum not met: 1 of 16 voting members present, 9 needed",
        "params": {"action": "poll.open", "present": 1, "needed": 9, "members": 16, "quorum": "1/2"},
    })


def test_a_second_floor_request_names_the_first(srv):
    """Asking for the floor twice is 409 speaker.duplicate naming the queued request and its status."""
    session = srv.create(small_agenda())
    session.ok(session.chair, type="session.open")
    session.ok(session.chair, type="item.start", item="khai-mac")
    member = session.person("tv-1")
    session.ok(member, type="speaker.request", item="khai-mac")
    r = session.command(member, type="speaker.request", item="khai-mac")
    assert (r.status_code, r.json()) == (409, {
        "error": "speaker.duplicate",
        "detail": "speaker.request: already queued as 'r1'",
        "params": {"action": "speaker.request", "request": "r1", "status": "queued"},
    })


def test_a_forbidden_command_names_the_role(srv):
    """A public token sending a command is 403 forbidden with its role in params."""
    session = srv.create(small_agenda())
    r = session.command(session.public, type="session.open")
    assert (r.status_code, r.json()) == (403, {"error": "forbidden", "detail": "a public token can only follow the session",
                                               "params": {"role": "public"}})
