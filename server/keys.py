"""Per-poll secrets that make vote receipts, kept outside the database.

A receipt is HMAC(poll secret, session|poll|person|choice): the same vote always gets the same
receipt (so retries are recognised), yet the database holds only the receipt's hash. The
secret lives in a small file beside the database and is deleted when the poll closes, so
after that nobody, not even the operator, can link a secret ballot to a member.
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

    def receipt(self, session: str, poll: str, person: str, choice: str) -> str | None:
        """The voter's receipt, or None when the poll has no secret (closed or unknown)."""
        key = self._keys.get(f"{session}/{poll}")
        if key is None:
            return None
        message = f"{session}|{poll}|{person}|{choice}".encode()
        return hmac.new(bytes.fromhex(key), message, hashlib.sha256).hexdigest()[:32]

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


def receipt_hash(receipt: str) -> str:
    """What the ballot box stores: the receipt's hash, never the receipt."""
    return hashlib.sha256(receipt.encode()).hexdigest()
