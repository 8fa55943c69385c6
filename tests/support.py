"""Real parts for tests: a phienhop server in its own process on a free loopback port."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import msgspec

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "agendas" / "uy-ban-chuyen-doi-so-2021-11-30.toml"
ADMIN = "test-admin-token"


def admin_env() -> dict:
    """The environment of a CLI child process that talks to a test server as its admin: the admin token is read
    from $PHIENHOP_ADMIN_TOKEN only (never a flag)."""
    return {**os.environ, "PHIENHOP_ADMIN_TOKEN": ADMIN}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_tool(name: str):
    """The path of a system tool; skips the test when missing, unless CI demands everything."""
    import pytest

    path = shutil.which(name)
    if path is None:
        if os.environ.get("PHIENHOP_REQUIRE_ALL"):
            pytest.fail(f"{name} is required here (PHIENHOP_REQUIRE_ALL is set); run scripts/system-deps")
        pytest.skip(f"{name} is not installed; run scripts/system-deps")
    return path


class Session:
    """A created session on a running server, with its tokens and a command helper."""

    def __init__(self, server: "Server", body: dict) -> None:
        self.server = server
        self.id: str = body["id"]
        self.tokens: dict = body["tokens"]

    @property
    def chair(self) -> str:
        return self.tokens["chair"]

    @property
    def secretary(self) -> str:
        return self.tokens["secretary"]

    @property
    def public(self) -> str:
        return self.tokens["public"]

    def person(self, person_id: str) -> str:
        return self.tokens["people"][person_id]

    def point(self, point_id: str) -> str:
        return self.tokens["points"][point_id]

    def command(self, token: str, **body) -> httpx.Response:
        """POST one command; returns the raw response (assert its status yourself)."""
        return self.server.http.post(
            f"/api/sessions/{self.id}/commands", json=body, headers={"Authorization": f"Bearer {token}"}
        )

    def ok(self, token: str, **body) -> dict:
        """POST one command that must succeed; returns its JSON answer."""
        r = self.command(token, **body)
        assert r.status_code == 200, f"{body} -> {r.status_code} {r.text}"
        return r.json()

    def snapshot(self, token: str | None = None) -> dict:
        r = self.server.http.get(f"/api/sessions/{self.id}", headers={"Authorization": f"Bearer {token or self.public}"})
        assert r.status_code == 200, r.text
        return r.json()

    def events(self, since: int = 0, token: str | None = None) -> list[dict]:
        r = self.server.http.get(
            f"/api/sessions/{self.id}/events", params={"since": since},
            headers={"Authorization": f"Bearer {token or self.public}"},
        )
        assert r.status_code == 200, r.text
        return r.json()["events"]

    def live_url(self, token: str | None = None, since: int = 0) -> str:
        return f"{self.server.ws}/api/sessions/{self.id}/live?since={since}&token={token or self.public}"


class Server:
    """``phienhop serve`` as a child process on a SQLite file; can be killed -9 and restarted."""

    def __init__(self, db: Path, *extra: str, env: dict | None = None, prefix: tuple[str, ...] = ()) -> None:
        self.db = db
        self.prefix = prefix  # a command the server runs under, e.g. ("prlimit", "--nofile=512")
        self.extra = extra
        self.env = env or {}
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.output = db.parent / "server.log"
        self.http: httpx.Client | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0, port: int | None = None) -> "Server":
        """Start on a new free port, or on ``port`` (e.g. the same one again after ``kill``)."""
        self.port = port or free_port()
        env = {**os.environ, "PHIENHOP_ADMIN_TOKEN": ADMIN, **self.env}
        args = [*self.prefix, sys.executable, "-m", "phienhop.server.cli", "serve", "--db", str(self.db), "--port", str(self.port)]
        args += list(self.extra) or ["--no-sample"]
        self._log = open(self.output, "ab")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.output.read_text()}")
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)  # polling for the port to open, not waiting for a guess
        else:
            raise RuntimeError(f"server did not answer /health in {timeout}s:\n{self.output.read_text()}")
        self.http = httpx.Client(base_url=self.base, timeout=30)
        return self

    def kill(self) -> None:
        """kill -9: no shutdown handlers, no flush."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._close_client()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._close_client()

    def _close_client(self) -> None:
        if self.http:
            self.http.close()
            self.http = None
        if getattr(self, "_log", None):
            self._log.close()

    def create(self, agenda: str | Path | dict = REFERENCE) -> Session:
        """Create a session from an agenda file (TOML, drafts read beside it) or an agenda dict (JSON)."""
        if isinstance(agenda, dict):
            r = self.http.post("/api/sessions", content=msgspec.json.encode(agenda),
                               headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
        else:
            from phienhop.server.agendas import load_agenda_file

            loaded, _ = load_agenda_file(agenda)  # drafts inlined, as `phienhop create` does
            r = self.http.post("/api/sessions", content=msgspec.json.encode(loaded),
                               headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
        assert r.status_code == 201, r.text
        return Session(self, r.json())


def small_agenda(voters: int = 5, guests: int = 1, quorum: str = "1/2", rule: str = "simple",
                 ballot: str = "named", language: str = "vi") -> dict:
    """A compact agenda as a dict: a host point, one remote point, ``voters`` members, two items."""
    people = [
        {"id": "chu-toa", "name": "Nguyễn Văn Chủ", "position": "Chủ tịch", "point": "hoi-truong"},
        {"id": "thu-ky", "name": "Lê Thị Thư", "position": "Thư ký", "point": "hoi-truong", "voting": False},
    ]
    people += [{"id": f"tv-{i}", "name": f"Thành viên Số {i}", "position": "Ủy viên",
                "point": "hoi-truong" if i % 2 else "tra-vinh"} for i in range(1, voters)]
    people += [{"id": f"khach-{i}", "name": f"Khách mời {i}", "point": "tra-vinh", "voting": False} for i in range(guests)]
    return {
        "session": {
            "title": "Phiên họp thử nghiệm", "body": "Ủy ban Thử nghiệm", "place": "Hà Nội",
            "starts_at": "2021-11-30T14:00:00+07:00", "chair": "chu-toa", "secretary": "thu-ky",
            "quorum": quorum, "language": language,
        },
        "points": [{"id": "hoi-truong", "name": "Hội trường", "host": True}, {"id": "tra-vinh", "name": "Điểm cầu Trà Vinh"}],
        "people": people,
        "items": [
            {"id": "khai-mac", "title": "Khai mạc", "presenter": "chu-toa", "duration_min": 5},
            {"id": "du-thao", "title": "Thông qua dự thảo", "presenter": "chu-toa", "duration_min": 20,
             "poll": {"method": "yes-no-abstain", "ballot": ballot, "rule": rule}},
        ],
    }


class RedisServer:
    """A real ``redis-server`` (Debian's) on a free loopback port, in a temporary directory; no persistence."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 20.0) -> "RedisServer":
        """Start (again, on the same port after ``stop`` or ``kill``); returns once it answers PING."""
        binary = require_tool("redis-server")
        self.dir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.dir / "redis.log", "ab")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes", "--loglevel", "warning"],
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.proc.returncode}: {(self.dir / 'redis.log').read_text()}")
            if self.command("PING") == "+PONG":
                return self
            time.sleep(0.05)  # polling for the port to open
        raise RuntimeError(f"redis-server did not answer PING in {timeout}s")

    def command(self, *args: str) -> str:
        """One command over a plain socket (RESP); the first line of the answer, '' if unreachable."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                s.sendall(("*%d\r\n" % len(args) + "".join(f"${len(a.encode())}\r\n{a}\r\n" for a in args)).encode())
                answer = b""
                while not answer.endswith(b"\r\n"):
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
                return answer.decode(errors="replace").split("\r\n", 1)[0]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()


class EdgeServer:
    """``phienhop edge`` as a child process on a free loopback port, fed by ``redis_url``, backed by ``primary``."""

    def __init__(self, directory: Path, primary: str, redis_url: str, *extra: str) -> None:
        self.dir, self.primary, self.redis_url, self.extra = directory, primary, redis_url, extra
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.output = directory / "edge.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> "EdgeServer":
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        env = {**os.environ, "PHIENHOP_ADMIN_TOKEN": ADMIN}
        args = [sys.executable, "-m", "phienhop.server.cli", "edge", "--primary", self.primary,
                "--redis", self.redis_url, "--port", str(self.port), *self.extra]
        self._log = open(self.output, "ab")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"edge exited with {self.proc.returncode}:\n{self.output.read_text()}")
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.05)  # polling for the port to open
        raise RuntimeError(f"edge did not answer /health in {timeout}s:\n{self.output.read_text()}")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        if getattr(self, "_log", None):
            self._log.close()
