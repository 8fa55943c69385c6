"""The diagonal draft watermark, drawn as glyph outlines so text extraction never picks it up."""

import base64
from functools import lru_cache
from pathlib import Path

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

_FONT = Path(__file__).resolve().parent / "fonts" / "LiberationSerif-Bold.ttf"


@lru_cache(maxsize=4)  # the draft mark in a language or two
def watermark_uri(text: str) -> str:
    """Return a data: URI of an SVG spelling text in the bundled bold face, as outlines."""
    font = TTFont(_FONT)
    glyphs = font.getGlyphSet()
    cmap = font.getBestCmap()
    ascent, descent = font["hhea"].ascent, font["hhea"].descent
    pen = SVGPathPen(glyphs)
    x = 0
    for char in text:
        glyph = glyphs[cmap.get(ord(char), ".notdef")]
        # Font units grow upwards, SVG units downwards: flip around the baseline.
        glyph.draw(TransformPen(pen, (1, 0, 0, -1, x, ascent)))
        x += glyph.width
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {x} {ascent - descent}">'
        f'<path d="{pen.getCommands()}" fill="#000" fill-opacity="0.08"/></svg>'
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
