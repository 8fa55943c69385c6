"""Join links after creation: the admin rotates one or all (the old stops working), `phienhop links` writes the CSV and the cards."""

from __future__ import annotations

import csv
import re
import stat
import subprocess
import sys

import pytest

from ..support import ADMIN, ROOT, admin_env, require_tool, small_agenda


def me(srv, token: str) -> int:
    return srv.http.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code


def test_rotate_one_link_revokes_the_old(srv):
    """POST tokens/rotate (admin) for a member: the old token is 401, the new one is that member; others are untouched."""
    session = srv.create(small_agenda())
    old = session.person("tv-1")
    r = srv.http.post(f"/api/sessions/{session.id}/tokens/rotate", json={"role": "person", "subject": "tv-1"},
                      headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["role"], body["subject"], body["link"]) == ("person", "tv-1", f"{srv.base}/join/{body['token']}")
    assert me(srv, old) == 401
    assert srv.http.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"}).json()["person"] == "tv-1"
    assert me(srv, session.person("tv-2")) == 200 and me(srv, session.chair) == 200
    assert srv.http.get(f"/join/{old}").status_code == 404


def test_rotate_is_for_the_admin_and_names_what_it_does_not_know(srv):
    """A chair may not rotate (403); an unknown person is 404 person.unknown; a subject on the chair link is 422."""
    session = srv.create(small_agenda())
    url = f"/api/sessions/{session.id}/tokens/rotate"
    r = srv.http.post(url, json={"role": "chair"}, headers={"Authorization": f"Bearer {session.chair}"})
    assert r.status_code == 403
    r = srv.http.post(url, json={"role": "person", "subject": "ai-do"}, headers={"Authorization": f"Bearer {ADMIN}"})
    assert (r.status_code, r.json()) == (404, {"error": "person.unknown", "detail": "no person 'ai-do' in this session",
                                               "params": {"person": "ai-do"}})
    r = srv.http.post(url, json={"role": "chair", "subject": "tv-1"}, headers={"Authorization": f"Bearer {ADMIN}"})
    assert (r.status_code, r.json()["error"]) == (422, "token.subject")
    assert me(srv, session.chair) == 200


def test_links_cli_rotates_all_and_writes_csv_and_cards(srv, tmp_path):
    """`phienhop links --all --cards` writes a 0600 CSV of every new link and a card PDF; old links are 401, new ones work."""
    session = srv.create(small_agenda())
    cards = tmp_path / "the.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "links", session.id, "--server", srv.base,
         "--all", "--cards", str(cards)],
        cwd=tmp_path, env=admin_env(), capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    written = tmp_path / f"links-{session.id}.csv"
    n = 3 + 2 + 7  # chair, secretary, public; 2 points; 7 people
    assert done.stdout.splitlines() == [f"wrote {written}: {n} link(s), readable by you only",
                                        f"wrote {cards}: {n} invitation card(s)"]
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE(cards.stat().st_mode) == 0o600  # the cards carry every link too
    rows = list(csv.reader(written.read_text(encoding="utf-8-sig").splitlines()))
    assert [r[0] for r in rows] == ["role", "chair", "secretary", "public", "point", "point"] + ["person"] * 7
    assert rows[4][1:3] == ["Hội trường", "Hội trường"]
    for old in (session.chair, session.public, session.person("tv-1"), session.point("tra-vinh")):
        assert me(srv, old) == 401
    new_member = [r[3] for r in rows if r[1] == "Thành viên Số 1"][0].rsplit("/", 1)[1]
    assert srv.http.get("/api/me", headers={"Authorization": f"Bearer {new_member}"}).json()["person"] == "tv-1"

    pdfinfo = subprocess.run([require_tool("pdfinfo"), str(cards)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages: +2$", pdfinfo, re.M), pdfinfo  # 8 cards a page
    text = subprocess.run([require_tool("pdftotext"), str(cards), "-"], capture_output=True, text=True, check=True).stdout
    for name in ("Nguyễn Văn Chủ", "Thành viên Số 4", "Điểm cầu Trà Vinh", "Khách mời 0"):
        assert name in text, name
    fonts = subprocess.run([require_tool("pdffonts"), str(cards)], capture_output=True, text=True, check=True).stdout
    assert "Phienhop-Serif" in fonts


def test_links_cli_rotates_one(srv, tmp_path):
    """`phienhop links --rotate point:tra-vinh` prints the point's new link; its old link is 401, the new one the point."""
    session = srv.create(small_agenda())
    done = subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "links", session.id, "--server", srv.base,
         "--rotate", "point:tra-vinh"],
        cwd=tmp_path, env=admin_env(), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    [line] = done.stdout.splitlines()
    assert line.startswith(f"point tra-vinh: {srv.base}/join/") and line.endswith("  (the old link no longer works)")
    token = line.split("/join/")[1].split()[0]
    assert me(srv, session.point("tra-vinh")) == 401
    assert srv.http.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()["point"] == "tra-vinh"
    assert list(tmp_path.iterdir()) == []  # one link: no CSV unless asked


def test_links_cli_needs_a_choice(srv, tmp_path):
    """Without --rotate or --all nothing is replaced and the command says what to pass."""
    session = srv.create(small_agenda())
    done = subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "links", session.id, "--server", srv.base],
        cwd=tmp_path, env=admin_env(), capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == ("phienhop: say which links to replace: --rotate ROLE[:ID] "
                                   "(chair, secretary, public, person:ID, point:ID) or --all")
    assert me(srv, session.chair) == 200


CHOICES = "chair, secretary, public, person:ID or point:ID"


@pytest.mark.parametrize("target, message", [
    ("bogus", f"--rotate 'bogus': not a link to replace; give {CHOICES}"),
    ("chairs", f"--rotate 'chairs': not a link to replace; give {CHOICES}"),
    ("person", "--rotate 'person': say which person: --rotate person:ID"),
    ("point:", "--rotate 'point:': say which point: --rotate point:ID"),
    ("chair:tv-1", "--rotate 'chair:tv-1': the chair link has no ID; give --rotate chair"),
])
def test_links_cli_checks_role_and_id_before_asking_the_server(srv, tmp_path, target, message):
    """A --rotate value that names no link is a usage error (exit 2, one line saying what to give); no link changes."""
    session = srv.create(small_agenda())
    done = subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "links", session.id, "--server", srv.base, "--rotate", target],
        cwd=tmp_path, env=admin_env(), capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"phienhop: {message}\n")
    assert me(srv, session.chair) == 200 and me(srv, session.person("tv-1")) == 200


@pytest.mark.parametrize("target, token, session_id, message", [
    ("person:ai-do", ADMIN, None, "refused (404): no person 'ai-do' in this session"),
    ("point:khong-co", ADMIN, None, "refused (404): no point 'khong-co' in this session"),
    ("chair", ADMIN, "khong-co", "refused (404): no session 'khong-co'"),
    ("chair", "sai", None, "refused (401): unknown token: check the link or ask the admin for a new one; check that "
                           "$PHIENHOP_ADMIN_TOKEN is this server's admin token"),
])
def test_links_cli_prints_the_servers_refusal_in_words(srv, tmp_path, target, token, session_id, message):
    """A refusal by the server is exit 1 and one line with its detail (not the raw JSON); no link changes."""
    session = srv.create(small_agenda())
    done = subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "links", session_id or session.id, "--server", srv.base,
         "--rotate", target], cwd=tmp_path, env={**admin_env(), "PHIENHOP_ADMIN_TOKEN": token},
        capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (1, "", f"phienhop: the server at {srv.base} {message}\n")
    assert me(srv, session.chair) == 200
    assert list(tmp_path.iterdir()) == []


def test_a_rotated_links_open_live_stream_is_closed_4401_on_the_primary(srv, tmp_path):
    """`phienhop links --rotate` and the rotate API close the old link's open live stream at once (4401, revoked), leave
    every other follower streaming, and the old link is refused from then on (4401 live, 401 over HTTP)."""
    from .wsread import Follower, refused

    session = srv.create(small_agenda())
    old_point, old_public = session.point("tra-vinh"), session.public
    point = Follower(session.live_url(old_point))
    public = Follower(session.live_url(old_public))
    chair = Follower(session.live_url(session.chair))
    try:
        point.until(2)  # its own point.online
        done = subprocess.run(
            [sys.executable, "-m", "phienhop.server.cli", "links", session.id, "--server", srv.base,
             "--rotate", "point:tra-vinh"], cwd=tmp_path, env=admin_env(), capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert point.closed() == (4401, "this link was revoked: ask the admin for a new one")
        head = session.ok(session.chair, type="session.open")["seq"]
        assert public.until(head)[-1]["type"] == "session.opened"  # the others stream on

        r = srv.http.post(f"/api/sessions/{session.id}/tokens/rotate", json={"role": "public"},
                          headers={"Authorization": f"Bearer {ADMIN}"})
        assert r.status_code == 200, r.text
        assert public.closed() == (4401, "this link was revoked: ask the admin for a new one")
        head = session.ok(session.chair, type="attendance.mark", person="tv-1", status="present")["seq"]
        assert chair.until(head)[-1]["type"] == "attendance.marked"
    finally:
        for follower in (point, public, chair):
            follower.ws.close()
    unknown = (4401, "unknown token: check the link or ask the admin for a new one")
    assert refused(session.live_url(old_point)) == unknown and refused(session.live_url(old_public)) == unknown
    assert me(srv, old_point) == 401 and me(srv, old_public) == 401


MM = 72 / 25.4  # PDF points in a millimetre
CARD_H = 66 * MM


def test_every_invitation_card_of_the_reference_session_shows_its_footer_inside_the_card(srv, tmp_path):
    """On the reference session's 177 cards (23 pages) each card's footer, the start time and "Scan to join", is printed
    once and inside that card: a long name or position (the secretary's) no longer pushes it off the card's bottom."""
    session = srv.create()
    cards = tmp_path / "cards.pdf"
    done = subprocess.run(
        [sys.executable, "-m", "phienhop.server.cli", "links", session.id, "--server", srv.base,
         "--all", "--cards", str(cards)], cwd=tmp_path, env=admin_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"wrote {cards}: 177 invitation card(s)"  # 3 + 85 points + 89 people
    bbox = subprocess.run([require_tool("pdftotext"), "-bbox", str(cards), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = bbox.split("<page ")[1:]
    assert len(pages) == 23
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')
    cards_seen = 0
    for n, page in enumerate(pages, start=1):
        words = [(float(x), float(y0), float(y1), w) for x, y0, y1, w in word.findall(page)]
        # Each card begins with the session's title, 4 mm below the card's top edge.
        tops = [(x, y0 - 4 * MM) for x, y0, _, w in words if w == "Phiên"]
        assert len(tops) == (8 if n < 23 else 177 - 22 * 8), f"page {n}: {len(tops)} cards"
        cards_seen += len(tops)
        for label in ("Scan", "30/11/2021"):
            found = {top: [] for top in tops}
            for x, _, y1, w in words:
                if w == label:  # the card it sits in: the nearest card top above it and to its left
                    home = max((t for t in tops if t[0] <= x and t[1] <= y1), key=lambda t: (t[1], t[0]))
                    found[home].append(y1)
            for (x, top), ys in found.items():
                assert len(ys) == 1, f"page {n}, card at {x:.0f},{top:.0f}: {label!r} {len(ys)} times"
                assert ys[0] <= top + CARD_H - 2 * MM, f"page {n}, card at {x:.0f},{top:.0f}: {label!r} cut off at the bottom"
    assert cards_seen == 177
