"""``phienhop follow``: end to end against a real server, and its view without one."""

from __future__ import annotations

import datetime as dt
import queue
import re
import subprocess
import sys
import threading
import time

from phienhop.client.follow import Link, backoff
from phienhop.client.view import View, countdown, plain_line

from ..e2e import script
from ..support import ROOT, small_agenda

EVENT_LINE = re.compile(r"^(\d+) (\d\d:\d\d:\d\d) ([a-z]+\.[a-z_]+)( [a-z_]+=\S.*)?$")
ZONE = dt.timezone(dt.timedelta(hours=7))  # small_agenda's starts_at is +07:00


def untimed(line: str) -> str:
    """An event line without its time: ``seq type key=value ...``."""
    seq, _, rest = line.split(" ", 2)
    return f"{seq} {rest}"


def at(event: dict) -> str:
    """An event's time on the session's clock (+07:00), as ``follow --plain`` prints it."""
    return dt.datetime.fromisoformat(event["at"]).astimezone(ZONE).strftime("%H:%M:%S")


class Lines:
    """A child process's stdout, line by line, read on a thread so waits can time out."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc, self.lines, self._queue = proc, [], queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))

    def until(self, predicate, timeout: float = 20) -> str:
        """Read lines until one matches ``predicate``; fail with what was read after ``timeout``."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self._queue.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            self.lines.append(line)
            if predicate(line):
                return line
        raise AssertionError(f"no such line after {timeout}s; read:\n" + "\n".join(self.lines[-30:]))

    def rest(self, timeout: float = 10) -> list[str]:
        self.proc.wait(timeout)
        time.sleep(0)  # let the pump thread see EOF; the queue is drained below either way
        while True:
            try:
                self.lines.append(self._queue.get(timeout=1))
            except queue.Empty:
                return self.lines


def follow(link: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "phienhop.server.cli", "follow", link, "--plain"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_follow_plain_survives_a_server_kill_and_exits_0_after_session_closed(server):
    """--plain prints every seq once in order across a kill -9 and restart, then exits 0 after session.closed."""
    s = server.create(small_agenda())
    proc = follow(f"{server.base}/join/{s.point('tra-vinh')}")
    out = Lines(proc)
    try:
        out.until(lambda line: line == "# live from seq 1")
        script.opening(s)
        first_head = s.snapshot()["seq"]
        out.until(lambda line: line.startswith(f"{first_head} "))
        port = server.port
        server.kill()
        out.until(lambda line: line.startswith("# reconnecting in "))
        server.start(port=port)
        out.until(lambda line: line == f"# resumed from seq {first_head}")
        script.middle(s)
        script.closing(s)
        head = s.snapshot()["seq"]
        lines = out.rest(20)
    finally:
        proc.kill()
    assert proc.returncode == 0, proc.stderr.read()
    events = [line for line in lines if not line.startswith("# ")]
    assert all(EVENT_LINE.match(line) for line in events), events
    assert [int(line.split()[0]) for line in events] == list(range(2, head + 1))
    assert untimed(events[0]) == "2 point.online point=tra-vinh"
    logged = {e["seq"]: e for e in s.events()}
    assert [line.split()[1] for line in events] == [at(logged[seq]) for seq in range(2, head + 1)]  # the session's zone
    # Never marked: absent by the close, but the secretary, who took the notes, is recorded present.
    assert untimed(events[-1]) == f'{head} session.closed absent=["khach-0"] present=["thu-ky"] online=[]'
    assert lines[-1] == "# session closed"


def test_follow_plain_prints_the_state_then_one_line_per_event_in_the_sessions_zone(server):
    """--plain first prints the session as it stands (status and opening time, place, item with its start, planned end
    and time left, the speaker since when with their time, the queue, the vote's tally, attendance), every time on the
    session's clock (+07:00), then each event as it arrives, one line with its time."""
    s = server.create(small_agenda())
    s.ok(s.chair, type="session.open")
    for person in ("chu-toa", "tv-1", "tv-2", "tv-3"):
        s.ok(s.chair, type="attendance.mark", person=person, status="present")
    s.ok(s.chair, type="item.start", item="du-thao")
    request = s.ok(s.person("tv-1"), type="speaker.request", item="du-thao")["events"][0]["request"]
    s.ok(s.chair, type="speaker.grant", request=request, limit_s=600)
    s.ok(s.person("tv-2"), type="speaker.request", item="du-thao")
    poll = s.ok(s.chair, type="poll.open", item="du-thao")["events"][0]["poll"]
    s.ok(s.person("tv-3"), type="vote.cast", poll=poll, choice="yes")
    logged = s.events()
    opened, started = (next(e for e in logged if e["type"] == kind) for kind in ("session.opened", "item.started"))
    granted = next(e for e in logged if e["type"] == "speaker.granted")
    clock = lambda e, key="at": dt.datetime.fromisoformat(e[key]).astimezone(ZONE).strftime("%H:%M")  # noqa: E731
    proc = follow(f"{server.base}/join/{s.point('tra-vinh')}")
    out = Lines(proc)
    try:
        out.until(lambda line: line.startswith("# live from seq "))
        s.ok(s.person("chu-toa"), type="vote.cast", poll=poll, choice="no")
        cast = s.events(since=len(logged) + 1)[-1]  # after the follower's own point.online
        line = out.until(lambda line: " vote.cast " in line)
    finally:
        proc.kill()
    live = next(i for i, line in enumerate(out.lines) if line.startswith("# live from seq "))
    state = out.lines[out.lines.index(f"# snapshot seq {len(logged)}") + 1:live]
    assert state[:3] == ["# Phiên họp thử nghiệm",
                         f"# Phiên:     đang họp · khai mạc lúc {clock(opened)} (giờ của phiên họp, UTC+07:00)",
                         "# Địa điểm:  Hà Nội"]
    assert re.fullmatch(rf"# Nội dung:  Thông qua dự thảo · bắt đầu {clock(started)}, dự kiến kết thúc "
                        rf"{clock(started, 'ends_at')} · còn (20:00|19:[0-5]\d)", state[3]), state[3]
    assert re.fullmatch(rf"# Phát biểu: Thành viên Số 1 · từ {at(granted)} · còn (10:00|09:[0-5]\d)", state[4]), state[4]
    assert state[5:] == ["# Chờ:       Thành viên Số 2",
                         "# Biểu quyết: Thông qua dự thảo: 1/4 người đã biểu quyết",
                         "# Điểm danh: 4 tại hội trường, 0 trực tuyến, 0 vắng, 3 chưa điểm danh; điểm cầu kết nối 0/2"]
    assert line == f"{cast['seq']} {at(cast)} vote.cast poll={poll} person=chu-toa voted=2 of=4 choice=no weight=1 by=-", line


def test_bad_token_exits_3_with_a_clear_message(server):
    """A join link with an unknown token stops at once with exit code 3 and says what to do."""
    result = subprocess.run([sys.executable, "-m", "phienhop.server.cli", "follow", f"{server.base}/join/not-a-token", "--plain"],
                            cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 3
    assert result.stderr == (
        "phienhop follow: the server refused this link (401 unknown token: check the link or ask the admin for a new one).\n"
        "Check the link, or ask the session's admin for a new one.\n"
    )


def test_link_gives_the_base_url_and_the_token():
    """A join link splits into the server's base URL, its WebSocket base and the token."""
    link = Link("http://127.0.0.1:8000/join/abc123")
    assert (link.base, link.token) == ("http://127.0.0.1:8000", "abc123")
    assert link.live_url("s1", 12) == "ws://127.0.0.1:8000/api/sessions/s1/live?since=12"  # the token travels as a header


def test_backoff_doubles_with_jitter_up_to_its_cap():
    """The wait before each retry doubles from 0.5 s, jittered to half..whole, and never passes 8 s."""
    for attempt, whole in enumerate([0.5, 1, 2, 4, 8, 8, 8]):
        assert all(whole / 2 <= backoff(attempt) <= whole for _ in range(50))


def test_plain_line_is_seq_type_and_fields():
    """One event becomes ``seq type key=value ...``; text with spaces is quoted, nested values are JSON."""
    event = {"type": "note.recorded", "seq": 7, "at": "2021-11-30T14:00:00+07:00", "item": "khai-mac",
             "text": "Ý kiến = đồng ý", "counts": {"yes": 2}}
    assert plain_line(event) == '7 note.recorded item=khai-mac text="Ý kiến = đồng ý" counts={"yes":2}'
    utc = {**event, "at": "2021-11-30T07:00:05+00:00"}  # its time on the session's clock, after the seq
    assert plain_line(utc, ZONE) == '7 14:00:05 note.recorded item=khai-mac text="Ý kiến = đồng ý" counts={"yes":2}'


def test_countdown_counts_down_then_over():
    """The countdown shows minutes:seconds left, then how long the item has run over."""
    now = dt.datetime(2021, 11, 30, 14, 0, tzinfo=dt.timezone.utc)
    assert countdown(now + dt.timedelta(minutes=12, seconds=5), now) == "12:05 left"
    assert countdown(now - dt.timedelta(seconds=70), now) == "01:10 over"


def test_view_shows_floor_queue_vote_progress_and_attendance(server):
    """The screen names the speaker, the queue, 'n of m have voted', then the result and attendance."""
    s = server.create(small_agenda())
    view = View(s.snapshot(), lang="en")
    since = view.seq
    script.opening(s)
    first = s.ok(s.person("tv-1"), type="speaker.request", item="khai-mac")["events"][0]["request"]
    s.ok(s.person("tv-2"), type="speaker.request", item="khai-mac")
    s.ok(s.chair, type="speaker.grant", request=first)
    for event in s.events(since):
        view.apply(event)
    screen = view.render(dt.datetime.now(dt.timezone.utc))
    assert "Floor:    Thành viên Số 1" in screen
    assert "Queue:    Thành viên Số 2" in screen
    assert "Present:  5 in the hall, 0 online, 0 absent, 2 not marked; points connected 0 of 2" in screen
    assert re.search(r"Item:     Khai mạc   \[0[45]:\d\d left\]", screen)
    s.ok(s.chair, type="item.end", item="khai-mac")
    s.ok(s.chair, type="item.start", item="du-thao")
    poll = s.ok(s.chair, type="poll.open", item="du-thao")["events"][0]["poll"]
    s.ok(s.person("tv-3"), type="vote.cast", poll=poll, choice="yes")
    since = view.seq
    for event in s.events(since):
        view.apply(event)
    assert "Vote:     Thông qua dự thảo: 1 of 5 have voted" in view.render(dt.datetime.now(dt.timezone.utc))
    s.ok(s.chair, type="poll.close", poll=poll)
    for event in s.events(view.seq):
        view.apply(event)
    assert "Result:   Thông qua dự thảo: adopted — yes 1, no 0, abstain 0; 4 did not vote" in view.render(
        dt.datetime.now(dt.timezone.utc))
    vi = View(s.snapshot())  # the session's language, vi
    for event in s.events(0):
        vi.apply(event)
    screen = vi.render(dt.datetime.now(dt.timezone.utc))
    assert "Kết quả:   Thông qua dự thảo: thông qua — tán thành 1, không tán thành 0, không biểu quyết 0; " \
           "4 không tham gia biểu quyết" in screen
    assert re.search(r"Nội dung:  Thông qua dự thảo   \[còn (19|20):\d\d\]", screen)
    assert "Điểm danh: 5 tại hội trường, 0 trực tuyến, 0 vắng, 2 chưa điểm danh; điểm cầu kết nối 0/2" in screen


def test_follower_through_a_committee_session_with_every_feature(server):
    """`follow --plain` prints every event of the committee script; the screen shows the deputy, points of order,
    the speaker's own countdown and overrun, the deferral, the proxies and the show of hands' result."""
    from ..e2e import committee

    s = server.create(committee.agenda(language="en"))
    proc = follow(f"{server.base}/join/{s.point('tra-vinh')}")
    out = Lines(proc)
    view = View(s.snapshot())
    try:
        out.until(lambda line: line == "# live from seq 1")
        committee.whole(s)
        head = s.snapshot()["seq"]
        lines = out.rest(30)
    finally:
        proc.kill()
    assert proc.returncode == 0, proc.stderr.read()
    events = [line for line in lines if not line.startswith("# ")]
    assert [int(line.split()[0]) for line in events] == list(range(2, head + 1))
    assert any(" deputy.assigned deputy=d1 person=tv-5 name=\"Trần Thị Dự\"" in line for line in events)
    assert any(" item.deferred item=bao-cao reason=" in line for line in events)
    assert any(" poll.hands_recorded poll=p1 counts={\"abstain\":1,\"no\":1,\"yes\":5} present=7" in line for line in events)
    assert any(re.search(r" speaker\.finished request=r3 spoken_s=\d+ overrun_s=\d+$", line) for line in events)

    # The screen, replayed event by event at the moments that matter.
    all_events = s.events(0)
    granted = next(e for e in all_events if e["type"] == "speaker.granted" and e["request"] == "r3")
    for event in all_events:
        if event["seq"] > granted["seq"]:
            break
        if event["seq"] > view.seq:
            view.apply(event)
    moment = dt.datetime.fromisoformat(granted["at"])
    screen = view.render(moment + dt.timedelta(seconds=3))
    assert "Floor:    Ngô Văn Khách   [00:02 over]" in screen
    assert "Queue:    Hoàng Thị Hai, Đặng Thị Bốn, Trần Thị Dự (for Bùi Văn Năm)" in screen
    assert "Deferred: Báo cáo tiến độ — Chưa đủ số liệu, chuyển sang phiên sau" in screen
    assert "Proxies:  Đỗ Thị Sáu → Phạm Văn Một" in screen
    assert "Result:   Kiến nghị bổ sung về ngân sách: adopted — yes 5, no 1, abstain 1; 0 did not vote" in screen
    assert "Floor:    Ngô Văn Khách   [00:01 left]" in view.render(moment)


def test_points_of_order_lead_the_queue_on_screen():
    """The queue shows points of order first, first-come among them, each marked."""
    state = {"agenda": {"session": {"title": "T", "language": "vi"}, "people": [
        {"id": "a", "name": "An"}, {"id": "b", "name": "Bình"}, {"id": "c", "name": "Chi"}], "points": [], "items": []},
        "status": "open", "active_item": None, "items": {}, "attendance": {}, "floor": None, "polls": {},
        "online_points": [], "requests": {}}
    view = View({"seq": 1, "state": state})
    for n, (person, poo) in enumerate([("a", False), ("b", True), ("c", True)], start=2):
        view.apply({"seq": n, "type": "speaker.requested", "at": "2021-11-30T14:00:00+07:00", "request": f"r{n}",
                    "item": "x", "person": person, "point": None, "point_of_order": poo})
    assert view.floor_lines()[1] == "Chờ:       Bình (ý kiến về thủ tục), Chi (ý kiến về thủ tục), An"


def _another_history(db, session: str, title: str) -> None:
    """Rewrite ``session``'s log as another history under the same id and tokens: only its first event is kept, retitled
    and re-chained (as a database restored from elsewhere, or rebuilt, would have it)."""
    import sqlite3

    from phienhop.server.store import GENESIS, chain

    with sqlite3.connect(db) as conn:
        data = bytes(conn.execute("SELECT data FROM events WHERE session = ? AND seq = 1", (session,)).fetchone()[0])
        old = '"title":"Phiên họp thử nghiệm"'.encode()
        assert data.count(old) == 1
        data = data.replace(old, f'"title":"{title}"'.encode())
        conn.execute("UPDATE events SET data = ?, hash = ? WHERE session = ? AND seq = 1", (data, chain(GENESIS, data), session))
        conn.execute("DELETE FROM events WHERE session = ? AND seq > 1", (session,))
        conn.execute("DELETE FROM commands WHERE session = ?", (session,))


def test_follow_reloads_from_the_snapshot_when_the_servers_history_changed(server):
    """A follower whose server comes back with another history of the session (close 4409 for its epoch) reloads the
    snapshot and follows the new history to its end: its screen is the new history's final state."""
    import asyncio
    import io

    from phienhop.client.follow import Follower

    from .test_apply_parity import _terminal_view

    s = server.create(small_agenda())
    follower = Follower(Link(f"{server.base}/join/{s.point('tra-vinh')}"), plain=True, out=io.StringIO(), lang="en")
    outcome: list = []

    def run() -> None:
        async def whole() -> None:
            assert await follower.start()
            await follower.follow()

        try:
            asyncio.run(whole())
            outcome.append("closed")
        except BaseException as exc:  # shown by the assertion below
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def wait_for(predicate, what: str, timeout: float = 30) -> None:
        end = time.monotonic() + timeout
        while not predicate():
            assert not outcome, f"the follower stopped while waiting for {what}: {outcome}\n{follower.out.getvalue()}"
            assert time.monotonic() < end, f"no {what} after {timeout}s:\n{follower.out.getvalue()}"
            time.sleep(0.05)  # polling the follower's state, not waiting for a guess

    script.opening(s)
    # The follower is a point: its own point.online lands at a seq of its own, possibly after the
    # opening's, so wait until the server's log is still (the point online) and the follower holds
    # its head; only then is "we had seq N" fixed.
    wait_for(lambda: "tra-vinh" in s.snapshot()["state"]["online_points"] and follower.last == s.snapshot()["seq"],
             "the first history's head, the point online")
    first_head, first_epoch = follower.last, s.snapshot()["epoch"]
    assert first_head > 2
    port = server.port
    server.kill()
    _another_history(server.db, s.id, "Phiên họp làm lại")
    server.start(port=port)
    assert s.snapshot()["epoch"] != first_epoch

    wait_for(lambda: follower.view.title == "Phiên họp làm lại", "the snapshot of the new history")
    script.opening(s)
    script.middle(s)
    script.closing(s)
    thread.join(60)
    assert outcome == ["closed"], follower.out.getvalue()
    final = s.snapshot()
    assert follower.last == final["seq"] and follower.epoch == final["epoch"]
    assert follower.view.title == "Phiên họp làm lại"
    assert _terminal_view(follower.view) == _terminal_view(View(final))
    lines = follower.out.getvalue().splitlines()
    assert f"# history changed: reloading from seq 0 (we had seq {first_head})" in lines


def test_the_plain_summary_says_when_the_session_starts_and_when_it_ran_on_its_own_clock():
    """Before the opening the summary gives the start time and date on the session's clock; after the close, when it
    opened and closed; a UTC moment is shown at +07:00, in English too."""
    state = {"agenda": {"session": {"title": "T", "language": "en", "starts_at": "2021-11-30T14:00:00+07:00", "place": "Hà Nội"},
                        "people": [], "points": [], "items": []},
             "status": "scheduled", "active_item": None, "items": {}, "attendance": {}, "floor": None, "polls": {},
             "online_points": [], "requests": {}}
    view = View({"seq": 1, "state": state})
    now = dt.datetime(2021, 11, 30, 6, 0, tzinfo=dt.timezone.utc)
    assert view.summary_lines(now)[:4] == ["T", "Session:  scheduled · starts 14:00, 30/11/2021 (times in the session's zone, UTC+07:00)",
                                           "Place:    Hà Nội", "Item:     —"]
    view.apply({"seq": 2, "type": "session.opened", "at": "2021-11-30T07:02:00+00:00"})
    view.apply({"seq": 3, "type": "session.closed", "at": "2021-11-30T09:31:00+00:00", "absent": [], "present": [], "online": []})
    assert view.summary_lines(now)[1] == "Session:  closed · opened 14:02 · closed 16:31 (times in the session's zone, UTC+07:00)"
