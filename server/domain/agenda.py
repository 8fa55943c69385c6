"""The agenda file (TOML v1): typed, validated whole, normalized to NFC.

Pure: the caller reads files; this module only checks and shapes what was read.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import unicodedata
from fractions import Fraction
from typing import Annotated, Any, Callable

import msgspec

from .text import ID_PATTERN, is_id, text_problem

Id = Annotated[str, msgspec.Meta(pattern=ID_PATTERN)]  # and by full match, in check_agenda
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
MAX_RECIPIENTS = 30  # lines of the minutes' "Nơi nhận" block


class Method(enum.Enum):
    YES_NO_ABSTAIN = "yes-no-abstain"


class Ballot(enum.Enum):
    NAMED = "named"
    SECRET = "secret"
    HANDS = "hands"  # a show of hands: the chair enters the counts


class Rule(enum.Enum):
    SIMPLE = "simple"
    MORE_THAN_HALF_OF_PRESENT = "more-than-half-of-present"
    MORE_THAN_HALF_OF_MEMBERS = "more-than-half-of-members"
    TWO_THIRDS_OF_MEMBERS = "two-thirds-of-members"
    CONSULTATIVE = "consultative"


class Language(enum.Enum):
    VI = "vi"
    EN = "en"


class PollSpec(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    method: Method = Method.YES_NO_ABSTAIN
    ballot: Ballot = Ballot.NAMED
    rule: Rule = Rule.SIMPLE


class SessionInfo(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    title: Text
    body: Text
    place: Text
    starts_at: dt.datetime
    chair: Id
    secretary: Id
    parent_body: str = ""
    record_number: str = ""
    language: Language = Language.VI
    quorum: str = "1/2"
    # The "Nơi nhận" (recipients) block of the minutes, one line each ("Như thành phần dự họp").
    recipients: Annotated[list[str], msgspec.Meta(max_length=MAX_RECIPIENTS)] = []
    deputies_vote: bool = False  # may a deputy (người dự thay) vote for the absent member?


class Point(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: Id
    name: Text
    host: bool = False


class Person(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: Id
    name: Text
    position: str = ""
    point: str = ""
    voting: bool = True
    weight: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1


class Item(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: Id
    title: Text
    presenter: str = ""
    duration_min: Annotated[int, msgspec.Meta(ge=1, le=1440)] = 15
    speech_min: Annotated[int, msgspec.Meta(ge=1, le=120)] | None = None  # each speaker's time on this item
    draft: str = ""
    draft_text: str = ""  # the draft's content, filled in by the loader (or sent inline)
    poll: PollSpec | None = None


class Agenda(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    session: SessionInfo
    points: list[Point]
    people: list[Person]
    items: list[Item]


class AgendaError(ValueError):
    """A bad agenda file; ``path`` names the key (``items[3].poll.rule``)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")


def _msgspec_error(exc: msgspec.ValidationError) -> AgendaError:
    text = str(exc)
    match = _PATH.search(text)
    path = match.group("path").lstrip(".") if match else ""
    reason = _PATH.sub("", text)
    # Name the offending key itself, not its table: `session.chairman: unknown key`.
    field = re.match(r"Object (contains unknown|missing required) field `([^`]+)`", reason)
    if field:
        path = f"{path}.{field.group(2)}" if path else field.group(2)
        reason = "unknown key" if field.group(1) == "contains unknown" else "required key is missing"
    key = re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1] or "value"  # items[3].poll.rule -> rule
    reason = re.sub(r"Invalid enum value (\S+)", lambda m: f"unknown {key} {m.group(1)}", reason)
    return AgendaError(path or "(file)", reason)


def nfc(text: str) -> str:
    """Text as stored everywhere: Unicode NFC, so the same words are the same bytes."""
    return unicodedata.normalize("NFC", text)


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


# The zones people live in (UTC-12:00 to UTC+14:00): every time in the minutes, the pages and the
# exports is printed in the session's zone, the offset of ``starts_at``.
MIN_OFFSET = dt.timedelta(hours=-12)
MAX_OFFSET = dt.timedelta(hours=14)
# Four-digit years the minutes print ("năm 2021"), kept a day away from the ends of Python's
# calendar so that moving a moment into any zone cannot overflow.
MIN_YEAR, MAX_YEAR = 1000, 9998


def _offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{rest:02d}"


def check_moment(path: str, moment: dt.datetime) -> None:
    """Raise AgendaError at ``path`` unless ``moment`` has an offset in -12:00..+14:00 and a printable year."""
    offset = moment.utcoffset()
    if offset is None:
        raise AgendaError(path, "needs a UTC offset, e.g. 2021-11-30T14:00:00+07:00")
    if offset % dt.timedelta(minutes=1) or not MIN_OFFSET <= offset <= MAX_OFFSET:
        raise AgendaError(
            path, f"UTC offset {_offset_text(offset)} is not one in use: give one from -12:00 to +14:00"
        )
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise AgendaError(
            path, f"year {moment.year} cannot be printed in the minutes: give a year from {MIN_YEAR} to {MAX_YEAR}"
        )


def parse_quorum(text: str) -> Fraction:
    """``"1/2"`` -> Fraction(1, 2); a share strictly between 0 and 1."""
    # ASCII digits, at most six each: "1/2", "2/3", "51/100" (int() of thousands of digits is refused by Python itself).
    match = re.fullmatch(r" *([0-9]{1,6}) */ *([0-9]{1,6}) *", text)
    if not match or int(match.group(2)) == 0:
        raise AgendaError("session.quorum", f"not a fraction like '1/2': {text!r}")
    share = Fraction(int(match.group(1)), int(match.group(2)))
    if not 0 < share < 1:
        raise AgendaError("session.quorum", f"must be between 0 and 1, got {text!r}")
    return share


MAX_DEPTH = 8  # an agenda nests four deep (items[0].poll.rule); anything far deeper is not one
_TOO_DEEP = f"nested too deeply: an agenda nests at most {MAX_DEPTH} tables or arrays deep"


def _check_depth(raw: Any) -> None:
    """Refuse nesting past MAX_DEPTH anywhere, unknown keys included, without recursing (no RecursionError)."""
    stack = [(raw, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise AgendaError("(file)", _TOO_DEEP)
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, depth + 1) for child in children)


# Longest each text may be, in characters. Names go on cards and screens; titles on one or two lines.
LIMITS = {
    "title": 500, "body": 300, "parent_body": 300, "place": 500, "record_number": 64, "quorum": 32,
    "name": 200, "position": 300, "draft": 255, "draft_text": 500_000, "recipient": 300,
}


def check_text(path: str, value: str, *, limit: int, required: bool = False, multiline: bool = False) -> None:
    """Raise AgendaError at ``path`` for text that is too long, blank when ``required``, or has hidden characters."""
    if len(value) > limit:
        raise AgendaError(path, f"too long: {len(value)} characters, at most {limit}")
    problem = text_problem(value, multiline=multiline, required=required)
    if problem:
        raise AgendaError(path, problem)


def _check_id(path: str, value: str, optional: bool = False) -> None:
    if optional and value == "":
        return
    if not is_id(value):
        raise AgendaError(path, f"{value!r} is not an id: lowercase letters, digits and '-', at most 64, "
                                "starting with a letter or digit")


def unequal_weights(people) -> str | None:
    """Why a secret ballot cannot be held among ``people`` (their voting weights differ), or None when it can."""
    weights = sorted({p.weight for p in people if p.voting})
    if len(weights) <= 1:
        return None
    return (f"a secret ballot needs equal voting weights, and these differ ({weights[0]} to {weights[-1]}): "
            "the totals would show how a member of unusual weight voted; hold a named ballot, "
            "or give every voting member the same weight")


def check_item(path: str, item: "Item") -> None:
    """The text and ids of one agenda item (also of one added during the session)."""
    _check_id(f"{path}.id", item.id)
    check_text(f"{path}.title", item.title, limit=LIMITS["title"], required=True)
    _check_id(f"{path}.presenter", item.presenter, optional=True)
    check_text(f"{path}.draft", item.draft, limit=LIMITS["draft"])
    check_text(f"{path}.draft_text", item.draft_text, limit=LIMITS["draft_text"], multiline=True)


def _check_texts(agenda: "Agenda") -> None:
    s = agenda.session
    for key in ("title", "body", "place", "parent_body", "record_number", "quorum"):
        check_text(f"session.{key}", getattr(s, key), limit=LIMITS[key], required=key in ("title", "body", "place"))
    for i, line in enumerate(s.recipients):
        check_text(f"session.recipients[{i}]", line, limit=LIMITS["recipient"], required=True)
    _check_id("session.chair", s.chair)
    _check_id("session.secretary", s.secretary)
    for i, point in enumerate(agenda.points):
        _check_id(f"points[{i}].id", point.id)
        check_text(f"points[{i}].name", point.name, limit=LIMITS["name"], required=True)
    for i, person in enumerate(agenda.people):
        _check_id(f"people[{i}].id", person.id)
        check_text(f"people[{i}].name", person.name, limit=LIMITS["name"], required=True)
        check_text(f"people[{i}].position", person.position, limit=LIMITS["position"])
        _check_id(f"people[{i}].point", person.point, optional=True)
    for i, item in enumerate(agenda.items):
        check_item(f"items[{i}]", item)


class EncodingError(ValueError):
    """Bytes that are not UTF-8 text; the message names the problem and what to do."""


# Byte-order marks of the encodings Windows tools save in besides UTF-8 (longest first: the
# UTF-32 LE mark begins with the UTF-16 LE one).
_OTHER_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"),
)


def decode_text(data: bytes, what: str = "the file") -> str:
    """UTF-8 bytes as text, without the byte-order mark Notepad's "UTF-8 with BOM" puts first.

    Raises EncodingError naming the problem for UTF-16/UTF-32 (with or without a mark) and for
    bytes that are not UTF-8 (Windows-1258, Windows-1252 and other code pages are not guessed).
    """
    for mark, name in _OTHER_BOMS:
        if data.startswith(mark):
            hexmark = " ".join(f"{b:02X}" for b in mark)
            raise EncodingError(f"{name} text (byte-order mark {hexmark}): save {what} as UTF-8")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise EncodingError(f"NUL byte at byte {nul}, as in UTF-16 text: save {what} as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"not UTF-8 text (byte {exc.start}): save {what} as UTF-8; Windows-1258 and other code pages are not read"
        ) from None
    return text.removeprefix("\ufeff")


def decode_agenda(data: bytes | str | dict, *, fmt: str = "toml") -> Agenda:
    """Decode TOML or JSON (text or already-parsed dict) into a checked, NFC-normalized Agenda."""
    try:
        if isinstance(data, dict):
            raw = data
        elif fmt == "toml":
            import tomllib

            try:
                raw = tomllib.loads(_text(data))
            except tomllib.TOMLDecodeError as exc:
                raise AgendaError("(file)", f"not valid TOML: {exc}") from None
            except RecursionError:
                raise AgendaError("(file)", _TOO_DEEP) from None
        else:
            try:
                raw = msgspec.json.decode(_text(data))
            except msgspec.DecodeError as exc:
                raise AgendaError("(file)", f"not valid JSON: {exc}") from None
            except RecursionError:
                raise AgendaError("(file)", _TOO_DEEP) from None
        if not isinstance(raw, dict):
            raise AgendaError("(file)", "expected a table at the top level")
        _check_depth(raw)
        agenda = msgspec.convert(_nfc(raw), type=Agenda)
    except msgspec.ValidationError as exc:
        raise _msgspec_error(exc) from None
    check_agenda(agenda)
    return agenda


def _text(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return decode_text(data)
    except EncodingError as exc:
        raise AgendaError("(file)", str(exc)) from None


def check_agenda(agenda: Agenda) -> None:
    """Cross-reference checks msgspec cannot express; raises AgendaError on the first problem."""
    s = agenda.session
    if s.starts_at.tzinfo is None:
        raise AgendaError("session.starts_at", "needs a UTC offset, e.g. 2021-11-30T14:00:00+07:00")
    check_moment("session.starts_at", s.starts_at)
    _check_texts(agenda)
    parse_quorum(s.quorum)
    if not agenda.points:
        raise AgendaError("points", "at least one connection point is needed")
    if not agenda.items:
        raise AgendaError("items", "at least one item is needed")
    seen: dict[str, str] = {}
    for kind, rows in (("points", agenda.points), ("people", agenda.people), ("items", agenda.items)):
        for i, row in enumerate(rows):
            if row.id in seen:
                raise AgendaError(f"{kind}[{i}].id", f"duplicate id '{row.id}' (also in {seen[row.id]})")
            seen[row.id] = kind
    points = {p.id for p in agenda.points}
    people = {p.id for p in agenda.people}
    hosts = [i for i, p in enumerate(agenda.points) if p.host]
    if len(hosts) > 1:
        raise AgendaError(f"points[{hosts[1]}].host", "only one point can be the host")
    for i, person in enumerate(agenda.people):
        if person.point and person.point not in points:
            raise AgendaError(f"people[{i}].point", f"unknown point '{person.point}'")
    for key, value in (("chair", s.chair), ("secretary", s.secretary)):
        if value not in people:
            raise AgendaError(f"session.{key}", f"'{value}' is not one of the people")
    if not any(p.voting for p in agenda.people):
        raise AgendaError("people", "nobody has a vote (voting = true)")
    for i, item in enumerate(agenda.items):
        if item.presenter and item.presenter not in people:
            raise AgendaError(f"items[{i}].presenter", f"unknown person '{item.presenter}'")
    unequal = unequal_weights(agenda.people)
    for i, item in enumerate(agenda.items):
        if unequal and item.poll is not None and item.poll.ballot is Ballot.SECRET:
            raise AgendaError(f"items[{i}].poll.ballot", unequal)


def with_drafts(agenda: Agenda, read: Callable[[str], str]) -> Agenda:
    """Fill each item's ``draft_text`` by calling ``read(draft)``; ``read`` raises AgendaError's reason."""
    items = []
    for i, item in enumerate(agenda.items):
        if item.draft and not item.draft_text:
            try:
                text = read(item.draft)
            except FileNotFoundError:
                raise AgendaError(f"items[{i}].draft", f"file not found: {item.draft}") from None
            except UnicodeDecodeError:
                raise AgendaError(f"items[{i}].draft", f"not UTF-8 text: {item.draft}") from None
            except OSError as exc:  # a directory, no permission, ...
                raise AgendaError(f"items[{i}].draft", f"cannot read {item.draft}: {exc.strerror}") from None
            except ValueError as exc:
                raise AgendaError(f"items[{i}].draft", str(exc)) from None
            text = unicodedata.normalize("NFC", text.removeprefix("\ufeff"))  # a file saved with a byte-order mark
            check_text(f"items[{i}].draft_text", text, limit=LIMITS["draft_text"], multiline=True)
            item = msgspec.structs.replace(item, draft_text=text)
        items.append(item)
    return msgspec.structs.replace(agenda, items=items)
