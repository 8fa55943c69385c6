"""The final minutes as an archive file: PDF/A-3u with the log and the drafts attached inside.

PDF/A-3 lets a PDF carry other files as *associated files* (an ``/AF`` entry naming each file
and its ``/AFRelationship`` to the document). The final minutes carry the session's log
(``log.jsonl``, the ``Source`` the pages were rendered from) and the drafts put to the vote
(``Supplement``), so whoever holds only the PDF can recompute the hash chain and re-render it.
WeasyPrint writes the PDF/A structure (output intent, XMP identification, AF); this module
chooses the files and keeps the XMP packet in step with the Info dictionary.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

import msgspec
import pydyf
from weasyprint import Attachment

from .model import MinutesDoc

__all__ = ["VARIANT", "Attached", "LOG_NAME", "weasy_attachments", "metadata_finisher"]

VARIANT = "pdf/a-3u"  # WeasyPrint's own PDF/A-3 level U (Unicode text) writer
LOG_NAME = "log.jsonl"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_DC = "http://purl.org/dc/elements/1.1/"


class Attached(msgspec.Struct, frozen=True):
    """A file to carry inside the final PDF.

    ``relationship`` is the PDF/A-3 ``AFRelationship`` name: ``Source`` (what the pages were
    made from), ``Supplement``, ``Data``, ``Alternative`` or ``Unspecified``.
    """

    name: str
    data: bytes
    description: str
    relationship: str = "Unspecified"


def weasy_attachments(files: list[Attached], moment: dt.datetime | None) -> list[Attachment]:
    """WeasyPrint attachments for ``files``, dated ``moment`` (UTC), so a re-render gives the same bytes.

    WeasyPrint writes the dates with a literal ``Z``, so they are converted to UTC here; without
    ``moment`` it would use the clock, and two renders of one log would differ.
    """
    when = (moment or dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
    return [
        Attachment(string=f.data, name=f.name, description=f.description, relationship=f.relationship,
                   created=when, modified=when)
        for f in files
    ]


def metadata_finisher(doc: MinutesDoc, archive: bool):
    """A WeasyPrint finisher that writes the XMP packet: WeasyPrint's own fields plus ``dc:language``.

    For the archive variant the packet keeps WeasyPrint's PDF/A identification
    (``pdfaid:part=3``, ``pdfaid:conformance=U``). It is written uncompressed, so any tool can
    read it. The Info dictionary's ``/Producer`` is dropped there: a PAdES seal or signature
    added later by pyHanko sets the XMP producer to its own name and the Info producer to
    "<old>; <its name>", and PDF/A requires the two to agree (with no Info producer, both
    become pyHanko's). ``/AF`` is deduplicated: WeasyPrint lists each attached file twice.
    """

    def finish(document, pdf) -> None:
        if archive:
            rdf = fromstring(document.metadata.generate_rdf_metadata("a", 3, "U"))
            pdf.info.pop("Producer", None)
            if "AF" in pdf.catalog:
                pdf.catalog["AF"] = pydyf.Array(dict.fromkeys(pdf.catalog["AF"]))
        else:
            rdf = Element(f"{{{_RDF}}}RDF")
            for tag, kind, value in (("title", "Alt", doc.title), ("creator", "Seq", doc.body)):
                _dc(rdf, tag, kind, value)
        _dc(rdf, "language", "Bag", doc.language)
        packet = b"".join((
            b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">',
            tostring(rdf, encoding="utf-8", xml_declaration=False),
            b'</x:xmpmeta><?xpacket end="r"?>',
        ))
        if "Metadata" in pdf.catalog:  # WeasyPrint's packet: rewrite that object rather than orphan it
            reference = pdf.catalog["Metadata"]  # b"41 0 R"
            stream = pdf.objects[int(bytes(reference).split()[0])]
            stream.stream, stream.compress = [packet], False
        else:
            stream = pydyf.Stream([packet], {"Type": "/Metadata", "Subtype": "/XML"}, compress=False)
            pdf.add_object(stream)
            pdf.catalog["Metadata"] = stream.reference

    return finish


def _dc(rdf: Element, tag: str, kind: str, value: str) -> None:
    about = SubElement(rdf, f"{{{_RDF}}}Description", {f"{{{_RDF}}}about": ""})
    entry = SubElement(SubElement(SubElement(about, f"{{{_DC}}}{tag}"), f"{{{_RDF}}}{kind}"), f"{{{_RDF}}}li")
    entry.text = unicodedata.normalize("NFC", value)
    if kind == "Alt":
        entry.set("xml:lang", "x-default")
