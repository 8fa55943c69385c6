"""The browser's fold (state.js, under node) of minutes.finalized and minutes.signed gives the server's snapshot."""

from __future__ import annotations

import json
import subprocess

from tests.e2e.test_signed_minutes import agenda, finalize, get_pdf, pki, play, sealing, upload  # noqa: F401
from tests.support import ROOT, require_tool

STATE_JS = ROOT / "client" / "web" / "js" / "state.js"
FOLD = ROOT / "tests" / "client" / "fold.mjs"
FIELDS = ("minutes_sha256", "minutes_head", "minutes_sealed_by", "minutes_signed", "seq")


def test_seal_and_signed_copies_fold_like_the_server(sealing, pki):  # noqa: F811
    """From the closed session's snapshot, folding finalize and two signed copies in node matches the server's state."""
    node = require_tool("node")
    session = sealing.create(agenda())
    play(session)
    before = session.snapshot(session.secretary)
    finalize(session)
    for who, field in ((pki.chair, "A"), (pki.stranger, "B")):
        assert upload(session, session.chair, who.sign(get_pdf(session, session.chair), field)).status_code == 200
    after = session.snapshot(session.secretary)
    state = dict(before["state"], seq=before["seq"])
    events = session.events(before["seq"], token=session.secretary)
    folded = subprocess.run([node, str(FOLD), str(STATE_JS)], input=json.dumps({"state": state, "events": events}),
                            capture_output=True, text=True, check=True, timeout=60)
    mine = json.loads(folded.stdout)
    server = dict(after["state"], seq=after["seq"])
    assert {k: mine.get(k) for k in FIELDS} == {k: server.get(k) for k in FIELDS}
    assert [s["trusted"] for c in server["minutes_signed"] for s in c["signatures"]] == [True, False]
