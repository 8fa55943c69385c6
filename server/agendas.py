"""Reading agenda files from disk: the draft files they name, and a hash to know them again."""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import jsoncheck
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


def check_json(data: bytes) -> None:
    """A key given twice or a number out of range in a JSON agenda: AgendaError at its key path.

    msgspec would keep a key's last value and fail a huge number without its path; the server (422)
    and ``phienhop create`` both read agendas through here, so both refuse them the same way.
    """
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return  # the agenda's decoder says so
    found = jsoncheck.problem(text)
    if found is None:
        return  # types: the agenda is converted strictly (domain.agenda)
    kind, path, key = found
    if kind == jsoncheck.DUPLICATE:
        raise AgendaError(jsoncheck.key_path([*path, key]), "key.twice")
    raise AgendaError(jsoncheck.key_path(path), "number.range")


def load_agenda(data: bytes, base: Path, fmt: str = "toml") -> tuple[Agenda, str]:
    """A checked agenda with its drafts read from ``base``, and the sha256 of what was read."""
    if fmt == "json":
        check_json(data)
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
