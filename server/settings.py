"""Every setting in one table: it feeds the CLI options, their environment variables and the README."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec


class Setting(msgspec.Struct, frozen=True):
    name: str
    env: str
    default: str
    help: str


SETTINGS = [
    Setting("db", "PHIENHOP_DB", "var/phienhop.db", "SQLite file of the event log (created if missing)"),
    Setting("host", "PHIENHOP_HOST", "127.0.0.1", "address to listen on"),
    Setting("port", "PHIENHOP_PORT", "8000", "port to listen on"),
    Setting("agenda_dir", "PHIENHOP_AGENDA_DIR", "agendas", "where drafts named by POSTed agendas are read from"),
    Setting("public_url", "PHIENHOP_PUBLIC_URL", "", "base URL printed in join links (default http://HOST:PORT); behind a proxy, also an accepted Origin"),
    Setting("admin_token", "PHIENHOP_ADMIN_TOKEN", "", "admin token (default: generated at first start, printed once)"),
    Setting("presence_debounce", "PHIENHOP_PRESENCE_DEBOUNCE", "5", "seconds a connection point may be gone before it is marked offline"),
    Setting("follower_backlog", "PHIENHOP_FOLLOWER_BACKLOG", "256", "live events queued for one follower before it is cut off (close 4408) to resume"),
]


class Settings(msgspec.Struct):
    db: str = "var/phienhop.db"
    host: str = "127.0.0.1"
    port: int = 8000
    agenda_dir: str = "agendas"
    public_url: str = ""
    admin_token: str = ""
    presence_debounce: float = 5.0
    follower_backlog: int = 256
    agendas: list[str] = msgspec.field(default_factory=list)

    @property
    def keys_path(self) -> Path:
        return Path(self.db + ".keys")

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


def defaults_from_env(environ=os.environ) -> dict[str, str]:
    """Each setting's default, overridden by its environment variable when set."""
    return {s.name: environ.get(s.env, s.default) for s in SETTINGS}
