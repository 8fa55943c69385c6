"""The minutes number each item with its agenda number, as the screens do, while listing items in the order taken."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.support import require_tool, small_agenda

HEADINGS = {"vi": ("NỘI DUNG", "(bổ sung trong phiên họp)"), "en": ("PROCEEDINGS", "(added during the session)")}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_items_keep_their_agenda_numbers_in_the_order_taken(srv, tmp_path, language):
    """Item 2 taken before item 1, an item added during the session never taken: the minutes list "2." then "1."
    then "3. … (added during the session)"; the snapshot's order is what the screens count "2/3" from."""
    s = srv.create(small_agenda(language=language))
    s.ok(s.chair, type="session.open")
    s.ok(s.chair, type="item.add", item={"id": "kien-nghi", "title": "Kiến nghị bổ sung", "duration_min": 5})
    s.ok(s.chair, type="item.start", item="du-thao")
    assert s.snapshot()["state"]["order"] == ["khai-mac", "du-thao", "kien-nghi"]  # the screens: "Nội dung 2/3"
    s.ok(s.chair, type="item.end", item="du-thao")
    s.ok(s.chair, type="item.start", item="khai-mac")
    s.ok(s.chair, type="item.end", item="khai-mac")
    s.ok(s.chair, type="session.close")
    r = s.server.http.get(f"/api/sessions/{s.id}/minutes.pdf", headers={"Authorization": f"Bearer {s.secretary}"})
    assert r.status_code == 200, r.text
    (tmp_path / "bien-ban.pdf").write_bytes(r.content)
    text = subprocess.run([require_tool("pdftotext"), "-layout", str(tmp_path / "bien-ban.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    heading, added = HEADINGS[language]
    proceedings = text.split(heading, 1)[1]
    numbered = [" ".join(m.split()) for m in re.findall(r"^ *(\d+\. (?:Khai mạc|Thông qua dự thảo|Kiến nghị bổ sung).*)$",
                                                          proceedings, re.M)]
    assert numbered == ["2. Thông qua dự thảo", "1. Khai mạc", f"3. Kiến nghị bổ sung {added}"]
