"""The OpenAPI document as the server behaves: Litestar's generated paths, finished by hand where it cannot know.

Litestar derives paths, parameters and the success bodies from the handlers. What it cannot
see is added here, once, when ``/schema/openapi.json`` is first served:

- the security schemes (``Authorization: Bearer`` and the session cookie) and which routes need none;
- every error status each route answers, all in our ``{"error", "detail"}`` shape;
- the agenda body as TOML text or its JSON;
- the command union with ``type`` as its discriminator and unknown fields refused, and typed
  events (both from msgspec's own JSON Schema of the structs, so they cannot drift);
- ``/join/{token}`` as the 303 redirect it is.

``tests/e2e/test_fuzz.py`` runs schemathesis over this document against a real server.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
from litestar import Request
from litestar.openapi.plugins import JsonRenderPlugin

from ..auth import COOKIE
from ..domain.agenda import Agenda
from ..domain.commands import AnyCommand
from ..domain.events import AnyEvent

REF = "#/components/schemas/{name}"

ERROR = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {"type": "string", "description": "a stable code, e.g. `forbidden`, `session.state`, `agenda.invalid`"},
        "detail": {"type": "string", "description": "what was wrong, in English, for people reading logs"},
        "params": {"type": "object", "description": "the values the detail was made from (stable names)"},
        "path": {"type": "string", "description": "agenda.invalid: the key path (`items[3].poll.rule`)"},
        "reason": {"type": "string", "description": "agenda.invalid: why, as a stable code (`value.unknown`, `id.duplicate`, ...); "
                   "with `params`, the words in Vietnamese or English (`REASONS` in server/domain/agenda.py)"},
        "request_id": {"type": "string", "description": "500: the id the server logged the error under"},
    },
}

WHY = {
    "400": "Malformed: not JSON or not UTF-8, nested too deeply, a key given twice, a field of the wrong shape, a bad parameter",
    "401": "No token, or an unknown one",
    "403": "A token of another session, or a role that may not do this",
    "404": "No such session (or item, person, poll, request)",
    "408": "The request did not arrive whole within PHIENHOP_REQUEST_TIMEOUT",
    "409": "Not allowed in the session's current state",
    "413": "The body is larger than this route accepts",
    "415": "A body sent as another media type than this route takes (content_type.unsupported)",
    "422": "A value that can never be right (agenda.invalid names the key path; text.invalid the field)",
    "500": "Unexpected; logged with the request_id given here",
    "503": "Not now: the store failed, the server is stopping, the render process died twice, or too many connections",
}

READ = ("400", "401", "403", "404", "408", "500", "503")
WRITE = ("400", "401", "403", "404", "408", "409", "413", "422", "500", "503")
ERRORS: dict[tuple[str, str], tuple[str, ...]] = {
    ("post", "/api/sessions"): ("400", "401", "403", "408", "413", "415", "422", "500", "503"),
    ("post", "/api/sessions/{session_id}/commands"): WRITE + ("415",),
    ("get", "/api/me"): ("400", "401", "408", "500", "503"),
}
PUBLIC = {("get", "/health"), ("get", "/join/{token}")}


def _components(types: list) -> tuple[list[dict], dict[str, Any]]:
    return msgspec.json.schema_components(types, ref_template=REF)


def finish(generated: dict[str, Any]) -> dict[str, Any]:
    """The document Litestar generated, completed (see the module docstring); ``generated`` is not changed."""
    schema = copy.deepcopy(generated)
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    (command, event, agenda), more = _components([AnyCommand, AnyEvent, Agenda])
    schemas.update(more)
    schemas["Command"] = command
    schemas["Event"] = event
    schemas["Error"] = ERROR
    components["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "a join token, or the admin token"},
        "cookie": {"type": "apiKey", "in": "cookie", "name": COOKIE, "description": "set by GET /join/{token}"},
    }
    schema["security"] = [{"bearer": []}, {"cookie": []}]
    events = {"type": "array", "items": {"$ref": REF.format(name="Event")}}
    for name in ("EventList", "CommandResult"):
        if name in schemas:
            schemas[name].setdefault("properties", {})["events"] = events

    for path, operations in schema.get("paths", {}).items():
        for method, op in operations.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            responses = op["responses"]
            if (method, path) in PUBLIC:
                op["security"] = []
            for status in list(responses):
                if status.startswith(("4", "5")):
                    del responses[status]  # Litestar's own error shape; ours replaces it below
            if (method, path) == ("get", "/health"):
                continue
            if (method, path) == ("get", "/join/{token}"):
                responses.pop("200", None)
                responses["303"] = {
                    "description": "Sets the session cookie and redirects to the page of the token's role",
                    "headers": {"Location": {"schema": {"type": "string"}}, "Set-Cookie": {"schema": {"type": "string"}}},
                }
                # A browser (Accept: text/html) gets a readable page in vi and en, anyone else our Error.
                refused = {"application/json": {"schema": {"$ref": REF.format(name="Error")}},
                           "text/html": {"schema": {"type": "string"}}}
                responses["404"] = {"description": "Not a valid join link (join.invalid; vi and en)", "content": refused}
                responses["400"] = {"description": "The admin token, which opens no page (join.admin_token; vi and en)",
                                    "content": refused}
                continue
            statuses = ERRORS.get((method, path)) or (WRITE if method == "post" else READ)
            for status in statuses:
                responses[status] = {"description": WHY[status],
                                     "content": {"application/json": {"schema": {"$ref": REF.format(name="Error")}}}}
            if (method, path) == ("post", "/api/sessions"):
                op["requestBody"] = {
                    "required": True,
                    "description": "The agenda file: TOML text (Content-Type: application/toml) or its JSON",
                    "content": {
                        "application/json": {"schema": {"$ref": REF.format(name="Agenda")}},
                        "application/toml": {"schema": {"type": "string"}},
                    },
                }
            if path.endswith("/commands") and method == "post":
                op["requestBody"] = {
                    "required": True,
                    "description": "One command; `type` says which, unknown fields are refused",
                    "content": {"application/json": {"schema": {"$ref": REF.format(name="Command")}}},
                }
    return schema


class ContractJsonPlugin(JsonRenderPlugin):
    """Serves ``/schema/openapi.json`` as ``finish`` completes it (computed once)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._finished: dict[str, Any] | None = None

    def render(self, request: Request, openapi_schema: dict[str, Any]) -> bytes:
        if self._finished is None:
            self._finished = finish(openapi_schema)
        return self.render_json(request, self._finished)
