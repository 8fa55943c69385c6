"""Final minutes bench: the PDF/A-3u render with the log and drafts attached, the seal, and finalize over HTTP.

    .venv/bin/python bench/archive.py [--runs 5]

bench/minutes.py runs it too, after its own figures. Each run starts a server that seals (a
throwaway PKCS#12 seal from tests/pki.py, RSA 2048), plays the reference session, and then:

  1. POSTs minutes.finalize and times the round trip (render in the render process, seal,
     commit): the wall time, and the CPU seconds of the server and its render process;
  2. in this process, from the served log.jsonl: renders the final minutes (``render_pdf``:
     template, PDF/A-3u, attachments, XMP) and, of the same HTML with the same stylesheet,
     fonts and attachments, a bare WeasyPrint ``pdf_variant="pdf/a-3u"`` render; each warm
     (a first render of each is not counted), alternating, ``--renders`` times; the ratio of
     the medians is the PDF/A render's overhead;
  3. seals the rendered PDF (``seal_pdf``) the same number of times.

CPU seconds are given beside wall seconds: they are less sensitive to a loaded machine.
Goals: finalize (render + seal) <= 1 s; render overhead <= 1.1x the bare render.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(fn) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def in_process(log_bytes: bytes, renders: int, sealer) -> dict:
    """Our render, the bare WeasyPrint PDF/A render of the same HTML, and the seal, timed here."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from phienhop.minutes import render as minutes_render
    from phienhop.minutes.archive import VARIANT, weasy_attachments
    from phienhop.minutes.signing import seal_pdf
    from phienhop.server.domain import apply, new_state
    from phienhop.server.domain.events import decode
    from phienhop.server.logfile import parse_log_jsonl
    from phienhop.server.minutes_doc import archive_files, minutes_doc

    rows = parse_log_jsonl(log_bytes)
    final = next(i for i, r in enumerate(rows) if r.type == "minutes.finalized")
    rows = rows[:final]  # the log the final PDF was rendered from
    events = [decode(r.data) for r in rows]
    state = new_state(events[0])
    for event in events[1:]:
        apply(state, event)
    state.head = rows[-1].hash
    doc = minutes_doc(state, draft=False)
    files = archive_files(state, [r.data for r in rows])

    fonts = FontConfiguration()
    css = weasyprint.CSS(filename=str(ROOT / "minutes" / "static" / "minutes.css"), font_config=fonts)
    html = minutes_render.render_html(doc)
    base = str(ROOT / "minutes") + "/"

    def ours() -> bytes:
        return minutes_render.render_pdf(doc, files)

    def bare() -> bytes:
        return weasyprint.HTML(string=html, base_url=base).write_pdf(
            stylesheets=[css], font_config=fonts, pdf_variant=VARIANT, attachments=weasy_attachments(files, doc.closed_at)
        )

    ours(), bare()  # warm: fonts, stylesheet, the PDF/A colour profile
    mine, theirs, seals = [], [], []
    pdf = b""
    for _ in range(renders):
        wall, cpu, pdf = _timed(ours)
        mine.append((wall, cpu))
        theirs.append(_timed(bare)[:2])
        seals.append(_timed(lambda: seal_pdf(pdf, sealer))[:2])

    def med(values, i):
        return statistics.median(v[i] for v in values)

    return {
        "render": med(mine, 0), "render_cpu": med(mine, 1), "bare": med(theirs, 0), "bare_cpu": med(theirs, 1),
        "seal": med(seals, 0), "seal_cpu": med(seals, 1), "size": len(pdf), "log": len(files[0].data),
        "events": len(rows),
    }


def one_run(renders: int) -> dict:
    from bench.minutes import play, process_cpu
    from phienhop.minutes.signing import Sealer
    from tests.pki import Pki
    from tests.support import ADMIN, Server

    with tempfile.TemporaryDirectory(prefix="phienhop-bench-archive-") as tmp:
        pki = Pki(Path(tmp) / "pki")
        env = {"PHIENHOP_SEAL_P12": str(pki.seal_p12), "PHIENHOP_SEAL_PASSPHRASE_FILE": str(pki.passphrase_file),
               "PHIENHOP_TRUST": str(pki.trust)}
        server = Server(Path(tmp) / "bench.db", env=env).start()
        try:
            warm = server.create()  # the render process's first final render loads the PDF/A colour profile
            warm.ok(warm.chair, type="session.open")
            warm.ok(warm.chair, type="session.close")
            warm.ok(warm.secretary, type="minutes.finalize")
            session = play(server)
            pid = server.proc.pid
            cpu, wall = process_cpu(pid), time.perf_counter()
            session.ok(session.secretary, type="minutes.finalize")
            finalize, finalize_cpu = time.perf_counter() - wall, process_cpu(pid) - cpu
            log = server.http.get(f"/api/sessions/{session.id}/log.jsonl", headers={"Authorization": f"Bearer {ADMIN}"})
            assert log.status_code == 200, log.text
        finally:
            server.kill()
        sealer = Sealer(p12=pki.seal_p12.read_bytes(), passphrase=pki.passphrase.encode())
        out = in_process(log.content, renders, sealer)
    out.update(finalize=finalize, finalize_cpu=finalize_cpu, load=os.getloadavg()[0])
    return out


def report(runs: list[dict]) -> str:
    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    return (
        f"final minutes (PDF/A-3u, reference session, {runs[0]['events']} events, log {runs[0]['log'] / 1024:.0f} KiB "
        f"attached, {runs[0]['size'] / 1024:.0f} KiB): finalize over HTTP (render + seal + commit) {med('finalize'):.2f} s "
        f"wall, {med('finalize_cpu'):.2f} s CPU of server and render process (goal <= 1 s); in this process: render "
        f"{med('render'):.2f} s ({med('render_cpu'):.2f} s CPU), bare WeasyPrint PDF/A {med('bare'):.2f} s "
        f"({med('bare_cpu'):.2f} s CPU), overhead x{statistics.median(r['render'] / r['bare'] for r in runs):.2f} wall, "
        f"x{statistics.median(r['render_cpu'] / r['bare_cpu'] for r in runs):.2f} CPU (goal <= 1.1); seal "
        f"{med('seal') * 1000:.0f} ms ({med('seal_cpu') * 1000:.0f} ms CPU); load {os.getloadavg()[0]:.1f}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--renders", type=int, default=5, help="renders of each kind per run, alternating")
    args = parser.parse_args(argv)
    runs = []
    for n in range(args.runs):
        r = one_run(args.renders)
        runs.append(r)
        print(f"archive run {n + 1}: finalize {r['finalize']:.2f} s ({r['finalize_cpu']:.2f} s CPU); render "
              f"{r['render']:.2f} s / bare {r['bare']:.2f} s (CPU {r['render_cpu']:.2f} / {r['bare_cpu']:.2f} s); "
              f"seal {r['seal'] * 1000:.0f} ms; load {r['load']:.2f}", flush=True)
    print("median: " + report(runs))


if __name__ == "__main__":
    main()
