"""The list of speakers per item: request, grant, finish, withdraw; one speaker on the floor.

A point of order (ý kiến về thủ tục) goes ahead of the other requests, first-come among
points of order. A grant may carry a speaking time (``limit_s``, default the item's
``speech_min``); the finish records the seconds spoken and any overrun.
"""

from __future__ import annotations

import datetime as dt

from .actor import Actor, Role
from .commands import FinishSpeaker, GrantSpeaker, RequestSpeaker, WithdrawSpeaker
from .errors import Conflict, Forbidden, NotFound
from .events import SpeakerFinished, SpeakerGranted, SpeakerRequested, SpeakerWithdrawn
from .registry import Context, allow, applies, decides, item_of, person_of, require_status
from .state import ItemStatus, RequestStatus, SessionState, SessionStatus, SpeakerRequest


def _request_of(state: SessionState, request_id: str) -> SpeakerRequest:
    request = state.requests.get(request_id)
    if request is None:
        raise NotFound("request.unknown", f"no speaker request '{request_id}' in this session", {"request": request_id})
    return request


@decides(RequestSpeaker)
def request(state: SessionState, actor: Actor, cmd: RequestSpeaker, ctx: Context):
    person_id, point_id = cmd.person, None
    if actor.role is Role.CHAIR:
        pass
    elif actor.role is Role.PERSON:
        if person_id not in (None, actor.person):
            raise Forbidden("forbidden", "speaker.request: a member may only ask the floor for themself", {"action": "speaker.request", "role": actor.role.value})
        person_id = actor.person
    elif actor.role is Role.POINT:
        point_id = actor.point
        if person_id is not None and person_of(state, person_id).point != actor.point:
            raise Forbidden("forbidden", f"speaker.request: '{person_id}' does not belong to point '{actor.point}'", {"action": "speaker.request", "person": person_id, "point": actor.point})
    else:
        raise Forbidden("forbidden", f"speaker.request is not for a {actor.role.value} token", {"action": "speaker.request", "role": actor.role.value})
    require_status(state, "speaker.request", SessionStatus.OPEN)
    item = item_of(state, cmd.item)
    if item.status is ItemStatus.DONE:
        raise Conflict("item.state", f"speaker.request: item '{cmd.item}' is already done", {"action": "speaker.request", "item": cmd.item, "status": "done"})
    if item.status is ItemStatus.DEFERRED:
        raise Conflict("item.state", f"speaker.request: item '{cmd.item}' was deferred", {"action": "speaker.request", "item": cmd.item, "status": "deferred"})
    if person_id is not None:
        person = person_of(state, person_id)
        point_id = point_id or person.point or None
    elif actor.role is Role.CHAIR:
        raise Conflict("speaker.person", "speaker.request: the chair must name the person", {"action": "speaker.request"})
    for other in state.requests.values():
        same = other.person == person_id if person_id else (other.person is None and other.point == point_id)
        if same and other.item == cmd.item and other.status in (RequestStatus.QUEUED, RequestStatus.SPEAKING):
            raise Conflict("speaker.duplicate", f"speaker.request: already {other.status.value} as '{other.id}'", {"action": "speaker.request", "request": other.id, "status": other.status.value})
    request_id = f"r{len(state.requests) + 1}"
    return [
        SpeakerRequested(
            at=ctx.now, request=request_id, item=cmd.item, person=person_id, point=point_id, by=actor.label(),
            point_of_order=cmd.point_of_order,
        )
    ]


@decides(GrantSpeaker)
def grant(state: SessionState, actor: Actor, cmd: GrantSpeaker, ctx: Context):
    allow(actor, "speaker.grant", Role.CHAIR)
    require_status(state, "speaker.grant", SessionStatus.OPEN)
    req = _request_of(state, cmd.request)
    if req.status is not RequestStatus.QUEUED:
        raise Conflict("request.state", f"speaker.grant: request '{req.id}' is {req.status.value}, not queued", {"action": "speaker.grant", "request": req.id, "status": req.status.value})
    if state.active_item != req.item:
        raise Conflict("item.state", f"speaker.grant: item '{req.item}' is not the active item", {"action": "speaker.grant", "item": req.item, "active": state.active_item})
    if state.floor:
        raise Conflict("speaker.floor", f"speaker.grant: request '{state.floor}' has the floor; finish it first", {"action": "speaker.grant", "request": state.floor})
    limit_s = cmd.limit_s
    if limit_s is None:
        speech_min = state.item(req.item).speech_min
        limit_s = speech_min * 60 if speech_min else None
    return [SpeakerGranted(at=ctx.now, request=req.id, limit_s=limit_s)]


@decides(FinishSpeaker)
def finish(state: SessionState, actor: Actor, cmd: FinishSpeaker, ctx: Context):
    allow(actor, "speaker.finish", Role.CHAIR)
    require_status(state, "speaker.finish", SessionStatus.OPEN)
    req = _request_of(state, cmd.request)
    if req.status is not RequestStatus.SPEAKING:
        raise Conflict("request.state", f"speaker.finish: request '{req.id}' is {req.status.value}, not speaking", {"action": "speaker.finish", "request": req.id, "status": req.status.value})
    return [finished_event(state, req.id, ctx.now)]


@decides(WithdrawSpeaker)
def withdraw(state: SessionState, actor: Actor, cmd: WithdrawSpeaker, ctx: Context):
    if actor.role not in (Role.CHAIR, Role.PERSON, Role.POINT):
        raise Forbidden("forbidden", "speaker.withdraw is for the chair or whoever asked for the floor", {"action": "speaker.withdraw", "role": actor.role.value})
    require_status(state, "speaker.withdraw", SessionStatus.OPEN)
    req = _request_of(state, cmd.request)
    own = (actor.role is Role.PERSON and actor.person == req.person) or (
        actor.role is Role.POINT and actor.point == req.point
    )
    if actor.role is not Role.CHAIR and not own:
        raise Forbidden("forbidden", "speaker.withdraw is for the chair or whoever asked for the floor", {"action": "speaker.withdraw", "role": actor.role.value})
    if req.status is not RequestStatus.QUEUED:
        raise Conflict("request.state", f"speaker.withdraw: request '{req.id}' is {req.status.value}, not queued", {"action": "speaker.withdraw", "request": req.id, "status": req.status.value})
    return [SpeakerWithdrawn(at=ctx.now, request=req.id, by=actor.label())]


def finished_event(state: SessionState, request_id: str, now: dt.datetime) -> SpeakerFinished:
    """The floor given back at ``now``, with the whole seconds spoken and beyond the limit."""
    req = state.requests[request_id]
    spoken = max(0, int((now - req.granted_at).total_seconds())) if req.granted_at else 0
    overrun = max(0, spoken - req.limit_s) if req.limit_s else 0
    return SpeakerFinished(at=now, request=request_id, spoken_s=spoken, overrun_s=overrun)


def queue(state: SessionState, item_id: str) -> list[SpeakerRequest]:
    """The queued requests of an item in the order they will be heard: points of order first."""
    waiting = [r for r in state.requests.values() if r.item == item_id and r.status is RequestStatus.QUEUED]
    # Insertion order is request order; sorted() is stable, so each group stays first-come.
    return sorted(waiting, key=lambda r: not r.point_of_order)


@applies(SpeakerRequested)
def requested(state: SessionState, event: SpeakerRequested) -> None:
    state.requests[event.request] = SpeakerRequest(
        id=event.request, item=event.item, person=event.person, point=event.point, requested_at=event.at,
        point_of_order=event.point_of_order,
    )


@applies(SpeakerGranted)
def granted(state: SessionState, event: SpeakerGranted) -> None:
    req = state.requests[event.request]
    req.status = RequestStatus.SPEAKING
    req.granted_at = event.at
    req.granted_seq = event.seq
    req.limit_s = event.limit_s
    state.floor = req.id


@applies(SpeakerFinished)
def finished(state: SessionState, event: SpeakerFinished) -> None:
    req = state.requests[event.request]
    req.status = RequestStatus.FINISHED
    req.finished_at = event.at
    req.spoken_s, req.overrun_s = event.spoken_s, event.overrun_s
    if state.floor == req.id:
        state.floor = None


@applies(SpeakerWithdrawn)
def withdrawn(state: SessionState, event: SpeakerWithdrawn) -> None:
    state.requests[event.request].status = RequestStatus.WITHDRAWN
