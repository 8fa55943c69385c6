"""Reading agenda files from disk: the draft files they name, and a hash to know them again."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .domain.agenda import Agenda, AgendaError, decode_agenda, decode_text, with_drafts


def draft_reader(base: Path):
    """Reads drafts relative to ``base``, refusing paths that climb out of it."""
    base = base.resolve()

    def read(name: str) -> str:
        path = (base / name).resolve()
        if base not in path.parents:
            raise AgendaError("(file)", "draft.outside", folder=base.name, draft=name)
        return decode_text(path.read_bytes(), name)

    return read


def load_agenda(data: bytes, base: Path, fmt: str = "toml") -> tuple[Agenda, str]:
    """A checked agenda with its drafts read from ``base``, and the sha256 of what was read."""
    agenda = with_drafts(decode_agenda(data, fmt=fmt), draft_reader(base))
    source = hashlib.sha256(data).hexdigest()
    return agenda, source


def load_agenda_file(path: str | Path) -> tuple[Agenda, str]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AgendaError("(file)", "file.unreadable", file=str(path), error=exc.strerror or str(exc)) from None
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    return load_agenda(data, path.parent, fmt)
