"""Broken agenda files over HTTP and on the command line: the key path named, nothing created."""

from __future__ import annotations

import pytest

from phienhop.server.domain.agenda import say_reason
from tests.domain.broken_agendas import BROKEN, BROKEN_JSON, DRAFT, VALID, matches
from tests.support import ADMIN, ROOT

from .wsread import count_rows, phienhop


def post_toml(srv, data: bytes):
    return srv.http.post("/api/sessions", content=data,
                         headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/toml"})


def counts(srv) -> tuple[int, int, int]:
    return tuple(count_rows(srv.db, table) for table in ("sessions", "events", "tokens"))


def test_valid_toml_creates_one_session(srv):
    """The valid base file POSTed as TOML creates one session, its draft read from the agenda folder."""
    before = counts(srv)
    r = post_toml(srv, VALID.encode())
    assert r.status_code == 201, r.text
    session = r.json()["id"]
    assert counts(srv)[:2] == (before[0] + 1, before[1] + 1)
    item = srv.http.get(f"/api/sessions/{session}", headers={"Authorization": f"Bearer {ADMIN}"}).json()["state"]["agenda"]["items"][1]["id"]
    draft = srv.http.get(f"/api/sessions/{session}/drafts/{item}", params={"format": "md"}, headers={"Authorization": f"Bearer {ADMIN}"})
    assert draft.text == (ROOT / "agendas" / DRAFT).read_text("utf-8")


@pytest.mark.parametrize("name, breaks, path, reason", BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_toml_is_422_and_creates_nothing(srv, name, breaks, path, reason):
    """Each broken file is 422 agenda.invalid with its key path; no session, event or token row is added."""
    before = counts(srv)
    r = post_toml(srv, breaks(VALID))
    assert r.status_code == 422, r.text
    body = r.json()
    assert (body["error"], body["path"]) == ("agenda.invalid", path)
    assert body["detail"].startswith(f"{path}: ")
    assert matches(body["detail"][len(path) + 2:], reason), body["detail"]
    assert counts(srv) == before


@pytest.mark.parametrize("name, body, path, reason", BROKEN_JSON, ids=[b[0] for b in BROKEN_JSON])
def test_hostile_json_is_422_and_creates_nothing(srv, name, body, path, reason):
    """Each hostile JSON agenda is 422 agenda.invalid with its key path; nothing is added."""
    before = counts(srv)
    r = srv.http.post("/api/sessions", content=body,
                      headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    body = r.json()
    assert {k: body[k] for k in ("error", "detail", "path")} == {"error": "agenda.invalid", "detail": f"{path}: {reason}", "path": path}
    assert say_reason(body["reason"], "en", **body["params"]) == reason  # what a client needs to say it in Vietnamese
    assert counts(srv) == before


def test_serve_refuses_a_bad_agenda(tmp_path):
    """phienhop serve --agenda BAD.toml exits 2 naming the key path, in Vietnamese (English with PHIENHOP_LANG=en), and creates no database."""
    bad = tmp_path / "bad.toml"
    bad.write_text(VALID.replace('rule = "simple"', 'rule = "most"'), encoding="utf-8")
    db = tmp_path / "phienhop.db"
    run = phienhop("serve", "--db", str(db), "--port", "0", "--agenda", str(bad))
    assert run.returncode == 2
    assert run.stderr == f"phienhop: {bad}: items[1].poll.rule: rule không hợp lệ: 'most'\nHãy sửa tệp rồi khởi động lại.\n"
    run = phienhop("serve", "--db", str(db), "--port", "0", "--agenda", str(bad), env={"PHIENHOP_LANG": "en"})
    assert run.returncode == 2
    assert run.stderr == f"phienhop: {bad}: items[1].poll.rule: unknown rule 'most'\nFix the file and start again.\n"
    assert not db.exists()
