"""Sessions built in memory through the domain core alone: decide, then apply, as the engine does."""

from __future__ import annotations

import datetime as dt

import msgspec

from phienhop.server.domain import Actor, Context, Role, apply, decide, new_state
from phienhop.server.domain.agenda import decode_agenda
from phienhop.server.domain.commands import AnyCommand, FinalizeMinutes
from phienhop.server.domain.events import SessionCreated
from phienhop.server.domain.records import RenderedMinutes, finalize
from phienhop.server.domain.state import SessionState
from tests.support import small_agenda

NOW = dt.datetime(2021, 11, 30, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))

# The roles of the permission table, each as the token of small_agenda() would make it.
CHAIR = Actor(role=Role.CHAIR, person="chu-toa")
SECRETARY = Actor(role=Role.SECRETARY, person="thu-ky")
MEMBER = Actor(role=Role.PERSON, person="tv-1")  # votes; in the hall
GUEST = Actor(role=Role.PERSON, person="khach-0")  # no vote; at tra-vinh
POINT = Actor(role=Role.POINT, point="tra-vinh")
PUBLIC = Actor(role=Role.PUBLIC)
ROLES = {"chair": CHAIR, "secretary": SECRETARY, "member": MEMBER, "guest": GUEST, "point": POINT, "public": PUBLIC}

_decode_command = msgspec.json.Decoder(AnyCommand)


def command(**body):
    """A command from its JSON shape, decoded exactly as the API decodes it."""
    return _decode_command.decode(msgspec.json.encode(body))


def created(agenda: dict | None = None) -> SessionState:
    """The state right after ``session.created`` (seq 1)."""
    event = SessionCreated(seq=1, at=NOW, session="s1", agenda=decode_agenda(agenda or small_agenda()))
    return new_state(event)


def decide_only(state: SessionState, actor: Actor, body: dict, now: dt.datetime = NOW):
    """The events ``body`` would cause, without applying them. Finalize gets a PDF rendered at this seq."""
    cmd = command(**body)
    voter = body.get("for") or actor.person
    ctx = Context(now=now, ballot_key=f"key-{voter}-{body.get('choice')}" if body["type"] == "vote.cast" else None)
    if isinstance(cmd, FinalizeMinutes):
        return finalize(state, actor, RenderedMinutes(sha256="ab" * 32, size=1, seq=state.seq), ctx)
    return decide(state, actor, cmd, ctx).events


def run(state: SessionState, actor: Actor, **body) -> list[str]:
    """Decide and apply one command, numbering its events as the engine does; returns their types."""
    return run_at(state, actor, NOW, **body)


def run_at(state: SessionState, actor: Actor, now: dt.datetime, **body) -> list[str]:
    """``run`` with the clock at ``now``."""
    events = decide_only(state, actor, body, now)
    for event in events:
        event.seq = state.seq + 1
        apply(state, event)
    return [type(e).__struct_config__.tag for e in events]


def everyone_present(state: SessionState) -> SessionState:
    for person in state.agenda.people:
        run(state, CHAIR, type="attendance.mark", person=person.id, status="present")
    return state


def scheduled() -> SessionState:
    """Created, everyone marked present, not yet open."""
    return everyone_present(created())


def opened() -> SessionState:
    """Open, everyone present, no item started."""
    state = scheduled()
    run(state, CHAIR, type="session.open")
    return state


def closed() -> SessionState:
    """Both items run (a speaker, a poll, notes), then closed."""
    state = opened()
    run(state, CHAIR, type="item.start", item="khai-mac")
    run(state, CHAIR, type="item.end", item="khai-mac")
    run(state, CHAIR, type="item.start", item="du-thao")
    run(state, MEMBER, type="speaker.request", item="du-thao")
    run(state, CHAIR, type="speaker.grant", request="r1")
    run(state, CHAIR, type="speaker.finish", request="r1")
    run(state, CHAIR, type="poll.open", item="du-thao")
    run(state, MEMBER, type="vote.cast", poll="p1", choice="yes")
    run(state, CHAIR, type="poll.close", poll="p1")
    run(state, CHAIR, type="item.end", item="du-thao")
    run(state, CHAIR, type="session.close")
    return state


def frozen(state: SessionState) -> bytes:
    """Everything in ``state``, as bytes to compare before and after."""
    return msgspec.json.encode(msgspec.to_builtins(state, order="sorted"))
