"""The web's battle map on a campaign of 100,000 items: the page's server time beside the same
queries run by hand with sqlite3, and requests per second under 20 concurrent clients.

    .venv/bin/python bench/web_battle_map.py [--items 100000] [--problems 100] [--runs 7]
                                             [--clients 20] [--seconds 10] [--keep DIR]

The campaign is bench/leaders_1m.py's, built the same way (`rectify init` and the office, then
executemany straight into the tables, with a hash-chained audit trail): 60 units, 10 tasks per
problem, deadlines over four months, about 30% closed, 10% fixed and the rest open, most past
their deadline at the measured instant (2020-10-15). `--problems` sets how many problems the
items share, so the grid of units x problems is 60 x that many (each problem's items fall to
about 30 units); leaders_1m's own 1,000 makes a 4 MB page; a county's campaign has tens.

- page: GET / as the campaign's leader through Flask's test client (the whole view: the board,
  the grid, the SVG chart and the template), median of `--runs` after one warm-up;
- floor: the two grouped queries that page runs (per unit, and per unit and problem) written by
  hand and fetched with the sqlite3 module on the same file, median of `--runs`, each run right
  after a page's (the machine's load changes from second to second);
- served: `rectify serve` (waitress, 8 threads) in its own process on loopback, `--clients`
  threads each with its own keep-alive http.client connection and the leader's session cookie
  asking for / for `--seconds` seconds, then stopping; requests per second and latencies.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import leaders_1m  # noqa: E402  (the campaign's builder, beside this file)

NOW = leaders_1m.NOW
LEADER = "领导1"  # the campaign's leader in leaders_1m's directory
RECTIFY = [sys.executable, "-c", "import cli; cli.main()"]

# The battle map's two grouped queries as the page asks them: per campaign and unit with the
# board's counts (leaders_1m's floor of `rectify board`), and per unit and problem for the grid,
# both grouped by integer ids with the names of the groups read afterwards.
BOARD_SQL = leaders_1m.BOARD_SQL
GRID_SQL = """
SELECT i.unit_id, t.problem_id, count(*), sum(i.state = 'closed'), sum(i.state = 'fixed'),
       max(CASE WHEN i.state IN ('issued', 'assigned') THEN
                CASE i.level WHEN 'red' THEN 3 WHEN 'yellow' THEN 2 WHEN 'blue' THEN 1 ELSE 0 END
           ELSE -1 END)
FROM responsibility_items i JOIN tasks t ON t.id = i.task_id JOIN problems p ON p.id = t.problem_id
WHERE p.campaign_id = ?
GROUP BY i.unit_id, t.problem_id
"""
NAMES_SQL = (
    "SELECT id, code, name FROM units",
    "SELECT id, ref, title FROM problems WHERE campaign_id = ?",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--problems", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--keep", type=Path, help="folder to keep the database in")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rectify-web-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"web-{args.items}-{args.problems}.db"
    leaders_1m.PROBLEMS = args.problems  # fill() spreads the items over this many problems
    leaders_1m.build(db, args.items)
    env = {**os.environ, "RECTIFY_DB": str(db), "RECTIFY_NOW": NOW, "RECTIFY_USER": "李督查",
           "RECTIFY_CONFIG": "", "RECTIFY_LANG": "zh", "PYTHONUNBUFFERED": "1"}  # fmt: skip

    page_seconds, floor, size = page_and_floor(env, db, args.runs)
    grid_cells = count_cells(db)
    print(f"items: {args.items:,}; units x problems: {grid_cells:,} cells; page {size:,} bytes")
    print(f"{'battle map (GET /, leader)':34} {'page':>9} {'floor':>9} {'ratio':>6}")
    print(f"{'server time, median of ' + str(args.runs):34} {page_seconds * 1000:7.1f}ms "
          f"{floor * 1000:7.1f}ms {page_seconds / floor:5.2f}x")  # fmt: skip
    done, elapsed, latencies, failed = served_load(env, args.clients, args.seconds)
    latencies.sort()
    print(f"rectify serve, {args.clients} clients asking for {args.seconds:g} s on loopback "
          f"(the last answer at {elapsed:.1f} s): "
          f"{done:,} pages, {done / elapsed:.1f} requests/s, latency median "
          f"{statistics.median(latencies) * 1000:.0f} ms, p95 "
          f"{latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms, {failed} failed")  # fmt: skip
    print(f"(database in {folder})")


def page_and_floor(env: dict[str, str], db: Path, runs: int) -> tuple[float, float, int]:
    """Median seconds of the battle map through Flask's test client (the leader logged in)
    and of its floor, measured turn about so that both see the same load on the machine; and
    the page's size."""
    from web import create_app
    from workflow.app import App
    from workflow.services import web_links
    from workflow.settings import load_settings

    application = App(load_settings(env))
    flask_app = create_app(application)
    link = web_links.create_link(application.acting(actor="李督查"), LEADER,
                                 expires=web_links.parse_expiry("1d"),
                                 base="http://127.0.0.1:8080/")  # fmt: skip
    client = flask_app.test_client()
    assert client.get(urlsplit(link.url).path).status_code == 303
    page = client.get("/")  # warm-up: templates compiled, definitions and pool ready
    assert page.status_code == 200, page.status_code
    floor_time(db)
    pages, floors = [], []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get("/")
        pages.append(time.perf_counter() - start)
        assert response.status_code == 200
        floors.append(floor_time(db))
    application.close()
    return statistics.median(pages), statistics.median(floors), len(page.data)


def floor_time(db: Path) -> float:
    conn = sqlite3.connect(db)
    start = time.perf_counter()
    boards = conn.execute(BOARD_SQL, (leaders_1m.TODAY_TEXT,)).fetchall()
    conn.execute(NAMES_SQL[0]).fetchall()
    for campaign_id in {row[0] for row in boards}:
        conn.execute(GRID_SQL, (campaign_id,)).fetchall()
        conn.execute(NAMES_SQL[1], (campaign_id,)).fetchall()
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def count_cells(db: Path) -> int:
    conn = sqlite3.connect(db)
    cells = len(conn.execute(GRID_SQL, (1,)).fetchall())
    conn.close()
    return cells


def served_load(
    env: dict[str, str], clients: int, seconds: float
) -> tuple[int, float, list[float], int]:
    """Pages served to `clients` threads in `seconds`, their latencies, and failures."""
    server = subprocess.Popen(
        [*RECTIFY, "serve", "--port", "0", "--threads", "8", "--stop-after", str(seconds + 120)],
        env={**env, "RECTIFY_LANG": "en"}, cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        found = re.search(r"listening on 127\.0\.0\.1:(\d+)", first)
        if not found:
            raise SystemExit(f"rectify serve did not start: {first!r}")
        port = int(found.group(1))
        link = subprocess.run(
            [*RECTIFY, "web", "link", LEADER, "--base-url", f"http://127.0.0.1:{port}/"],
            env=env, cwd=ROOT, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        cookie = login(port, urlsplit(link).path)
        return load(port, cookie, clients, seconds)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        assert server.stdout is not None
        server.stdout.close()


def login(port: int, path: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status != 303:
        raise SystemExit(f"login refused: {response.status}")
    return response.getheader("Set-Cookie", "").split(";", 1)[0]


def load(
    port: int, cookie: str, clients: int, seconds: float
) -> tuple[int, float, list[float], int]:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()
    start = time.perf_counter()
    deadline = start + seconds

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        failed = 0
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                conn.request("GET", "/", headers={"Cookie": cookie})
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    mine.append(time.perf_counter() - began)
                else:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.close()
        with lock:
            latencies.extend(mine)
            failures[0] += failed

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return len(latencies), elapsed, latencies, failures[0]


if __name__ == "__main__":
    main()
