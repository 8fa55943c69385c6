"""The epoch: the hash of a session's first event, answered with the snapshot and events; a follower of another history gets 4409."""

from __future__ import annotations

from ..support import small_agenda
from .wsread import Follower, event_bytes, refused


def test_a_follower_with_another_epoch_is_closed_4409_and_the_right_one_follows(srv):
    """``?epoch=`` equal to the snapshot's epoch follows as usual; any other is refused with 4409 and its reason."""
    s = srv.create(small_agenda())
    epoch = s.snapshot()["epoch"]
    r = srv.http.get(f"/api/sessions/{s.id}/events", params={"since": 0}, headers={"Authorization": f"Bearer {s.public}"})
    assert r.json()["epoch"] == epoch and len(epoch) == 64
    import hashlib
    assert epoch == hashlib.sha256(bytes(32) + event_bytes(srv.db, s.id, 1)).hexdigest()  # the chain's first link
    assert refused(s.live_url(s.public) + "&epoch=" + "0" * 64) == (
        4409, "history changed: this session's log is not the one you followed; reload from since=0")
    # Another history is told as such even when its ``since`` is past this log's head (a 4400 would leave it stuck).
    assert refused(s.live_url(s.public, since=99) + "&epoch=" + "0" * 64) == (
        4409, "history changed: this session's log is not the one you followed; reload from since=0")
    with Follower(s.live_url(s.public) + f"&epoch={epoch}") as follower:
        assert [e["type"] for e in follower.until(1)] == ["session.created"]
