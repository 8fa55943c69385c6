"""The fan-out seam in process: overflow policy, a never-blocking unsubscribe, lost events repaired."""

from __future__ import annotations

import asyncio
import json

import msgspec
from litestar.testing import TestClient

from phienhop.server import app as app_module
from phienhop.server.live import FollowerSubscriber, Hub, text_frame
from phienhop.server.settings import Settings

from ..support import ADMIN, small_agenda


async def test_overflow_flags_the_follower_and_calls_its_hook_once():
    """The first event that does not fit flags the subscriber and calls on_overflow once; nothing blocks."""
    hub = Hub(backlog=2)
    async with hub.plugin:
        subscriber: FollowerSubscriber = await hub.subscribe("s")
        calls = []
        subscriber.on_overflow = lambda: calls.append(1)
        assert [subscriber.put_nowait(b"x") for _ in range(4)] == [True, True, False, False]
        assert subscriber.overflowed and calls == [1]


async def test_unsubscribing_a_full_follower_does_not_hang():
    """Litestar's unsubscribe puts an end marker; on a full queue that nobody reads it must not wait forever."""
    hub = Hub(backlog=2)
    async with hub.plugin:
        subscriber = await hub.subscribe("s")
        subscriber.put_nowait(b"1")
        subscriber.put_nowait(b"2")
        await asyncio.wait_for(hub.unsubscribe(subscriber), 2)
        assert [item async for item in subscriber.iter_events()] == [b"2"]  # the oldest gave way to the end marker


class LossyHub(Hub):
    """A fan-out that loses every third event, as a channel under pressure may."""

    published = 0

    def publish(self, session: str, data: bytes) -> None:
        LossyHub.published += 1
        if LossyHub.published % 3:
            super().publish(session, data)


def test_events_lost_by_the_channel_are_sent_from_the_log_in_order(tmp_path, monkeypatch):
    """With a channel that drops every third event (the last one too), a follower still gets every seq once, in order."""
    monkeypatch.setattr(app_module, "Hub", LossyHub)
    app = app_module.create_app(Settings(db=str(tmp_path / "x.db"), admin_token=ADMIN))
    with TestClient(app) as client:
        created = client.post("/api/sessions", content=msgspec.json.encode(small_agenda()),
                              headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}).json()
        session, chair = created["id"], created["tokens"]["chair"]

        def command(**body) -> None:
            r = client.post(f"/api/sessions/{session}/commands", json=body, headers={"Authorization": f"Bearer {chair}"})
            assert r.status_code == 200, r.text

        with client.websocket_connect(f"/api/sessions/{session}/live?since=1&token={chair}") as ws:
            command(type="session.open")
            for person in ("chu-toa", "tv-1", "tv-2", "tv-3", "tv-4", "thu-ky"):
                command(type="attendance.mark", person=person, status="present")
            command(type="item.start", item="khai-mac")
            seqs = [json.loads(ws.receive_text())["seq"] for _ in range(8)]
    assert LossyHub.published >= 8
    assert seqs == list(range(2, 10))


async def test_a_caught_up_follower_is_written_to_directly_and_falls_back_to_its_queue():
    """In order, an event is sent at once; a gap or a send that would wait goes to the queue and disarms the fast path."""
    sent, full = [], []

    def write(frame: bytes) -> bool:
        if full:
            return False  # a socket that cannot take more
        sent.append(frame)
        return True

    hub = Hub(backlog=8)
    async with hub.plugin:
        subscriber: FollowerSubscriber = await hub.subscribe("s")
        subscriber.forwarded, subscriber.direct = 4, write
        assert subscriber.put_nowait(b'{"seq":5}') and subscriber.put_nowait(b'{"seq":5}')
        assert (sent, subscriber.forwarded, subscriber.qsize) == ([text_frame(b'{"seq":5}')], 5, 0)
        subscriber.put_nowait(b'{"seq":7}')  # a gap: the handler fills it from the log
        assert (subscriber.direct, subscriber.qsize, subscriber.forwarded) == (None, 1, 5)
        subscriber.direct = write
        full.append(True)
        subscriber.put_nowait(b'{"seq":6}')
        assert (subscriber.direct, subscriber.qsize, sent) == (None, 2, [text_frame(b'{"seq":5}')])


def test_a_text_frame_has_the_rfc_6455_header_of_each_length_class():
    """A server text frame: FIN and opcode 1, then a 7-bit, 16-bit or 64-bit length, no mask, then the bytes."""
    for size, header in ((0, b"\x81\x00"), (125, b"\x81\x7d"), (126, b"\x81\x7e\x00\x7e"),
                         (65535, b"\x81\x7e\xff\xff"), (65536, b"\x81\x7f" + (65536).to_bytes(8, "big"))):
        data = b"x" * size
        assert text_frame(data) == header + data


