"""Agenda files (TOML) and the drafts they put to the vote; shipped inside the package as data."""

from pathlib import Path

DIR = Path(__file__).resolve().parent
REFERENCE = DIR / "uy-ban-chuyen-doi-so-2021-11-30.toml"  # the reference session (30/11/2021)
