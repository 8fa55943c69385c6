"""The browser's fold (state.js, run by node) and the terminal's (client/view.py) agree with the server's snapshot."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from phienhop.client.view import View

from ..e2e import script
from ..support import ROOT, Session, require_tool, small_agenda

STATE_JS = ROOT / "client" / "web" / "js" / "state.js"
FOLD = ROOT / "tests" / "client" / "fold.mjs"
# The fields of the snapshot's state that state.js keeps (the pages read nothing else).
JS_FIELDS = ("status", "opened_at", "closed_at", "items", "active_item", "attendance", "requests", "floor", "polls",
             "notes", "conclusions", "online_points", "points_seen", "minutes_sha256", "minutes_head", "seq")
# Per poll, what state.js folds; tally/heads/choices only from named ballots (a secret ballot's choices reach the
# server's snapshot at the close from the box, never through the stream).
POLL_FIELDS = ("id", "item", "spec", "status", "opened_at", "closed_at", "members", "present_at_open", "needed",
               "voters", "result")
NAMED_POLL_FIELDS = ("tally", "heads", "choices")


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
    view["polls"] = {pid: {k: p.get(k) for k in POLL_FIELDS + (NAMED_POLL_FIELDS if p["spec"]["ballot"] == "named" else ())}
                     for pid, p in state["polls"].items()}
    return view


def _terminal_view(view: View) -> dict:
    return {
        "status": view.status, "active_item": view.active_item, "attendance": view.attendance,
        "requests": view.requests, "floor": view.floor, "online": sorted(view.online), "seq": view.seq,
        "polls": {pid: {"item": p["item"], "status": p["status"], "voted": p["voted"],
                        "outcome": (p["result"] or {}).get("outcome")} for pid, p in view.polls.items()},
    }


@pytest.fixture(scope="module")
def played(srv) -> tuple[dict, list[dict], dict]:
    """One played session: the snapshot at seq 1, every later event, and the final snapshot."""
    s = srv.create(small_agenda(voters=5, guests=1))
    start = s.snapshot()
    assert start["seq"] == 1
    _play(s)
    return start, s.events(1), s.snapshot()


def fold_js(state_js: Path, start: dict, events: list[dict]) -> dict:
    """The state ``state_js``'s ``apply`` folds ``events`` into from the snapshot ``start`` (node runs it)."""
    node = require_tool("node")
    done = subprocess.run([node, str(FOLD), str(state_js)], input=json.dumps({"state": start["state"], "events": events}),
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def js_differences(folded: dict, final: dict) -> list[str]:
    """Where the browser's folded state differs from the server's snapshot state, as dotted paths ('polls.p1.tally');
    [] when they agree on every field the pages read."""
    found: list[str] = []

    def walk(got, want, path: str) -> None:
        if isinstance(got, dict) and isinstance(want, dict):
            for key in sorted(set(got) | set(want)):
                walk(got.get(key, KeyError), want.get(key, KeyError), f"{path}.{key}" if path else key)
        elif got != want:
            found.append(path)

    walk(_js_view(folded), _js_view(final), "")
    return found


def test_the_same_session_folds_to_the_servers_snapshot_in_the_browser_and_the_terminal(played):
    """From the snapshot at seq 1, folding every later event gives the final snapshot's state in state.js and in View."""
    start, events, final = played
    assert [e["seq"] for e in events] == list(range(2, final["seq"] + 1))
    assert {e["type"] for e in events} >= {"session.opened", "attendance.marked", "speaker.requested", "speaker.granted",
                                          "speaker.finished", "speaker.withdrawn", "note.recorded", "item.ended",
                                          "poll.opened", "vote.cast", "poll.closed", "conclusion.recorded", "session.closed"}

    folded_js = fold_js(STATE_JS, start, events)
    assert js_differences(folded_js, final["state"]) == []

    terminal = View(start)
    for event in events:
        terminal.apply(event)
    assert _terminal_view(terminal) == _terminal_view(View(final))


# One rule of state.js broken at a time (the text as it is in state.js, what it becomes), and where the comparison
# must then see a difference ({named}/{secret}: the played session's polls).
MUTATIONS = {
    "a vote not counted in the tally": (
        "p.tally[e.choice] = (p.tally[e.choice] || 0) + (e.weight || 1);", "p.tally[e.choice] = (p.tally[e.choice] || 0);",
        ["polls.{named}.tally.abstain", "polls.{named}.tally.no", "polls.{named}.tally.yes"]),
    "a voter not recorded": (
        "if (!p.voters.includes(e.person)) p.voters.push(e.person);", "",
        ["polls.{named}.voters", "polls.{secret}.voters"]),
    "a closed poll left open": ('p.status = "closed";', 'p.status = "open";', ["polls.{named}.status", "polls.{secret}.status"]),
    "a withdrawal not folded": ('s.requests[e.request].status = "withdrawn";', "", ["requests.{withdrawn}.status"]),
    "attendance without its point": ("s.attendance[e.person] = { status: e.status, point: e.point ?? null,",
                                     "s.attendance[e.person] = { status: e.status, point: null,", ["attendance.khach-0.point"]),
}


@pytest.mark.parametrize("name", MUTATIONS)
def test_the_comparison_sees_a_broken_rule_of_state_js(played, tmp_path, name):
    """A copy of state.js with one rule broken folds the same session to a state the comparison reports as different,
    exactly where the rule writes: the parity test above cannot pass with a comparator that looks at nothing."""
    start, events, final = played
    text, broken, where = MUTATIONS[name]
    source = STATE_JS.read_text(encoding="utf-8")
    assert source.count(text) == 1, f"state.js no longer has {text!r}: update this mutation"
    mutant = tmp_path / "state.js"
    mutant.write_text(source.replace(text, broken), encoding="utf-8")
    opened = [e for e in events if e["type"] == "poll.opened"]
    polls = {"named": next(e["poll"] for e in opened if e["spec"]["ballot"] == "named"),
             "secret": next(e["poll"] for e in opened if e["spec"]["ballot"] == "secret"),
             "withdrawn": next(e["request"] for e in events if e["type"] == "speaker.withdrawn")}
    assert sum(e["type"] == "speaker.withdrawn" for e in events) == 1
    assert js_differences(fold_js(mutant, start, events), final["state"]) == [w.format(**polls) for w in where]
