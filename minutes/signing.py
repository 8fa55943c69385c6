"""PAdES seals and signatures on the final minutes (pyHanko): seal, and check a signed copy.

A signature never rewrites a PDF: it is an *incremental update* (new objects and a new xref
section appended after the old ``%%EOF``), so a signed copy begins with exactly the bytes it
signed. That is what lets the server accept a copy signed in someone's own tool: its first
bytes must be the stored final PDF (or the latest accepted copy), every signature in it must
be intact and cover its whole revision, and nothing but signatures may have changed since.

Trust is reported, never assumed: a cryptographically valid signature whose certificate does
not chain to the configured trust list is "valid, signer not trusted here".

Everything here is CPU work on bytes; run it off the event loop (the server runs it in the
render process). The checks must not be called from a thread with a running event loop: pyHanko's
validation starts its own.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path

import msgspec

__all__ = ["Refused", "SignatureInfo", "Sealer", "check_signatures", "check_signed_copy", "load_trust", "seal_pdf"]


class Refused(ValueError):
    """A signed copy that cannot be accepted; ``code`` and ``detail`` are the API's error words."""

    def __init__(self, code: str, detail: str, status: int = 422) -> None:
        super().__init__(code, detail, status)  # all in args: it crosses the render process's pipe
        self.code, self.detail, self.status = code, detail, status

    def __str__(self) -> str:
        return self.detail


class SignatureInfo(msgspec.Struct, frozen=True):
    """One signature as checked.

    ``revision`` is the 1-based revision of the file it signs (the first revision is the
    rendered PDF); ``coverage`` is
    ``"file"`` (up to the end of the file), ``"revision"`` (its whole revision, later
    updates follow) or ``"partial"``.
    """

    field: str
    signer: str  # the certificate's common name, or its whole subject when it has none
    subject: str  # the whole subject, RFC 4514 style
    signed_at: dt.datetime | None  # the signing time the signer states (not a timestamp)
    revision: int
    end: int
    intact: bool  # the signed bytes hash to what the signature says
    valid: bool  # and the signature value checks against the certificate
    trusted: bool  # and the certificate chains to the configured trust list
    coverage: str
    modifications: str  # what later revisions changed: "none", "signatures", "form filling", "annotations", "other"

    @property
    def state(self) -> str:
        """``valid``, ``untrusted`` (valid signature, signer not trusted here) or ``broken``."""
        if not (self.intact and self.valid):
            return "broken"
        return "valid" if self.trusted else "untrusted"


class Sealer(msgspec.Struct, frozen=True):
    """The issuing body's key and certificate (a PKCS#12 file's bytes and its passphrase).

    The passphrase stays out of ``repr`` so it never reaches a log line.
    """

    p12: bytes
    passphrase: bytes = b""

    def __repr__(self) -> str:
        return f"Sealer(p12=<{len(self.p12)} bytes>, passphrase=<hidden>)"

    __str__ = __repr__


SEAL_FIELD = "Seal"


_SIGNERS: dict[Sealer, object] = {}  # opened once per process: decrypting the PKCS#12 costs ~50 ms


def _signer(sealer: Sealer):
    from pyhanko.sign import signers

    if sealer not in _SIGNERS:
        try:
            _SIGNERS[sealer] = signers.SimpleSigner.load_pkcs12_data(sealer.p12, [], passphrase=sealer.passphrase or None)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"cannot open the seal's PKCS#12 file (wrong passphrase?): {exc}") from None
    return _SIGNERS[sealer]


def check_sealer(sealer: Sealer) -> str:
    """The seal certificate's subject; raises ValueError (saying why) when the file cannot be used."""
    signer = _signer(sealer)
    if signer is None or signer.signing_cert is None:
        raise ValueError("the seal's PKCS#12 file holds no key and certificate")
    return _names(signer.signing_cert)[0]


def seal_pdf(data: bytes, sealer: Sealer) -> bytes:
    """``data`` with a PAdES B-B seal appended as an incremental update (invisible field ``Seal``).

    The appended revision adds only the signature field, its widget (zero-size, print flag set,
    as PDF/A wants) and the signature; pyHanko keeps the XMP packet and its PDF/A
    identification. Use an RSA key: with an EC key pyHanko declares the ISO 32002 extension
    and PDF 2.0, which a PDF/A-3 file (PDF 1.7) should not.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    meta = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    return signers.sign_pdf(writer, meta, signer=_signer(sealer)).getvalue()


def load_trust(path: str | Path | None) -> list[bytes]:
    """DER certificates of the trust list: a PEM/DER file, or every ``.pem``/``.crt``/``.cer`` file in a folder."""
    if not path:
        return []
    from pyhanko.keys import load_certs_from_pemder_data

    root = Path(path)
    files = sorted(p for p in root.iterdir() if p.suffix.lower() in (".pem", ".crt", ".cer", ".der")) if root.is_dir() else [root]
    certs: list[bytes] = []
    for file in files:
        try:
            certs.extend(c.dump() for c in load_certs_from_pemder_data(file.read_bytes()))
        except Exception as exc:
            raise ValueError(f"{file}: not a PEM or DER certificate ({exc})") from None
    return certs


def _names(cert) -> tuple[str, str]:
    subject = cert.subject
    rfc4514 = ", ".join(
        f"{attr['type'].human_friendly}={attr['value'].native}" for rdn in reversed(subject.chosen) for attr in rdn
    )
    common = subject.native.get("common_name")
    if isinstance(common, list):
        common = common[-1]
    return common or rfc4514, rfc4514


_LEVELS = {0: "none", 1: "signatures", 2: "form filling", 3: "annotations", 4: "other"}


def revisions(data: bytes) -> int:
    """How many revisions (xref sections) the PDF has: 1 for a file never updated."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        return PdfFileReader(io.BytesIO(data), strict=False).xrefs.total_revisions
    except Exception as exc:
        raise Refused("signed.unreadable", f"the file is not a readable PDF: {exc}") from None


def _signed_end(sig) -> int:
    """Where the bytes a signature covers end: the end of its ``/ByteRange``."""
    byte_range = [int(v) for v in sig.byte_range]
    return byte_range[-2] + byte_range[-1]


def check_signatures(data: bytes, trust: list[bytes]) -> list[SignatureInfo]:
    """Every signature in ``data``, checked: integrity, signature value, trust, coverage, later changes.

    Raises ``Refused("signed.unreadable", …)`` when pyHanko cannot read the file.
    """
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:
        raise Refused("signed.unreadable", f"the file is not a readable PDF: {exc}") from None
    # An untrusted signer is an answer here, not an incident: pyHanko would log a traceback for it.
    logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.CRITICAL)
    roots = [x509.Certificate.load(der) for der in trust]
    out = []
    for sig in signatures:
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        revision = sig.signed_revision + 1
        try:
            status = validate_pdf_signature(sig, context)
            intact, valid, trusted = status.intact, status.valid, status.trusted
            coverage = {"ENTIRE_FILE": "file", "ENTIRE_REVISION": "revision"}.get(status.coverage.name, "partial")
            level = status.modification_level
            modifications = "other" if level is None else _LEVELS.get(level.value, "other")
            if not status.docmdp_ok:
                modifications = "other"
            cert, when = status.signing_cert, status.signer_reported_dt
        except Exception:  # a damaged file: whatever pyHanko trips on, the signature does not check
            intact = valid = trusted = False
            coverage, modifications, cert, when = "partial", "other", None, None
            try:
                cert = sig.signer_cert
            except Exception:
                pass
        signer, subject = _names(cert) if cert is not None else ("?", "?")
        out.append(
            SignatureInfo(
                field=str(sig.field_name), signer=signer, subject=subject, signed_at=when, revision=revision,
                end=_signed_end(sig), intact=intact, valid=valid,
                trusted=trusted, coverage=coverage, modifications=modifications,
            )
        )
    return out


def check_signed_copy(data: bytes, base: bytes, trust: list[bytes]) -> list[SignatureInfo]:
    """Check an uploaded signed copy of ``base``; returns the signatures it adds, in file order.

    Refuses (``Refused``) unless ``data`` is ``base`` plus appended revisions, every signature
    in it is intact and valid and covers its whole revision, the last one covers the file to
    its end, at least one signature is new, and nothing but signatures and their form fields
    changed after ``base``. An untrusted signer is not a refusal: it is reported.
    """
    if not data.startswith(b"%PDF-"):
        raise Refused("signed.not_pdf", "the upload is not a PDF file")
    if not data.startswith(base):
        raise Refused(
            "signed.not_prefix",
            "the upload does not begin with the final minutes' bytes: it was rewritten, not signed as an "
            "incremental update; sign the PDF downloaded from minutes.pdf without saving it in another way",
        )
    if len(data) == len(base):
        raise Refused("signed.no_signature", "the upload is the stored copy itself: it adds no signature")
    signatures = check_signatures(data, trust)
    base_revisions = revisions(base)
    new = [s for s in signatures if s.revision > base_revisions]
    if not new:
        raise Refused("signed.no_signature", "the upload adds no signature to the stored copy")
    for s in signatures:
        where = f"signature '{s.field}' by {s.signer} (file revision {s.revision})"
        if s.state == "broken":
            raise Refused("signed.broken", f"{where} is broken: the signed bytes or the signature value do not check")
        if s.coverage == "partial":
            raise Refused("signed.partial", f"{where} does not cover its whole revision")
        if s.modifications == "other" or s.modifications == "annotations":
            raise Refused("signed.modified", f"{where}: the file was changed after it in ways other than adding signatures")
    if max(s.end for s in signatures) != len(data):
        raise Refused("signed.unsigned_tail", "the upload ends with changes that no signature covers")
    _check_changes(data, base_revisions)
    return new


def _check_changes(data: bytes, base_revisions: int) -> None:
    """Refuse changes after ``base`` other than signature fields (pyHanko's difference analysis)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel, SuspiciousModification

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        result = DEFAULT_DIFF_POLICY.review_file(reader, base_revisions - 1)
    except SuspiciousModification as exc:
        result = exc
    except Exception:  # the file read fine above: what pyHanko cannot reconcile is a change it does not allow
        result = SuspiciousModification("unreconciled change")
    if isinstance(result, SuspiciousModification) or result.modification_level > ModificationLevel.FORM_FILLING:
        raise Refused("signed.modified", "the upload changes the minutes after the stored copy, beyond adding signatures")
