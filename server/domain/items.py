"""Agenda items: pending -> active -> done, one active at a time; added, moved or deferred on the way.

The planned order (``state.order``) changes with ``item.add`` and ``item.move``; the order the
items were actually taken is their start times. A deferred item is put off before it started,
with a reason the minutes give, and cannot be started in this session.
"""

from __future__ import annotations

import datetime as dt

from .actor import Actor, Role
from .agenda import Item, nfc
from .commands import AddItem, DeferItem, EndItem, MoveItem, StartItem
from .errors import Conflict, Invalid, NotFound
from .events import ItemAdded, ItemDeferred, ItemEnded, ItemMoved, ItemStarted
from .registry import Context, allow, applies, decides, item_of, require_status
from .speakers import finished_event
from .state import ItemState, ItemStatus, PollStatus, RequestStatus, SessionState, SessionStatus


@decides(StartItem)
def start_item(state: SessionState, actor: Actor, cmd: StartItem, ctx: Context):
    allow(actor, "item.start", Role.CHAIR)
    require_status(state, "item.start", SessionStatus.OPEN)
    item = item_of(state, cmd.item)
    if state.active_item:
        raise Conflict("item.active", f"item.start: end item '{state.active_item}' first", {"action": "item.start", "item": state.active_item})
    if item.status is ItemStatus.DONE:
        raise Conflict("item.state", f"item.start: item '{cmd.item}' is already done", {"action": "item.start", "item": cmd.item, "status": "done"})
    if item.status is ItemStatus.DEFERRED:
        raise Conflict("item.state", f"item.start: item '{cmd.item}' was deferred", {"action": "item.start", "item": cmd.item, "status": "deferred"})
    minutes = state.item(cmd.item).duration_min
    return [ItemStarted(at=ctx.now, item=cmd.item, ends_at=ctx.now + dt.timedelta(minutes=minutes))]


@decides(EndItem)
def end_item(state: SessionState, actor: Actor, cmd: EndItem, ctx: Context):
    allow(actor, "item.end", Role.CHAIR)
    require_status(state, "item.end", SessionStatus.OPEN)
    item = item_of(state, cmd.item)
    if item.status is not ItemStatus.ACTIVE:
        raise Conflict("item.state", f"item.end: item '{cmd.item}' is {item.status.value}, not active", {"action": "item.end", "item": cmd.item, "status": item.status.value})
    for poll in state.polls.values():
        if poll.item == cmd.item and poll.status is PollStatus.OPEN:
            raise Conflict("poll.open", f"item.end: close poll '{poll.id}' first", {"action": "item.end", "poll": poll.id})
    events = []
    if state.floor:
        events.append(finished_event(state, state.floor, ctx.now))
    events.append(ItemEnded(at=ctx.now, item=cmd.item))
    return events


def _taken_ids(state: SessionState) -> set[str]:
    """Every id the session already uses: an added item must not shadow a person, point or item."""
    agenda = state.agenda
    return {x.id for x in (*agenda.people, *agenda.points, *agenda.items)} | set(state.added_items) | set(state.deputies)


def _anchor(state: SessionState, action: str, after: str | None) -> None:
    if after is not None and after not in state.items:
        raise NotFound("item.unknown", f"{action}: no item '{after}' to put it after")


@decides(AddItem)
def add_item(state: SessionState, actor: Actor, cmd: AddItem, ctx: Context):
    allow(actor, "item.add", Role.CHAIR)
    require_status(state, "item.add", SessionStatus.SCHEDULED, SessionStatus.OPEN)
    new = cmd.item
    if new.id in _taken_ids(state):
        raise Conflict("item.duplicate", f"item.add: the id '{new.id}' is already used in this session", {"action": "item.add"})
    if new.presenter and (state.person(new.presenter) is None or new.presenter in state.deputies):
        raise NotFound("person.unknown", f"item.add: no person '{new.presenter}' to present it", {"action": "item.add"})
    after = cmd.after if cmd.after is not None else (state.order[-1] if state.order else None)
    _anchor(state, "item.add", after)
    item = Item(
        id=new.id, title=nfc(new.title), presenter=new.presenter, duration_min=new.duration_min,
        speech_min=new.speech_min, draft_text=nfc(new.draft_text), poll=new.poll,
    )
    return [ItemAdded(at=ctx.now, item=item, after=after)]


def _pending(state: SessionState, action: str, item_id: str) -> ItemState:
    item = item_of(state, item_id)
    if item.status is not ItemStatus.PENDING:
        raise Conflict("item.state", f"{action}: item '{item_id}' is {item.status.value}; only an item not yet started can change")
    return item


@decides(MoveItem)
def move_item(state: SessionState, actor: Actor, cmd: MoveItem, ctx: Context):
    allow(actor, "item.move", Role.CHAIR)
    require_status(state, "item.move", SessionStatus.SCHEDULED, SessionStatus.OPEN)
    _pending(state, "item.move", cmd.item)
    if cmd.after == cmd.item:
        raise Invalid("item.after", f"item.move: item '{cmd.item}' cannot go after itself", {"action": "item.move"})
    _anchor(state, "item.move", cmd.after)
    return [ItemMoved(at=ctx.now, item=cmd.item, after=cmd.after)]


@decides(DeferItem)
def defer_item(state: SessionState, actor: Actor, cmd: DeferItem, ctx: Context):
    allow(actor, "item.defer", Role.CHAIR)
    require_status(state, "item.defer", SessionStatus.SCHEDULED, SessionStatus.OPEN)
    _pending(state, "item.defer", cmd.item)
    reason = nfc(cmd.reason).strip()
    if not reason:
        raise Invalid("item.reason", "item.defer: say why the item is deferred", {"action": "item.defer"})
    return [ItemDeferred(at=ctx.now, item=cmd.item, reason=reason)]


def _place(state: SessionState, item_id: str, after: str | None) -> None:
    if item_id in state.order:
        state.order.remove(item_id)
    state.order.insert(state.order.index(after) + 1 if after is not None else 0, item_id)


@applies(ItemAdded)
def added(state: SessionState, event: ItemAdded) -> None:
    state.added_items[event.item.id] = event.item
    state.items[event.item.id] = ItemState(id=event.item.id, added=True)
    _place(state, event.item.id, event.after)


@applies(ItemMoved)
def moved(state: SessionState, event: ItemMoved) -> None:
    _place(state, event.item, event.after)


@applies(ItemDeferred)
def deferred(state: SessionState, event: ItemDeferred) -> None:
    item = state.items[event.item]
    item.status = ItemStatus.DEFERRED
    item.deferred_at = event.at
    item.reason = event.reason
    for request in state.requests.values():
        if request.item == event.item and request.status is RequestStatus.QUEUED:
            request.status = RequestStatus.LAPSED


@applies(ItemStarted)
def started(state: SessionState, event: ItemStarted) -> None:
    item = state.items[event.item]
    item.status = ItemStatus.ACTIVE
    item.started_at = event.at
    item.ends_at = event.ends_at
    state.active_item = event.item
    state.taken.append(event.item)


@applies(ItemEnded)
def ended(state: SessionState, event: ItemEnded) -> None:
    item = state.items[event.item]
    item.status = ItemStatus.DONE
    item.ended_at = event.at
    state.active_item = None
    for request in state.requests.values():
        if request.item == event.item and request.status is RequestStatus.QUEUED:
            request.status = RequestStatus.LAPSED


def taken_order(state: SessionState) -> list[str]:
    """Item ids in the order they were actually taken (by start), then the others as planned now."""
    return state.taken + [i for i in state.order if i not in state.taken]
