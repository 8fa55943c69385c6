"""HTTP: create sessions, read the snapshot and the log, send commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import Parameter

from ..auth import Principal, admin_only, of_this_session
from ..domain.agenda import AgendaError
from ..domain.text import check_command_text
from ..domain.audiences import Audience, audience_of
from ..domain.commands import COMMAND_TYPES, AnyCommand, FinalizeMinutes
from ..domain.views import snapshot
from ..engine import CommandResult, CreatedSession, Engine
from ..agendas import load_agenda

MAX_AGENDA_BYTES = 2 * 1024 * 1024
MAX_COMMAND_BYTES = 64 * 1024


class Snapshot(msgspec.Struct):
    """The current state of a session, the seq it reflects and the session's epoch (the hash of its first event)."""

    seq: int
    state: dict[str, Any]
    epoch: str = ""


class EventList(msgspec.Struct):
    """The events after ``since`` (as the caller's audience reads them), the head seq, and the epoch."""

    seq: int
    events: list[msgspec.Raw]
    epoch: str = ""


@post("/api/sessions", guards=[admin_only], status_code=201, request_max_body_size=MAX_AGENDA_BYTES)
async def create_session(
    request: Request, engine: NamedDependency[Engine], agenda_dir: NamedDependency[Path]
) -> CreatedSession:
    """Create a session from an agenda file (TOML with ``Content-Type: application/toml``, or JSON)."""
    body = await request.body()
    fmt = "json" if "json" in request.headers.get("content-type", "") else "toml"
    agenda, source = load_agenda(body, agenda_dir, fmt)
    return await engine.create_session(agenda, source=None)


@get("/api/sessions/{session_id:str}", guards=[of_this_session])
async def get_snapshot(
    session_id: FromPath[str], engine: NamedDependency[Engine], request: Request[Principal, Any, Any]
) -> Snapshot:
    """The session's current state and its seq; working notes' text only for the chair, secretary and admin."""
    state = engine.state(session_id)
    return Snapshot(seq=state.seq, state=snapshot(state, audience_of(request.user.actor.role)),
                    epoch=engine.epochs.get(session_id, ""))


@get("/api/sessions/{session_id:str}/events", guards=[of_this_session])
async def get_events(
    session_id: FromPath[str], engine: NamedDependency[Engine], request: Request[Principal, Any, Any],
    since: Annotated[int, Parameter(ge=0)] = 0,
) -> EventList:
    """The committed events after ``since``, in order, as the caller's audience reads them; a ``since`` beyond the
    head is refused, as the live stream does."""
    state = engine.state(session_id)
    if since > state.seq:
        raise HTTPException(status_code=400, detail=since_beyond_head(since, state.seq), extra={"error": "since.invalid"})
    events = engine.events_since(session_id, since, audience_of(request.user.actor.role))
    return EventList(seq=state.seq, events=[msgspec.Raw(e) for e in events], epoch=engine.epochs.get(session_id, ""))


def since_beyond_head(since: int, head: int) -> str:
    """The words of both refusals of a ``since`` past the log's head (HTTP 400 here, close 4400 on the live stream)."""
    return f"'since' is {since} but the log ends at seq {head}"


MAX_COMMAND_DEPTH = 16  # a command nests two deep (poll.open's spec); an agenda item added during a session, four


async def check_json_body(request: Request) -> None:
    """Refuse, before it is decoded, a body that is not UTF-8 or nests past MAX_COMMAND_DEPTH (a 400, never a 500)."""
    body = await request.body()
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(status_code=400, detail=f"the body is not UTF-8 text (byte {exc.start})",
                            extra={"error": "json.invalid"}) from None
    if body.count(b"[") + body.count(b"{") > MAX_COMMAND_DEPTH and _depth(body) > MAX_COMMAND_DEPTH:
        raise HTTPException(status_code=400, detail=f"the body nests more than {MAX_COMMAND_DEPTH} levels deep",
                            extra={"error": "json.invalid"})


def _depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in JSON ``body`` (brackets inside strings do not count)."""
    deepest = depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


@post("/api/sessions/{session_id:str}/commands", status_code=200, request_max_body_size=MAX_COMMAND_BYTES,
      before_request=check_json_body)
async def post_command(
    session_id: FromPath[str], data: JSONBody[AnyCommand], request: Request[Principal, Any, Any]
) -> CommandResult:
    """Run one command; answers once its events are committed, with the events (and a vote's receipt).

    The hot path of a vote: no guard (TokenAuth has already checked the token's session: a guard
    costs a copy of the route handler per request) and no dependencies (two or more are resolved
    in an anyio task group per request); the engine comes from the app's state.
    """
    engine: Engine = request.app.state.engine
    engine.state(session_id)
    check_command_text(data)
    if isinstance(data, FinalizeMinutes):  # its decision needs the rendered PDF's hash
        return await request.app.state.minutes.finalize(session_id, request.user.actor)
    result = await engine.command(session_id, request.user.actor, data)
    if result.link:
        result.link = request.app.state.settings.base_url + result.link
    return result


def explain_invalid(errors: list[dict]) -> tuple[str, str]:
    """Litestar's validation errors as our ``(error, detail)``: what was wrong and where."""
    parts, code = [], "invalid"
    for e in errors:
        key, message = e.get("key", ""), e.get("message", "")
        if e.get("source") == "body":
            code = "command.invalid"
            if key == "data" and message == "'data'":  # no body at all
                parts.append("the body is empty; send one command as a JSON object with its 'type'")
                continue
            where = "$" if key in ("", "data") else f"$.{key}"
            message = message.replace("Object contains unknown field", "unknown field")
            parts.append(f"{message} - at `{where}`")
            if key == "type" or message == "Object missing required field `type`":
                parts[-1] += f"; 'type' must be one of: {', '.join(COMMAND_TYPES)}"
        else:
            parts.append(f"{key}: {message}")
    prefix = "invalid command: " if code == "command.invalid" else ""
    return code, prefix + "; ".join(parts)


def agenda_error(request: Request, exc: AgendaError) -> Response:
    return Response({"error": "agenda.invalid", "detail": str(exc), "path": exc.path}, status_code=422)
