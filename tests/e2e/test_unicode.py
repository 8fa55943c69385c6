"""Vietnamese text keeps its exact NFC bytes from the agenda file through the log, snapshot and live stream."""

from __future__ import annotations

import unicodedata

from tests.domain.broken_agendas import VALID
from tests.support import ADMIN, Session

from .wsread import Follower, event_bytes

TITLE = "Thông qua dự thảo Quy chế hoạt động của Ủy ban Quốc gia về chuyển đổi số"
NAME = "Nguyễn Quỳnh Thiện"
NOTE = "Đồng chí Phó Chủ tịch UBND tỉnh Trà Vinh phát biểu: “Chuyển đổi số là nhiệm vụ trọng tâm.”"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_nfd_agenda_comes_out_nfc_everywhere(server):
    """An item title and a name written in NFD in the TOML are stored, served and streamed as NFC bytes."""
    assert nfd(TITLE) != TITLE and nfd(NAME) != NAME
    toml = VALID.replace('title = "Thông qua dự thảo"', f'title = "{nfd(TITLE)}"')
    toml = toml.replace('name = "Thành viên Một"', f'name = "{nfd(NAME)}"')
    assert toml.count(nfd(TITLE)) == 1 and toml.count(nfd(NAME)) == 1
    r = server.http.post("/api/sessions", content=toml.encode("utf-8"),
                         headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/toml"})
    assert r.status_code == 201, r.text
    s = Session(server, r.json())
    s.ok(s.chair, type="session.open")
    s.ok(s.chair, type="item.start", item="du-thao")
    note_seq = s.ok(s.secretary, type="note.record", item="du-thao", text=NOTE)["seq"]

    stored = event_bytes(server.db, s.id, 1)
    for text in (TITLE, NAME):
        assert text.encode() in stored and nfd(text).encode() not in stored
    assert NOTE.encode() in event_bytes(server.db, s.id, note_seq)

    # The secretary's view: a note's text is for the chair, the secretary and the admin only.
    snapshot = server.http.get(f"/api/sessions/{s.id}", headers={"Authorization": f"Bearer {s.secretary}"})
    for text in (TITLE, NAME):
        assert text.encode() in snapshot.content and nfd(text).encode() not in snapshot.content
    state = snapshot.json()["state"]
    assert state["agenda"]["items"][1]["title"] == TITLE
    assert state["notes"][0]["text"] == NOTE

    events = server.http.get(f"/api/sessions/{s.id}/events", headers={"Authorization": f"Bearer {s.public}"})
    assert stored in events.content

    with Follower(s.live_url(s.secretary)) as follower:
        follower.until(note_seq)
        assert follower.raw[0].encode("utf-8") == stored
        assert follower.raw[note_seq - 1].encode("utf-8") == event_bytes(server.db, s.id, note_seq)
