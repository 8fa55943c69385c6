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

from .text import BLANK, HIDDEN, ID_PATTERN, KINDS, is_id, text_fault, visible

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


# Why an agenda is refused: code -> (vi, en); {names} are the parameters (a test holds both
# languages to the same ones). The English is what the API's ``detail`` and the logs carry.
REASONS: dict[str, tuple[str, str]] = {
    "file.unreadable": ("không đọc được {file}: {error}", "cannot read {file}: {error}"),
    "file.bom": ("văn bản {encoding} (dấu thứ tự byte {mark}): hãy lưu {what} dưới dạng UTF-8",
                 "{encoding} text (byte-order mark {mark}): save {what} as UTF-8"),
    "file.nul": ("có byte NUL tại byte {at}, như trong văn bản UTF-16: hãy lưu {what} dưới dạng UTF-8",
                 "NUL byte at byte {at}, as in UTF-16 text: save {what} as UTF-8"),
    "file.not_utf8": ("không phải văn bản UTF-8 (byte {at}): hãy lưu {what} dưới dạng UTF-8; không đọc Windows-1258 "
                      "và các bảng mã khác",
                      "not UTF-8 text (byte {at}): save {what} as UTF-8; Windows-1258 and other code pages are not read"),
    "toml.invalid": ("không phải TOML hợp lệ: {detail}", "not valid TOML: {detail}"),
    "json.invalid": ("không phải JSON hợp lệ: {detail}", "not valid JSON: {detail}"),
    "file.not_table": ("cấp ngoài cùng phải là một bảng", "expected a table at the top level"),
    "file.too_deep": ("lồng quá sâu: chương trình họp lồng nhiều nhất {depth} tầng bảng hoặc mảng",
                      "nested too deeply: an agenda nests at most {depth} tables or arrays deep"),
    "key.unknown": ("khóa không có trong định dạng chương trình họp", "unknown key"),
    "key.missing": ("thiếu khóa bắt buộc", "required key is missing"),
    "key.twice": ("khóa này xuất hiện hai lần; chỉ ghi một lần", "this key is given twice; give it once"),
    "value.unknown": ("{key} không hợp lệ: {value}", "unknown {key} {value}"),
    "value.type": ("cần {expected}, nhưng đây là {got}", "Expected `{expected}`, got `{got}`"),
    "value.bound": ("cần {expected} {op} {bound}", "Expected `{expected}` {op} {bound}"),
    "value.length": ("cần {expected} có độ dài {op} {bound}", "Expected `{expected}` of length {op} {bound}"),
    "id.pattern": ("không phải mã định danh: chữ thường, chữ số và '-', nhiều nhất 64 ký tự, bắt đầu bằng chữ hoặc số",
                   "not an id: lowercase letters, digits and '-', at most 64, starting with a letter or digit"),
    "moment.format": ("không phải ngày giờ dạng 2021-11-30T14:00:00+07:00",
                      "not a date and time like 2021-11-30T14:00:00+07:00"),
    "value.invalid": ("giá trị không hợp lệ: {detail}", "{detail}"),
    "number.range": ("số nằm ngoài phạm vi cho phép", "number out of range"),
    "moment.offset_missing": ("cần có độ lệch UTC (múi giờ), ví dụ 2021-11-30T14:00:00+07:00",
                              "needs a UTC offset, e.g. 2021-11-30T14:00:00+07:00"),
    "moment.offset_unused": ("{offset} không phải độ lệch UTC của múi giờ nào đang dùng: hãy ghi một độ lệch từ -12:00 "
                             "đến +14:00",
                             "UTC offset {offset} is not one in use: give one from -12:00 to +14:00"),
    "moment.year": ("năm {year} không in được trong biên bản: hãy ghi năm từ {min} đến {max}",
                    "year {year} cannot be printed in the minutes: give a year from {min} to {max}"),
    "quorum.format": ("không phải một phân số như '1/2': {text!r}", "not a fraction like '1/2': {text!r}"),
    "quorum.range": ("phải lớn hơn 0 và nhỏ hơn 1, đang là {text!r}", "must be between 0 and 1, got {text!r}"),
    "text.too_long": ("quá dài: {length} ký tự, nhiều nhất {limit}", "too long: {length} characters, at most {limit}"),
    "text.hidden": HIDDEN,
    "text.blank": BLANK,
    "id.invalid": ("{value!r} không phải mã định danh: chữ thường, chữ số và '-', nhiều nhất 64 ký tự, bắt đầu bằng "
                   "chữ hoặc số",
                   "{value!r} is not an id: lowercase letters, digits and '-', at most 64, starting with a letter or digit"),
    "id.duplicate": ("mã '{id}' bị trùng (đã có trong {other})", "duplicate id '{id}' (also in {other})"),
    "points.none": ("cần ít nhất một điểm cầu", "at least one connection point is needed"),
    "items.none": ("cần ít nhất một nội dung", "at least one item is needed"),
    "host.many": ("chỉ một điểm cầu được làm điểm cầu chính (host)", "only one point can be the host"),
    "point.unknown": ("không có điểm cầu '{point}'", "unknown point '{point}'"),
    "person.unknown": ("không có người '{person}'", "unknown person '{person}'"),
    "person.not_listed": ("'{person}' không có trong danh sách người dự", "'{person}' is not one of the people"),
    "voters.none": ("không ai có quyền biểu quyết (voting = true)", "nobody has a vote (voting = true)"),
    "ballot.unequal": ("bỏ phiếu kín cần mọi thành viên có trọng số phiếu bằng nhau, mà ở đây khác nhau ({low} đến {high}): "
                       "tổng số phiếu sẽ lộ cách bỏ phiếu của thành viên có trọng số khác thường; hãy biểu quyết ghi tên, "
                       "hoặc cho mọi thành viên có quyền biểu quyết cùng một trọng số",
                       "a secret ballot needs equal voting weights, and these differ ({low} to {high}): "
                       "the totals would show how a member of unusual weight voted; hold a named ballot, "
                       "or give every voting member the same weight"),
    "draft.missing": ("không tìm thấy tệp: {draft}", "file not found: {draft}"),
    "draft.not_utf8": ("không phải văn bản UTF-8: {draft}", "not UTF-8 text: {draft}"),
    "draft.unreadable": ("không đọc được {draft}: {error}", "cannot read {draft}: {error}"),
    "draft.outside": ("phải nằm trong {folder}/: {draft}", "must stay inside {folder}/: {draft}"),
}
LANGS = ("vi", "en")
# Parameters said in words in Vietnamese (English keeps them as given): msgspec's type names and
# comparisons, and the agenda's lists.
TYPE_WORDS = {"int": "một số nguyên", "float": "một số", "str": "chữ (một chuỗi)", "bool": "true hoặc false",
              "array": "một danh sách [...]", "object": "một bảng", "null": "giá trị rỗng", "datetime": "ngày giờ",
              "date": "một ngày", "time": "một giờ"}
VI_WORDS: dict[str, dict[str, str]] = {
    "expected": TYPE_WORDS, "got": TYPE_WORDS,
    "op": {">=": "không nhỏ hơn", "<=": "không lớn hơn", ">": "lớn hơn", "<": "nhỏ hơn"},
    "other": {"points": "danh sách điểm cầu", "people": "danh sách người dự", "items": "danh sách nội dung"},
}


def _vi_word(name: str, value: Any) -> Any:
    words = VI_WORDS.get(name)
    if words is None or not isinstance(value, str):
        return value
    if name in ("expected", "got"):  # msgspec writes a union as `int | null`
        return " hoặc ".join(words.get(part, f"`{part}`") for part in value.split(" | "))
    return words.get(value, value)


def say_reason(code: str, lang: str, **params) -> str:
    """The reason ``code`` in ``lang`` (vi or en), its parameters filled in (a text fault's kind said in ``lang`` too)."""
    at = LANGS.index(lang)
    if "kind" in params and params["kind"] in KINDS:
        params = {**params, "kind": KINDS[params["kind"]][at]}
    if params.get("what") == "":  # decode_text of the agenda itself, not of a named draft
        params = {**params, "what": ("tệp", "the file")[at]}
    if lang == "vi":
        params = {k: _vi_word(k, v) for k, v in params.items()}
    return REASONS[code][at].format(**params)


class AgendaError(ValueError):
    """A bad agenda file; ``path`` names the key (``items[3].poll.rule``), ``code`` and ``params`` the reason.

    ``str()`` and ``reason`` are English (logs, the API's ``detail``); ``text(lang)`` says it in
    Vietnamese or English from ``REASONS``.
    """

    def __init__(self, path: str, code: str, **params: Any) -> None:
        # What came from the input is echoed bounded, and the path (key names) with hidden characters escaped;
        # values keep theirs for the templates' repr, which escapes them.
        params = {k: v if not isinstance(v, str) or len(v) <= 200 else v[:200] + "…" for k, v in params.items()}
        self.path, self.code, self.params = visible(path), code, params
        self.reason = say_reason(code, "en", **params)
        super().__init__(f"{self.path}: {self.reason}" if self.path else self.reason)

    def text(self, lang: str) -> str:
        reason = say_reason(self.code, lang, **self.params)
        if self.path == "(file)" and lang == "vi":
            return f"(tệp): {reason}"
        return f"{self.path}: {reason}" if self.path else reason


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
        return AgendaError(path, "key.unknown" if field.group(1) == "contains unknown" else "key.missing")
    key = re.sub(r"\[\d+\]$", "", path).rsplit(".", 1)[-1] or "value"  # items[3].poll.rule -> rule
    enum_value = re.fullmatch(r"Invalid enum value (\S+)", reason)
    if enum_value:
        return AgendaError(path or "(file)", "value.unknown", key=key, value=enum_value.group(1))
    wrong_type = re.fullmatch(r"Expected `([^`]+)`, got `([^`]+)`", reason)
    if wrong_type:
        return AgendaError(path or "(file)", "value.type", expected=wrong_type.group(1), got=wrong_type.group(2))
    bound = re.fullmatch(r"Expected `([^`]+)` (>=|<=|>|<) (\S+)", reason)
    if bound:
        return AgendaError(path or "(file)", "value.bound", expected=bound.group(1), op=bound.group(2), bound=bound.group(3))
    length = re.fullmatch(r"Expected `([^`]+)` of length (>=|<=) (\d+)", reason)
    if length:
        return AgendaError(path or "(file)", "value.length", expected=length.group(1), op=length.group(2),
                           bound=int(length.group(3)))
    if reason.startswith("Expected `str` matching regex"):  # the only pattern in an agenda: Id
        return AgendaError(path or "(file)", "id.pattern")
    if reason.startswith("Invalid RFC3339 encoded"):
        return AgendaError(path or "(file)", "moment.format")
    return AgendaError(path or "(file)", "value.invalid", detail=reason)


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
        raise AgendaError(path, "moment.offset_missing")
    if offset % dt.timedelta(minutes=1) or not MIN_OFFSET <= offset <= MAX_OFFSET:
        raise AgendaError(path, "moment.offset_unused", offset=_offset_text(offset))
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise AgendaError(path, "moment.year", year=moment.year, min=MIN_YEAR, max=MAX_YEAR)


def parse_quorum(text: str) -> Fraction:
    """``"1/2"`` -> Fraction(1, 2); a share strictly between 0 and 1."""
    # ASCII digits, at most six each: "1/2", "2/3", "51/100" (int() of thousands of digits is refused by Python itself).
    match = re.fullmatch(r" *([0-9]{1,6}) */ *([0-9]{1,6}) *", text)
    if not match or int(match.group(2)) == 0:
        raise AgendaError("session.quorum", "quorum.format", text=text)
    share = Fraction(int(match.group(1)), int(match.group(2)))
    if not 0 < share < 1:
        raise AgendaError("session.quorum", "quorum.range", text=text)
    return share


MAX_DEPTH = 8  # an agenda nests four deep (items[0].poll.rule); anything far deeper is not one


def _check_depth(raw: Any) -> None:
    """Refuse nesting past MAX_DEPTH anywhere, unknown keys included, without recursing (no RecursionError)."""
    stack = [(raw, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise AgendaError("(file)", "file.too_deep", depth=MAX_DEPTH)
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
        raise AgendaError(path, "text.too_long", length=len(value), limit=limit)
    fault = text_fault(value, multiline=multiline, required=required)
    if fault:
        raise AgendaError(path, fault[0], **fault[1])


def _check_id(path: str, value: str, optional: bool = False) -> None:
    if optional and value == "":
        return
    if not is_id(value):
        raise AgendaError(path, "id.invalid", value=value)


def unequal_weights(people) -> str | None:
    """Why a secret ballot cannot be held among ``people`` (their voting weights differ), in English, or None when it can."""
    weights = _weight_range(people)
    return say_reason("ballot.unequal", "en", low=weights[0], high=weights[1]) if weights else None


def _weight_range(people) -> tuple[int, int] | None:
    """(lowest, highest) voting weight when they differ, else None."""
    weights = sorted({p.weight for p in people if p.voting})
    return (weights[0], weights[-1]) if len(weights) > 1 else None


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
    """Bytes that are not UTF-8 text: ``code`` and ``params`` (a ``REASONS`` entry) name the problem and what to do."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params = code, params
        super().__init__(say_reason(code, "en", **params))


# Byte-order marks of the encodings Windows tools save in besides UTF-8 (longest first: the
# UTF-32 LE mark begins with the UTF-16 LE one).
_OTHER_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"),
)


def decode_text(data: bytes, what: str = "") -> str:
    """UTF-8 bytes as text, without the byte-order mark Notepad's "UTF-8 with BOM" puts first.

    Raises EncodingError naming the problem for UTF-16/UTF-32 (with or without a mark) and for
    bytes that are not UTF-8 (Windows-1258, Windows-1252 and other code pages are not guessed).
    """
    for mark, name in _OTHER_BOMS:
        if data.startswith(mark):
            hexmark = " ".join(f"{b:02X}" for b in mark)
            raise EncodingError("file.bom", encoding=name, mark=hexmark, what=what)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise EncodingError("file.nul", at=nul, what=what)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EncodingError("file.not_utf8", at=exc.start, what=what) from None
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
                raise AgendaError("(file)", "toml.invalid", detail=str(exc)) from None
            except RecursionError:
                raise AgendaError("(file)", "file.too_deep", depth=MAX_DEPTH) from None
        else:
            try:
                raw = msgspec.json.decode(_text(data))
            except msgspec.DecodeError as exc:
                raise AgendaError("(file)", "json.invalid", detail=str(exc)) from None
            except RecursionError:
                raise AgendaError("(file)", "file.too_deep", depth=MAX_DEPTH) from None
        if not isinstance(raw, dict):
            raise AgendaError("(file)", "file.not_table")
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
        raise AgendaError("(file)", exc.code, **exc.params) from None


def check_agenda(agenda: Agenda) -> None:
    """Cross-reference checks msgspec cannot express; raises AgendaError on the first problem."""
    s = agenda.session
    if s.starts_at.tzinfo is None:
        raise AgendaError("session.starts_at", "moment.offset_missing")
    check_moment("session.starts_at", s.starts_at)
    _check_texts(agenda)
    parse_quorum(s.quorum)
    if not agenda.points:
        raise AgendaError("points", "points.none")
    if not agenda.items:
        raise AgendaError("items", "items.none")
    seen: dict[str, str] = {}
    for kind, rows in (("points", agenda.points), ("people", agenda.people), ("items", agenda.items)):
        for i, row in enumerate(rows):
            if row.id in seen:
                raise AgendaError(f"{kind}[{i}].id", "id.duplicate", id=row.id, other=seen[row.id])
            seen[row.id] = kind
    points = {p.id for p in agenda.points}
    people = {p.id for p in agenda.people}
    hosts = [i for i, p in enumerate(agenda.points) if p.host]
    if len(hosts) > 1:
        raise AgendaError(f"points[{hosts[1]}].host", "host.many")
    for i, person in enumerate(agenda.people):
        if person.point and person.point not in points:
            raise AgendaError(f"people[{i}].point", "point.unknown", point=person.point)
    for key, value in (("chair", s.chair), ("secretary", s.secretary)):
        if value not in people:
            raise AgendaError(f"session.{key}", "person.not_listed", person=value)
    if not any(p.voting for p in agenda.people):
        raise AgendaError("people", "voters.none")
    for i, item in enumerate(agenda.items):
        if item.presenter and item.presenter not in people:
            raise AgendaError(f"items[{i}].presenter", "person.unknown", person=item.presenter)
    unequal = _weight_range(agenda.people)
    for i, item in enumerate(agenda.items):
        if unequal and item.poll is not None and item.poll.ballot is Ballot.SECRET:
            raise AgendaError(f"items[{i}].poll.ballot", "ballot.unequal", low=unequal[0], high=unequal[1])


def with_drafts(agenda: Agenda, read: Callable[[str], str]) -> Agenda:
    """Fill each item's ``draft_text`` by calling ``read(draft)``.

    ``read`` raises OSError, UnicodeDecodeError, or an EncodingError / AgendaError whose code and
    params become the item's reason.
    """
    items = []
    for i, item in enumerate(agenda.items):
        if item.draft and not item.draft_text:
            try:
                text = read(item.draft)
            except FileNotFoundError:
                raise AgendaError(f"items[{i}].draft", "draft.missing", draft=item.draft) from None
            except UnicodeDecodeError:
                raise AgendaError(f"items[{i}].draft", "draft.not_utf8", draft=item.draft) from None
            except OSError as exc:  # a directory, no permission, ...
                raise AgendaError(f"items[{i}].draft", "draft.unreadable", draft=item.draft, error=exc.strerror or str(exc)) from None
            except (EncodingError, AgendaError) as exc:
                raise AgendaError(f"items[{i}].draft", exc.code, **exc.params) from None
            text = unicodedata.normalize("NFC", text.removeprefix("\ufeff"))  # a file saved with a byte-order mark
            check_text(f"items[{i}].draft_text", text, limit=LIMITS["draft_text"], multiline=True)
            item = msgspec.structs.replace(item, draft_text=text)
        items.append(item)
    return msgspec.structs.replace(agenda, items=items)
