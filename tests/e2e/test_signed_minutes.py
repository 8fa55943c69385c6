"""Final minutes that prove themselves: PDF/A-3u with the log inside, the server's seal, signed copies handed in."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import msgspec
import pytest

from phienhop.server.logfile import parse_log_jsonl
from phienhop.server.store import verify_chain
from tests.pki import Pki
from tests.support import ADMIN, Server, Session, require_tool, small_agenda

SLOW = 180  # seconds: a render, or the check of every signature, runs at a lower priority on a busy machine
DRAFT = "# Dự thảo Quy chế\n\nĐiều 1. Phạm vi điều chỉnh.\n"


def tool(name: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([require_tool(name), *args], check=check, capture_output=True, text=True)


def agenda() -> dict:
    data = small_agenda()
    data["items"][1]["draft_text"] = DRAFT
    data["items"][1]["draft"] = "drafts/quy-che.md"
    return data


def play(session: Session) -> None:
    """Attendance, the vote on the draft, close: a small session's whole record."""
    chair, secretary = session.chair, session.secretary
    for person in ("chu-toa", "thu-ky", "tv-1", "tv-2", "tv-3", "tv-4"):
        session.ok(secretary, type="attendance.mark", person=person, status="present")
    session.ok(chair, type="session.open")
    session.ok(chair, type="item.start", item="du-thao")
    poll = next(e for e in session.ok(chair, type="poll.open", item="du-thao")["events"] if e["type"] == "poll.opened")["poll"]
    session.ok(chair, type="vote.cast", poll=poll, choice="yes")
    for person in ("tv-1", "tv-2", "tv-3", "tv-4"):
        session.ok(session.person(person), type="vote.cast", poll=poll, choice="yes")
    session.ok(chair, type="poll.close", poll=poll)
    session.ok(secretary, type="note.record", item="du-thao", text="Các thành viên thống nhất thông qua.")
    session.ok(chair, type="item.end", item="du-thao")
    session.ok(chair, type="session.close")


def finalize(session: Session) -> dict:
    """minutes.finalize by the secretary (render and seal: allowed more than the usual 30 s on a busy machine)."""
    r = session.server.http.post(f"/api/sessions/{session.id}/commands", json={"type": "minutes.finalize"},
                                 headers={"Authorization": f"Bearer {session.secretary}"}, timeout=SLOW)
    assert r.status_code == 200, r.text
    return r.json()


def get_pdf(session: Session, token: str, **params) -> bytes:
    r = session.server.http.get(f"/api/sessions/{session.id}/minutes.pdf", params=params,
                                headers={"Authorization": f"Bearer {token}"}, timeout=SLOW)
    assert r.status_code == 200, r.text
    return r.content


def upload(session: Session, token: str, data: bytes):
    return session.server.http.post(
        f"/api/sessions/{session.id}/minutes/signed", content=data,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/pdf"}, timeout=SLOW,
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def sealing(tmp_path_factory, pki):
    """A server that seals with the test seal (passphrase from a file) and trusts the test CA."""
    env = {"PHIENHOP_SEAL_P12": str(pki.seal_p12), "PHIENHOP_SEAL_PASSPHRASE_FILE": str(pki.passphrase_file),
           "PHIENHOP_TRUST": str(pki.trust)}
    server = Server(tmp_path_factory.mktemp("sealing") / "phienhop.db", env=env).start()
    yield server
    server.kill()


class Finalized(msgspec.Struct):
    session: Session
    event: dict
    final: bytes


@pytest.fixture(scope="module")
def finalized(sealing) -> Finalized:
    session = sealing.create(agenda())
    play(session)
    answer = finalize(session)
    event = next(e for e in answer["events"] if e["type"] == "minutes.finalized")
    return Finalized(session, event, get_pdf(session, session.secretary))


def write(tmp_path: Path, data: bytes, name: str = "copy.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_final_pdf_is_sealed_by_the_issuing_body(finalized, pki, tmp_path):
    """minutes.finalized names the seal; pdfsig finds one valid PAdES signature covering the whole file.

    The passphrase appears neither in the server's output nor in the database files.
    """
    server = finalized.session.server
    secret = pki.passphrase.encode()
    for path in (server.output, server.db, Path(f"{server.db}-wal")):
        assert not path.exists() or secret not in path.read_bytes(), path
    assert finalized.event["sealed_by"] == "Ủy ban Thử nghiệm"
    assert finalized.event["sha256"] == hashlib.sha256(finalized.final).hexdigest()
    out = tool("pdfsig", str(write(tmp_path, finalized.final))).stdout
    assert out.count("Signature #") == 1
    assert "Signature Field Name: Seal" in out
    assert "Signer Certificate Common Name: Ủy ban Thử nghiệm" in out
    assert "Signature Type: ETSI.CAdES.detached" in out
    assert "Total document signed" in out
    assert "Signature Validation: Signature is Valid." in out


def test_final_pdf_is_pdfa3u_with_the_log_and_draft_inside(finalized, tmp_path):
    """XMP says PDF/A-3 level U after the seal; the log and the voted draft are attached; qpdf and pdffonts agree."""
    path = write(tmp_path, finalized.final)
    meta = tool("pdfinfo", "-meta", str(path)).stdout
    assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="U"' in meta
    assert tool("qpdf", "--check", str(path)).returncode == 0
    listed = tool("pdfdetach", "-list", str(path)).stdout
    assert listed.splitlines() == ["2 embedded files", "1: log.jsonl", "2: quy-che.md"]
    tool("pdfdetach", "-saveall", "-o", str(tmp_path), str(path))
    assert (tmp_path / "quy-che.md").read_text(encoding="utf-8") == DRAFT
    rows = parse_log_jsonl((tmp_path / "log.jsonl").read_bytes())
    assert verify_chain(rows) == []
    assert (len(rows), rows[-1].hash) == (finalized.event["event_count"], finalized.event["head_hash"])
    fonts = tool("pdffonts", str(path)).stdout.splitlines()[2:]
    assert fonts and all(re.match(r"[A-Z]{6}\+Phienhop-Serif", row) and row.split()[-5] == "yes" for row in fonts)


def test_attached_log_is_the_served_log_file(finalized, tmp_path):
    """log.jsonl inside the PDF is byte for byte the first event_count lines of GET log.jsonl."""
    session = finalized.session
    r = session.server.http.get(f"/api/sessions/{session.id}/log.jsonl", headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 200
    tool("pdfdetach", "-save", "1", "-o", str(tmp_path / "inside.jsonl"), str(write(tmp_path, finalized.final)))
    served = r.content.splitlines(keepends=True)
    assert (tmp_path / "inside.jsonl").read_bytes() == b"".join(served[: finalized.event["event_count"]])
    assert len(served) == finalized.event["event_count"] + 1  # and minutes.finalized after it


def test_two_people_sign_in_turn_and_each_copy_is_accepted(finalized, pki, tmp_path):
    """The chair signs the downloaded final, the secretary signs that copy; each upload is accepted in order."""
    session = finalized.session
    first = pki.chair.sign(get_pdf(session, session.chair), "Chu-toa")
    r = upload(session, session.chair, first)
    assert r.status_code == 200, r.text
    event = r.json()["events"][0]
    assert (event["type"], event["revision"], event["sha256"]) == ("minutes.signed", 1, hashlib.sha256(first).hexdigest())
    assert [(s["signer"], s["trusted"]) for s in event["signatures"]] == [("Nguyễn Văn Chủ", True)]
    assert get_pdf(session, session.secretary) == first
    second = pki.secretary.sign(get_pdf(session, session.secretary), "Thu-ky")
    r = upload(session, session.secretary, second)
    assert r.status_code == 200, r.text
    assert r.json()["events"][0]["revision"] == 2
    assert get_pdf(session, session.chair) == second
    assert get_pdf(session, session.chair, revision="final") == finalized.final

    # Each stored copy: every signature listed and valid, each byte range ending where its revision
    # ends (the final PDF, then each copy); still PDF/A-3u, structurally sound, only bundled fonts.
    for copy, fields in ((first, ["Seal", "Chu-toa"]), (second, ["Seal", "Chu-toa", "Thu-ky"])):
        path = write(tmp_path, copy, f"copy-{len(fields)}.pdf")
        out = tool("pdfsig", str(path)).stdout
        assert re.findall(r"Signature Field Name: (\S+)", out) == fields
        assert out.count("Signature Validation: Signature is Valid.") == len(fields)
        ends = [int(end) for end in re.findall(r"Signed Ranges: \[0 - \d+\], \[\d+ - (\d+)\]", out)]
        assert ends == [len(finalized.final), len(first), len(second)][: len(fields)]
        assert tool("qpdf", "--check", str(path)).returncode == 0
        meta = tool("pdfinfo", "-meta", str(path)).stdout
        assert 'pdfaid:part="3"' in meta and 'pdfaid:conformance="U"' in meta
        fonts = tool("pdffonts", str(path)).stdout.splitlines()[2:]
        assert fonts and all(re.match(r"[A-Z]{6}\+Phienhop-Serif", row) and row.split()[-5] == "yes" for row in fonts)
    state = session.snapshot(session.secretary)["state"]
    assert state["minutes_sealed_by"] == "Ủy ban Thử nghiệm"
    assert [c["revision"] for c in state["minutes_signed"]] == [1, 2]


def test_refusals_name_the_reason_and_store_nothing(sealing, pki):
    """A rewritten file, a stale copy, a broken signature, a signed drawing on the page, another session's copy, no
    signature: 4xx, nothing stored."""
    session = sealing.create(agenda())
    play(session)
    finalize(session)
    final = get_pdf(session, session.chair)
    assert upload(session, session.chair, pki.chair.sign(final, "Lan-1")).status_code == 200
    latest = get_pdf(session, session.chair)
    before = session.snapshot(session.chair)["seq"]

    def refused(data: bytes, status: int, code: str, detail: str) -> None:
        r = upload(session, session.chair, data)
        assert (r.status_code, r.json()) == (status, {"error": code, "detail": detail})

    signed = pki.chair.sign(latest, "Lan-2")
    rewritten = bytearray(signed)
    rewritten[1000] ^= 0x01  # a byte of the original revision
    refused(bytes(rewritten), 422, "signed.not_prefix",
            "the upload does not begin with the final minutes' bytes: it was rewritten, not signed as an "
            "incremental update; sign the PDF downloaded from minutes.pdf without saving it in another way")
    refused(pki.chair.sign(final, "Cu"), 409, "signed.stale",
            "the upload was signed on an earlier copy of the minutes; another signed copy was accepted since: "
            "download minutes.pdf again and sign that")
    broken = bytearray(signed)
    at = signed.index(b"/M (D", len(latest)) + len(b"/M (D:2")  # a digit of the year in the signed /M entry
    broken[at] = ord("1") if broken[at] != ord("1") else ord("2")
    r = upload(session, session.chair, bytes(broken))
    assert r.status_code == 422 and r.json()["error"] == "signed.broken", r.text
    assert r.json()["detail"] == ("signature 'Lan-2' by Nguyễn Văn Chủ (file revision 4) is broken: the signed bytes or "
                                  "the signature value do not check")
    refused(latest, 422, "signed.no_signature", "the upload is the stored copy itself: it adds no signature")
    # The seal is the first signature to see the drawing come after it (unsealed, the check of the added
    # revisions against the stored copy refuses it: "the upload changes the minutes after the stored copy, …").
    refused(pki.chair.sign_with_drawing(latest, "Ve"), 422, "signed.modified",
            "signature 'Seal' by Ủy ban Thử nghiệm (file revision 2): the file was changed after it in ways other "
            "than adding signatures")
    refused(b"not a pdf", 422, "signed.not_pdf", "the upload is not a PDF file")
    other = session.server.create(agenda())
    play(other)
    finalize(other)
    refused(pki.chair.sign(get_pdf(other, other.chair), "Khac"), 422, "signed.other_session",
            "the upload is a signed copy of another session's minutes")
    r = upload(session, session.person("tv-1"), signed)
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")
    assert session.snapshot(session.chair)["seq"] == before
    assert get_pdf(session, session.chair) == latest


def test_untrusted_signer_is_accepted_as_not_trusted_here(sealing, pki):
    """A valid signature from a certificate outside the trust list is recorded as trusted: false, never as trusted."""
    session = sealing.create(agenda())
    play(session)
    finalize(session)
    r = upload(session, session.secretary, pki.stranger.sign(get_pdf(session, session.secretary), "La"))
    assert r.status_code == 200, r.text
    assert [(s["signer"], s["trusted"]) for s in r.json()["events"][0]["signatures"]] == [("Người Lạ", False)]


def test_unsealed_server_finalizes_and_says_so(srv, tmp_path):
    """Without a seal configured finalize works, minutes.finalized says sealed_by null, and the PDF has no signature."""
    session = srv.create(agenda())
    play(session)
    event = next(e for e in finalize(session)["events"] if e["type"] == "minutes.finalized")
    assert event["sealed_by"] is None
    path = write(tmp_path, get_pdf(session, session.secretary))
    assert "does not contain any signatures" in tool("pdfsig", str(path), check=False).stdout + tool("pdfsig", str(path), check=False).stderr


def test_signing_before_final_is_refused(srv, pki):
    """A signed copy handed in before finalize is refused with minutes.not_final."""
    session = srv.create(agenda())
    draft = get_pdf(session, session.chair)
    r = upload(session, session.chair, pki.chair.sign(draft, "Som"))
    assert (r.status_code, r.json()) == (409, {"error": "minutes.not_final",
                                               "detail": "minutes.sign: the minutes are not final yet; the secretary finalizes them first"})


def test_a_wrong_seal_passphrase_stops_serve_and_names_the_file(pki, tmp_path):
    """serve refuses to start (exit 2) when the seal cannot be opened; the passphrase is not printed."""
    import os
    import sys

    from tests.support import ROOT

    env = {**os.environ, "PHIENHOP_SEAL_P12": str(pki.seal_p12), "PHIENHOP_SEAL_PASSPHRASE": "sai mật khẩu",
           "PHIENHOP_ADMIN_TOKEN": ADMIN}
    env.pop("PHIENHOP_SEAL_PASSPHRASE_FILE", None)
    result = subprocess.run([sys.executable, "-m", "phienhop.server.cli", "serve", "--db", str(tmp_path / "x.db"),
                             "--port", "0", "--no-sample"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("phienhop: cannot open the seal's PKCS#12 file (wrong passphrase?)")
    assert "sai mật khẩu" not in result.stderr + result.stdout
    missing = subprocess.run([sys.executable, "-m", "phienhop.server.cli", "serve", "--db", str(tmp_path / "x.db"),
                              "--port", "0", "--no-sample", "--seal-p12", str(tmp_path / "none.p12")],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert (missing.returncode, missing.stderr.strip()) == (
        2, f"phienhop: seal file {tmp_path / 'none.p12'}: No such file or directory (set --seal-p12 / PHIENHOP_SEAL_P12)")


def test_a_signed_drawing_on_unsealed_minutes_is_refused(srv, pki):
    """Unsealed final minutes, a copy whose signing revision also draws on page 1: refused as a change, nothing stored."""
    session = srv.create(agenda())
    play(session)
    finalize(session)
    r = upload(session, session.chair, pki.chair.sign_with_drawing(get_pdf(session, session.chair), "Ve"))
    assert (r.status_code, r.json()) == (422, {"error": "signed.modified",
                                               "detail": "the upload changes the minutes after the stored copy, beyond adding signatures"})
    assert session.snapshot(session.chair)["state"]["minutes_signed"] == []
