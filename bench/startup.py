"""Start-up: `rectify --help` and `rectify --version` beside `python -c pass`.

    .venv/bin/python bench/startup.py [--runs 7]

Each command runs as its own process, as a user runs it (the `rectify` script of the venv),
`--runs` times; the median is printed with the floor and what the command imported that the
floor did not (the heavy libraries should appear only for commands that use them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

AIM = 0.25  # seconds, issue 8
RECTIFY = str(Path(sys.executable).with_name("rectify"))
HEAVY = ("sqlalchemy", "alembic", "openpyxl", "jinja2", "yaml", "wcwidth")
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "rectify --help": [RECTIFY, "--help"],
    "rectify --version": [RECTIFY, "--version"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    env = {**os.environ, "RECTIFY_DB": os.devnull}  # nothing is read: any path will do
    floor = median_seconds(COMMANDS["python -c pass"], env, args.runs)
    print(f"median of {args.runs} runs, aim {AIM:.2f} s")
    print(f"{'python -c pass':20} {floor:6.3f} s")
    for label in ("rectify --help", "rectify --version"):
        seconds = median_seconds(COMMANDS[label], env, args.runs)
        verdict = "ok" if seconds <= AIM else f"over the aim by {seconds - AIM:.3f} s"
        print(f"{label:20} {seconds:6.3f} s  (+{seconds - floor:.3f} s over the floor; {verdict})")
    print(f"heavy libraries imported by `rectify --version`: {heavy_imports() or 'none'}")


def median_seconds(command: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def heavy_imports() -> str:
    """The heavy top-level packages in sys.modules after `rectify --version`."""
    probe = (
        "import sys\n"
        "from cli import main\n"
        "try:\n"
        "    main(['--version'], prog_name='rectify')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    return done.stdout.splitlines()[-1].strip()


if __name__ == "__main__":
    main()
