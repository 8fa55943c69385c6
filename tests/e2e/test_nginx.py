"""deploy/nginx-phienhop.conf, run by Debian's nginx: followers reach an edge, commands reach the primary."""

from __future__ import annotations

import re
import subprocess
import time

import httpx
import pytest

from ..support import ROOT, EdgeServer, Server, free_port, require_tool, small_agenda
from .wsread import Follower

CONF = ROOT / "deploy" / "nginx-phienhop.conf"


@pytest.fixture
def nginx_cluster(tmp_path, redis_server):
    """A primary, two edges and nginx (not a daemon, its own prefix) with the shipped configuration, ports rewritten."""
    binary = require_tool("nginx")
    primary = Server(tmp_path / "phienhop.db", env={"PHIENHOP_REDIS_URL": redis_server.url}).start()
    edges = [EdgeServer(tmp_path / f"edge{i}", primary.base, redis_server.url).start() for i in range(2)]
    port = free_port()
    conf = CONF.read_text()
    conf = re.sub(r"upstream phienhop_primary \{.*?\}", "upstream phienhop_primary {\n    server 127.0.0.1:%d;\n}" % primary.port,
                  conf, flags=re.S)
    conf = re.sub(r"(upstream phienhop_edges \{\s*least_conn;).*?\}",
                  lambda m: m.group(1) + "".join(f"\n    server 127.0.0.1:{e.port};" for e in edges) + "\n}", conf, flags=re.S)
    conf = conf.replace("listen 80;", f"listen 127.0.0.1:{port};")
    prefix = tmp_path / "nginx"
    (prefix / "logs").mkdir(parents=True)
    main = prefix / "nginx.conf"
    main.write_text(
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n  log_format upstream '$request $upstream_addr';\n  access_log {prefix}/logs/access.log upstream;\n  client_body_temp_path {prefix}/body;\n"
        f"  proxy_temp_path {prefix}/proxy;\n  fastcgi_temp_path {prefix}/fastcgi;\n  uwsgi_temp_path {prefix}/uwsgi;\n"
        f"  scgi_temp_path {prefix}/scgi;\n{conf}\n}}\n")
    check = subprocess.run([binary, "-t", "-p", str(prefix), "-c", str(main)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen([binary, "-p", str(prefix), "-c", str(main), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "nginx did not come up"
        time.sleep(0.05)  # polling for the port to open
    yield port, primary, edges, prefix
    proc.terminate()
    proc.wait(10)
    for edge in edges:
        edge.kill()
    primary.kill()


def test_followers_go_to_the_edges_and_commands_to_the_primary(nginx_cluster):
    """Through nginx: the live stream and events?since= are answered by an edge, a command by the primary, in one session."""
    port, primary, edges, prefix = nginx_cluster
    s = primary.create(small_agenda())
    base = f"http://127.0.0.1:{port}"
    with Follower(f"ws://127.0.0.1:{port}/api/sessions/{s.id}/live?since=0&token={s.public}") as follower:
        follower.until(1)
        r = httpx.post(f"{base}/api/sessions/{s.id}/commands", json={"type": "session.open"},
                       headers={"Authorization": f"Bearer {s.chair}"})
        assert r.status_code == 200, r.text
        assert [e["type"] for e in follower.until(2)] == ["session.created", "session.opened"]
        # Which upstream answered, per nginx's own access log ($upstream_addr): the stream and
        # events?since= from an edge, the command and /health from the primary.
        events = httpx.get(f"{base}/api/sessions/{s.id}/events?since=1", headers={"Authorization": f"Bearer {s.public}"})
        assert [e["type"] for e in events.json()["events"]] == ["session.opened"]
    assert httpx.get(f"{base}/health").json() == {"status": "ok"}  # the primary's (an edge's names the edge)
    served: dict[str, int] = {}
    for line in (prefix / "logs" / "access.log").read_text().splitlines():
        request, _, upstream = line.rpartition(" ")
        served[request.split("?")[0].split(" HTTP/")[0]] = int(upstream.rsplit(":", 1)[1])
    edge_ports = {e.port for e in edges}
    assert served[f"GET /api/sessions/{s.id}/live"] in edge_ports
    assert served[f"GET /api/sessions/{s.id}/events"] in edge_ports
    assert served[f"POST /api/sessions/{s.id}/commands"] == primary.port
    assert served["GET /health"] == primary.port
