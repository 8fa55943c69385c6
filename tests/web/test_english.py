"""Switched to English, the chair's, secretary's, member's and point's pages show no Vietnamese word of ours: only the
agenda's own text (names, titles, positions, points) and what people typed keep their Vietnamese letters."""

from __future__ import annotations

import json

import msgspec
import pytest

from phienhop.server.agendas import load_agenda_file

from ..support import REFERENCE
from .room import until
from .test_room import VOTERS, browser, room  # noqa: F401  (browser, room: the module's Chromium and the reference session's room)

pytestmark = pytest.mark.browser

NOTE = "Đồng ý thông qua, giao Bộ Thông tin và Truyền thông hoàn thiện."


def agenda_texts() -> list[str]:
    """Every string of the reference agenda (titles, names, positions, points), longest first."""
    loaded, _ = load_agenda_file(REFERENCE)
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
    walk(msgspec.to_builtins(loaded))
    return sorted(set(found), key=len, reverse=True)


# Visible text nodes, option texts and the labels a screen reader reads (aria-label, placeholder, title), outside
# anything marked lang="vi" (the language button names Tiếng Việt in Vietnamese on purpose), with the agenda's own
# strings and the typed note taken out; what is left with a Vietnamese letter is ours, untranslated.
LEFT_IN_VIETNAMESE = r"""(user) => {
  const vi = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i;
  const strip = (s) => { let out = s.normalize("NFC"); for (const u of user) out = out.split(u).join(" "); return out; };
  const found = new Set();
  const outsideVi = (el) => !el.closest('body [lang="vi"]');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !outsideVi(el) || el.closest("script, style, [hidden], textarea")) continue;
    if (!el.getClientRects().length && el.tagName !== "OPTION") continue;
    if (vi.test(strip(n.textContent))) found.add(`${el.tagName}.${el.className}: ${n.textContent.trim().slice(0, 80)}`);
  }
  for (const el of document.querySelectorAll("[aria-label], [placeholder], [title]")) {
    if (!outsideVi(el)) continue;
    for (const a of ["aria-label", "placeholder", "title"]) {
      const v = el.getAttribute(a);
      if (v && vi.test(strip(v))) found.add(`${el.tagName}[${a}]: ${v.slice(0, 80)}`);
    }
  }
  return [...found];
}"""


def test_english_pages_keep_no_vietnamese_label(room):
    """After the switch to English on a running session (an item started, a floor request, a conclusion, a poll open),
    no label, button, option or accessible name of ours is left in Vietnamese on the chair, secretary, member and point
    pages, nor after the session closes."""
    s = room.session
    room.ok(type="session.open")
    room.mark(VOTERS[:12])
    room.ok(type="item.start", item="quy-che")
    room.ok(type="conclusion.record", item="quy-che", text=NOTE)
    room.ok(s.person("to-lam"), type="speaker.request", item="quy-che")
    pages = {"chair": room.open(s.chair, "chair"), "secretary": room.open(s.secretary, "secretary"),
             "member": room.open(s.person("to-lam"), "member"), "point": room.open(s.point("ha-noi"), "point")}
    user = sorted([*agenda_texts(), NOTE], key=len, reverse=True)
    left = {}

    def look(name: str, page) -> None:
        """Open every folded section on ``page``, then note what is left in Vietnamese under ``name``."""
        for details in page.locator("details:not([open]) > summary").all():
            if details.is_visible():
                details.click()
        found = page.evaluate(LEFT_IN_VIETNAMESE, user)
        if found:
            left[name] = found

    for name, page in pages.items():
        page.click("#lang")
        until(page, "document.documentElement.lang === 'en'")
        look(name, page)
    # And once the session is closed (the minutes panel, the results, the closed notices).
    room.ok(type="item.end", item="quy-che")
    room.ok(type="session.close")
    for name, page in pages.items():
        until(page, "window.phienhop.live.state.status === 'closed'")
        look(f"{name} closed", page)
    assert left == {}, json.dumps(left, ensure_ascii=False, indent=1)
