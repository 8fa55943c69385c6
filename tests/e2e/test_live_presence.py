"""Point presence: online while a connection with its token is open, offline after a debounce."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from ..support import Server, small_agenda
from .followers import until

DEBOUNCE = 1.0


@pytest.fixture
def presence_server(tmp_path):
    srv = Server(tmp_path / "phienhop.db", env={"PHIENHOP_PRESENCE_DEBOUNCE": str(DEBOUNCE)}).start()
    yield srv
    srv.kill()


def _presence(s) -> list[dict]:
    return [e for e in s.events(0) if e["type"] in ("point.online", "point.offline")]


async def test_online_while_any_connection_is_open_and_offline_after_the_debounce(presence_server):
    """Two connections of one point: one online event, and one offline event a debounce after the last closes."""
    s = presence_server.create(small_agenda())
    url = s.live_url(token=s.point("tra-vinh"))
    first = await connect(url, open_timeout=10)
    second = await connect(url, open_timeout=10)
    await until(lambda: len(_presence(s)) == 1, 10, "point.online")
    await first.close()
    await second.close()
    closed_at = dt.datetime.now(dt.timezone.utc)
    await until(lambda: len(_presence(s)) == 2, 10 + DEBOUNCE, "point.offline")
    online, offline = _presence(s)
    assert (online["type"], online["point"], offline["type"], offline["point"]) == (
        "point.online", "tra-vinh", "point.offline", "tra-vinh")
    assert dt.datetime.fromisoformat(offline["at"]) - closed_at >= dt.timedelta(seconds=DEBOUNCE - 0.05)
    assert "tra-vinh" not in s.snapshot()["state"]["online_points"]


async def test_a_quick_reconnect_does_not_flap(presence_server):
    """A point that reconnects within the debounce stays online: no offline/online pair in the log."""
    s = presence_server.create(small_agenda())
    url = s.live_url(token=s.point("tra-vinh"))
    ws = await connect(url, open_timeout=10)
    await until(lambda: len(_presence(s)) == 1, 10, "point.online")
    for _ in range(3):
        await ws.close()
        ws = await connect(url, open_timeout=10)
    other = s.live_url(token=s.public)
    async with connect(other, open_timeout=10):  # the public screen counts for no point
        pass
    await ws.close()
    await until(lambda: len(_presence(s)) == 2, 10 + DEBOUNCE, "point.offline")
    assert [e["type"] for e in _presence(s)] == ["point.online", "point.offline"]


async def test_a_connection_cut_while_it_is_set_up_leaves_the_room_and_its_point_goes_offline(tmp_path):
    """A point's connection revoked while it is still being set up (a pause injected there) is closed 4401, leaves the
    room (no follower left open) and its point goes offline after the debounce: nothing of it stays behind."""
    import httpx

    from ..support import ADMIN

    srv = Server(tmp_path / "phienhop.db", env={"PHIENHOP_PRESENCE_DEBOUNCE": str(DEBOUNCE),
                                                "PHIENHOP_FAULTS": "live-setup-pause=600"}).start()
    try:
        s = srv.create(small_agenda())

        def followers() -> int:
            r = srv.http.get("/api/status", headers={"Authorization": f"Bearer {ADMIN}"})
            assert r.status_code == 200, r.text
            return r.json()["followers"]

        ws = await connect(s.live_url(token=s.point("tra-vinh")), open_timeout=10)
        await until(lambda: len(_presence(s)) == 1, 10, "point.online")  # recorded; the set-up now pauses
        assert followers() == 1
        async with httpx.AsyncClient(base_url=srv.base) as http:
            r = await http.post(f"/api/sessions/{s.id}/tokens/rotate", json={"role": "point", "subject": "tra-vinh"},
                                headers={"Authorization": f"Bearer {ADMIN}"})
        assert r.status_code == 200, r.text
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 20)
        rcvd = closed.value.rcvd
        await until(lambda: followers() == 0, 10, "the follower to leave the room")
        await until(lambda: len(_presence(s)) == 2, 10 + DEBOUNCE, "point.offline")
        assert [(e["type"], e["point"]) for e in _presence(s)] == [("point.online", "tra-vinh"), ("point.offline", "tra-vinh")]
        assert (rcvd.code, rcvd.reason) == (4401, "this link was revoked: ask the admin for a new one")
    finally:
        srv.kill()


async def test_a_closed_session_counts_no_point_connected(presence_server):
    """A point connected through the close is not counted connected after it, in the server's state and in the view
    `phienhop follow` prints (from a snapshot, and applying the close as an event), also once its screen disconnects."""
    from phienhop.client.view import View

    s = presence_server.create(small_agenda())
    ws = await connect(s.live_url(token=s.point("tra-vinh")), open_timeout=10)
    await until(lambda: len(_presence(s)) == 1, 10, "point.online")
    s.ok(s.chair, type="session.open")
    following = View(s.snapshot(s.chair), lang="vi")
    assert "điểm cầu kết nối 1/2" in following.attendance_line()
    s.ok(s.chair, type="session.close")
    for event in [e for e in s.events(0, token=s.chair) if e["seq"] > following.seq]:
        following.apply(event)
    assert "điểm cầu kết nối 0/2" in following.attendance_line()
    assert s.snapshot()["state"]["online_points"] == []
    assert "điểm cầu kết nối 0/2" in View(s.snapshot(s.chair), lang="vi").attendance_line()
    await ws.close()
    s.ok(s.secretary, type="note.record", item=small_agenda()["items"][0]["id"], text="Ghi sau bế mạc")
    assert s.snapshot()["state"]["online_points"] == []
    assert [e["type"] for e in _presence(s)] == ["point.online"]  # presence is not recorded after the close


async def test_a_link_rotated_between_its_check_and_the_join_is_cut_once_in(tmp_path):
    """A connection whose token was checked, then rotated before it joined the room (the live-admit-hold fault holds it
    there), is closed 4401 'revoked' once it is in; without the second check it followed on with the old link."""
    import httpx

    from ..support import ADMIN

    release = tmp_path / "release"
    srv = Server(tmp_path / "phienhop.db", env={"PHIENHOP_FAULTS": f"live-admit-hold={release}"}).start()
    try:
        s = srv.create(small_agenda())
        url = s.live_url(token=s.public)

        async def opening():
            return await connect(url, open_timeout=30)

        connecting = asyncio.create_task(opening())
        await until(lambda: "live-admit-hold: holding" in srv.output.read_text(errors="replace"), 20,
                    "the connection to be held after its token check")
        async with httpx.AsyncClient(base_url=srv.base) as http:
            r = await http.post(f"/api/sessions/{s.id}/tokens/rotate", json={"role": "public"},
                                headers={"Authorization": f"Bearer {ADMIN}"})
        assert r.status_code == 200, r.text
        release.touch()
        ws = await connecting
        with pytest.raises(ConnectionClosed) as closed:
            async with asyncio.timeout(20):
                while True:
                    await ws.recv()
        rcvd = closed.value.rcvd
        assert (rcvd.code, rcvd.reason) == (4401, "this link was revoked: ask the admin for a new one")
    finally:
        srv.kill()
