"""The built wheel installs into a fresh venv and serves the reference session from an empty directory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx

from .support import ADMIN, ROOT, free_port

FOLDERS = {"server": "phienhop/server", "client": "phienhop/client", "minutes": "phienhop/minutes", "agendas": "phienhop/agendas"}


def _data_files() -> list[str]:
    """Every file under the package folders that is not Python source, as its path inside the wheel."""
    found = []
    for folder, inside in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix not in (".py", ".pyc") and path.name != "README.md":
                found.append(f"{inside}/{path.relative_to(ROOT / folder).as_posix()}")
    return found


def test_the_wheel_installs_anywhere_and_serves_the_reference_session(tmp_path):
    """pip wheel, a fresh venv, `phienhop serve` in an empty directory: /health, the reference session, a page and a draft PDF."""
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = dist.glob("phienhop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n.split("/")[0] for n in names} == {"phienhop", wheel.name.split("-py3")[0] + ".dist-info"}
    assert [f for f in _data_files() if f not in names] == []
    assert len(_data_files()) >= 28  # templates, static, fonts, web pages/js/css, the reference agenda and its drafts

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    # Dependencies at the versions the lock file pins (pip's cache makes this quick after once).
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "-c", str(ROOT / "requirements.lock"), str(wheel)],
                   check=True, capture_output=True, timeout=900)

    empty = tmp_path / "empty"
    empty.mkdir()
    port = free_port()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "PHIENHOP_ADMIN_TOKEN": ADMIN}
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(venv / "bin" / "phienhop"), "serve", "--port", str(port)], cwd=empty, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)  # polling for the port to open
        assert httpx.get(f"{base}/health").json() == {"status": "ok"}
        found = re.search(r"^Session (\w+): Phiên họp thứ nhất Ủy ban Quốc gia về chuyển đổi số$", log.read_text(), re.M)
        assert found, log.read_text()
        admin = {"Authorization": f"Bearer {ADMIN}"}
        snapshot = httpx.get(f"{base}/api/sessions/{found.group(1)}", headers=admin).json()
        assert (len(snapshot["state"]["agenda"]["people"]), len(snapshot["state"]["agenda"]["points"])) == (89, 85)
        page = httpx.get(f"{base}/web/index.html")
        assert page.status_code == 200 and "<html" in page.text
        pdf = httpx.get(f"{base}/api/sessions/{found.group(1)}/minutes.pdf", headers=admin, timeout=300)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        inside = subprocess.run([str(venv / "bin" / "python"), "-c", "import phienhop.server; print(phienhop.server.__file__)"],
                                cwd=empty, env=env, capture_output=True, text=True, check=True).stdout.strip()
        assert inside.startswith(str(venv)), inside  # the installed copy, not this checkout
        assert sorted(os.listdir(empty)) == ["var"]  # the database went where the default says, nothing else
    finally:
        proc.terminate()
        proc.wait(30)
