"""A small valid agenda file as TOML text, and the ways to break it with the error each must give."""

from __future__ import annotations

import re

TOO_DEEP = "nested too deeply: an agenda nests at most 8 tables or arrays deep"

# Its draft path exists under the repository's agendas/ (what the server reads POSTed drafts from);
# tests that load it from a temporary directory write a draft there too.
DRAFT = "drafts/quy-che-hoat-dong.md"

VALID = f"""\
[session]
title = "Phiên họp thử nghiệm"
body = "Ủy ban Thử nghiệm"
place = "Hà Nội"
starts_at = 2021-11-30T14:00:00+07:00
chair = "chu-toa"
secretary = "thu-ky"
quorum = "1/2"

[[points]]
id = "hoi-truong"
name = "Hội trường"
host = true

[[points]]
id = "tra-vinh"
name = "Điểm cầu Trà Vinh"

[[people]]
id = "chu-toa"
name = "Nguyễn Văn Chủ"
point = "hoi-truong"

[[people]]
id = "thu-ky"
name = "Lê Thị Thư"
point = "hoi-truong"
voting = false

[[people]]
id = "tv-1"
name = "Thành viên Một"
point = "tra-vinh"

[[items]]
id = "khai-mac"
title = "Khai mạc"
presenter = "chu-toa"
duration_min = 5

[[items]]
id = "du-thao"
title = "Thông qua dự thảo"
presenter = "chu-toa"
draft = "{DRAFT}"

[items.poll]
rule = "simple"
"""


def _edit(old: str, new: str):
    def edit(text: str) -> bytes:
        assert old in text, old
        return text.replace(old, new, 1).encode("utf-8")

    return edit


def windows_1258(text: str) -> bytes:
    """``text`` as Windows saves Vietnamese in code page 1258: a base letter, then the tone mark if it has no code."""
    import unicodedata

    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            tone = next(c for c in parts if c in "\u0300\u0301\u0303\u0309\u0323")
            base = unicodedata.normalize("NFC", parts.replace(tone, ""))
            out += base.encode("cp1258") + tone.encode("cp1258")
    return out


_E_CIRCUMFLEX = "ê".encode("cp1258")


def _bytes(data: bytes):
    return lambda text: data


# (name, how to break VALID, expected path, expected reason: a string, or a compiled regex to fullmatch)
BROKEN = [
    ("unknown-key", _edit('quorum = "1/2"', 'quorum = "1/2"\nchairman = "chu-toa"'),
     "session.chairman", "unknown key"),
    ("wrong-type", _edit("duration_min = 5", 'duration_min = "5"'),
     "items[0].duration_min", "Expected `int`, got `str`"),
    ("unknown-person", _edit('presenter = "chu-toa"\nduration_min', 'presenter = "ai-do"\nduration_min'),
     "items[0].presenter", "unknown person 'ai-do'"),
    ("unknown-point", _edit('point = "tra-vinh"', 'point = "ca-mau"'),
     "people[2].point", "unknown point 'ca-mau'"),
    ("duplicate-id", _edit('id = "tv-1"', 'id = "thu-ky"'),
     "people[2].id", "duplicate id 'thu-ky' (also in people)"),
    ("chair-not-a-person", _edit('chair = "chu-toa"', 'chair = "thu-tuong"'),
     "session.chair", "'thu-tuong' is not one of the people"),
    ("quorum-above-one", _edit('quorum = "1/2"', 'quorum = "3/2"'),
     "session.quorum", "must be between 0 and 1, got '3/2'"),
    ("quorum-not-a-fraction", _edit('quorum = "1/2"', 'quorum = "một nửa"'),
     "session.quorum", "not a fraction like '1/2': 'một nửa'"),
    ("missing-draft", _edit(DRAFT, "drafts/khong-co.md"),
     "items[1].draft", "file not found: drafts/khong-co.md"),
    ("not-utf8", lambda text: text.encode("utf-8").replace("Hà Nội".encode(), b"H\xe0 N\xf4i"),  # Windows-1252
     "(file)", f"not UTF-8 text (byte {VALID.encode().index('Hà Nội'.encode()) + 1}): save the file as UTF-8; "
               "Windows-1258 and other code pages are not read"),
    ("windows-1258", lambda text: windows_1258(text),
     "(file)", f"not UTF-8 text (byte {windows_1258(VALID).index(_E_CIRCUMFLEX)}): save the file as UTF-8; "
               "Windows-1258 and other code pages are not read"),  # 'ê' of "Phiên", the first letter beyond ASCII
    ("utf-16", lambda text: text.encode("utf-16"),  # Notepad's "UTF-16 LE"
     "(file)", "UTF-16 text (byte-order mark FF FE): save the file as UTF-8"),
    ("utf-16-be", lambda text: text.encode("utf-16-be").join((b"\xfe\xff", b"")),
     "(file)", "UTF-16 text (byte-order mark FE FF): save the file as UTF-8"),
    ("utf-16-no-mark", lambda text: text.encode("utf-16-le"),
     "(file)", "NUL byte at byte 1, as in UTF-16 text: save the file as UTF-8"),
    ("bad-toml", _edit('body = "Ủy ban Thử nghiệm"', 'body = "Ủy ban Thử nghiệm'),
     "(file)", re.compile(r"not valid TOML: .*\(at line 3, column \d+\)")),
    ("unknown-rule", _edit('rule = "simple"', 'rule = "most"'),
     "items[1].poll.rule", "unknown rule 'most'"),
    ("unknown-ballot", _edit('rule = "simple"', 'rule = "simple"\nballot = "open"'),
     "items[1].poll.ballot", "unknown ballot 'open'"),
    ("no-offset", _edit("14:00:00+07:00", "14:00:00"),
     "session.starts_at", "needs a UTC offset, e.g. 2021-11-30T14:00:00+07:00"),
    ("offset-east-of-14", _edit("14:00:00+07:00", "14:00:00+14:30"),
     "session.starts_at", "UTC offset +14:30 is not one in use: give one from -12:00 to +14:00"),
    ("offset-west-of-12", _edit("14:00:00+07:00", "14:00:00-12:01"),
     "session.starts_at", "UTC offset -12:01 is not one in use: give one from -12:00 to +14:00"),
    ("year-too-early", _edit("2021-11-30T14:00:00+07:00", "0001-01-01T00:00:00+14:00"),
     "session.starts_at", "year 1 cannot be printed in the minutes: give a year from 1000 to 9998"),
    ("year-too-late", _edit("2021-11-30T14:00:00+07:00", "9999-12-31T23:59:00-12:00"),
     "session.starts_at", "year 9999 cannot be printed in the minutes: give a year from 1000 to 9998"),
    # Hostile files: each of these once gave a 500 (or was accepted and broke every render after).
    ("nested-900-in-unknown-key", _edit('quorum = "1/2"', 'quorum = "1/2"\nzz = ' + "[" * 900 + "]" * 900),
     "(file)", TOO_DEEP),
    ("nested-900-inline-tables", lambda text: (text + "\n[extra]\nx = " + "{a=" * 900 + "1" + "}" * 900).encode(),
     "(file)", TOO_DEEP),
    ("nested-9-arrays", _edit('quorum = "1/2"', 'quorum = "1/2"\nzz = ' + "[" * 9 + "]" * 9),
     "(file)", TOO_DEEP),
    ("quorum-5000-digits", _edit('quorum = "1/2"', f'quorum = "{"1" * 5000}/{"2" * 5000}"'),
     "session.quorum", "too long: 10001 characters, at most 32"),
    ("quorum-7-digits", _edit('quorum = "1/2"', 'quorum = "1/2000000"'),
     "session.quorum", "not a fraction like '1/2': '1/2000000'"),
    ("quorum-arabic-digits", _edit('quorum = "1/2"', 'quorum = "\u0661/\u0662"'),
     "session.quorum", "not a fraction like '1/2': '١/٢'"),
    ("nul-in-title", _edit('title = "Phiên họp thử nghiệm"', 'title = "Phiên\\u0000 họp"'),
     "session.title", "U+0000 at character 6 is a control character; remove it"),
    ("escape-in-place", _edit('place = "Hà Nội"', 'place = "Hà\\u001b[31m Nội"'),
     "session.place", "U+001B at character 3 is a control character; remove it"),
    ("newline-in-name", _edit('name = "Hội trường"', 'name = "Hội\\ntrường"'),
     "points[0].name", "U+000A at character 4 is a line break or tab (this text is one line); remove it"),
    ("bidi-override-in-name", _edit('name = "Lê Thị Thư"', 'name = "Lê \\u202eThị Thư"'),
     "people[1].name", "U+202E (RIGHT-TO-LEFT OVERRIDE) at character 4 is a bidirectional control character "
                       "(it can make text display as something else); remove it"),
    ("bidi-isolate-in-title", _edit('title = "Khai mạc"', 'title = "Khai \\u2067mạc\\u2069"'),
     "items[0].title", "U+2067 (RIGHT-TO-LEFT ISOLATE) at character 6 is a bidirectional control character "
                       "(it can make text display as something else); remove it"),
    ("zero-width-in-point-name", _edit('name = "Điểm cầu Trà Vinh"', 'name = "Điểm cầu Trà\\u200b Vinh"'),
     "points[1].name", "U+200B (ZERO WIDTH SPACE) at character 13 is a zero-width character (invisible); remove it"),
    ("tab-in-item-title", _edit('title = "Khai mạc"', 'title = " \\t "'),
     "items[0].title", "U+0009 at character 2 is a line break or tab (this text is one line); remove it"),
    ("spaces-only-item-title", _edit('title = "Khai mạc"', 'title = "   "'),
     "items[0].title", "must not be blank"),
    ("ideographic-spaces-only-body", _edit('body = "Ủy ban Thử nghiệm"', 'body = "\u3000\u3000"'),
     "session.body", "must not be blank"),
    ("position-1-mb", _edit('name = "Thành viên Một"', 'name = "Thành viên Một"\nposition = "' + "a" * 1_000_000 + '"'),
     "people[2].position", "too long: 1000000 characters, at most 300"),
    ("recipient-blank", _edit('quorum = "1/2"', 'quorum = "1/2"\nrecipients = ["Như thành phần dự họp", " "]'),
     "session.recipients[1]", "must not be blank"),
    ("recipients-not-a-list", _edit('quorum = "1/2"', 'quorum = "1/2"\nrecipients = "Lưu: VT"'),
     "session.recipients", "Expected `array`, got `str`"),
    ("record-number-500-kb", _edit('quorum = "1/2"', 'quorum = "1/2"\nrecord_number = "' + "9" * 500_000 + '"'),
     "session.record_number", "too long: 500000 characters, at most 64"),
    ("name-201-characters", _edit('name = "Thành viên Một"', 'name = "' + "ư" * 201 + '"'),
     "people[2].name", "too long: 201 characters, at most 200"),
    ("id-with-trailing-newline", _edit('id = "tv-1"', 'id = "tv-1\\n"'),
     "people[2].id", "'tv-1\\n' is not an id: lowercase letters, digits and '-', at most 64, starting with a letter or digit"),
    ("point-ref-not-an-id", _edit('point = "tra-vinh"', 'point = "tra-vinh\\n"'),
     "people[2].point", "'tra-vinh\\n' is not an id: lowercase letters, digits and '-', at most 64, starting with a letter or digit"),
]

# The same kinds of file as JSON (POSTed as application/json): (name, body, path, reason).
_DEEP_JSON = b'{"session": {"zz": ' + b"[" * 900 + b"]" * 900 + b"}}"
BROKEN_JSON = [
    ("json-nested-900-in-unknown-key", _DEEP_JSON, "(file)", TOO_DEEP),
    ("json-nested-100000", b"[" * 100_000 + b"]" * 100_000, "(file)", TOO_DEEP),
    ("json-lone-surrogate", b'{"session": {"title": "a\\ud800"}}', "(file)", "not valid JSON: Input data was truncated"),
]


def matches(reason: str, expected) -> bool:
    return bool(expected.fullmatch(reason)) if isinstance(expected, re.Pattern) else reason == expected
