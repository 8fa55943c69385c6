"""What readers see of a state: the snapshot, minus what must stay unseen."""

from __future__ import annotations

import msgspec

from .agenda import Ballot
from .audiences import Audience
from .state import PollStatus, SessionState


def snapshot(state: SessionState, audience: Audience = Audience.FULL) -> dict:
    """The state as plain data. Secret polls show who voted, never running counts; closed, only what the result says.

    Items' ``draft_text`` is left out (``""``); ``drafts`` lists the ids of the items that have one.

    For the PUBLIC audience the working notes keep their place but not their text
    (``"text": null, "private": true``), as on the live stream.
    """
    data = msgspec.to_builtins(state)
    if audience is Audience.PUBLIC:
        data["notes"] = [{**note, "text": None, "private": True} for note in data["notes"]]
    del data["present_voters"]  # a lookup derived from the attendance, not news
    # Drafts can be long: they are fetched (GET .../drafts/{item}), not carried in every snapshot.
    items = [*data["agenda"]["items"], *data["added_items"].values()]  # added during the session too
    data["drafts"] = [item["id"] for item in items if item.get("draft_text")]
    for item in items:
        item["draft_text"] = ""
    for poll_id, poll in data["polls"].items():
        del poll["ballot_keys"], poll["gone"]
        live = state.polls[poll_id]
        if live.status is PollStatus.OPEN and live.spec.ballot is Ballot.SECRET:
            poll["tally"], poll["heads"] = {}, {}
    return data
