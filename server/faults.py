"""Faults for the failure-path tests, injected at real seams; off unless ``PHIENHOP_FAULTS`` is set.

``PHIENHOP_FAULTS`` is a comma-separated list of ``name`` or ``name=value``:

- ``commit-pause=S``: the store waits S seconds after SQLite's COMMIT returned, before
  ``commit`` does (a slow fsync): a stop or a cancel arrives while the COMMIT is in flight.
- ``render-exit``: the minutes render process exits in the middle of every render.
- ``prepare-fail=TEXT``: deciding a command that carries TEXT in a string field raises an
  unexpected error (a bug in one command of a group commit).
- ``live-setup-pause=S``: a live connection waits S seconds in its set-up, after joining the
  room and recording its point online, before it sends anything: a cut (a revoked link, an
  overflow) arrives while it is being set up.
- ``live-admit-hold=PATH``: a live connection, once its token is checked, waits until the file
  PATH exists before it joins the room (it logs "live-admit-hold: holding" first): a rotation
  lands between the check and the join.

Never set in production; the server says so in its log at start when any is on.
"""

from __future__ import annotations

import os


def _parse(text: str) -> dict[str, str]:
    faults = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        faults[name] = value
    return faults


ACTIVE = _parse(os.environ.get("PHIENHOP_FAULTS", ""))


def value(name: str) -> str | None:
    """The fault's value ("" when it has none), or None when the fault is off."""
    return ACTIVE.get(name)
