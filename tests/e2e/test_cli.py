"""The CLI's create command against a real server."""

import csv
import re
import stat
import subprocess
import sys

from ..support import ADMIN, REFERENCE, ROOT


def test_create_posts_the_reference_agenda_and_prints_every_link_once(server, tmp_path):
    """`phienhop create AGENDA --server URL` prints 3 role links, 85 points, 89 people, the 3 role links again, and writes them all to a 0600 CSV."""
    done = subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "create", str(REFERENCE), "--server", server.base, "--admin-token", ADMIN],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    session = re.search(r"^Session (\w+): Phiên họp thứ nhất Ủy ban Quốc gia về chuyển đổi số$", done.stdout, re.M)
    assert session
    links = re.findall(rf"{re.escape(server.base)}/join/(\S+)", done.stdout)
    assert len(links) == 3 + 85 + 89 + 3
    assert links[-3:] == links[:3]  # chair, secretary, public again at the end
    r = server.http.get(f"/api/sessions/{session.group(1)}", headers={"Authorization": f"Bearer {links[0]}"})
    assert r.status_code == 200 and r.json()["seq"] == 1
    written = tmp_path / f"links-{session.group(1)}.csv"
    assert done.stdout.rstrip().endswith(f"every link is in {written} (readable by you only; they are not shown again)")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    rows = list(csv.reader(written.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0] == ["role", "name", "point", "link"]
    assert [r[3].rsplit("/", 1)[1] for r in rows[1:]] == links[:-3]
    assert rows[1][:3] == ["chair", "Phạm Minh Chính", "Điểm cầu Trụ sở Chính phủ"]


def test_create_without_the_admin_token_says_what_is_needed(server):
    """Without a token the command exits 2 and names the option and the variable."""
    done = subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "create", str(REFERENCE), "--server", server.base],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "phienhop: the admin token is needed: --admin-token or $PHIENHOP_ADMIN_TOKEN"
