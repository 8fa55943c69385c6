"""The secretary's notes: each note.record adds a note, or with ``revises`` rewrites one in its place."""

from __future__ import annotations

import pytest

from phienhop.server.domain import DomainError

from .builder import SECRETARY, decide_only, opened, run


def test_a_revision_replaces_the_note_in_its_place():
    """Revising the first note changes its text and keeps it before the second; the log keeps both texts."""
    state = opened()
    run(state, SECRETARY, type="note.record", item="khai-mac", text="Khai mạc lúc 14")
    first = state.seq
    run(state, SECRETARY, type="note.record", item="khai-mac", text="Ghi chú thứ hai")
    assert run(state, SECRETARY, type="note.record", item="khai-mac", text="Khai mạc lúc 14 giờ.", revises=first) == [
        "note.recorded"
    ]
    assert [(n.item, n.text, n.seq) for n in state.notes] == [
        ("khai-mac", "Khai mạc lúc 14 giờ.", first),
        ("khai-mac", "Ghi chú thứ hai", first + 1),
    ]


def test_a_revision_names_a_note_of_the_same_item():
    """Revising a seq that is not a note of that item is refused by name, and changes nothing."""
    state = opened()
    run(state, SECRETARY, type="note.record", item="khai-mac", text="Ghi chú")
    note = state.seq
    for seq in (note, note - 1):
        with pytest.raises(DomainError) as refused:
            decide_only(state, SECRETARY, {"type": "note.record", "item": "du-thao", "text": "x", "revises": seq})
        assert (refused.value.status, refused.value.code, refused.value.detail) == (
            404, "note.unknown", f"note.record: no note of item 'du-thao' was recorded at seq {seq}"
        )
