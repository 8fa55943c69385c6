"""The final minutes as PDF/A-3u with associated files; drafts stay plain PDF. Checked with qpdf and poppler."""

import json
import subprocess
from pathlib import Path

import pytest

from phienhop.minutes import Attached, render_pdf
from tests.minutes.test_render import make_doc
from tests.support import require_tool

LOG = b'{"seq":1,"hash":"ab","event":{"type":"session.created"}}\n'
FILES = [Attached("log.jsonl", LOG, "Nhật ký sự kiện", "Source"), Attached("quy-che.md", "# Dự thảo\n".encode(), "Dự thảo", "Supplement")]


def run(*args: str) -> str:
    return subprocess.run([require_tool(args[0]), *args[1:]], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def final_pdf(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("archive") / "final.pdf"
    path.write_bytes(render_pdf(make_doc(draft=False), FILES))
    return path


def objects(pdf: Path) -> dict:
    return json.loads(run("qpdf", "--json=2", "--json-key=qpdf", str(pdf)))["qpdf"][1]


def test_final_declares_pdfa3u_in_uncompressed_xmp_with_the_language(final_pdf):
    """The XMP packet says pdfaid part 3, conformance U, and keeps title, creator and dc:language."""
    meta = run("pdfinfo", "-meta", str(final_pdf))
    assert '<rdf:Description rdf:about="" pdfaid:part="3" pdfaid:conformance="U" />' in meta
    assert "<dc:language><rdf:Bag><rdf:li>vi</rdf:li></rdf:Bag></dc:language>" in meta
    assert "<dc:creator><rdf:Seq><rdf:li>Ủy ban Quốc gia về chuyển đổi số</rdf:li></rdf:Seq></dc:creator>" in meta
    catalog = next(v["value"] for v in objects(final_pdf).values() if isinstance(v.get("value"), dict) and v["value"].get("/Type") == "/Catalog")
    metadata = objects(final_pdf)[f"obj:{catalog['/Metadata']}"]
    assert "/Filter" not in metadata["stream"]["dict"]
    assert catalog["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"


def test_final_carries_each_file_once_as_an_associated_file(final_pdf, tmp_path):
    """/AF lists the log (Source) and the draft (Supplement) once each; pdfdetach gives back the exact bytes."""
    objs = objects(final_pdf)
    catalog = next(v["value"] for v in objs.values() if isinstance(v.get("value"), dict) and v["value"].get("/Type") == "/Catalog")
    specs = [objs[f"obj:{ref}"]["value"] for ref in catalog["/AF"]]
    assert [(s["/UF"], s["/AFRelationship"]) for s in specs] == [("u:log.jsonl", "/Source"), ("u:quy-che.md", "/Supplement")]
    run("pdfdetach", "-saveall", "-o", str(tmp_path), str(final_pdf))
    assert (tmp_path / "log.jsonl").read_bytes() == LOG
    assert (tmp_path / "quy-che.md").read_text(encoding="utf-8") == "# Dự thảo\n"


def test_final_has_no_info_producer_to_disagree_with_a_later_seal(final_pdf):
    """The Info dictionary has no /Producer: pyHanko rewrites the XMP producer when it signs, and PDF/A wants both equal."""
    assert "Producer:" not in run("pdfinfo", str(final_pdf))


def test_draft_stays_plain_pdf_without_attachments(tmp_path):
    """A draft is not PDF/A and carries no file, even when given some."""
    path = tmp_path / "draft.pdf"
    path.write_bytes(render_pdf(make_doc(draft=True), FILES))
    assert "pdfaid" not in run("pdfinfo", "-meta", str(path))
    assert run("pdfdetach", "-list", str(path)).strip() == "0 embedded files"


def test_two_renders_of_one_record_are_the_same_bytes():
    """Attachments are dated from the record (the close), not the clock: the same doc renders to the same bytes."""
    assert render_pdf(make_doc(draft=False), FILES) == render_pdf(make_doc(draft=False), FILES)
