"""The engine's writer with votes, in process: commands that share one batch, ballots, poll keys."""

from __future__ import annotations

import asyncio

import pytest

from phienhop.server.domain import Actor, Role
from phienhop.server.domain.agenda import decode_agenda
from phienhop.server.domain.commands import CastVote, ClosePoll, MarkAttendance, OpenPoll, OpenSession, StartItem
from phienhop.server.domain.events import Choice, Status
from phienhop.server.engine import Engine
from phienhop.server.keys import PollKeys
from phienhop.server.store import Store
from tests.support import small_agenda

CHAIR = Actor(role=Role.CHAIR, person="chu-toa")
MEMBERS = ["chu-toa", "tv-1", "tv-2", "tv-3", "tv-4"]


class Published:
    def __init__(self) -> None:
        self.data: list[bytes] = []

    def publish(self, session: str, data: bytes) -> None:
        self.data.append(data)


async def started(tmp_path, ballot: str) -> tuple[Engine, Store, str]:
    """An engine on a fresh file with a session open, everyone present and the poll's item started."""
    store = await Store(tmp_path / "e.db").open()
    engine = Engine(store, Published(), PollKeys(tmp_path / "e.db.keys"))
    await engine.start()
    session = (await engine.create_session(decode_agenda(small_agenda(voters=5, ballot=ballot)))).id
    await engine.command(session, CHAIR, OpenSession())
    for person in MEMBERS:
        await engine.command(session, CHAIR, MarkAttendance(person=person, status=Status.PRESENT))
    await engine.command(session, CHAIR, StartItem(item="du-thao"))
    return engine, store, session


@pytest.fixture
async def stop_all():
    running: list[tuple[Engine, Store]] = []
    yield running
    for engine, store in running:
        await engine.stop()
        await store.close()


@pytest.mark.parametrize("ballot", ["named", "secret"])
async def test_votes_in_the_same_batch_as_their_poll_open_are_counted(tmp_path, stop_all, ballot):
    """poll.open and votes queued together commit in one batch, all answered, and the votes count."""
    engine, store, session = await started(tmp_path, ballot)
    stop_all.append((engine, store))
    votes = [CastVote(poll="p1", choice=Choice.YES), CastVote(poll="p1", choice=Choice.NO)]
    opened, *cast = await asyncio.wait_for(asyncio.gather(
        engine.command(session, CHAIR, OpenPoll(item="du-thao")),
        *(engine.command(session, Actor(role=Role.PERSON, person=p), v) for p, v in zip(["tv-1", "tv-2"], votes)),
    ), 10)
    assert [r.seq for r in cast] == [opened.seq] * 2  # one batch: the same head seq for all three
    assert all(r.receipt for r in cast)
    assert engine.state(session).polls["p1"].voters == {"tv-1", "tv-2"}
    closed = await engine.command(session, CHAIR, ClosePoll(poll="p1"))
    assert b'"votes":{"yes":1,"no":1,"abstain":0}' in bytes(closed.events[0])
