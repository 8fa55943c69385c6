"""Scale-out for real: redis-server, a primary and three edges; followers anywhere get every seq once, in order, through chaos."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest

from ..support import ADMIN, EdgeServer, Server, small_agenda
from . import script
from .followers import Tail, until
from .test_live_nonreading import open_never_reading, server_side

SECRET = "ghi chú riêng của thư ký"


class Roaming(Tail):
    """A follower that resumes on the next edge of its list whenever its connection ends (``since`` = its last seq)."""

    def __init__(self, urls: list[str], since: int = 0, first: int = 0) -> None:
        super().__init__(urls[first], since)
        self.urls, self.at = urls, first
        self.edges_used: list[int] = []

    async def connection(self, **options) -> None:
        self.url = self.urls[self.at]
        self.edges_used.append(self.at)
        await super().connection(**options)
        if not self.done:
            self.at = (self.at + 1) % len(self.urls)


def _commands_for(s, seconds: float) -> int:
    """Mark attendance back and forth for ``seconds`` (the scenario's own length); the last seq acknowledged."""
    end, seq, flip = time.monotonic() + seconds, 0, 0
    while time.monotonic() < end:
        flip ^= 1
        body = {"type": "attendance.mark", "person": "tv-1", "status": "present"} if flip else \
            {"type": "attendance.mark", "person": "tv-1", "status": "online", "point": "tra-vinh"}
        seq = s.ok(s.chair, **body)["seq"]
    return seq


@pytest.fixture
def cluster(tmp_path, redis_server):
    """redis-server, a primary publishing to it, and three edges (backlog 16, so a stalled follower overflows soon)."""
    primary = Server(tmp_path / "primary" / "phienhop.db", env={"PHIENHOP_REDIS_URL": redis_server.url})
    (tmp_path / "primary").mkdir()
    primary.start()
    edges = [EdgeServer(tmp_path / f"edge{i}", primary.base, redis_server.url, "--follower-backlog", "16").start()
             for i in range(3)]
    yield redis_server, primary, edges
    for edge in edges:
        edge.kill()
    primary.kill()


async def test_followers_spread_over_edges_get_the_session_gapless_through_chaos(cluster):
    """Edge kill -9, FLUSHALL, Redis down 10 s, primary kill -9: every follower gets every seq exactly once, in order."""
    redis, primary, edges = cluster
    s = primary.create(small_agenda())
    epoch = s.snapshot()["epoch"]
    urls = [f"{e.ws}/api/sessions/{s.id}/live?token={s.public}" for e in edges]
    tails = [Roaming(urls, first=i % 3) for i in range(9)]
    chair_urls = [f"{e.ws}/api/sessions/{s.id}/live?token={s.chair}" for e in edges]
    chair = Roaming(chair_urls, first=1)
    point = Roaming([f"{e.ws}/api/sessions/{s.id}/live?token={s.point('tra-vinh')}" for e in edges], first=2)
    everyone = tails + [chair, point]
    deadline = time.monotonic() + 400
    following = [asyncio.create_task(t.follow(deadline)) for t in everyone]
    await until(lambda: all(t.ws is not None for t in everyone), 30, "every follower to connect to an edge")

    # A point seen at an edge is online on the primary (the one writer of point.online).
    await until(lambda: "tra-vinh" in s.snapshot()["state"]["online_points"], 30, "tra-vinh online via its edge")

    await asyncio.to_thread(script.opening, s)
    await asyncio.to_thread(script.middle, s)  # notes: the chair reads their text, the public never
    head = s.snapshot()["seq"]
    await until(lambda: all(t.last >= head for t in everyone), 30, "everyone to reach the middle of the session")

    # kill -9 one edge: its followers resume on the next one with since.
    edges[0].kill()
    n1 = await asyncio.to_thread(_commands_for, s, 1.0)
    await until(lambda: all(t.last >= n1 for t in everyone), 30, "the first edge's followers to resume elsewhere")
    assert all(t.connections >= 2 for t in everyone if t.edges_used[0] == 0)

    # FLUSHALL: edges fill from the primary.
    assert redis.command("FLUSHALL") == "+OK"
    n2 = await asyncio.to_thread(_commands_for, s, 1.0)
    await until(lambda: all(t.last >= n2 for t in everyone), 30, "everyone after FLUSHALL")

    # Redis stopped for 10 s (commands keep coming), then restarted empty.
    redis.kill()
    n3 = await asyncio.to_thread(_commands_for, s, 10.0)
    await until(lambda: all(t.last >= n3 for t in everyone), 30, "everyone while Redis is down (from the primary)")
    redis.start()
    n4 = await asyncio.to_thread(_commands_for, s, 1.0)
    await until(lambda: all(t.last >= n4 for t in everyone), 30, "everyone after Redis came back")
    await until(lambda: redis.command("XLEN", f"ph:{s.id}:log") == f":{n4}", 30, "the primary to republish the tail")

    # kill -9 the primary mid-vote; restart: same epoch, tail republished, acknowledged votes intact.
    s.ok(s.chair, type="item.end", item="khai-mac")
    s.ok(s.chair, type="item.start", item="du-thao")
    poll = next(e["poll"] for e in s.ok(s.chair, type="poll.open", item="du-thao")["events"] if e["type"] == "poll.opened")
    acked = [s.ok(s.person(p), type="vote.cast", poll=poll, choice="yes")["seq"] for p in ("chu-toa", "tv-1", "tv-2")]
    port = primary.port
    primary.kill()
    assert redis.command("DEL", f"ph:{s.id}:log") == ":1"  # what the primary must republish when it is back
    primary.start(port=port)
    assert s.snapshot()["epoch"] == epoch
    log = s.events(token=s.chair)
    assert [e["type"] for e in log if e["seq"] in acked] == ["vote.cast"] * 3
    await until(lambda: redis.command("XLEN", f"ph:{s.id}:log") == f":{log[-1]['seq']}", 30,
                "the restarted primary to republish the tail")
    for p, choice in (("tv-3", "no"), ("tv-4", "yes")):
        s.ok(s.person(p), type="vote.cast", poll=poll, choice=choice)
    closed = next(e for e in s.ok(s.chair, type="poll.close", poll=poll)["events"] if e["type"] == "poll.closed")
    assert (closed["counts"]["yes"], closed["counts"]["no"]) == (4, 1)
    s.ok(s.chair, type="item.end", item="du-thao")
    s.ok(s.chair, type="session.close")
    head = s.snapshot()["seq"]
    await asyncio.wait_for(asyncio.gather(*following), 120)
    for t in everyone:
        t.check_complete(head)
    notes = [json.loads(m) for m in chair.raw if '"note.recorded"' in m]
    assert len(notes) == 5 and all(n["text"].startswith("Ghi chú") for n in notes)
    for t in tails:
        public_notes = [json.loads(m) for m in t.raw if '"note.recorded"' in m]
        assert [(n["text"], n["private"]) for n in public_notes] == [(None, True)] * 5
        assert "Ghi chú" not in "".join(t.raw)


async def test_a_follower_resumes_exactly_on_another_edge_and_a_stalled_one_is_cut_off(cluster):
    """Leave edge 1 at seq N, come back on edge 2 with since=N: exactly N+1.. arrives; a non-reading follower on edge 0 is let go, others unaffected."""
    redis, primary, edges = cluster
    s = primary.create(small_agenda())
    await asyncio.to_thread(script.opening, s)
    base = s.snapshot()["seq"]
    url = f"{edges[1].ws}/api/sessions/{s.id}/live?token={s.chair}"
    mover = Tail(url, since=base)
    first = asyncio.create_task(mover.connection())
    await until(lambda: mover.ws is not None, 20, "the follower on edge 1")
    mid = s.ok(s.chair, type="conclusion.record", item="khai-mac", text="một")["seq"]
    await until(lambda: mover.last >= mid, 20, "the first conclusion on edge 1")
    await mover.ws.close()
    await first
    later = [s.ok(s.chair, type="conclusion.record", item="khai-mac", text=str(i))["seq"] for i in range(3)]
    mover.url = f"{edges[2].ws}/api/sessions/{s.id}/live?token={s.chair}"
    second = asyncio.create_task(mover.connection())
    await until(lambda: mover.last >= later[-1], 20, "the rest on edge 2")
    assert mover.seqs == list(range(base + 1, later[-1] + 1))

    # A follower on edge 0 that never reads: the edge lets it go; a reader on the same edge gets everything.
    path = f"/api/sessions/{s.id}/live?since={later[-1]}&token={s.public}"
    stuck = open_never_reading(edges[0].port, path)
    reader = Tail(f"{edges[0].ws}/api/sessions/{s.id}/live?token={s.public}", since=later[-1])
    reading = asyncio.create_task(reader.connection())
    await until(lambda: reader.ws is not None, 20, "the reader on edge 0")
    text = "k" * 19_000
    def flood() -> int:
        return max(s.ok(s.chair, type="conclusion.record", item="khai-mac", text=f"{i} {text}")["seq"] for i in range(250))
    head = await asyncio.to_thread(flood)
    await until(lambda: server_side(edges[0].port, {stuck.getsockname()[1]}) == 0, 60, "edge 0 to let the stalled follower go")
    await until(lambda: reader.last >= head, 60, "the reader on edge 0 to get everything")
    assert reader.seqs == list(range(later[-1] + 1, head + 1))
    stuck.close()
    for task in (second, reading):
        task.cancel()


def test_the_edge_serves_events_since_with_the_primary_s_contract_and_refuses_the_rest(cluster):
    """``events?since=`` on an edge equals the primary's, per audience; a bad token is 401; a command is 404 (go to the primary)."""
    redis, primary, edges = cluster
    s = primary.create(small_agenda())
    script.opening(s)
    s.ok(s.secretary, type="note.record", item="khai-mac", text=SECRET)
    for token in (s.public, s.chair):
        on_primary = primary.http.get(f"/api/sessions/{s.id}/events?since=2", headers={"Authorization": f"Bearer {token}"})
        on_edge = httpx.get(f"{edges[1].base}/api/sessions/{s.id}/events?since=2", headers={"Authorization": f"Bearer {token}"})
        assert on_edge.status_code == 200 and on_edge.json() == on_primary.json()
    assert SECRET not in httpx.get(f"{edges[1].base}/api/sessions/{s.id}/events?since=0",
                                   headers={"Authorization": f"Bearer {s.public}"}).text
    for query in ("since=abc", "since=1&since=2", "since=99999"):  # refused alike, code and words
        on_primary = primary.http.get(f"/api/sessions/{s.id}/events?{query}", headers={"Authorization": f"Bearer {s.public}"})
        on_edge = httpx.get(f"{edges[1].base}/api/sessions/{s.id}/events?{query}", headers={"Authorization": f"Bearer {s.public}"})
        assert (on_edge.status_code, on_edge.json()) == (on_primary.status_code, on_primary.json()) and on_edge.status_code == 400
        assert on_edge.json()["error"] == "since.invalid"
    bad = httpx.get(f"{edges[1].base}/api/sessions/{s.id}/events", headers={"Authorization": "Bearer nope"})
    assert (bad.status_code, bad.json()["error"]) == (401, "unauthorized")
    command = httpx.post(f"{edges[1].base}/api/sessions/{s.id}/commands", json={"type": "session.close"},
                         headers={"Authorization": f"Bearer {s.chair}"})
    assert command.status_code == 404
    assert httpx.get(f"{edges[1].base}/api/sessions/nope/events", headers={"Authorization": f"Bearer {ADMIN}"}).status_code == 404


async def test_a_rotated_link_stops_on_every_edge_within_seconds(cluster):
    """After the admin rotates a point's link, its open streams on the edges close 4401 and it is refused; the new link works."""
    redis, primary, edges = cluster
    s = primary.create(small_agenda())
    old = s.point("tra-vinh")
    tails = [Tail(f"{e.ws}/api/sessions/{s.id}/live?token={old}", since=0) for e in edges]
    running = [asyncio.create_task(t.connection()) for t in tails]
    await until(lambda: all(t.ws is not None and t.last >= 1 for t in tails), 20, "the point followed on each edge")
    r = primary.http.post(f"/api/sessions/{s.id}/tokens/rotate", json={"role": "point", "subject": "tra-vinh"},
                          headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 200, r.text
    new = r.json()["token"]
    await asyncio.wait_for(asyncio.gather(*running), 20)
    assert [t.closes for t in tails] == [[4401]] * 3
    refused = Tail(f"{edges[0].ws}/api/sessions/{s.id}/live?token={old}")
    await refused.connection()
    assert refused.closes == [4401]
    fresh = Tail(f"{edges[2].ws}/api/sessions/{s.id}/live?token={new}")
    task = asyncio.create_task(fresh.connection())
    await until(lambda: fresh.last >= 1, 20, "the new link to follow on an edge")
    await fresh.ws.close()
    await task
