"""Audiences: a note's text reaches the chair, the secretary and the admin; everyone else gets the event without it."""

from __future__ import annotations

import asyncio
import json

from ..support import ADMIN, small_agenda
from . import script
from .wsread import Follower

SECRET = "Ghi chú chưa hoàn chỉnh: bí mật"


def _note_seqs(s, count: int) -> list[int]:
    return [s.ok(s.secretary, type="note.record", item="khai-mac", text=f"{SECRET} {i}")["seq"] for i in range(count)]


async def test_a_public_follower_never_receives_a_note_s_text_on_the_primary(srv):
    """Live, events?since= and the snapshot: public, point and member tokens see ``text: null, private: true`` at the same seqs; chair, secretary and admin see the text."""
    s = srv.create(small_agenda())
    await asyncio.to_thread(script.opening, s)
    base = s.snapshot()["seq"]
    readers = {"public": s.public, "point": s.point("tra-vinh"), "member": s.person("tv-1"),
               "chair": s.chair, "secretary": s.secretary, "admin": ADMIN}
    followers = {name: Follower(s.live_url(token, since=base)) for name, token in readers.items()}
    try:
        seqs = await asyncio.to_thread(_note_seqs, s, 3)
        for name, follower in followers.items():
            events = [e for e in await asyncio.to_thread(follower.until, seqs[-1]) if e["type"] == "note.recorded"]
            assert [e["seq"] for e in events] == seqs, name  # (the point's own point.online comes first)
            raw = "".join(follower.raw)
            if name in ("chair", "secretary", "admin"):
                assert [e["text"] for e in events] == [f"{SECRET} {i}" for i in range(3)], name
                assert all("private" not in e for e in events), name
            else:
                assert SECRET not in raw, name
                assert [(e["type"], e["text"], e["private"], e["item"]) for e in events] == \
                    [("note.recorded", None, True, "khai-mac")] * 3, name
    finally:
        for follower in followers.values():
            follower.__exit__()
    for name, token in readers.items():
        privileged = name in ("chair", "secretary", "admin")
        events = [e for e in s.events(since=base, token=token) if e["type"] == "note.recorded"]
        assert [e["seq"] for e in events] == seqs
        assert [e["text"] for e in events] == ([f"{SECRET} {i}" for i in range(3)] if privileged else [None] * 3), name
        notes = s.snapshot(token)["state"]["notes"]
        assert [n["seq"] for n in notes] == seqs
        if privileged:
            assert [n["text"] for n in notes] == [f"{SECRET} {i}" for i in range(3)], name
        else:
            assert [(n["text"], n["private"]) for n in notes] == [(None, True)] * 3, name
            assert SECRET not in json.dumps(s.snapshot(token)), name


def test_catching_up_from_the_log_hides_the_text_too(srv):
    """A public follower that connects after the notes were recorded reads them from the log without their text."""
    s = srv.create(small_agenda())
    script.opening(s)
    seqs = _note_seqs(s, 2)
    with Follower(s.live_url(s.public, since=0)) as follower:
        events = follower.until(seqs[-1])
    assert [e["seq"] for e in events] == list(range(1, seqs[-1] + 1))
    assert [e["text"] for e in events if e["type"] == "note.recorded"] == [None, None]
    assert SECRET not in "".join(follower.raw)
