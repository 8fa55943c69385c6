"""Commands: what a client asks for. A tagged union on ``type``; unknown fields are refused."""

from __future__ import annotations

from typing import Annotated

import msgspec

from .agenda import PollSpec
from .events import Choice, Status

Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Long = Annotated[str, msgspec.Meta(min_length=1, max_length=20_000)]


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


class GrantSpeaker(Command, **_tag("speaker.grant")):
    request: Ref


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
)

COMMAND_TYPES: tuple[str, ...] = tuple(c.__struct_config__.tag for c in AnyCommand.__args__)
