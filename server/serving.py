"""How uvicorn runs our ASGI apps (the primary's and an edge's): one configuration, kept in step with ``live``."""

from __future__ import annotations

import gc

import uvicorn

from .settings import BY_NAME

INBOUND_LIMIT = 16 * 1024  # bytes: followers only listen (1009 above this)
PING_EVERY: float = BY_NAME["ping_every"].default  # seconds (--ping-every)


def uvicorn_config(app, host: str, port: int, log_level: str = "warning", ping_every: float = PING_EVERY,
                   **extra) -> uvicorn.Config:
    """uvicorn's configuration for a phienhop app: the websockets-sansio protocol ``live.RawSocket`` writes through.

    Keepalive: a ping every ``ping_every`` s to each connection, dropped (1011) if its pong is not
    back within half of that. A ping and its pong cost uvicorn ~50 us of CPU per connection
    (bench/edges.py, idle followers), whatever else flows: 10,000 followers pinged every 10 s
    took 5 % of a core; every 20 s (websockets' own default interval) half that.
    """
    return uvicorn.Config(
        app, host=host, port=port, log_level=log_level, access_log=False,
        ws_max_size=INBOUND_LIMIT, ws_ping_interval=ping_every, ws_ping_timeout=ping_every / 2, timeout_graceful_shutdown=3,
        ws_per_message_deflate=False,  # deflate is per connection: it would compress every event once per follower
        ws="websockets-sansio",  # live.RawSocket writes each event's one frame straight to its transports
        **extra,
    )


def collect_less() -> None:
    """Tune the garbage collector for a process that holds large, long-lived state (sessions; followers).

    With Python's default thresholds a 1,000-vote burst ran ~100 young collections and a full one
    that walked every object of every session held: ~110 ms of CPU, a third of the vote path
    (bench/votes.py). What start-up loaded is frozen out of the collector's sight, and the young
    generation is collected when 20,000 (not 700) new objects are pending: cycles are rare here
    (reference counting frees the rest at once), so memory barely moves.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
