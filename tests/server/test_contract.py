"""The OpenAPI document says what the server does: security, error shapes, bodies, the command union, events, /join."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def document(srv):
    r = srv.http.get("/schema/openapi.json")
    assert r.status_code == 200
    return r.json()


def test_security_schemes_bearer_and_cookie(document):
    """Bearer and the session cookie are declared and required by default; /health and /join need neither."""
    assert document["components"]["securitySchemes"] == {
        "bearer": {"type": "http", "scheme": "bearer", "description": "a join token, or the admin token"},
        "cookie": {"type": "apiKey", "in": "cookie", "name": "phienhop_token", "description": "set by GET /join/{token}"},
    }
    assert document["security"] == [{"bearer": []}, {"cookie": []}]
    assert document["paths"]["/health"]["get"]["security"] == []
    assert document["paths"]["/join/{token}"]["get"]["security"] == []


def test_every_error_status_is_our_shape(document):
    """Each 4xx/5xx of every JSON route refers to Error, whose required fields are error and detail."""
    assert document["components"]["schemas"]["Error"]["required"] == ["error", "detail"]
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            for status, response in op["responses"].items():
                if status[0] in "45" and path != "/join/{token}":
                    assert response["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}, (method, path, status)
    commands = document["paths"]["/api/sessions/{session_id}/commands"]["post"]["responses"]
    assert sorted(commands) == ["200", "400", "401", "403", "404", "408", "409", "413", "415", "422", "500", "503"]


def test_the_agenda_body_is_toml_or_json(document):
    """POST /api/sessions takes the agenda as TOML text or as its JSON (the Agenda schema)."""
    body = document["paths"]["/api/sessions"]["post"]["requestBody"]["content"]
    assert body == {"application/json": {"schema": {"$ref": "#/components/schemas/Agenda"}},
                    "application/toml": {"schema": {"type": "string"}}}
    assert document["components"]["schemas"]["Agenda"]["additionalProperties"] is False


def test_the_command_union_is_discriminated_by_type_and_closed(document):
    """The command body is a union with `type` as its discriminator; every member refuses unknown fields."""
    schemas = document["components"]["schemas"]
    command = schemas["Command"]
    assert command["discriminator"]["propertyName"] == "type"
    mapping = command["discriminator"]["mapping"]
    assert "vote.cast" in mapping and "session.open" in mapping
    for ref in mapping.values():
        member = schemas[ref.rsplit("/", 1)[1]]
        assert member["additionalProperties"] is False
        assert "command_id" in member["properties"]


def test_events_are_typed(document):
    """The events of GET events and of a command's answer are the Event union, discriminated by type."""
    schemas = document["components"]["schemas"]
    assert schemas["Event"]["discriminator"]["propertyName"] == "type"
    assert "session.created" in schemas["Event"]["discriminator"]["mapping"]
    for name in ("EventList", "CommandResult"):
        assert schemas[name]["properties"]["events"] == {"type": "array", "items": {"$ref": "#/components/schemas/Event"}}


def test_join_is_a_redirect(document):
    """GET /join/{token} is a 303 with Location and Set-Cookie, or our JSON error (an HTML page to a browser): 404, or 400
    for the admin token."""
    responses = document["paths"]["/join/{token}"]["get"]["responses"]
    assert sorted(responses) == ["303", "400", "404"]
    refused = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}, "text/html": {"schema": {"type": "string"}}}
    assert responses["400"]["content"] == refused
    assert sorted(responses["303"]["headers"]) == ["Location", "Set-Cookie"]
    assert responses["404"]["content"] == refused
