"""A progress bar on stderr for long jobs (import, sweep, deliver), and nothing otherwise.

    with progress(total, "Importing") as tick:
        for chunk in chunks:
            ...
            tick(len(chunk))

It draws only when stderr is a terminal and the job has run for more than a second, at most
ten times a second, and wipes its line when the job ends: output piped to a file or read by a
test stays exactly what the command prints. `total` may be None or a guess (a CSV's line count
is an upper bound on its records); the bar then shows the count and rate without running past
100%. `total` may also be a function, called only when the bar may show (stderr a terminal), so
that a count costing a query (notices due, the sweep's steps) is never made for a pipe, a test
or the scheduler. Hand-written: `rich` is not a dependency and a bar is twenty lines.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

DELAY = 1.0  # seconds before the bar first shows
INTERVAL = 0.1  # seconds between redraws
WIDTH = 30


@contextmanager
def progress(
    total: int | Callable[[], int | None] | None,
    label: str,
    *,
    stream: TextIO | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Callable[[int], None]]:
    """Yield `tick(n)`, to be called with the amount of work each step has done."""
    out = sys.stderr if stream is None else stream
    if not _is_terminal(out):
        yield _ignore
        return
    bar = _Bar(out, total() if callable(total) else total, label, clock)
    try:
        yield bar.tick
    finally:
        bar.close()


def _ignore(n: int) -> None:
    return None


def _is_terminal(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False


class _Bar:
    def __init__(
        self, out: TextIO, total: int | None, label: str, clock: Callable[[], float]
    ) -> None:
        self.out, self.total, self.label, self.clock = out, total, label, clock
        self.start = clock()
        self.done = 0
        self.next_draw = self.start + DELAY
        self.drawn = False

    def tick(self, n: int) -> None:
        self.done += n
        now = self.clock()
        if now >= self.next_draw:
            self.next_draw = now + INTERVAL
            self.draw(now)

    def draw(self, now: float) -> None:
        elapsed = max(now - self.start, 1e-9)
        rate = f"{self.done / elapsed:,.0f}/s"
        if self.total:
            share = min(self.done / self.total, 1.0)
            filled = int(share * WIDTH)
            bar = "#" * filled + "-" * (WIDTH - filled)
            line = f"{self.label} [{bar}] {share:4.0%} {self.done:,} {rate}"
        else:
            line = f"{self.label} {self.done:,} {rate}"
        self.out.write("\r" + line + "\x1b[K")
        self.out.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.out.write("\r\x1b[K")
            self.out.flush()
