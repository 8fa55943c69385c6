"""The room in process: direct writes when caught up, the bounded queue, the overflow policy, contained errors."""

from __future__ import annotations

import asyncio

from phienhop.server.domain.audiences import Audience
from phienhop.server.live import CLOSE_HISTORY_CHANGED, CLOSE_TOO_SLOW, Room
from phienhop.server.relay import Entry, text_frame

NOTE = b'{"type":"note.recorded","seq":%d,"text":"draft"}'
PUBLIC_NOTE = b'{"type":"note.recorded","seq":%d,"text":null,"private":true}'


def entry(seq: int, private: bool = False) -> Entry:
    if private:
        return Entry(seq, NOTE % seq, PUBLIC_NOTE % seq, "e" * 64)
    data = b'{"type":"x","seq":%d}' % seq
    return Entry(seq, data, data, "e" * 64)


async def test_overflow_cuts_the_follower_once_with_too_slow():
    """The first entry that does not fit the backlog cuts the follower off (4408), once; the queue keeps what fit."""
    room = Room(backlog=2)
    follower = room.join("s", Audience.PUBLIC, 0)
    calls = []
    follower.on_cut = lambda: calls.append(1)
    for seq in range(1, 5):
        room.deliver("s", entry(seq))
    assert (calls, follower.cut_off, [e.seq for e in follower.queue]) == ([1], (CLOSE_TOO_SLOW, ""), [1, 2])
    await room.close()


async def test_a_caught_up_follower_is_written_to_directly_and_falls_back_to_its_queue():
    """In order, an entry is written at once; a gap or a socket that would wait goes to the queue and disarms the fast path."""
    sent, full = [], []

    def write(frame: bytes) -> bool:
        if full:
            return False  # a socket that cannot take more
        sent.append(frame)
        return True

    room = Room(backlog=8)
    follower = room.join("s", Audience.PUBLIC, 4)
    follower.direct = write
    room.deliver("s", entry(5))
    room.deliver("s", entry(5))
    assert (sent, follower.forwarded, len(follower.queue)) == ([text_frame(entry(5).public)], 5, 0)
    room.deliver("s", entry(7))  # a gap: the handler fills it from the view
    assert (follower.direct, [e.seq for e in follower.queue], follower.forwarded) == (None, [7], 5)
    follower.queue.clear()
    follower.direct = write
    full.append(True)
    room.deliver("s", entry(6))
    assert (follower.direct, [e.seq for e in follower.queue], len(sent)) == (None, [6], 1)
    await room.close()


async def test_each_audience_gets_its_own_bytes_and_one_frame_is_shared_per_audience():
    """A note reaches FULL followers with its text and PUBLIC ones without; every follower of an audience gets the same frame object."""
    room = Room(backlog=8)
    got: dict[Audience, list[bytes]] = {Audience.FULL: [], Audience.PUBLIC: []}
    for audience in (Audience.FULL, Audience.FULL, Audience.PUBLIC, Audience.PUBLIC):
        follower = room.join("s", audience, 0)
        follower.direct = (lambda frames: lambda frame: frames.append(frame) is None)(got[audience])
    room.deliver("s", entry(1, private=True))
    full, public = got[Audience.FULL], got[Audience.PUBLIC]
    assert full == [text_frame(NOTE % 1)] * 2 and public == [text_frame(PUBLIC_NOTE % 1)] * 2
    assert full[0] is full[1] and public[0] is public[1]
    await room.close()


async def test_a_follower_whose_write_raises_is_cut_off_and_the_others_still_get_the_entry():
    """An error while offering to one follower cuts that one off; delivery to the rest of the session goes on."""
    room = Room(backlog=8)
    bad = room.join("s", Audience.PUBLIC, 0)

    def broken(frame: bytes) -> bool:
        raise OSError("transport gone")

    bad.direct = broken
    good_frames = []
    goods = [room.join("s", Audience.PUBLIC, 0) for _ in range(3)]
    for g in goods:
        g.direct = lambda frame: good_frames.append(frame) is None
    room.deliver("s", entry(1))
    assert bad.cut_off == (CLOSE_TOO_SLOW, "") and len(good_frames) == 3
    assert [g.forwarded for g in goods] == [1, 1, 1]
    await room.close()


async def test_cutting_a_session_lets_each_of_its_followers_go_with_the_code():
    """``Room.cut`` closes every follower of one session with the code given (4409), and no other session's."""
    room = Room()
    mine = [room.join("s", Audience.PUBLIC, 0) for _ in range(2)]
    other = room.join("t", Audience.PUBLIC, 0)
    room.cut("s", CLOSE_HISTORY_CHANGED, "history changed")
    assert [f.cut_off for f in mine] == [(4409, "history changed")] * 2 and other.cut_off is None
    await room.close()


async def test_a_parked_handler_is_woken_once_by_the_first_queued_entry():
    """While parked, the first entry queued calls the wake once; later entries and a cut call nothing more."""
    room = Room()
    follower = room.join("s", Audience.FULL, 0)
    woken, cuts = [], []
    follower.on_cut = lambda: cuts.append(1)
    follower.park(lambda: woken.append(1), None)
    room.deliver("s", entry(1))
    room.deliver("s", entry(2))
    follower.cut()
    assert (woken, cuts, [e.seq for e in follower.queue]) == ([1], [], [1, 2])
    assert (follower.unpark(), follower.cut_off, follower.direct) == (True, (CLOSE_TOO_SLOW, ""), None)
    await room.close()


async def test_a_parked_handler_that_is_cut_off_is_interrupted_once_by_the_cut_not_woken():
    """A cut while parked with nothing queued calls the handler's interrupt once and leaves it not woken."""
    room = Room()
    follower = room.join("s", Audience.FULL, 0)
    woken, cuts = [], []
    follower.on_cut = lambda: cuts.append(1)
    follower.park(lambda: woken.append(1), lambda frame: True)
    follower.cut(CLOSE_HISTORY_CHANGED, "history changed")
    room.deliver("s", entry(1))  # after the cut: queued, nobody woken again
    assert (woken, cuts, [e.seq for e in follower.queue], follower.unpark()) == ([], [1], [1], False)
    await room.close()


def test_a_text_frame_has_the_rfc_6455_header_of_each_length_class():
    """A server text frame: FIN and opcode 1, then a 7-bit, 16-bit or 64-bit length, no mask, then the bytes."""
    for size, header in ((0, b"\x81\x00"), (125, b"\x81\x7d"), (126, b"\x81\x7e\x00\x7e"),
                         (65535, b"\x81\x7e\xff\xff"), (65536, b"\x81\x7f" + (65536).to_bytes(8, "big"))):
        data = b"x" * size
        assert text_frame(data) == header + data
