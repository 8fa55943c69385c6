"""Agenda files: a bad one is refused whole with the key path and what is wrong; text comes out NFC."""

from __future__ import annotations

import unicodedata

import pytest

from phienhop.server.agendas import load_agenda_file
from phienhop.server.domain.agenda import AgendaError, decode_agenda
from tests.support import REFERENCE, small_agenda

from .broken_agendas import BROKEN, BROKEN_JSON, DRAFT, VALID, matches


def write(tmp_path, data: bytes, name: str = "agenda.toml"):
    (tmp_path / "drafts").mkdir(exist_ok=True)
    (tmp_path / DRAFT).write_text("# Dự thảo\n", encoding="utf-8")
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_valid_file_loads_with_its_draft(tmp_path):
    """The base file of the broken cases is itself valid, and its draft text is read in."""
    agenda, source = load_agenda_file(write(tmp_path, VALID.encode()))
    assert [i.id for i in agenda.items] == ["khai-mac", "du-thao"]
    assert agenda.items[1].draft_text == "# Dự thảo\n"
    assert len(source) == 64


@pytest.mark.parametrize("name, breaks, path, reason", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_is_refused_with_its_path(tmp_path, name, breaks, path, reason):
    """Each kind of broken file raises AgendaError with the exact key path and reason."""
    with pytest.raises(AgendaError) as refused:
        load_agenda_file(write(tmp_path, breaks(VALID)))
    assert refused.value.path == path
    assert matches(refused.value.reason, reason), refused.value.reason
    assert str(refused.value) == f"{path}: {refused.value.reason}"


def test_unreadable_file_names_the_file(tmp_path):
    """A file that cannot be read is refused naming it."""
    missing = tmp_path / "khong-co.toml"
    with pytest.raises(AgendaError) as refused:
        load_agenda_file(missing)
    assert str(refused.value) == f"(file): cannot read {missing}: No such file or directory"


def test_draft_cannot_climb_out(tmp_path):
    """A draft path that leaves the agenda's folder is refused."""
    with pytest.raises(AgendaError) as refused:
        load_agenda_file(write(tmp_path, VALID.replace(DRAFT, "../secret.md").encode()))
    assert str(refused.value) == f"items[1].draft: must stay inside {tmp_path.name}/: ../secret.md"


def test_draft_not_utf8(tmp_path):
    """A draft that is not UTF-8 is refused naming the draft."""
    path = write(tmp_path, VALID.encode())
    (tmp_path / DRAFT).write_bytes("Dự thảo".encode("utf-16"))
    with pytest.raises(AgendaError) as refused:
        load_agenda_file(path)
    assert str(refused.value) == f"items[1].draft: UTF-16 text (byte-order mark FF FE): save {DRAFT} as UTF-8"


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda a: a["session"].update(language="fr"), "session.language: unknown language 'fr'"),
        (lambda a: a["items"][1]["poll"].update(method="raise-hands"), "items[1].poll.method: unknown method 'raise-hands'"),
        (lambda a: a["points"][1].update(host=True), "points[1].host: only one point can be the host"),
        (lambda a: a["people"][0].update(id="Chu Toa"),
         "people[0].id: not an id: lowercase letters, digits and '-', at most 64, starting with a letter or digit"),
        (lambda a: a.update(items=[]), "items: at least one item is needed"),
        (lambda a: a["session"].pop("title"), "session.title: required key is missing"),
        (lambda a: [p.update(voting=False) for p in a["people"]], "people: nobody has a vote (voting = true)"),
        (lambda a: a["session"].update(secretary="ai-do"), "session.secretary: 'ai-do' is not one of the people"),
    ],
    ids=["language", "method", "two-hosts", "bad-id", "no-items", "missing-title", "no-voters", "secretary"],
)
def test_broken_json_agenda(edit, message):
    """The same checks hold for an agenda sent as JSON (a dict here), with the same messages."""
    agenda = small_agenda()
    edit(agenda)
    with pytest.raises(AgendaError) as refused:
        decode_agenda(agenda)
    assert str(refused.value) == message


def test_top_level_must_be_a_table():
    """A JSON agenda that is not an object is refused at (file)."""
    with pytest.raises(AgendaError) as refused:
        decode_agenda(b"[1, 2]", fmt="json")
    assert str(refused.value) == "(file): expected a table at the top level"


def test_text_is_normalized_to_nfc(tmp_path):
    """Titles, names and draft text given in NFD come out NFC."""
    nfd = unicodedata.normalize("NFD", "Thông qua dự thảo Quy chế")
    text = VALID.replace('title = "Thông qua dự thảo"', f'title = "{nfd}"')
    path = write(tmp_path, text.encode())
    (tmp_path / DRAFT).write_text(unicodedata.normalize("NFD", "Điều 1. Phạm vi"), encoding="utf-8")
    agenda, _ = load_agenda_file(path)
    assert nfd != "Thông qua dự thảo Quy chế"
    assert agenda.items[1].title == "Thông qua dự thảo Quy chế"
    assert agenda.items[1].draft_text == "Điều 1. Phạm vi"


def test_reference_agenda_loads():
    """The reference session file loads: 85 points, 16 voting members, 5 items, one poll."""
    agenda, _ = load_agenda_file(REFERENCE)
    assert len(agenda.points) == 85
    assert sum(p.voting for p in agenda.people) == 16
    assert [i.id for i in agenda.items] == ["khai-mac", "quy-che", "ke-hoach-2022", "tham-luan", "ket-luan"]
    assert [i.id for i in agenda.items if i.poll] == ["quy-che"]


def test_a_draft_that_is_a_directory_is_refused_with_its_path(tmp_path):
    """A draft path naming a directory is a path-named agenda error, not a crash."""
    from phienhop.server.agendas import load_agenda_file

    path = tmp_path / "agenda.toml"
    (tmp_path / "drafts").mkdir()
    path.write_text(VALID.replace(f'draft = "{DRAFT}"', 'draft = "drafts"'), encoding="utf-8")
    with pytest.raises(AgendaError) as refused:
        load_agenda_file(path)
    assert str(refused.value) == "items[1].draft: cannot read drafts: Is a directory"


@pytest.mark.parametrize("name, body, path, reason", BROKEN_JSON, ids=[b[0] for b in BROKEN_JSON])
def test_hostile_json_agenda_is_refused_with_its_path(name, body, path, reason):
    """Hostile JSON agendas (deep nesting, lone surrogates) are refused as AgendaErrors, never crash the decoder."""
    with pytest.raises(AgendaError) as refused:
        decode_agenda(body, fmt="json")
    assert (refused.value.path, refused.value.reason) == (path, reason)


def test_deputies_vote_speech_time_and_show_of_hands_are_read():
    """deputies_vote, an item's speech_min and ballot = "hands" load as written; their defaults are false, none, named."""
    data = small_agenda(ballot="hands")
    data["session"]["deputies_vote"] = True
    data["items"][1]["speech_min"] = 5
    agenda = decode_agenda(data)
    assert (agenda.session.deputies_vote, agenda.items[1].speech_min, agenda.items[1].poll.ballot.value) == (True, 5, "hands")
    plain = decode_agenda(small_agenda())
    assert (plain.session.deputies_vote, plain.items[1].speech_min, plain.items[1].poll.ballot.value) == (False, None, "named")
    data["items"][1]["speech_min"] = 0
    with pytest.raises(AgendaError) as refused:
        decode_agenda(data)
    assert str(refused.value) == "items[1].speech_min: Expected `int` >= 1"


def test_every_agenda_reason_says_the_same_in_both_languages():
    """Each reason has a vi and an en text naming the same parameters; the vi text is NFC; so are the kinds of hidden characters."""
    import string

    from phienhop.server.domain.agenda import REASONS
    from phienhop.server.domain.text import KINDS

    for code, (vi, en) in REASONS.items():
        names = [{f[1] for f in string.Formatter().parse(text) if f[1]} for text in (vi, en)]
        assert names[0] == names[1], code
        assert unicodedata.normalize("NFC", vi) == vi, code
        assert vi != en, code
    for kind, (vi, en) in KINDS.items():
        assert unicodedata.normalize("NFC", vi) == vi and vi != en, kind


@pytest.mark.parametrize("name, breaks, path, reason", BROKEN, ids=[b[0] for b in BROKEN])
def test_a_broken_file_is_also_said_in_vietnamese(tmp_path, name, breaks, path, reason):
    """Every broken case has a reason code whose Vietnamese text is what ``text('vi')`` gives; ``text('en')`` is the English."""
    from phienhop.server.domain.agenda import REASONS, say_reason

    with pytest.raises(AgendaError) as refused:
        load_agenda_file(write(tmp_path, breaks(VALID)))
    exc = refused.value
    assert exc.code in REASONS
    assert exc.text("en") == str(exc)
    vi = exc.text("vi")
    assert vi == f"{'(tệp)' if path == '(file)' else path}: {say_reason(exc.code, 'vi', **exc.params)}"
    assert vi != exc.text("en") and "{" not in vi.replace(VALID, "")


@pytest.mark.parametrize("edit, vi", [
    (('rule = "simple"', 'rule = "most"'), "items[1].poll.rule: rule không hợp lệ: 'most'"),
    (('id = "tv-1"', 'id = "thu-ky"'), "people[2].id: mã 'thu-ky' bị trùng (đã có trong danh sách người dự)"),
    (('title = "Phiên họp thử nghiệm"', 'title = "Phiên họp\u202ethử nghiệm"'),
     "session.title: U+202E (RIGHT-TO-LEFT OVERRIDE) ở ký tự thứ 10 là ký tự điều khiển chiều viết "
     "(có thể làm chữ hiện thành chữ khác); hãy xóa nó"),
    (('duration_min = 5', 'duration_min = "5"'), "items[0].duration_min: cần một số nguyên, nhưng đây là chữ (một chuỗi)"),
    (("14:00:00+07:00", "14:00:00"), "session.starts_at: cần có độ lệch UTC (múi giờ), ví dụ 2021-11-30T14:00:00+07:00"),
])
def test_what_a_secretary_reads_in_vietnamese(tmp_path, edit, vi):
    """The words of the commonest mistakes, in Vietnamese, exactly."""
    with pytest.raises(AgendaError) as refused:
        load_agenda_file(write(tmp_path, VALID.replace(*edit, 1).encode()))
    assert refused.value.text("vi") == vi


def test_a_file_saved_in_utf16_is_said_in_vietnamese(tmp_path):
    """The encoding advice names the file in the reader's language ("the file" / "tệp")."""
    with pytest.raises(AgendaError) as refused:
        load_agenda_file(write(tmp_path, VALID.encode("utf-16")))
    assert refused.value.text("vi") == "(tệp): văn bản UTF-16 (dấu thứ tự byte FF FE): hãy lưu tệp dưới dạng UTF-8"
    assert refused.value.text("en") == "(file): UTF-16 text (byte-order mark FF FE): save the file as UTF-8"


def test_an_agenda_named_in_capitals_json_is_read_as_json(tmp_path):
    """`AGENDA.JSON` (as Windows tools may save it) is JSON, not TOML."""
    import msgspec

    agenda, _ = load_agenda_file(write(tmp_path, msgspec.json.encode(small_agenda()), "PHIEN-HOP.JSON"))
    assert agenda.session.title == "Phiên họp thử nghiệm"


@pytest.mark.parametrize("where, value, code, vi", [
    (("people", 0, "weight"), 0, "value.bound", "people[0].weight: cần một số nguyên không nhỏ hơn 1"),
    (("session", "recipients"), ["Lưu: VT"] * 31, "value.length",
     "session.recipients: cần một danh sách [...] có độ dài không lớn hơn 30"),
    (("session", "chair"), "Chu-Toa", "id.pattern",
     "session.chair: không phải mã định danh: chữ thường, chữ số và '-', nhiều nhất 64 ký tự, bắt đầu bằng chữ hoặc số"),
    (("session", "starts_at"), "30/11/2021 14:00", "moment.format",
     "session.starts_at: không phải ngày giờ dạng 2021-11-30T14:00:00+07:00"),
    (("items", 1, "poll"), "simple", "value.type", "items[1].poll: cần một bảng hoặc giá trị rỗng, nhưng đây là chữ (một chuỗi)"),
    (("people", 2, "id"), "chu-toa", "id.duplicate", "people[2].id: mã 'chu-toa' bị trùng (đã có trong danh sách người dự)"),
])
def test_msgspec_constraints_have_their_own_reasons_in_vietnamese(where, value, code, vi):
    """Bounds, lengths, the id pattern, a date in another form and unions: a reason of their own, not msgspec's English inside a Vietnamese sentence."""
    import json

    agenda = small_agenda()
    target = agenda
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    with pytest.raises(AgendaError) as refused:
        decode_agenda(json.dumps(agenda), fmt="json")
    assert (refused.value.code, refused.value.text("vi")) == (code, vi)
