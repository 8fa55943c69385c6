"""Per-poll secrets that make vote receipts, kept outside the database.

A receipt is HMAC(poll secret, session|poll|person|choice): the same vote always gets the same
receipt (so retries are recognised), yet the database holds only the receipt's hash. While
the poll is open the ballot box keeps each choice *sealed* with the same secret, because the
database file's history (the WAL, commit by commit) shows which ballot row arrived with which
member's vote event. At the close the box is re-issued in clear under fresh random keys and
the secret is deleted, so after that nobody, not even the operator, can link a secret ballot
to a member.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path


class PollKeys:
    """A JSON file of ``{"session/poll": hex secret}``, rewritten atomically and fsynced."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path else None
        self._keys: dict[str, str] = {}
        if self.path and self.path.exists():
            self._keys = json.loads(self.path.read_text("utf-8"))

    def create(self, session: str, poll: str) -> None:
        self._keys[f"{session}/{poll}"] = secrets.token_hex(32)
        self._save()

    def drop(self, session: str, poll: str) -> None:
        if self._keys.pop(f"{session}/{poll}", None) is not None:
            self._save()

    def has(self, session: str, poll: str) -> bool:
        return f"{session}/{poll}" in self._keys

    def receipt(self, session: str, poll: str, person: str, choice: str) -> str | None:
        """The voter's receipt, or None when the poll has no secret (closed or unknown)."""
        return self._mac(session, poll, f"{session}|{poll}|{person}|{choice}")

    def seal(self, session: str, poll: str, ballot_key: str, choice: str) -> str | None:
        """A ballot's choice as the box keeps it while the poll is open, or None without the secret."""
        return self._mac(session, poll, f"sealed|{ballot_key}|{choice}")

    def unseal(self, session: str, poll: str, ballot_key: str, sealed: str, choices) -> str | None:
        """Which of ``choices`` ``sealed`` holds, or None (no secret any more, or not one of ours)."""
        for choice in choices:
            mine = self.seal(session, poll, ballot_key, choice)
            if mine is not None and hmac.compare_digest(mine, sealed):
                return choice
        return None

    def _mac(self, session: str, poll: str, message: str) -> str | None:
        key = self._keys.get(f"{session}/{poll}")
        if key is None:
            return None
        return hmac.new(bytes.fromhex(key), message.encode(), hashlib.sha256).hexdigest()[:32]

    def _save(self) -> None:
        if self.path is None:
            return
        tmp = self.path.with_suffix(self.path.suffix + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self._keys, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        # The rename itself must survive a power cut: an open secret poll's box is sealed with this key.
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def receipt_hash(receipt: str) -> str:
    """What the ballot box stores: the receipt's hash, never the receipt."""
    return hashlib.sha256(receipt.encode()).hexdigest()
