"""Agenda items: pending -> active -> done, one active at a time."""

from __future__ import annotations

import datetime as dt

from .actor import Actor, Role
from .commands import EndItem, StartItem
from .errors import Conflict
from .events import ItemEnded, ItemStarted, SpeakerFinished
from .registry import Context, allow, applies, decides, item_of, require_status
from .state import ItemStatus, PollStatus, RequestStatus, SessionState, SessionStatus


@decides(StartItem)
def start_item(state: SessionState, actor: Actor, cmd: StartItem, ctx: Context):
    allow(actor, "item.start", Role.CHAIR)
    require_status(state, "item.start", SessionStatus.OPEN)
    item = item_of(state, cmd.item)
    if state.active_item:
        raise Conflict("item.active", f"item.start: end item '{state.active_item}' first", {"action": "item.start", "item": state.active_item})
    if item.status is ItemStatus.DONE:
        raise Conflict("item.state", f"item.start: item '{cmd.item}' is already done", {"action": "item.start", "item": cmd.item, "status": "done"})
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
        events.append(SpeakerFinished(at=ctx.now, request=state.floor))
    events.append(ItemEnded(at=ctx.now, item=cmd.item))
    return events


@applies(ItemStarted)
def started(state: SessionState, event: ItemStarted) -> None:
    item = state.items[event.item]
    item.status = ItemStatus.ACTIVE
    item.started_at = event.at
    item.ends_at = event.ends_at
    state.active_item = event.item


@applies(ItemEnded)
def ended(state: SessionState, event: ItemEnded) -> None:
    item = state.items[event.item]
    item.status = ItemStatus.DONE
    item.ended_at = event.at
    state.active_item = None
    for request in state.requests.values():
        if request.item == event.item and request.status is RequestStatus.QUEUED:
            request.status = RequestStatus.LAPSED
