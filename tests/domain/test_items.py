"""Agenda changes during the session: items added, moved and deferred, and the order they were taken."""

from __future__ import annotations

import pytest

from phienhop.server.domain import DomainError
from phienhop.server.domain.items import taken_order

from . import builder
from .builder import CHAIR, MEMBER, decide_only, frozen, run


def refusal(state, actor, **body):
    before = frozen(state)
    with pytest.raises(DomainError) as refused:
        decide_only(state, actor, body)
    assert frozen(state) == before
    return refused.value.status, refused.value.code, refused.value.detail


NEW = {"id": "bo-sung", "title": "Nội dung bổ sung", "presenter": "tv-1", "duration_min": 10, "speech_min": 3,
       "draft_text": "# Dự thảo bổ sung", "poll": {"ballot": "named", "rule": "simple"}}


def test_an_item_added_after_the_last_runs_with_its_own_poll():
    """item.add without 'after' puts the item last; it starts, keeps its draft text, and opens its own poll."""
    state = builder.opened()
    assert run(state, CHAIR, type="item.add", item=NEW) == ["item.added"]
    assert state.order == ["khai-mac", "du-thao", "bo-sung"]
    assert state.items["bo-sung"].added and state.item("bo-sung").draft_text == "# Dự thảo bổ sung"
    run(state, CHAIR, type="item.start", item="bo-sung")
    assert run(state, CHAIR, type="poll.open", item="bo-sung") == ["poll.opened"]
    assert state.polls["p1"].spec.rule.value == "simple"


def test_an_item_added_after_a_named_one_and_moved_before_the_first():
    """'after' places an added item; item.move with after null makes it first."""
    state = builder.opened()
    run(state, CHAIR, type="item.add", item=NEW, after="khai-mac")
    assert state.order == ["khai-mac", "bo-sung", "du-thao"]
    assert run(state, CHAIR, type="item.move", item="du-thao", after=None) == ["item.moved"]
    assert state.order == ["du-thao", "khai-mac", "bo-sung"]
    run(state, CHAIR, type="item.move", item="du-thao", after="bo-sung")
    assert state.order == ["khai-mac", "bo-sung", "du-thao"]


def test_an_item_deferred_while_another_runs():
    """While khai-mac runs, du-thao is deferred with its reason; its queued requests lapse and it cannot start."""
    state = builder.opened()
    run(state, CHAIR, type="item.start", item="khai-mac")
    run(state, MEMBER, type="speaker.request", item="du-thao")
    assert run(state, CHAIR, type="item.defer", item="du-thao", reason="  Chưa đủ hồ sơ thẩm định ") == ["item.deferred"]
    item = state.items["du-thao"]
    assert (item.status.value, item.reason) == ("deferred", "Chưa đủ hồ sơ thẩm định")
    assert state.requests["r1"].status.value == "lapsed"
    run(state, CHAIR, type="item.end", item="khai-mac")
    assert refusal(state, CHAIR, type="item.start", item="du-thao") == (
        409, "item.state", "item.start: item 'du-thao' was deferred")
    assert refusal(state, MEMBER, type="speaker.request", item="du-thao") == (
        409, "item.state", "speaker.request: item 'du-thao' was deferred")


@pytest.mark.parametrize("action, extra", [("item.defer", {"reason": "x"}), ("item.move", {"after": None})])
def test_only_an_item_not_yet_started_can_change(action, extra):
    """Deferring or moving the running item, or one already done, is refused naming its state."""
    state = builder.opened()
    run(state, CHAIR, type="item.start", item="khai-mac")
    assert refusal(state, CHAIR, type=action, item="khai-mac", **extra) == (
        409, "item.state", f"{action}: item 'khai-mac' is active; only an item not yet started can change")
    run(state, CHAIR, type="item.end", item="khai-mac")
    assert refusal(state, CHAIR, type=action, item="khai-mac", **extra)[2].endswith("is done; only an item not yet started can change")


@pytest.mark.parametrize(
    "body, expected",
    [
        ({"type": "item.add", "item": {"id": "tv-1", "title": "X"}},
         (409, "item.duplicate", "item.add: the id 'tv-1' is already used in this session")),
        ({"type": "item.add", "item": {"id": "moi", "title": "X"}, "after": "nope"},
         (404, "item.unknown", "item.add: no item 'nope' to put it after")),
        ({"type": "item.add", "item": {"id": "moi", "title": "X", "presenter": "ai-do"}},
         (404, "person.unknown", "item.add: no person 'ai-do' to present it")),
        ({"type": "item.move", "item": "du-thao", "after": "du-thao"},
         (422, "item.after", "item.move: item 'du-thao' cannot go after itself")),
        ({"type": "item.defer", "item": "du-thao", "reason": "   "},
         (422, "item.reason", "item.defer: say why the item is deferred")),
        ({"type": "item.defer", "item": "nope", "reason": "x"}, (404, "item.unknown", "no item 'nope' in this session")),
    ],
    ids=["duplicate-id", "unknown-after", "unknown-presenter", "after-itself", "blank-reason", "unknown-item"],
)
def test_agenda_change_refusals(body, expected):
    """Each refused agenda change names what is wrong and changes nothing."""
    assert refusal(builder.opened(), CHAIR, **body) == expected


def test_the_order_taken_is_the_order_started():
    """taken_order lists items by when they started, then the rest as planned (deferred included)."""
    state = builder.opened()
    run(state, CHAIR, type="item.add", item=NEW)
    run(state, CHAIR, type="item.move", item="bo-sung", after=None)
    run(state, CHAIR, type="item.start", item="du-thao")
    run(state, CHAIR, type="item.end", item="du-thao")
    run(state, CHAIR, type="item.defer", item="khai-mac", reason="Hết giờ")
    run(state, CHAIR, type="item.start", item="bo-sung")
    assert taken_order(state) == ["du-thao", "bo-sung", "khai-mac"]
