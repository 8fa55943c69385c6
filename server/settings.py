"""Every setting in one table: it feeds the CLI options, their environment variables, their types,
the ``Settings`` defaults and the README (tests/server/test_settings.py keeps the README in step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import msgspec


class Port(click.ParamType):
    """A TCP port: a whole number from 0 (any free port) to 65535; the message says so, wherever the value came from."""

    name = "port"

    def convert(self, value: Any, param, ctx) -> int:
        if isinstance(value, int):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                number = -1
        if not 0 <= number <= 65535:
            self.fail(f"{value!r} is not a port number (a whole number from 0 to 65535)", param, ctx)
        return number


class Seconds(click.ParamType):
    """A duration in seconds: a finite number from ``low`` to ``high``.

    click's FloatRange lets ``nan`` through (every comparison with it is false) and ``inf`` when
    there is no upper end: ``--ping-every nan`` switched the keepalive off without a word.
    """

    name = "seconds"

    def __init__(self, low: float, high: float = 86_400.0) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param, ctx) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = float("nan")
        if not self.low <= number <= self.high:  # false for nan
            self.fail(f"{value!r} is not a number of seconds from {self.low:g} to {self.high:g}", param, ctx)
        return number


class Setting(msgspec.Struct, frozen=True):
    """One setting: ``--name`` on the command line, ``env`` in the environment, a typed ``default``.

    ``type`` is a click parameter type (or ``bool`` for an on/off flag; its variable reads 1/0,
    true/false, yes/no, on/off).
    """

    name: str
    env: str
    default: Any
    help: str
    type: Any = str

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


LOG_LEVELS = ["critical", "error", "warning", "info", "debug", "trace"]

SETTINGS = [
    Setting("db", "PHIENHOP_DB", "var/phienhop.db", "SQLite file of the event log (created if missing)",
            click.Path(dir_okay=False)),
    Setting("host", "PHIENHOP_HOST", "127.0.0.1", "address to listen on"),
    Setting("port", "PHIENHOP_PORT", 8000, "port to listen on", Port()),
    Setting("agenda_dir", "PHIENHOP_AGENDA_DIR", "agendas", "where drafts named by POSTed agendas are read from"),
    Setting("public_url", "PHIENHOP_PUBLIC_URL", "", "base URL printed in join links (default http://HOST:PORT); behind a proxy, also an accepted Origin"),
    Setting("admin_token", "PHIENHOP_ADMIN_TOKEN", "", "admin token (default: generated at first start, printed once)"),
    Setting("presence_debounce", "PHIENHOP_PRESENCE_DEBOUNCE", 5.0, "seconds a connection point may be gone before it is marked offline",
            Seconds(0)),
    Setting("follower_backlog", "PHIENHOP_FOLLOWER_BACKLOG", 256, "live events queued for one follower before it is cut off (close 4408) to resume",
            click.IntRange(min=1)),
    Setting("ping_every", "PHIENHOP_PING_EVERY", 20.0, "seconds between keepalive pings to each live connection; one that has not answered within half of that is dropped (close 1011)",
            Seconds(0.2, 3600)),
    Setting("request_timeout", "PHIENHOP_REQUEST_TIMEOUT", 10.0, "seconds a client has to send a whole request (headers and body) before it is answered 408 and let go",
            Seconds(0.1, 3600)),
    Setting("max_connections", "PHIENHOP_MAX_CONNECTIONS", 0, "open connections at most, HTTP and WebSocket (0: as many as the descriptor limit allows, less 64)",
            click.IntRange(min=0)),
    Setting("evict_after", "PHIENHOP_EVICT_AFTER", 300.0, "seconds a closed session stays in memory after it was last used (it is read again from the database when needed)",
            Seconds(0)),
    Setting("log_level", "PHIENHOP_LOG_LEVEL", "warning", "the log level (tokens never appear in the log, at any level)",
            click.Choice(LOG_LEVELS, case_sensitive=False)),
    Setting("no_sample", "PHIENHOP_NO_SAMPLE", False, "start with no agenda (sessions come from POST /api/sessions)", bool),
    Setting("seal_p12", "PHIENHOP_SEAL_P12", "", "PKCS#12 file of the issuing body's seal: finalize signs the minutes with it (PAdES); unset: unsealed",
            click.Path(dir_okay=False)),
    Setting("seal_passphrase_file", "PHIENHOP_SEAL_PASSPHRASE_FILE", "", "file holding the seal's passphrase (or set PHIENHOP_SEAL_PASSPHRASE); never stored or logged",
            click.Path(dir_okay=False)),
    Setting("trust", "PHIENHOP_TRUST", "", "CA certificates (a PEM file or a folder) a signer must chain to, to be trusted here",
            click.Path()),
    Setting("redis_url", "PHIENHOP_REDIS_URL", "", "Redis to publish committed events to, for edges (redis://HOST:PORT/DB); empty: none"),
]

BY_NAME = {s.name: s for s in SETTINGS}
_D = {s.name: s.default for s in SETTINGS}


class Settings(msgspec.Struct):
    """The server's settings; defaults come from ``SETTINGS`` (written once, there)."""

    db: str = _D["db"]
    host: str = _D["host"]
    port: int = _D["port"]
    agenda_dir: str = _D["agenda_dir"]
    public_url: str = _D["public_url"]
    admin_token: str = _D["admin_token"]
    presence_debounce: float = _D["presence_debounce"]
    follower_backlog: int = _D["follower_backlog"]
    ping_every: float = _D["ping_every"]
    evict_after: float = _D["evict_after"]
    request_timeout: float = _D["request_timeout"]
    max_connections: int = _D["max_connections"]
    seal_p12: str = _D["seal_p12"]
    seal_passphrase_file: str = _D["seal_passphrase_file"]
    trust: str = _D["trust"]
    redis_url: str = _D["redis_url"]
    agendas: list[str] = msgspec.field(default_factory=list)

    @property
    def keys_path(self) -> Path:
        return Path(self.db + ".keys")

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


SEAL_PASSPHRASE_ENV = "PHIENHOP_SEAL_PASSPHRASE"  # environment only: a passphrase never goes on a command line


def seal_config(settings: Settings, environ=None):
    """The seal (or None) and the trust list the settings name; raises ValueError saying what to fix.

    The passphrase comes from ``$PHIENHOP_SEAL_PASSPHRASE`` or the file ``seal_passphrase_file``
    names (its trailing newline dropped); it is held in memory only.
    """
    import os

    from phienhop.minutes.signing import Sealer, load_trust

    environ = os.environ if environ is None else environ
    trust = load_trust(settings.trust) if settings.trust else []
    if not settings.seal_p12:
        return None, trust
    try:
        p12 = Path(settings.seal_p12).read_bytes()
    except OSError as exc:
        raise ValueError(f"seal file {settings.seal_p12}: {exc.strerror} (set --seal-p12 / PHIENHOP_SEAL_P12)") from None
    passphrase = environ.get(SEAL_PASSPHRASE_ENV, "").encode()
    if settings.seal_passphrase_file:
        try:
            passphrase = Path(settings.seal_passphrase_file).read_bytes().rstrip(b"\r\n")
        except OSError as exc:
            raise ValueError(f"seal passphrase file {settings.seal_passphrase_file}: {exc.strerror}") from None
    return Sealer(p12=p12, passphrase=passphrase), trust
