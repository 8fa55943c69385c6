"""The written record: the secretary's notes, conclusions per item, and the final minutes."""

from __future__ import annotations

import msgspec

from .actor import Actor, Role
from .agenda import nfc
from .commands import FinalizeMinutes, RecordConclusion, RecordNote
from .errors import Conflict, Invalid, NotFound
from .events import ConclusionRecorded, MinutesFinalized, MinutesSigned, NoteRecorded, SignedBy
from .registry import Context, allow, applies, decides, item_of, require_not_finalized, require_status
from .state import Record, SessionState, SessionStatus, SignedCopy


class RenderedMinutes(msgspec.Struct, frozen=True):
    """A final PDF rendered from the state at ``seq`` (and sealed by ``sealed_by``, when a seal is configured)."""

    sha256: str
    size: int
    seq: int
    sealed_by: str | None = None


class CheckedCopy(msgspec.Struct, frozen=True):
    """A signed copy whose signatures were checked: it extends the copy whose sha256 is ``base``."""

    base: str
    sha256: str
    size: int
    signatures: list[SignedBy]  # the ones it adds


@decides(RecordNote)
def note(state: SessionState, actor: Actor, cmd: RecordNote, ctx: Context):
    allow(actor, "note.record", Role.SECRETARY)
    require_status(state, "note.record", SessionStatus.OPEN, SessionStatus.CLOSED)
    require_not_finalized(state, "note.record")
    item_of(state, cmd.item)
    if cmd.revises is not None and not any(n.seq == cmd.revises and n.item == cmd.item for n in state.notes):
        raise NotFound("note.unknown", f"note.record: no note of item '{cmd.item}' was recorded at seq {cmd.revises}", {"action": "note.record", "item": cmd.item, "seq": cmd.revises})
    return [NoteRecorded(at=ctx.now, item=cmd.item, text=nfc(cmd.text), revises=cmd.revises)]


@decides(RecordConclusion)
def conclusion(state: SessionState, actor: Actor, cmd: RecordConclusion, ctx: Context):
    allow(actor, "conclusion.record", Role.CHAIR, Role.SECRETARY)
    require_status(state, "conclusion.record", SessionStatus.OPEN, SessionStatus.CLOSED)
    require_not_finalized(state, "conclusion.record")
    item_of(state, cmd.item)
    return [ConclusionRecorded(at=ctx.now, item=cmd.item, text=nfc(cmd.text))]


def check_finalize(state: SessionState, actor: Actor) -> None:
    """Raise unless ``actor`` may finalize the minutes now; called before rendering."""
    allow(actor, "minutes.finalize", Role.SECRETARY)
    require_status(state, "minutes.finalize", SessionStatus.CLOSED)
    require_not_finalized(state, "minutes.finalize")


def finalize(state: SessionState, actor: Actor, rendered: RenderedMinutes | None, ctx: Context):
    """Record the final PDF's hash; ``rendered`` must come from the state as it is now."""
    check_finalize(state, actor)
    if rendered is None:
        raise Invalid("minutes.pdf", "minutes.finalize: no rendered PDF")
    if rendered.seq != state.seq:
        raise Conflict("minutes.stale", "minutes.finalize: the log moved on while rendering; try again", {"action": "minutes.finalize"})
    return [
        MinutesFinalized(
            at=ctx.now, sha256=rendered.sha256, size=rendered.size, head_hash=state.head, event_count=state.seq,
            sealed_by=rendered.sealed_by,
        )
    ]


def latest_minutes(state: SessionState) -> str | None:
    """The sha256 of the copy served as the minutes: the latest signed copy, else the final PDF."""
    return state.minutes_signed[-1].sha256 if state.minutes_signed else state.minutes_sha256


def check_sign(state: SessionState, actor: Actor) -> None:
    """Raise unless ``actor`` may hand in a signed copy now; called before the copy is checked."""
    allow(actor, "minutes.sign", Role.CHAIR, Role.SECRETARY)
    if state.minutes_sha256 is None:
        raise Conflict("minutes.not_final", "minutes.sign: the minutes are not final yet; the secretary finalizes them first")


def sign(state: SessionState, actor: Actor, copy: CheckedCopy, ctx: Context):
    """Record an accepted signed copy; it must extend the copy served right now (two uploads may race)."""
    check_sign(state, actor)
    if copy.base != latest_minutes(state):
        raise Conflict(
            "signed.stale",
            "minutes.sign: another signed copy was accepted meanwhile; download minutes.pdf again and sign that",
        )
    return [
        MinutesSigned(
            at=ctx.now, revision=len(state.minutes_signed) + 1, sha256=copy.sha256, size=copy.size,
            signatures=copy.signatures,
        )
    ]


decides(FinalizeMinutes)(lambda state, actor, cmd, ctx: finalize(state, actor, None, ctx))


@applies(NoteRecorded)
def noted(state: SessionState, event: NoteRecorded) -> None:
    if event.revises is not None:
        for note in state.notes:
            if note.seq == event.revises:
                note.text, note.at = event.text, event.at
                return
    state.notes.append(Record(item=event.item, text=event.text, at=event.at, seq=event.seq))


@applies(ConclusionRecorded)
def concluded(state: SessionState, event: ConclusionRecorded) -> None:
    state.conclusions.append(Record(item=event.item, text=event.text, at=event.at, seq=event.seq))


@applies(MinutesFinalized)
def finalized(state: SessionState, event: MinutesFinalized) -> None:
    state.minutes_sha256 = event.sha256
    state.minutes_head = event.head_hash
    state.minutes_sealed_by = event.sealed_by


@applies(MinutesSigned)
def signed(state: SessionState, event: MinutesSigned) -> None:
    state.minutes_signed.append(
        SignedCopy(revision=event.revision, sha256=event.sha256, signatures=event.signatures, at=event.at, seq=event.seq)
    )
