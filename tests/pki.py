"""A throwaway PKI for the signature tests: a CA, certificates it issues, PKCS#12 files (``cryptography``).

RSA keys, as VGCA and CA tokens use: with an EC key pyHanko declares PDF 2.0 (ISO 32002),
which a PDF/A-3 file should not.
"""

from __future__ import annotations

import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID


def _name(common: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, common)])


class Identity:
    """A key and its certificate, issued by ``ca`` (or self-signed when ``ca`` is None, as a CA)."""

    def __init__(self, common: str, org: str, ca: "Identity | None" = None) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ca = ca
        now = dt.datetime.now(dt.timezone.utc)
        is_ca = ca is None
        issuer_key = self.key if is_ca else ca.key
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common, org))
            .issuer_name(_name(common, org) if is_ca else ca.cert.subject)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=not is_ca, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=is_ca, crl_sign=is_ca,
                    encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
        )
        self.cert = builder.sign(issuer_key, hashes.SHA256())
        self.common = common

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def p12(self, passphrase: bytes) -> bytes:
        chain = [self.ca.cert] if self.ca else None
        return pkcs12.serialize_key_and_certificates(
            b"phienhop-test", self.key, self.cert, chain, serialization.BestAvailableEncryption(passphrase)
        )

    def sign(self, pdf: bytes, field: str) -> bytes:
        """``pdf`` signed by this identity with pyHanko, as an incremental update (PAdES, invisible field).

        In a thread of its own: pyHanko runs an event loop, and the caller may be inside one (Playwright's).
        """
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(self._sign, pdf, field).result()

    def sign_with_drawing(self, pdf: bytes, field: str) -> bytes:
        """``pdf`` signed as by ``sign``, but the signing revision also draws a box on page 1: a signed rewrite."""
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(self._sign, pdf, field, True).result()

    def _sign(self, pdf: bytes, field: str, draw: bool = False) -> bytes:
        from pyhanko.pdf_utils import generic
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        if draw:
            box = writer.add_object(generic.StreamObject(stream_data=b"q 0 0 0 rg 100 700 200 20 re f Q"))
            writer.add_stream_to_page(0, box)
        signer = signers.SimpleSigner.load_pkcs12_data(self.p12(b"pw"), [], passphrase=b"pw")
        meta = signers.PdfSignatureMetadata(field_name=field, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
        return signers.sign_pdf(writer, meta, signer=signer).getvalue()


class Pki:
    """The CA the server trusts, the issuing body's seal and two people it certified, and a stranger from another CA."""

    def __init__(self, folder: Path) -> None:
        self.ca = Identity("Phienhop Test CA", "Phienhop Test")
        self.seal = Identity("Ủy ban Thử nghiệm", "Ủy ban Thử nghiệm", self.ca)
        self.chair = Identity("Nguyễn Văn Chủ", "Ủy ban Thử nghiệm", self.ca)
        self.secretary = Identity("Lê Thị Thư", "Ủy ban Thử nghiệm", self.ca)
        self.other_ca = Identity("Unknown CA", "Elsewhere")
        self.stranger = Identity("Người Lạ", "Elsewhere", self.other_ca)
        folder.mkdir(parents=True, exist_ok=True)
        self.trust = folder / "trust.pem"
        self.trust.write_bytes(self.ca.pem())
        self.passphrase = "mật khẩu dấu"
        self.seal_p12 = folder / "seal.p12"
        self.seal_p12.write_bytes(self.seal.p12(self.passphrase.encode()))
        self.passphrase_file = folder / "seal.pass"
        self.passphrase_file.write_text(self.passphrase + "\n", encoding="utf-8")
