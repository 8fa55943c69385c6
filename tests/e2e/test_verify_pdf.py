"""`phienhop verify --pdf FILE`: final minutes checked from the file alone, tampering named with its exit code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_signed_minutes import agenda, finalize, finalized, get_pdf, pki, play, sealing, tool, upload  # noqa: F401
from tests.support import ROOT

PASSED = ["ok   hash chain of the attached log.jsonl: {n} events, head {head}",
          "ok   the page prints the attached log's {n} events and head hash"]


def verify(*args: str, lang: str | None = "en") -> subprocess.CompletedProcess:
    """``phienhop verify ARGS`` in a child process, as an operator runs it (no PHIENHOP_TRUST/DB from outside).

    The report is in English (PHIENHOP_LANG=en) unless ``lang`` says otherwise (None: the minutes' own).
    """
    env = {k: v for k, v in __import__("os").environ.items() if k not in ("PHIENHOP_TRUST", "PHIENHOP_DB", "PHIENHOP_LANG")}
    if lang is not None:
        env["PHIENHOP_LANG"] = lang
    return subprocess.run([sys.executable, "-m", "phienhop.server.cli", "verify", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def unsealed(srv, tmp_path_factory) -> Path:
    """An unsealed server's final minutes, downloaded."""
    session = srv.create(agenda())
    play(session)
    finalize(session)
    path = tmp_path_factory.mktemp("unsealed") / "final.pdf"
    path.write_bytes(get_pdf(session, session.secretary))
    return path


def qdf(path: Path, out: Path) -> bytes:
    """The same PDF rewritten by qpdf with every stream uncompressed, so one byte of text can be changed."""
    tool("qpdf", "--qdf", "--object-streams=disable", str(path), str(out))
    return out.read_bytes()


def test_sealed_final_verifies_with_the_trust_list(finalized, pki, tmp_path):
    """Chain, printed head, page text and the trusted seal all check: exit 0."""
    path = tmp_path / "final.pdf"
    path.write_bytes(finalized.final)
    result = verify("--pdf", str(path), "--trust", str(pki.trust))
    n, head = finalized.event["event_count"], finalized.event["head_hash"]
    lines = result.stdout.splitlines()
    assert lines[:2] == [p.format(n=n, head=head) for p in PASSED]
    assert re.fullmatch(r"ok   the text of all \d+ pages is what the attached log renders to", lines[2])
    assert lines[3].startswith("ok   signature 'Seal' by Ủy ban Thử nghiệm (file revision 2): valid, trusted at ")
    assert lines[3].endswith("+07:00")  # the signing time on the session's clock
    assert (lines[4], result.returncode) == (f"{path}: verified", 0)


def test_without_a_trust_list_the_seal_is_not_trusted_here(finalized, tmp_path):
    """The same file with no trust list: the seal is a valid signature whose signer is not trusted here (exit 9)."""
    path = tmp_path / "final.pdf"
    path.write_bytes(finalized.final)
    result = verify("--pdf", str(path))
    assert "FAIL signature 'Seal' by Ủy ban Thử nghiệm (file revision 2): valid signature, signer not trusted here" in result.stdout
    assert result.returncode == 9


def test_against_the_database_the_file_is_the_stored_final(finalized, pki, tmp_path):
    """With --db the attached log is the database's and the file is its final PDF."""
    path = tmp_path / "final.pdf"
    path.write_bytes(finalized.final)
    session = finalized.session
    result = verify("--pdf", str(path), "--trust", str(pki.trust), "--db", str(session.server.db))
    assert f"ok   session {session.id} in {session.server.db}: the same log, and this file is the final PDF as stored" in result.stdout
    assert result.returncode == 0, result.stdout


def test_signed_copies_verify_signature_by_signature(finalized, pki, tmp_path):
    """A copy signed by two people verifies: each signature valid and trusted, in file order."""
    session = finalized.session
    copy = pki.secretary.sign(pki.chair.sign(get_pdf(session, session.chair), "V1"), "V2")
    path = tmp_path / "signed.pdf"
    path.write_bytes(copy)
    result = verify("--pdf", str(path), "--trust", str(pki.trust))
    signers = re.findall(r"ok   signature '(\S+)' by (.+?) \(file revision (\d+)\): valid, trusted", result.stdout)
    assert [s[0] for s in signers][-2:] == ["V1", "V2"]
    assert result.returncode == 0, result.stdout


def test_a_byte_changed_in_the_attached_log_names_the_seq(unsealed, tmp_path):
    """One digit of seq 3's time changed inside the attached log: the chain breaks at seq 3 (exit 4)."""
    data = bytearray(qdf(unsealed, tmp_path / "q.pdf"))
    line = data.index(b'{"seq":3,"hash":"')
    at = data.index(b'"at":"', line) + len(b'"at":"') + 3  # the year's last digit
    data[at] = ord("7") if data[at] != ord("7") else ord("8")
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(data))
    result = verify("--pdf", str(path))
    assert "FAIL attached log.jsonl: seq 3: hash mismatch (the row was changed)" in result.stdout.splitlines()
    assert result.returncode == 4


def test_a_byte_changed_in_the_page_content_names_page_and_line(unsealed, tmp_path):
    """The first '1' drawn on page 1 becomes a '2' (glyph 0x14 -> 0x15): the text differs from the re-render (exit 6)."""
    data = bytearray(qdf(unsealed, tmp_path / "q.pdf"))
    at = data.index(b"<0014>") + 4
    data[at] = ord("5")
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(data))
    result = verify("--pdf", str(path))
    found = re.search(r"FAIL the minutes are not what the attached log renders to: page 1, line \d+: "
                      r"the file says '(.*)', the attached log renders '(.*)'", result.stdout)
    assert found, result.stdout
    ours, theirs = found[1], found[2]
    assert len(ours) == len(theirs)
    assert [(a, b) for a, b in zip(ours, theirs) if a != b] == [("2", "1")]
    assert result.returncode == 6


def test_a_draft_has_no_log_inside(srv, tmp_path):
    """A draft PDF carries no log: exit 3, saying so."""
    session = srv.create(agenda())
    path = tmp_path / "draft.pdf"
    path.write_bytes(get_pdf(session, session.chair))
    result = verify("--pdf", str(path))
    assert "FAIL no log.jsonl attached: not phienhop's final minutes (a draft carries none)" in result.stdout
    assert result.returncode == 3


def test_a_file_that_is_not_there_is_exit_2(tmp_path):
    """A missing file: exit 2, naming it."""
    result = verify("--pdf", str(tmp_path / "nope.pdf"))
    assert (result.returncode, result.stderr.strip()) == (2, f"phienhop: {tmp_path / 'nope.pdf'}: No such file or directory")


def test_database_verify_checks_each_signed_copy(finalized, pki):
    """`verify SESSION --db` after an accepted signed copy: the copy's sha256, its prefix and its signatures all check."""
    session = finalized.session
    copy = pki.chair.sign(get_pdf(session, session.chair), "Db")
    assert upload(session, session.chair, copy).status_code == 200
    result = verify(session.id, "--db", str(session.server.db))
    assert result.returncode == 0, result.stdout
    uploaded = len(session.snapshot(session.chair)["state"]["minutes_signed"])
    assert result.stdout.strip().endswith(f", {uploaded} signed cop{'y' if uploaded == 1 else 'ies'} intact")
    vi = verify(session.id, "--db", str(session.server.db), lang=None)  # the session's own language
    assert vi.stdout.strip().endswith(f", {uploaded} bản đã ký còn nguyên vẹn")


UNSEALED = "internally consistent, but unsealed and unsigned: integrity only, origin not proven (compare with the database: --db DB)"


def test_an_unsealed_unsigned_file_is_consistent_not_verified(unsealed):
    """Chain, printed head and page text check but nothing vouches for the origin: exit 0, saying integrity only."""
    result = verify("--pdf", str(unsealed))
    assert (result.stdout.splitlines()[-1], result.returncode) == (f"{unsealed}: {UNSEALED}", 0), result.stdout
    assert "verified" not in result.stdout


def test_an_unsealed_file_checked_against_the_database_is_verified(unsealed, srv):
    """With --db the database vouches for the file: 'verified'."""
    result = verify("--pdf", str(unsealed), "--db", str(srv.db))
    assert (result.stdout.splitlines()[-1], result.returncode) == (f"{unsealed}: verified", 0), result.stdout


def test_the_report_is_in_the_minutes_language_unless_asked(unsealed, tmp_path):
    """A Vietnamese session's minutes are reported in Vietnamese by default, seq 3's broken hash included; --lang en switches."""
    data = bytearray(qdf(unsealed, tmp_path / "q.pdf"))
    line = data.index(b'{"seq":3,"hash":"')
    at = data.index(b'"at":"', line) + len(b'"at":"') + 3
    data[at] = ord("7") if data[at] != ord("7") else ord("8")
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(data))
    vi = verify("--pdf", str(path), lang=None)
    assert "FAIL log.jsonl đính kèm: sự kiện số 3: mã băm không khớp (dòng đã bị sửa)" in vi.stdout.splitlines()
    assert vi.stdout.splitlines()[-1] == f"{path}: 1 vấn đề; mã thoát 4"
    assert vi.returncode == 4
    en = verify("--pdf", str(path), "--lang", "en", lang=None)
    assert en.stdout.splitlines()[-1] == f"{path}: 1 problem(s); exit 4"
    ok = verify("--pdf", str(unsealed), lang="vi")
    assert ok.stdout.splitlines()[-1] == (f"{unsealed}: nhất quán bên trong, nhưng không có dấu và chữ ký số: chỉ chứng "
                                          "minh toàn vẹn, chưa chứng minh nguồn gốc (so với cơ sở dữ liệu: --db DB)")
    assert ok.stdout.splitlines()[0].startswith("ok   chuỗi băm của log.jsonl đính kèm: ")


def test_every_report_message_says_the_same_in_both_languages():
    """Each message has a vi and an en text naming the same parameters, and the vi text is NFC."""
    import string
    import unicodedata

    from phienhop.server.verify_pdf import MESSAGES

    for key, (vi, en) in MESSAGES.items():
        names = [{f[1] for f in string.Formatter().parse(text) if f[1]} for text in (vi, en)]
        assert names[0] == names[1], key
        assert unicodedata.normalize("NFC", vi) == vi, key
