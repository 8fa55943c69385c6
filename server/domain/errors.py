"""Named refusals. The API turns each into a 4xx with the same words."""

from __future__ import annotations


class DomainError(Exception):
    """A refused command: ``code`` is stable for clients, ``detail`` says what was wrong."""

    status = 409

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


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
