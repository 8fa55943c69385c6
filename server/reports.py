"""What the database commands (``verify SESSION``, ``backup``, ``restore``) tell a person, in Vietnamese or English.

A message is said once, as a ``Said``: its English text (its ``str``: what logs keep) plus the
keys and parameters it was made of, so the command prints it in the language asked for. Both
languages live in one table (``MESSAGES``); a test holds them to the same parameters and NFC.
"""

from __future__ import annotations


# key -> (vi, en); {names} are the parameters. A test holds both languages to the same parameters.
MESSAGES: dict[str, tuple[str, str]] = {
    "session.unknown": ("không có phiên '{session}' trong {db}", "no session '{session}' in {db}"),
    "chain.missing": ("sự kiện số {seq}: bị thiếu (dòng kế tiếp là số {other})", "seq {seq}: missing (next row is seq {other})"),
    "chain.hash": ("sự kiện số {seq}: mã băm không khớp (dòng đã bị sửa)", "seq {seq}: hash mismatch (the row was changed)"),
    "chain.seq": ("sự kiện số {seq}: nội dung ghi số {other}", "seq {seq}: the event inside says seq {other}"),
    "chain.unreadable": ("sự kiện số {seq}: không đọc được ({other})", "seq {seq}: unreadable event ({other})"),
    "box.differs": ("sự kiện số {seq}: biểu quyết {poll} ghi {choice}={count}, hòm phiếu có {held}",
                    "seq {seq}: poll {poll} says {choice}={count}, the ballot box holds {held}"),
    "minutes.not_stored": ("sự kiện số {seq}: biên bản đã chốt nhưng không có tệp PDF nào được lưu",
                           "seq {seq}: minutes finalized but no PDF stored"),
    "minutes.sha": ("sự kiện số {seq}: mã SHA-256 của tệp PDF đã lưu khác với mã nhật ký đã ghi",
                    "seq {seq}: the stored PDF's sha256 is not the one the log recorded"),
    "minutes.head_missing": ("sự kiện số {seq}: biên bản ghi mã cuối {head}…, nhưng thiếu sự kiện số {before}",
                             "seq {seq}: the minutes name head {head}…, but seq {before} is missing"),
    "minutes.head_differs": ("sự kiện số {seq}: biên bản ghi mã cuối {head}…, nhật ký có {had}…",
                             "seq {seq}: the minutes name head {head}…, the log had {had}…"),
    "signed.missing": ("sự kiện số {seq}: bản đã ký {revision} không được lưu", "seq {seq}: signed copy {revision} is not stored"),
    "signed.sha": ("sự kiện số {seq}: mã SHA-256 của bản đã ký {revision} khác với mã nhật ký đã ghi",
                   "seq {seq}: signed copy {revision}'s sha256 is not the one the log recorded"),
    "signed.prefix": ("sự kiện số {seq}: bản đã ký {revision} không bắt đầu bằng bản trước nó",
                      "seq {seq}: signed copy {revision} does not begin with the copy before it"),
    "signed.broken": ("sự kiện số {seq}: bản đã ký {revision}: chữ ký '{field}' của {signer} (phiên bản tệp {file_revision}) "
                      "đã bị phá vỡ",
                      "seq {seq}: signed copy {revision}: signature '{field}' by {signer} (file revision {file_revision}) "
                      "is broken"),
    "signed.partial": ("sự kiện số {seq}: bản đã ký {revision}: chữ ký '{field}' của {signer} (phiên bản tệp "
                       "{file_revision}) không phủ toàn bộ",
                       "seq {seq}: signed copy {revision}: signature '{field}' by {signer} (file revision {file_revision}) "
                       "is not whole"),
    "summary.ok": ("ok: phiên {session}, {count} sự kiện, mã cuối {head}", "ok: session {session}, {count} events, head {head}"),
    "summary.final": (", mã SHA-256 biên bản chính thức {sha256}", ", final minutes sha256 {sha256}"),
    "summary.signed": (", {count} bản đã ký còn nguyên vẹn", ", {count} signed copies intact"),
    "summary.signed.one": (", {count} bản đã ký còn nguyên vẹn", ", {count} signed copy intact"),
    "summary.failed": ("{count} vấn đề trong phiên {session}", "{count} problem(s) in session {session}"),
    # backup and restore
    "db.missing": ("không có cơ sở dữ liệu tại {db} (chỉ ra bằng --db hoặc đặt PHIENHOP_DB)",
                   "no database at {db} (give --db or set PHIENHOP_DB)"),
    "backup.exists": ("{path} đã có; hãy đặt một tên tệp mới (sao lưu không bao giờ ghi đè)",
                      "{path} exists; give a new file name (a backup never overwrites)"),
    "backup.no_folder": ("thư mục {folder} không tồn tại: hãy tạo trước (mkdir -p {folder}); sao lưu không bao giờ tạo thư mục",
                         "{folder} does not exist: create it first (mkdir -p {folder}); a backup never creates folders"),
    "backup.keys_beside": ("{keys} nằm cùng thư mục với bản sao {copy}: hãy giữ tệp khóa tách khỏi cơ sở dữ liệu (phương tiện "
                           "khác, người giữ khác); chỉ ra --keys ở nơi khác",
                           "{keys} is in the same directory as the copy {copy}: keep the key file apart from the database "
                           "(other media, other hands); give --keys a path elsewhere"),
    "backup.keys_lacking": ("tệp khóa {keys} không có khóa của biểu quyết kín đang mở {polls}",
                           "the key file {keys} has no key for open secret poll(s) {polls}"),
    "backup.keys_not_needed": ("không có biểu quyết kín nào đang mở: tệp khóa không chứa gì cần cho việc khôi phục; "
                               "không ghi {keys}",
                               "no secret poll is open: the key file holds nothing a restore needs; {keys} not written"),
    "backup.keys_copied": ("đã chép tệp khóa sang {keys} (biểu quyết kín đang mở: {polls}); hãy giữ nó tách khỏi bản sao "
                           "cơ sở dữ liệu, và xóa nó khi các biểu quyết đó đã đóng",
                           "key file copied to {keys} (secret polls open: {polls}); keep it apart from the database copy, "
                           "and delete it once those polls have closed"),
    "backup.keys_left": ("biểu quyết kín đang mở: {polls}; khóa của chúng không có trong bản sao này: để kiểm được phiếu sau "
                         "khi khôi phục, hãy chép riêng cả {keys} (--keys PATH)",
                         "secret poll(s) open: {polls}; their keys are not in this backup: to count them after a restore, "
                         "copy {keys} apart too (--keys PATH)"),
    "restore.no_backup": ("không có bản sao lưu tại {path}", "no backup at {path}"),
    "restore.db_exists": ("{db} đã có: hãy dừng máy chủ và chuyển cơ sở dữ liệu (cùng các tệp -wal, -shm, .keys) đi chỗ "
                          "khác trước; khôi phục không bao giờ ghi đè",
                          "{db} exists: stop the server and move the database (and its -wal, -shm, .keys files) aside "
                          "first; restore never overwrites"),
    "restore.keys_restored": ("đã khôi phục tệp khóa tại {keys}", "key file restored to {keys}"),
    "restore.keys_needed": ("biểu quyết kín đang mở: {polls}; `phienhop serve` sẽ đòi tệp khóa của chúng: khôi phục nó bằng "
                            "--keys, hoặc đặt nó tại {keys}",
                            "secret poll(s) open: {polls}; `phienhop serve` will ask for their key file: restore it with "
                            "--keys, or put it at {keys}"),
    "report.session": ("phiên {session}: ", "session {session}: "),
    "report.backup": ("bản sao lưu {path}", "backup {path}"),
    "report.restored": ("đã khôi phục {path} vào {db}", "restored {path} to {db}"),
    "report.failed": ("{what}: {count} vấn đề; đừng dựa vào nó", "{what}: {count} problem(s); do not rely on it"),
    "report.verified": ("{what}: đã kiểm {count} phiên", "{what}: {count} session(s) verified"),
}


def say(key: str, lang: str, **params) -> str:
    """The message ``key`` in ``lang`` ("vi" or "en") with ``params`` filled in."""
    return MESSAGES[key][0 if lang == "vi" else 1].format(**params)


class Said(str):
    """A message in English (its ``str``), with the keys and parameters it was said with, to say it in another language."""

    parts: tuple[tuple[str, dict], ...]

    @classmethod
    def of(cls, *parts: tuple[str, dict]) -> "Said":
        said = cls("".join(say(key, "en", **params) for key, params in parts))
        said.parts = parts
        return said

    def text(self, lang: str) -> str:
        """The same message in ``lang`` ("vi" or "en"); a parameter that is itself a ``Said`` is said in ``lang`` too."""
        return "".join(say(key, lang, **{k: v.text(lang) if isinstance(v, Said) else v for k, v in params.items()})
                       for key, params in self.parts)


def said(key: str, **params) -> Said:
    """``Said.of`` one message."""
    return Said.of((key, params))
