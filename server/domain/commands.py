"""Commands: what a client asks for. A tagged union on ``type``; unknown fields are refused."""

from __future__ import annotations

from typing import Annotated

import msgspec

from .agenda import Id, PollSpec, Text
from .events import Choice, Status

Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Long = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]
Short = Annotated[str, msgspec.Meta(max_length=500)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


CommandId = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class Command(msgspec.Struct, tag_field="type", forbid_unknown_fields=True, kw_only=True):
    """Every command may carry ``command_id``, a client-chosen unique string (e.g. a UUID): a command
    re-sent with the same ``command_id`` by the same token is answered with the original answer
    and changes nothing, also after a server restart."""

    command_id: CommandId | None = None


def _tag(name: str) -> dict:
    return {"tag": name, "forbid_unknown_fields": True, "kw_only": True}


class OpenSession(Command, **_tag("session.open")):
    pass


class CloseSession(Command, **_tag("session.close")):
    pass


class StartItem(Command, **_tag("item.start")):
    item: Ref


class EndItem(Command, **_tag("item.end")):
    item: Ref


class MarkAttendance(Command, **_tag("attendance.mark")):
    person: Ref
    status: Status
    point: Ref | None = None
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class RequestSpeaker(Command, **_tag("speaker.request")):
    item: Ref
    person: Ref | None = None
    point_of_order: bool = False  # ý kiến về thủ tục: ahead of the queue, first-come among points of order


class GrantSpeaker(Command, **_tag("speaker.grant")):
    request: Ref
    limit_s: Annotated[int, msgspec.Meta(ge=1, le=7200)] | None = None  # seconds; default: the item's speech_min


class FinishSpeaker(Command, **_tag("speaker.finish")):
    request: Ref


class WithdrawSpeaker(Command, **_tag("speaker.withdraw")):
    request: Ref


class OpenPoll(Command, **_tag("poll.open")):
    item: Ref
    spec: PollSpec | None = None


class ClosePoll(Command, **_tag("poll.close")):
    poll: Ref


class CastVote(Command, **_tag("vote.cast")):
    poll: Ref
    choice: Choice
    for_: Ref | None = msgspec.field(default=None, name="for")  # the member represented (proxy); default: the caller


class HandCounts(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    yes: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 0
    no: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 0
    abstain: Annotated[int, msgspec.Meta(ge=0, le=100_000)] = 0


class RecordHands(Command, **_tag("poll.record_hands")):
    poll: Ref
    counts: HandCounts


class NewItem(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An item added during the session: the agenda's item fields, the draft as text."""

    id: Id
    title: Text
    presenter: str = ""
    duration_min: Annotated[int, msgspec.Meta(ge=1, le=1440)] = 15
    speech_min: Annotated[int, msgspec.Meta(ge=1, le=120)] | None = None
    draft_text: Annotated[str, msgspec.Meta(max_length=1_000_000)] = ""
    poll: PollSpec | None = None


class AddItem(Command, **_tag("item.add")):
    item: NewItem
    after: Ref | None = None  # default: after the last item


class MoveItem(Command, **_tag("item.move")):
    item: Ref
    after: Ref | None  # null: first


class DeferItem(Command, **_tag("item.defer")):
    item: Ref
    reason: Reason


class AssignDeputy(Command, **_tag("deputy.assign")):
    person: Ref
    name: Text
    position: Short = ""


class GrantProxy(Command, **_tag("proxy.grant")):
    grantor: Ref = msgspec.field(name="from")
    holder: Ref = msgspec.field(name="to")


class RevokeProxy(Command, **_tag("proxy.revoke")):
    grantor: Ref = msgspec.field(name="from")
    holder: Ref = msgspec.field(name="to")


class RecordNote(Command, **_tag("note.record")):
    item: Ref
    text: Long
    revises: Annotated[int, msgspec.Meta(ge=1)] | None = None  # the seq of this item's note that ``text`` replaces


class RecordConclusion(Command, **_tag("conclusion.record")):
    item: Ref
    text: Long


class FinalizeMinutes(Command, **_tag("minutes.finalize")):
    pass


AnyCommand = (
    OpenSession
    | CloseSession
    | StartItem
    | EndItem
    | MarkAttendance
    | RequestSpeaker
    | GrantSpeaker
    | FinishSpeaker
    | WithdrawSpeaker
    | OpenPoll
    | ClosePoll
    | CastVote
    | RecordNote
    | RecordConclusion
    | FinalizeMinutes
    | AddItem
    | MoveItem
    | DeferItem
    | AssignDeputy
    | GrantProxy
    | RevokeProxy
    | RecordHands
)

COMMAND_TYPES: tuple[str, ...] = tuple(c.__struct_config__.tag for c in AnyCommand.__args__)
