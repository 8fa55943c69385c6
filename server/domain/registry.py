"""Where each noun module registers how it decides its commands and applies its events."""

from __future__ import annotations

import datetime as dt
from typing import Callable, TypeVar

import msgspec

from .actor import Actor, Role, a_role
from .errors import Conflict, Forbidden, NotFound
from .events import Event
from .state import ItemState, SessionState, SessionStatus


class Context(msgspec.Struct, frozen=True):
    """What a decision may know beyond the state: the clock, and a vote's ballot key."""

    now: dt.datetime
    ballot_key: str | None = None  # hash of the voter's receipt, computed by the adapter


class Ballot(msgspec.Struct, frozen=True):
    """A secret vote's choice, stored apart from the log with no person in it."""

    poll: str
    key: str
    choice: str
    weight: int


class Decision(msgspec.Struct):
    events: list[Event]
    ballot: Ballot | None = None
    receipt: bool = False  # whether the caller gets a vote receipt


C = TypeVar("C")
E = TypeVar("E")
DECIDERS: dict[type, Callable] = {}
APPLIERS: dict[type, Callable] = {}


def decides(command_type: type[C]) -> Callable:
    def register(fn: Callable) -> Callable:
        DECIDERS[command_type] = fn
        return fn

    return register


def applies(event_type: type[E]) -> Callable:
    def register(fn: Callable) -> Callable:
        APPLIERS[event_type] = fn
        return fn

    return register


# -- shared checks: each raises the named error the API passes on -----------------------


def allow(actor: Actor, action: str, *roles: Role) -> None:
    if actor.role not in roles:
        who = " or ".join(r.value for r in roles)
        raise Forbidden("forbidden", f"{action} is for the {who}, not {a_role(actor.role)} token", {"action": action, "roles": [r.value for r in roles], "role": actor.role.value})


def require_status(state: SessionState, action: str, *statuses: SessionStatus) -> None:
    if state.status not in statuses:
        need = " or ".join(s.value for s in statuses)
        raise Conflict("session.state", f"{action} needs the session {need}; it is {state.status.value}", {"action": action, "need": [s.value for s in statuses], "status": state.status.value})


def require_not_finalized(state: SessionState, action: str) -> None:
    if state.minutes_sha256 is not None:
        raise Conflict("minutes.final", f"{action}: the minutes are final; the record can no longer change", {"action": action})


def item_of(state: SessionState, item_id: str) -> ItemState:
    item = state.items.get(item_id)
    if item is None:
        raise NotFound("item.unknown", f"no item '{item_id}' in this session", {"item": item_id})
    return item


def person_of(state: SessionState, person_id: str):
    person = state.person(person_id)
    if person is None:
        raise NotFound("person.unknown", f"no person '{person_id}' in this session", {"person": person_id})
    return person
