"""Votes against a real server: concurrent casting, racing the close, and a kill -9 mid-burst."""

from __future__ import annotations

import asyncio
import collections
import json

import httpx
import websockets

from tests.support import Server, Session, small_agenda

CHOICES = ("yes", "no", "abstain")


def choice_of(person: str) -> str:
    """A fixed, mixed choice per member, so counts per choice are checkable."""
    return CHOICES[sum(map(ord, person)) % 3]


def client(server: Server, connections: int = 100) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=server.base, timeout=30, limits=limits)


async def post(http: httpx.AsyncClient, session: Session, token: str, **body) -> httpx.Response:
    return await http.post(f"/api/sessions/{session.id}/commands", json=body, headers={"Authorization": f"Bearer {token}"})


async def ready(session: Session, members: list[str], ballot_rule: dict | None = None) -> str:
    """Open the session, mark ``members`` present (concurrently), start the item, open its poll."""
    session.ok(session.chair, type="session.open")
    async with client(session.server) as http:
        marks = await asyncio.gather(*(
            post(http, session, session.chair, type="attendance.mark", person=p, status="present") for p in members
        ))
    assert {r.status_code for r in marks} == {200}
    session.ok(session.chair, type="item.start", item="du-thao")
    opened = session.ok(session.chair, type="poll.open", item="du-thao")
    return opened["events"][0]["poll"]


def voters(n: int) -> list[str]:
    return ["chu-toa"] + [f"tv-{i}" for i in range(1, n)]


def token_of(session: Session, person: str) -> str:
    return session.chair if person == "chu-toa" else session.person(person)


def closed_event(events: list[dict], poll: str) -> dict:
    (closed,) = [e for e in events if e["type"] == "poll.closed" and e["poll"] == poll]
    return closed


async def test_100_concurrent_votes_are_all_counted(server):
    """100 members voting at once are each acknowledged, counted once, and followed live as 1..100 of 100."""
    session = server.create(small_agenda(voters=100))
    members = voters(100)
    poll = await ready(session, members)
    start = session.snapshot()["seq"]
    async with websockets.connect(session.live_url(since=start)) as follower:
        async with client(server) as http:
            answers = await asyncio.gather(*(
                post(http, session, token_of(session, p), type="vote.cast", poll=poll, choice=choice_of(p)) for p in members
            ))
        assert [r.status_code for r in answers] == [200] * 100
        receipts = [r.json()["receipt"] for r in answers]
        assert len(set(receipts)) == 100 and all(receipts)
        live = [json.loads(await asyncio.wait_for(follower.recv(), 10)) for _ in range(100)]
    closed = closed_event(session.ok(session.chair, type="poll.close", poll=poll)["events"], poll)

    expected = collections.Counter(choice_of(p) for p in members)
    assert closed["votes"] == {c: expected[c] for c in CHOICES}
    assert closed["counts"] == closed["votes"]  # every weight is 1
    assert (closed["voted"], closed["not_voted"], closed["members"], closed["present"]) == (100, 0, 100, 100)
    assert sorted((r["person"], r["choice"]) for r in closed["roll"]) == sorted((p, choice_of(p)) for p in members)

    cast = [e for e in session.events(since=start) if e["type"] == "vote.cast"]
    assert [e["voted"] for e in cast] == list(range(1, 101))  # exact for each seq, no repeats
    assert {e["of"] for e in cast} == {100}
    assert sorted(e["person"] for e in cast) == sorted(members)
    assert live == cast  # the follower saw the same events, in seq order


async def test_votes_racing_the_close_count_exactly_the_acknowledged_ones(server):
    """Of 50 votes racing poll.close, each 200 is in the result and each 409 poll.closed is not."""
    session = server.create(small_agenda(voters=51))
    members = voters(51)[1:]  # the chair closes; 50 others vote
    poll = await ready(session, voters(51))
    acked: dict[str, dict] = {}
    refused: dict[str, dict] = {}
    half = asyncio.Event()
    gate = asyncio.Semaphore(8)  # enough in flight to race, few enough that some arrive after the close

    async with client(server) as http:

        async def vote(person: str) -> None:
            async with gate:
                r = await post(http, session, session.person(person), type="vote.cast", poll=poll, choice=choice_of(person))
            assert r.status_code in (200, 409), r.text
            (acked if r.status_code == 200 else refused)[person] = r.json()
            if len(acked) >= 20:
                half.set()

        async def close() -> httpx.Response:
            await half.wait()
            return await post(http, session, session.chair, type="poll.close", poll=poll)

        *_, closing = await asyncio.gather(*(vote(p) for p in members), close())

    assert closing.status_code == 200, closing.text
    assert len(acked) + len(refused) == 50
    assert acked and refused, (len(acked), len(refused))
    assert {r["error"] for r in refused.values()} == {"poll.closed"}
    closed = closed_event(closing.json()["events"], poll)
    assert sorted((r["person"], r["choice"]) for r in closed["roll"]) == sorted((p, choice_of(p)) for p in acked)
    expected = collections.Counter(choice_of(p) for p in acked)
    assert closed["counts"] == {c: expected[c] for c in CHOICES}
    assert closed["voted"] == len(acked)
    cast = [e["person"] for e in session.events() if e["type"] == "vote.cast"]
    assert sorted(cast) == sorted(acked)


async def test_kill_9_during_a_burst_keeps_every_acknowledged_vote(server):
    """After kill -9 mid-burst and a restart on the same file, every acknowledged vote is counted and retries get their receipt."""
    ballots = ("named", "secret")  # one session each on the same server, voting at the same time
    sessions = {b: server.create(small_agenda(voters=60, ballot=b)) for b in ballots}
    polls = {b: await ready(sessions[b], voters(60)) for b in ballots}
    members = voters(60)[1:]
    acked: dict[str, dict[str, str]] = {b: {} for b in ballots}
    gate = asyncio.Semaphore(16)

    async with client(server) as http:

        async def vote(ballot: str, person: str) -> None:
            session = sessions[ballot]
            try:
                async with gate:
                    r = await post(http, session, session.person(person), type="vote.cast", poll=polls[ballot],
                                   choice=choice_of(person))
            except httpx.TransportError:
                return  # the server died with this vote in flight: unknown, so not counted on
            if r.status_code == 200:
                acked[ballot][person] = r.json()["receipt"]
                if sum(map(len, acked.values())) == 40:
                    server.kill()

        await asyncio.gather(*(vote(b, p) for p in members for b in ballots))

    assert all(acked.values()) and 40 <= sum(map(len, acked.values())) < 2 * len(members)
    assert server.db.with_name(server.db.name + ".keys").exists()
    again = Server(server.db).start()
    counted, closed = {}, {}
    try:
        for ballot, session in sessions.items():
            revived, poll = Session(again, {"id": session.id, "tokens": session.tokens}), polls[ballot]
            state = revived.snapshot()["state"]["polls"][poll]
            assert state["status"] == "open"
            assert set(acked[ballot]) <= set(state["voters"])
            seq = revived.snapshot()["seq"]
            for person, receipt in acked[ballot].items():
                retry = revived.ok(revived.person(person), type="vote.cast", poll=poll, choice=choice_of(person))
                assert (retry["receipt"], retry["events"]) == (receipt, [])
            assert revived.snapshot()["seq"] == seq  # retries counted nothing
            counted[ballot] = set(state["voters"])
            closed[ballot] = closed_event(revived.ok(revived.chair, type="poll.close", poll=poll)["events"], poll)
    finally:
        again.kill()

    for ballot in ballots:
        assert closed[ballot]["voted"] == len(counted[ballot]) == sum(closed[ballot]["votes"].values())
        expected = collections.Counter(choice_of(p) for p in counted[ballot])
        assert closed[ballot]["votes"] == {c: expected[c] for c in CHOICES}  # each member's choice is fixed
    assert sorted((r["person"], r["choice"]) for r in closed["named"]["roll"]) == sorted(
        (p, choice_of(p)) for p in counted["named"]
    )
    assert closed["secret"]["roll"] is None
