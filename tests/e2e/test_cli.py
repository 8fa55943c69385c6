"""The CLI's create command against a real server; the admin token from the environment only; --db's help."""

import csv
import os
import re
import stat
import subprocess
import sys

import pytest

from ..support import ADMIN, REFERENCE, ROOT, admin_env

NO_TOKEN = ("phienhop: the admin token is needed: set $PHIENHOP_ADMIN_TOKEN to the server's admin token "
            "(printed once at its first start)\n")
TOKEN_FLAG = ("phienhop: --admin-token is not taken (a flag shows in `ps` to everyone on the machine): "
              "set $PHIENHOP_ADMIN_TOKEN instead\n")


def phienhop(*args: str, env: dict | None = None, cwd=ROOT) -> subprocess.CompletedProcess:
    """``phienhop ARGS`` in a child process, as an operator runs it."""
    return subprocess.run([sys.executable, "-m", "phienhop.server.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, env=env)


def without_token() -> dict:
    return {k: v for k, v in os.environ.items() if k != "PHIENHOP_ADMIN_TOKEN"}


def test_create_posts_the_reference_agenda_and_prints_every_link_once(server, tmp_path):
    """`phienhop create AGENDA --server URL` prints 3 role links, 85 points, 89 people, the 3 role links again, and writes them all to a 0600 CSV."""
    done = subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "create", str(REFERENCE), "--server", server.base],
        cwd=tmp_path, env=admin_env(), capture_output=True, text=True, timeout=60,
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


def test_create_without_the_admin_token_says_what_to_set(server):
    """Without $PHIENHOP_ADMIN_TOKEN the command exits 2 and names the variable to set."""
    done = phienhop("create", str(REFERENCE), "--server", server.base, env=without_token())
    assert (done.returncode, done.stdout, done.stderr) == (2, "", NO_TOKEN)


@pytest.mark.parametrize("command", [["create", str(REFERENCE)], ["links", "abc", "--all"]])
def test_the_admin_token_is_never_taken_as_a_flag(server, command):
    """`--admin-token T` (which `ps` shows to everyone) is refused with exit 2, saying to set the variable instead,
    even when the variable is set too."""
    done = phienhop(*command, "--server", server.base, "--admin-token", ADMIN, env=admin_env())
    assert (done.returncode, done.stdout, done.stderr) == (2, "", TOKEN_FLAG)


def test_create_with_a_wrong_token_prints_the_servers_words(server):
    """A token the server does not know: exit 1 and one line with the server's detail, not its raw JSON."""
    done = phienhop("create", str(REFERENCE), "--server", server.base, env={**without_token(), "PHIENHOP_ADMIN_TOKEN": "sai"})
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (f"phienhop: the server at {server.base} refused (401): unknown token: check the link or ask "
                           "the admin for a new one; check that $PHIENHOP_ADMIN_TOKEN is this server's admin token\n")


def test_create_with_no_server_there_says_so(tmp_path):
    """Nothing listening at --server: exit 1 and one line naming the URL and what to check, no traceback."""
    from ..support import free_port

    base = f"http://127.0.0.1:{free_port()}"
    done = phienhop("create", str(REFERENCE), "--server", base, env=admin_env(), cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith(f"phienhop: cannot reach {base}: ")
    assert done.stderr.endswith("; is the server running? (--server or $PHIENHOP_SERVER)\n")
    assert len(done.stderr.splitlines()) == 1 and list(tmp_path.iterdir()) == []


DB_HELP = {
    "serve": "SQLite file of the event log (created if missing)",
    "minutes": "SQLite file of the event log to read the session from (it must exist)",
    "export": "SQLite file of the event log to read the session from (it must exist)",
    "verify": "SQLite file of the event log to check (it must exist); with --pdf, used only when given (the file is "
              "then checked against it)",
    "backup": "SQLite file of the event log to copy (it must exist; the server may be running on it)",
    "restore": "where to put the restored database (it must not exist: restore never overwrites)",
}


@pytest.mark.parametrize("command", DB_HELP)
def test_each_commands_db_help_says_what_it_does_there(command):
    """`--db`'s help is the command's own: only `serve` creates a missing database; `restore` needs it missing."""
    done = phienhop(command, "--help")
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert f"--db FILE {DB_HELP[command]} [env var: PHIENHOP_DB; default: var/phienhop.db]" in text
    assert ("created if missing" in text) is (command == "serve")


def test_create_refuses_a_bad_agenda_in_vietnamese_or_english(tmp_path):
    """A broken agenda file is refused before any request, naming the key path: Vietnamese unless PHIENHOP_LANG=en."""
    bad = tmp_path / "bad.toml"
    bad.write_text(REFERENCE.read_text(encoding="utf-8").replace('chair = "', 'chair = "khong-co-', 1), encoding="utf-8")
    env = admin_env()
    done = phienhop("create", str(bad), "--server", "http://127.0.0.1:9", env={**env, "PHIENHOP_LANG": ""})
    assert (done.returncode, done.stdout) == (2, "")
    assert re.fullmatch(rf"phienhop: {re.escape(str(bad))}: session\.chair: 'khong-co-[a-z0-9-]+' không có trong danh sách "
                        r"người dự\n", done.stderr), done.stderr
    done = phienhop("create", str(bad), "--server", "http://127.0.0.1:9", env={**env, "PHIENHOP_LANG": "en"})
    assert re.fullmatch(rf"phienhop: {re.escape(str(bad))}: session\.chair: 'khong-co-[a-z0-9-]+' is not one of the people\n",
                        done.stderr), done.stderr


def test_create_refuses_a_json_agenda_with_a_key_given_twice(tmp_path):
    """`phienhop create` read a JSON agenda's duplicate key as its last value and created the session; the server refuses it (422), so does create."""
    import json

    from tests.support import small_agenda

    bad = tmp_path / "phien-hop.json"
    bad.write_text(json.dumps(small_agenda()).replace('"chair": "chu-toa"', '"chair": "thu-ky", "chair": "chu-toa"'),
                   encoding="utf-8")
    done = phienhop("create", str(bad), "--server", "http://127.0.0.1:9", env={**admin_env(), "PHIENHOP_LANG": ""})
    assert (done.returncode, done.stdout, done.stderr) == (
        2, "", f"phienhop: {bad}: session.chair: khóa này xuất hiện hai lần; chỉ ghi một lần\n")
