"""Who may run which command in which session state: the table both test tiers check.

Each row is one command with the body each role sends and, per role, the outcome in the
scheduled, open and closed state: ``ok`` or the error code of the refusal. The bodies are
what that role would naturally send (a member marks themself, a point one of its people).
"""

from __future__ import annotations

STATES = ("scheduled", "open", "closed")
ROLE_NAMES = ("chair", "secretary", "member", "guest", "point", "public")

# error code -> HTTP status of the refusal
STATUS = {"forbidden": 403, "vote.not_member": 403, "session.state": 409}

OK, F, S, N = "ok", "forbidden", "session.state", "vote.not_member"
ONLY_OPEN = (S, OK, S)
NEVER = (F, F, F)


def _only(role: str, outcome: tuple[str, str, str]) -> dict:
    return {r: outcome if r == role else NEVER for r in ROLE_NAMES}


class Row:
    def __init__(self, body: dict, outcomes: dict, events: list[str], setup: tuple = (), bodies: dict | None = None,
                 name: str | None = None, prep: tuple = ()):
        self.name = name or body["type"]  # one command may have several rows (the decisions below): each its name
        self.body = body
        self.outcomes = outcomes  # role -> (scheduled, open, closed)
        self.events = events  # the event types an accepted command causes
        self.setup = setup  # (role, body) run in the open state before the command
        self.bodies = bodies or {}  # role -> body, where a role sends something else
        self.prep = prep  # (role, body) run in the scheduled and open states, before ``setup``

    @property
    def type(self) -> str:
        return self.body["type"]

    def body_for(self, role: str) -> dict:
        return self.bodies.get(role, self.body)


START = ("chair", {"type": "item.start", "item": "du-thao"})
MEMBER_ASKS = ("member", {"type": "speaker.request", "item": "du-thao"})
POLL = ("chair", {"type": "poll.open", "item": "du-thao"})

TABLE = [
    Row({"type": "session.open"}, _only("chair", (OK, S, S)), ["session.opened"]),
    Row({"type": "session.close"}, _only("chair", (S, OK, S)), ["session.closed"]),
    Row({"type": "item.start", "item": "khai-mac"}, _only("chair", ONLY_OPEN), ["item.started"]),
    Row({"type": "item.end", "item": "du-thao"}, _only("chair", ONLY_OPEN), ["item.ended"], setup=(START,)),
    Row(
        {"type": "attendance.mark", "person": "tv-2", "status": "absent", "reason": "Đi công tác"},
        {
            "chair": (OK, OK, OK), "secretary": (OK, OK, OK), "member": (OK, OK, S), "guest": (OK, OK, S),
            "point": (OK, OK, S), "public": NEVER,
        },
        ["attendance.marked"],
        bodies={
            "member": {"type": "attendance.mark", "person": "tv-1", "status": "online"},
            "guest": {"type": "attendance.mark", "person": "khach-0", "status": "online"},
            "point": {"type": "attendance.mark", "person": "tv-2", "status": "online"},
        },
    ),
    Row(
        {"type": "speaker.request", "item": "du-thao"},
        {"chair": ONLY_OPEN, "secretary": NEVER, "member": ONLY_OPEN, "guest": ONLY_OPEN, "point": ONLY_OPEN,
         "public": NEVER},
        ["speaker.requested"],
        setup=(START,),
        bodies={"chair": {"type": "speaker.request", "item": "du-thao", "person": "tv-2"}},
    ),
    Row({"type": "speaker.grant", "request": "r1"}, _only("chair", ONLY_OPEN), ["speaker.granted"],
        setup=(START, MEMBER_ASKS)),
    Row({"type": "speaker.finish", "request": "r1"}, _only("chair", ONLY_OPEN), ["speaker.finished"],
        setup=(START, MEMBER_ASKS, ("chair", {"type": "speaker.grant", "request": "r1"}))),
    Row(
        {"type": "speaker.withdraw", "request": "r1"},
        {"chair": ONLY_OPEN, "secretary": NEVER, "member": ONLY_OPEN, "guest": ONLY_OPEN, "point": ONLY_OPEN,
         "public": NEVER},
        ["speaker.withdrawn"],
        setup=(START, MEMBER_ASKS, ("guest", {"type": "speaker.request", "item": "du-thao"}),
               ("point", {"type": "speaker.request", "item": "du-thao"})),
        bodies={  # each withdraws its own request: r1 the member's, r2 the guest's, r3 the point's
            "guest": {"type": "speaker.withdraw", "request": "r2"},
            "point": {"type": "speaker.withdraw", "request": "r3"},
        },
    ),
    Row({"type": "poll.open", "item": "du-thao"}, _only("chair", ONLY_OPEN), ["poll.opened"], setup=(START,)),
    Row({"type": "poll.close", "poll": "p1"}, _only("chair", ONLY_OPEN), ["poll.closed"], setup=(START, POLL)),
    Row(
        {"type": "vote.cast", "poll": "p1", "choice": "yes"},
        {"chair": ONLY_OPEN, "secretary": (N, N, N), "member": ONLY_OPEN, "guest": (N, N, N), "point": NEVER,
         "public": NEVER},
        ["vote.cast"],
        setup=(START, POLL),
    ),
    Row({"type": "note.record", "item": "du-thao", "text": "Ý kiến thảo luận"}, _only("secretary", (S, OK, OK)),
        ["note.recorded"]),
    Row(
        {"type": "conclusion.record", "item": "du-thao", "text": "Thông qua"},
        {**_only("chair", (S, OK, OK)), "secretary": (S, OK, OK)},
        ["conclusion.recorded"],
    ),
    Row({"type": "minutes.finalize"}, _only("secretary", (S, S, OK)), ["minutes.finalized"]),
    # The permissions DESIGN left open, decided as a chair expects (README, "Who may do what"):
    # 1. A remote point cannot see the hall: it marks its people online there or absent, never
    #    present in the hall (the hall's own point may; see test_permissions).
    Row(
        {"type": "attendance.mark", "person": "tv-2", "status": "present"},
        {"chair": (OK, OK, OK), "secretary": (OK, OK, OK), "member": NEVER, "guest": NEVER, "point": NEVER,
         "public": NEVER},
        ["attendance.marked"],
        # Everyone starts present here: the chair and secretary mark tv-2 online, which changes something.
        bodies={r: {"type": "attendance.mark", "person": "tv-2", "status": "online"} for r in ("chair", "secretary")},
        name="attendance.mark.present-by-remote-point",
    ),
    # 2. A member may mark themself online at another point than their own (they travel); a point
    #    still marks only its own people.
    Row(
        {"type": "attendance.mark", "person": "tv-1", "status": "online", "point": "tra-vinh"},
        {"chair": (OK, OK, OK), "secretary": (OK, OK, OK), "member": (OK, OK, S), "guest": NEVER, "point": NEVER,
         "public": NEVER},
        ["attendance.marked"],
        name="attendance.mark.online-elsewhere",
    ),
    # 3. A point may withdraw a request one of its people made (its operator runs the room's
    #    microphone); another member may not.
    Row(
        {"type": "speaker.withdraw", "request": "r1"},
        {"chair": ONLY_OPEN, "secretary": NEVER, "member": (S, F, S), "guest": ONLY_OPEN, "point": ONLY_OPEN,
         "public": NEVER},
        ["speaker.withdrawn"],
        setup=(START, ("guest", {"type": "speaker.request", "item": "du-thao"})),
        name="speaker.withdraw.by-the-requesters-point",
    ),
]

CHAIR_OR_SECRETARY = {**_only("chair", (OK, OK, S)), "secretary": (OK, OK, S)}
TV2_ABSENT = ("chair", {"type": "attendance.mark", "person": "tv-2", "status": "absent", "reason": "Ốm"})
PROXY = ("chair", {"type": "proxy.grant", "from": "tv-2", "to": "tv-3"})
HANDS_POLL = ("chair", {"type": "poll.open", "item": "du-thao", "spec": {"ballot": "hands"}})

TABLE += [
    Row({"type": "item.add", "item": {"id": "bo-sung", "title": "Nội dung bổ sung"}}, _only("chair", (OK, OK, S)),
        ["item.added"]),
    Row({"type": "item.move", "item": "du-thao", "after": None}, _only("chair", (OK, OK, S)), ["item.moved"]),
    Row({"type": "item.defer", "item": "du-thao", "reason": "Chưa đủ hồ sơ"}, _only("chair", (OK, OK, S)),
        ["item.deferred"]),
    Row({"type": "deputy.assign", "person": "tv-2", "name": "Trần Văn Thay", "position": "Phó Vụ trưởng"},
        CHAIR_OR_SECRETARY, ["deputy.assigned"], prep=(TV2_ABSENT,)),
    Row({"type": "proxy.grant", "from": "tv-2", "to": "tv-3"}, CHAIR_OR_SECRETARY, ["proxy.granted"]),
    Row({"type": "proxy.revoke", "from": "tv-2", "to": "tv-3"}, CHAIR_OR_SECRETARY, ["proxy.revoked"], prep=(PROXY,)),
    Row({"type": "poll.record_hands", "poll": "p1", "counts": {"yes": 3, "no": 1, "abstain": 0}},
        _only("chair", ONLY_OPEN), ["poll.hands_recorded"], setup=(START, HANDS_POLL)),
]

CASES = [
    (row, role, state, row.outcomes[role][i])
    for row in TABLE
    for role in ROLE_NAMES
    for i, state in enumerate(STATES)
]


def case_id(case) -> str:
    row, role, state, outcome = case
    return f"{row.name}-{role}-{state}"
