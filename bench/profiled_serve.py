"""Run a server under cProfile, profiling only between SIGUSR1 (start) and SIGUSR2 (pause and dump).

``bench/votes.py --profile FILE`` uses it so the profile holds the timed bursts and nothing else
(not start-up, not the session's set-up). The clock is the thread's CPU time, not wall time, so
a loaded machine does not charge other processes' time to whatever function was preempted.
cProfile sees the event loop's thread only; the SQLite writer thread's time is outside it.

    python bench/profiled_serve.py OUT.prof phienhop serve --db … --port …
    python bench/profiled_serve.py OUT.prof bench/bare_app.py --port …
"""

from __future__ import annotations

import cProfile
import runpy
import signal
import sys
import time

profile = cProfile.Profile(time.thread_time)
out, target = sys.argv[1], sys.argv[2]


def _start(*_) -> None:
    profile.enable()


def _stop(*_) -> None:
    profile.disable()
    profile.dump_stats(out)  # the whole profile so far: each burst adds to it


signal.signal(signal.SIGUSR1, _start)
signal.signal(signal.SIGUSR2, _stop)
sys.argv = sys.argv[2:]
if target == "phienhop":
    from phienhop.server.cli import main

    sys.exit(main())
runpy.run_path(target, run_name="__main__")
