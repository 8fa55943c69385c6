"""How uvicorn runs our ASGI apps (the primary's and an edge's): one configuration, kept in step with ``live``."""

from __future__ import annotations

import uvicorn

INBOUND_LIMIT = 16 * 1024  # bytes: followers only listen (1009 above this)
PING_EVERY = PING_TIMEOUT = 10.0  # seconds


def uvicorn_config(app, host: str, port: int, log_level: str = "warning", **extra) -> uvicorn.Config:
    """uvicorn's configuration for a phienhop app: the websockets-sansio protocol ``live.RawSocket`` writes through."""
    return uvicorn.Config(
        app, host=host, port=port, log_level=log_level, access_log=False,
        ws_max_size=INBOUND_LIMIT, ws_ping_interval=PING_EVERY, ws_ping_timeout=PING_TIMEOUT, timeout_graceful_shutdown=3,
        ws_per_message_deflate=False,  # deflate is per connection: it would compress every event once per follower
        ws="websockets-sansio",  # live.RawSocket writes each event's one frame straight to its transports
        **extra,
    )
