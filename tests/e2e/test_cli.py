"""The CLI's create command against a real server."""

import re
import subprocess
import sys

from ..support import ADMIN, REFERENCE, ROOT


def test_create_posts_the_reference_agenda_and_prints_every_link_once(server):
    """`phienhop create AGENDA --server URL` creates the session and prints 3 role links, 85 points and 89 people."""
    done = subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "create", str(REFERENCE), "--server", server.base, "--admin-token", ADMIN],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    session = re.search(r"^Session (\w+): Phiên họp thứ nhất Ủy ban Quốc gia về chuyển đổi số$", done.stdout, re.M)
    assert session
    links = re.findall(rf"{re.escape(server.base)}/join/(\S+)", done.stdout)
    assert len(links) == 3 + 85 + 89
    r = server.http.get(f"/api/sessions/{session.group(1)}", headers={"Authorization": f"Bearer {links[0]}"})
    assert r.status_code == 200 and r.json()["seq"] == 1


def test_create_without_the_admin_token_says_what_is_needed(server):
    """Without a token the command exits 2 and names the option and the variable."""
    done = subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "create", str(REFERENCE), "--server", server.base],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "phienhop: the admin token is needed: --admin-token or $PHIENHOP_ADMIN_TOKEN"
