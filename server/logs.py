"""Logging for ``phienhop serve``: one format, and no token in any line at any level.

A token can reach a log line in many spellings: ``?token=`` on a live URL (also with the name
percent-encoded, ``%74oken=``, which the live stream accepts), ``/join/<token>`` in a path or
the ``raw_path`` of an ASGI scope (uvicorn logs whole scopes at trace level), a ``Bearer``
header, the session cookie. ``RedactTokens`` sits on the handlers, not on loggers, so it sees
every record that is written, from whichever logger it came (a logger's filter does not see
its children's records).
"""

from __future__ import annotations

import logging
import re
import sys
from urllib.parse import unquote

COOKIE_NAME = "phienhop_token"
_SECRET = re.compile(
    r"(?i)(?P<key>token=|token': b?'|token\": ?\"|/join/|bearer\s+|" + COOKIE_NAME + r"=)(?P<value>[^&\s\"'<>,;)]+)"
)
MASK = "***"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` with every spelling of a token blanked (percent-encoding undone first, up to 3 levels)."""
    for _ in range(3):
        if "%" not in text:
            break
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return _SECRET.sub(lambda m: m.group("key") + MASK, text)


class RedactTokens(logging.Filter):
    """Blanks tokens in the message and in the traceback of every record that passes the handler."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = redact(message, self.secrets), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install(level: str, secrets: tuple[str, ...] = ()) -> None:
    """Our own loggers write to stderr at ``level``; every handler in the process gets the filter.

    Call after uvicorn has configured its loggers (``uvicorn.Config`` does it when created).
    """
    numeric = logging.getLevelName(level.upper()) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        numeric = 5 if level.lower() == "trace" else logging.WARNING
    ours = logging.getLogger("phienhop")
    if not any(getattr(h, "_phienhop", False) for h in ours.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
        handler._phienhop = True  # type: ignore[attr-defined]
        ours.addHandler(handler)
    ours.setLevel(numeric)
    ours.propagate = False
    redactor = RedactTokens(secrets)
    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if not any(isinstance(f, RedactTokens) for f in handler.filters):
                handler.addFilter(redactor)
    if logging.lastResort is not None and not any(isinstance(f, RedactTokens) for f in logging.lastResort.filters):
        logging.lastResort.addFilter(redactor)
