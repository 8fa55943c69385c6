"""The browser's fold (state.js, run by node) and the terminal's (client/view.py) agree with the server's snapshot."""

from __future__ import annotations

import json
import subprocess

from phienhop.client.view import View

from ..e2e import script
from ..support import ROOT, Session, require_tool, small_agenda

STATE_JS = ROOT / "client" / "web" / "js" / "state.js"
FOLD = ROOT / "tests" / "client" / "fold.mjs"
# The fields of the snapshot's state that state.js keeps (the pages read nothing else).
JS_FIELDS = ("status", "opened_at", "closed_at", "items", "active_item", "attendance", "requests", "floor", "polls",
             "notes", "conclusions", "online_points", "points_seen", "minutes_sha256", "minutes_head", "seq")
# Per poll, what state.js folds (tally/heads/choices only from named ballots, as the server's snapshot).
POLL_FIELDS = ("id", "item", "spec", "status", "opened_at", "closed_at", "members", "present_at_open", "needed",
               "voters", "result")


def _play(s: Session) -> None:
    """Every kind of event the pages and the terminal fold, with the cases where folds tend to differ."""
    script.opening(s)
    s.ok(s.point("tra-vinh"), type="attendance.mark", person="khach-0", status="online")
    script.middle(s, notes=2, note_size=10)
    first_note = next(e["seq"] for e in s.events(0) if e["type"] == "note.recorded")
    s.ok(s.secretary, type="note.record", item="khai-mac", text="Ghi chú đã sửa", revises=first_note)
    asked = [next(e["request"] for e in s.ok(s.person(p), type="speaker.request", item="khai-mac")["events"]
                  if e["type"] == "speaker.requested") for p in ("tv-3", "tv-4")]
    s.ok(s.chair, type="speaker.grant", request=asked[0])  # still speaking, and one queued, when the item ends
    s.ok(s.chair, type="item.end", item="khai-mac")
    s.ok(s.chair, type="item.start", item="du-thao")
    for ballot in ("named", "secret"):
        answer = s.ok(s.chair, type="poll.open", item="du-thao", spec={"method": "yes-no-abstain", "ballot": ballot, "rule": "simple"})
        poll = next(e["poll"] for e in answer["events"] if e["type"] == "poll.opened")
        for person, choice in zip(script.VOTERS, ("yes", "yes", "no", "abstain", "yes")):
            s.ok(s.person(person), type="vote.cast", poll=poll, choice=choice)
        s.ok(s.chair, type="poll.close", poll=poll)
    s.ok(s.chair, type="conclusion.record", item="du-thao", text="Thông qua.")
    s.ok(s.chair, type="item.end", item="du-thao")
    s.ok(s.chair, type="session.close")


def _sets_sorted(state: dict) -> dict:
    """Lists the server sends from sets (in hash order) sorted, so order is not a difference."""
    state = json.loads(json.dumps(state))
    for key in ("online_points", "points_seen"):
        state[key] = sorted(state[key])
    for poll in state["polls"].values():
        poll["voters"] = sorted(poll["voters"])
    return state


def _js_view(state: dict) -> dict:
    state = _sets_sorted(state)
    view = {k: state.get(k) for k in JS_FIELDS}
    view["polls"] = {pid: {k: p.get(k) for k in POLL_FIELDS} for pid, p in state["polls"].items()}
    return view


def _terminal_view(view: View) -> dict:
    return {
        "status": view.status, "active_item": view.active_item, "attendance": view.attendance,
        "requests": view.requests, "floor": view.floor, "online": sorted(view.online), "seq": view.seq,
        "polls": {pid: {"item": p["item"], "status": p["status"], "voted": p["voted"],
                        "outcome": (p["result"] or {}).get("outcome")} for pid, p in view.polls.items()},
    }


def test_the_same_session_folds_to_the_servers_snapshot_in_the_browser_and_the_terminal(server):
    """From the snapshot at seq 1, folding every later event gives the final snapshot's state in state.js and in View."""
    node = require_tool("node")
    s = server.create(small_agenda(voters=5, guests=1))
    start = s.snapshot()
    assert start["seq"] == 1
    _play(s)
    events = s.events(1)
    final = s.snapshot()
    assert [e["seq"] for e in events] == list(range(2, final["seq"] + 1))
    assert {e["type"] for e in events} >= {"session.opened", "attendance.marked", "speaker.requested", "speaker.granted",
                                          "speaker.finished", "speaker.withdrawn", "note.recorded", "item.ended",
                                          "poll.opened", "vote.cast", "poll.closed", "conclusion.recorded", "session.closed"}

    done = subprocess.run([node, str(FOLD), str(STATE_JS)], input=json.dumps({"state": start["state"], "events": events}),
                          capture_output=True, text=True, timeout=60, check=True)
    folded_js = json.loads(done.stdout)
    assert _js_view(folded_js) == _js_view(final["state"])

    terminal = View(start)
    for event in events:
        terminal.apply(event)
    assert _terminal_view(terminal) == _terminal_view(View(final))
