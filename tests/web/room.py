"""Shared parts of the browser tests on the reference session: axe-core from the npm registry,
measurements of what a projector shows, screenshots at both sizes."""

from __future__ import annotations

import json
import subprocess
import tarfile
from functools import cache

from ..support import ROOT, require_tool

AXE_VERSION = "4.10.3"  # pinned: npm pack checks the tarball against the registry's integrity hash
CACHE = ROOT / "var" / "cache" / "npm"
SHOTS = ROOT / "var" / "screenshots"
DESKTOP = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}


@cache
def axe_source() -> str:
    """axe.min.js of axe-core AXE_VERSION, fetched once with `npm pack` into var/cache/npm."""
    tarball = CACHE / f"axe-core-{AXE_VERSION}.tgz"
    if not tarball.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run([require_tool("npm"), "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", str(CACHE), "--silent"],
                       check=True, capture_output=True, timeout=180)
    with tarfile.open(tarball) as tar:
        return tar.extractfile("package/axe.min.js").read().decode("utf-8")


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as it is now: 'rule-id: selector, selector (help)'."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated over the DevTools protocol, not as an inline <script>: the pages' CSP refuses those.
        page.evaluate(axe_source())
    found = page.evaluate("""async () => {
        const result = await axe.run(document, { resultTypes: ["violations"] });
        return result.violations.map((v) => `${v.id}: ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(", ")} (${v.help})`);
    }""")
    return found


def check_axe(page, name: str) -> None:
    """0 violations at 1920x1080 and at 390x844 (the viewport is put back to 1920x1080)."""
    problems = []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        problems += [f"{name} {size['width']}x{size['height']}: {v}" for v in axe_violations(page)]
    page.set_viewport_size(DESKTOP)
    assert problems == [], json.dumps(problems, ensure_ascii=False, indent=1)


def shoot(page, name: str, fold: bool = True) -> None:
    """Screenshots: the first screen at 1920x1080 (what a projector shows) and the whole page at 390x844."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-1920x1080.png"), full_page=not fold)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(SHOTS / f"{name}-390x844.png"), full_page=True)
    wide = page.evaluate("document.documentElement.scrollWidth")
    page.set_viewport_size(DESKTOP)
    assert wide <= PHONE["width"], f"{name}: {wide} px wide on a {PHONE['width']} px phone (it scrolls sideways)"


def boxes(page, selector: str) -> list[tuple[float, float, float, float]]:
    return [tuple(b) for b in page.eval_on_selector_all(selector, """els => els.filter((e) => e.getClientRects().length)
        .map((e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })""")]


def assert_in_view(page, *selectors: str) -> None:
    """Each selector matches at least one shown element, and every one lies inside the 1920x1080 viewport."""
    for selector in selectors:
        found = boxes(page, selector)
        assert found, f"{selector}: nothing shown"
        for left, top, right, bottom in found:
            assert left >= 0 and top >= 0 and right <= DESKTOP["width"] + 0.5 and bottom <= DESKTOP["height"] + 0.5, (
                f"{selector} lies at {left:.0f},{top:.0f}-{right:.0f},{bottom:.0f}, outside 1920x1080")


def until(page, expression: str, tries: int = 400) -> None:
    """Wait until ``expression`` is true in the page, polling with ``page.evaluate``.

    Not ``page.wait_for_function``: Playwright compiles its string predicate with ``new Function``
    inside the page, which our Content-Security-Policy (script-src 'self', no 'unsafe-eval') refuses.
    """
    for _ in range(tries):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true in the page: {expression}")
