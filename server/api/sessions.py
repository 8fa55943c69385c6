"""HTTP: create sessions, read the snapshot and the log, send commands."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar import Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import Parameter

from .. import jsoncheck
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


JSON_TYPES = ("application/json",)
TOML_TYPES = ("application/toml", "text/toml", "application/x-toml")


def media_type(request: Request) -> str:
    """The body's media type, lower case, without parameters ("" when the request names none)."""
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


def _is_json(media: str) -> bool:
    return media in JSON_TYPES or media.endswith("+json")


def unsupported(media: str, what: str, wanted: str, wanted_vi: str) -> HTTPException:
    """415 for a body sent as ``media``, naming what this route takes, in English and Vietnamese."""
    return HTTPException(
        status_code=415, extra={"error": "content_type.unsupported"},
        detail=f"{what} is sent as {wanted}, not '{media}' ({wanted_vi}, không phải '{media}')")


@post("/api/sessions", guards=[admin_only], status_code=201, request_max_body_size=MAX_AGENDA_BYTES)
async def create_session(
    request: Request, engine: NamedDependency[Engine], agenda_dir: NamedDependency[Path]
) -> CreatedSession:
    """Create a session from an agenda file (TOML with ``Content-Type: application/toml``, or JSON).

    No Content-Type is read as TOML; any type other than JSON or TOML is 415 ``content_type.unsupported``.
    """
    media = media_type(request)
    if media and not _is_json(media) and media not in TOML_TYPES:
        raise unsupported(media, "an agenda", "TOML (Content-Type: application/toml) or JSON (application/json)",
                          "chương trình họp được gửi dưới dạng TOML (application/toml) hoặc JSON (application/json)")
    body = await request.body()
    fmt = "json" if _is_json(media) else "toml"
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
    given = request.query_params.getall("since", [])
    if len(given) > 1:
        raise HTTPException(status_code=400, detail=since_repeated(len(given)), extra={"error": "since.invalid"})
    if given and not SINCE.fullmatch(given[0]):  # ASCII digits only, as the live stream ('1e3' parses as 1000)
        raise HTTPException(status_code=400, detail=since_not_a_number(given[0]), extra={"error": "since.invalid"})
    state = engine.state(session_id)
    if since > state.seq:
        raise HTTPException(status_code=400, detail=since_beyond_head(since, state.seq), extra={"error": "since.invalid"})
    events = engine.events_since(session_id, since, audience_of(request.user.actor.role))
    return EventList(seq=state.seq, events=[msgspec.Raw(e) for e in events], epoch=engine.epochs.get(session_id, ""))


# ASCII digits only: str.isdigit() takes '²' (which int() refuses) and '٣' (which int() reads as 3).
SINCE = re.compile(r"[0-9]{1,18}")


def since_beyond_head(since: int, head: int) -> str:
    """The words of both refusals of a ``since`` past the log's head (HTTP 400 here, close 4400 on the live stream)."""
    return f"'since' is {since} but the log ends at seq {head}"


def since_not_a_number(raw: str) -> str:
    """The words of both refusals of a ``since`` that is not ASCII digits (400 ``since.invalid`` here, 4400 live)."""
    return f"'since' must be a whole number >= 0, not {raw!r}"


def since_repeated(times: int) -> str:
    """The words of both refusals of a query giving ``since`` more than once (which one would be meant?)."""
    return f"'since' is given {times} times; give it once"


MAX_COMMAND_DEPTH = 16  # a command nests two deep (poll.open's spec); an agenda item added during a session, four


async def check_json_body(request: Request) -> None:
    """Refuse, before it is decoded: a body said to be other than JSON (415); one that is not UTF-8 or nests past
    MAX_COMMAND_DEPTH; a key given twice in one object (msgspec would keep the last); a number out of range, with
    its key path (400s, never a 500). No Content-Type is taken as JSON."""
    media = media_type(request)
    if media and not _is_json(media):
        raise unsupported(media, "a command", "JSON (Content-Type: application/json)",
                          "lệnh được gửi dưới dạng JSON (Content-Type: application/json)")
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(status_code=400, detail=f"the body is not UTF-8 text (byte {exc.start})",
                            extra={"error": "json.invalid"}) from None
    if body.count(b"[") + body.count(b"{") > MAX_COMMAND_DEPTH and _depth(body) > MAX_COMMAND_DEPTH:
        raise HTTPException(status_code=400, detail=f"the body nests more than {MAX_COMMAND_DEPTH} levels deep",
                            extra={"error": "json.invalid"})
    found = jsoncheck.problem(text)
    if found is None:
        check_strict_types(body)
        return
    kind, path, key = found
    if kind == jsoncheck.DUPLICATE:
        raise HTTPException(
            status_code=400, extra={"error": "json.duplicate_key"},
            detail=f"the key '{key}' is given twice at `{jsoncheck.dollar_path(path)}`; give it once "
                   f"(khóa '{key}' xuất hiện hai lần; mỗi khóa chỉ ghi một lần)")
    raise HTTPException(status_code=400, extra={"error": "command.invalid"},
                        detail=f"invalid command: Number out of range - at `{jsoncheck.dollar_path(path)}`")


def refuse_coerced(body: bytes, decoder: msgspec.json.Decoder, type_: Any) -> None:
    """Refuse a JSON body whose field is given as the wrong JSON type but that Litestar would coerce (it converts
    the decoded body with ``strict=False``: ``"limit_s": "60"`` would grant 60 s, ``"point_of_order": 1`` would be a
    point of order). 400 command.invalid naming the field, in the words of every other type error. Other faults
    (missing fields, unknown types, bad JSON) are left to the route's own decoding and its words."""
    try:
        decoder.decode(body)
    except msgspec.ValidationError as exc:
        try:
            msgspec.json.decode(body, type=type_, strict=False)
        except (msgspec.ValidationError, msgspec.DecodeError):
            return  # wrong whatever the types: the route's decoding answers, as before
        message, _, where = str(exc).partition(" - at ")
        raise HTTPException(status_code=400, extra={"error": "command.invalid"},
                            detail=f"invalid command: {message} - at {where}") from None
    except msgspec.DecodeError:
        return  # not JSON: the route's decoding says so


_STRICT = msgspec.json.Decoder(AnyCommand)  # strict: "60" is not an int, 1 not a bool


def check_strict_types(body: bytes) -> None:
    """A command's fields as their JSON types only (see ``refuse_coerced``)."""
    refuse_coerced(body, _STRICT, AnyCommand)


def strict_body(type_: Any):
    """A ``before_request`` hook for a route taking a JSON body of ``type_``: its fields as their JSON types only."""
    decoder = msgspec.json.Decoder(type_)

    async def check(request: Request) -> None:
        refuse_coerced(await request.body(), decoder, type_)

    return check


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
    return Response({"error": "agenda.invalid", "detail": str(exc), "path": exc.path, "reason": exc.code,
                     "params": exc.params}, status_code=422)
