"""WeasyPrint's font subsetting without a C parse for every new glyph count (a guarded shim).

WeasyPrint 70 subsets each embedded font with HarfBuzz and allocates its arrays as
``ffi.new(f"hb_codepoint_t[{n}]", values)``. cffi caches parsed types by their exact string, so
every ``n`` it has not seen yet goes through pycparser again, with a ``typedef`` line for each of
the ~260 types WeasyPrint declares: tens of milliseconds each, three or four per render. A render
worker pays that for every document whose glyph counts it has not met before, which made a cold
minutes render cost ~1.35× a warm one in CPU, however warm its fonts and stylesheet were.

``install()`` makes WeasyPrint's ``ffi.new`` ask for the open array ``hb_codepoint_t[]`` when the
length it names is exactly the length of the values given: the same array, one parse for good.
It touches only that one call shape; anything else goes to cffi unchanged.

The shim leans on how WeasyPrint spells that call, so ``tests/minutes/test_cffi_arrays.py`` fails
the day WeasyPrint stops doing so (then drop this module), and pyproject caps weasyprint below 71.
"""

from __future__ import annotations

from weasyprint.text.ffi import ffi

PREFIX = "hb_codepoint_t["
OPEN = "hb_codepoint_t[]"

rewritten = 0  # how many calls took the open array (the guard test reads it)


def install() -> None:
    """Route WeasyPrint's fixed-length ``hb_codepoint_t[N]`` allocations to the open array type (idempotent)."""
    if getattr(ffi.new, "_phienhop_open_arrays", False):
        return
    new = ffi.new

    def open_arrays(cdecl, init=None):
        global rewritten
        if init is not None and type(cdecl) is str and cdecl.startswith(PREFIX) and cdecl == f"{PREFIX}{len(init)}]":
            rewritten += 1
            cdecl = OPEN
        return new(cdecl, init)

    open_arrays._phienhop_open_arrays = True
    ffi.new = open_arrays


def uninstall() -> None:
    """Give WeasyPrint cffi's own ``ffi.new`` back (the guard test compares both)."""
    if "new" in vars(ffi):
        del ffi.new
