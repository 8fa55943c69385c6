"""Named refusals. The API turns each into a 4xx with the same words.

A refusal is ``{"error": code, "detail": text}`` plus, when it has any, ``"params": {...}``:
the values the detail was made from (ids, counts, states), so a page can say the same thing
in its own language. ``code`` and the names in ``params`` are stable; ``detail`` is English
for people reading logs and may be reworded.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused command: ``code`` is stable for clients, ``detail`` says what was wrong, ``params`` its values."""

    status = 409

    def __init__(self, code: str, detail: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.params = params or {}

    def body(self) -> dict[str, Any]:
        """The JSON body of the 4xx answer: ``error``, ``detail`` and, if any, ``params``."""
        body: dict[str, Any] = {"error": self.code, "detail": self.detail}
        if self.params:
            body["params"] = self.params
        return body


class Forbidden(DomainError):
    """The caller's role may not do this."""

    status = 403


class NotFound(DomainError):
    """An id that the session does not know."""

    status = 404


class Conflict(DomainError):
    """Not allowed in the current state (session, item, poll, request)."""

    status = 409


class Invalid(DomainError):
    """A value that can never be right."""

    status = 422
