"""The sweep over a million open items on PostgreSQL, beside the plain-SQL floor.

    .venv/bin/python bench/sweep_1m_postgres.py [--items 1000000] [--url postgresql://...]

Two schemas are set up the same way with `rectify` (an office, one unit, one person with an
email, one campaign, one task due 2020-09-30) and filled with items by generate_series.
`rectify sweep` runs on one (a whole process, start-up included); the floor runs the same
INSERT ... SELECT into the outbox and the same UPDATE by hand with psycopg on the other. Both
schemas are dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import uuid

import psycopg

RECTIFY = [sys.executable, "-c", "from cli import main; main()"]
AT = "2020-09-25T09:00"  # 5 days before the deadline: blue under the default policy
FILL = """
INSERT INTO responsibility_items (ref, task_id, unit_id, person_id, role, deadline,
    original_deadline, state, level, deadline_version, extension_count, definition_version,
    created_at, updated_at)
SELECT 'R' || (n + 1), t.id, p.unit_id, p.id, 'lead', DATE '2020-09-30', DATE '2020-09-30',
    'assigned', 'none', 1, 0, 1, now(), now()
FROM generate_series(1, %s) AS n, tasks t, people p
WHERE t.ref = 'T1' AND p.name = '韩水'
"""
FLOOR = [
    """INSERT INTO notices (item_id, event, event_key, deadline_version, deadline, recipient,
           recipient_name, channel, address, status, attempts, next_attempt_at, created_at)
       SELECT i.id, 'blue', 'blue', i.deadline_version, i.deadline, 'person:' || p.id, p.name,
           'email', p.email, 'pending', 0, now(), now()
       FROM responsibility_items i JOIN people p ON p.id = i.person_id
       WHERE i.state IN ('issued', 'assigned') AND i.deadline <= DATE '2020-10-02'
         AND i.level = 'none' AND p.email IS NOT NULL AND p.email <> ''
       ON CONFLICT DO NOTHING""",
    """UPDATE responsibility_items SET level = 'blue'
       WHERE state IN ('issued', 'assigned') AND deadline <= DATE '2020-10-02' AND level = 'none'""",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    schemas = {name: f"bench_{name}_{uuid.uuid4().hex[:8]}" for name in ("rectify", "floor")}
    admin = psycopg.connect(args.url, autocommit=True)
    try:
        for schema in schemas.values():
            admin.execute(f'CREATE SCHEMA "{schema}"')
            prepare(args.url, schema, args.items)
        seconds = timed_rectify(args.url, schemas["rectify"], "sweep", "--at", AT)
        again = timed_rectify(args.url, schemas["rectify"], "sweep", "--at", AT)
        floor = sql_floor(args.url, schemas["floor"])
        for schema in schemas.values():
            check(args.url, schema, args.items)
    finally:
        for schema in schemas.values():
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.close()
    print(f"PostgreSQL, items: {args.items:,}, each raised to blue with one email notice")
    print(
        f"{'rectify sweep (process)':34} {seconds:6.2f} s   floor {floor:6.2f} s  ({seconds / floor:4.1f}x)"
    )
    print(f"{'rectify sweep again (no-op)':34} {again:6.2f} s")


def url_for(url: str, schema: str) -> str:
    return f"{url}?options=-csearch_path%3D{schema}"


def timed_rectify(url: str, schema: str, *argv: str) -> float:
    env = {**os.environ, "RECTIFY_DB": url_for(url, schema), "RECTIFY_USER": "bench",
           "RECTIFY_NOW": "2020-09-01T09:00"}  # fmt: skip
    start = time.perf_counter()
    subprocess.run([*RECTIFY, *argv], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def prepare(url: str, schema: str, items: int) -> None:
    for argv in (
        ("init",),
        # Since the office role (migration 0003) a database needs an office before a campaign.
        ("unit", "add", "dcs", "督查室"),
        ("person", "add", "bench", "--unit", "dcs", "--role", "office"),
        ("unit", "add", "slj", "水利局"),
        ("person", "add", "韩水", "--unit", "slj", "--head", "--email", "hanshui@example.gov.cn"),
        ("campaign", "add", "BIG", "百万条", "--deadline", "2020-12-31"),
        ("problem", "add", "--campaign", "BIG", "--title", "氟超标"),
        ("task", "add", "--problem", "P1", "--title", "除氟", "--deadline", "2020-09-30"),
    ):
        timed_rectify(url, schema, *argv)
    with psycopg.connect(url_for(url, schema)) as conn:
        conn.execute(FILL, (items,))
        conn.execute("ANALYZE")


def sql_floor(url: str, schema: str) -> float:
    with psycopg.connect(url_for(url, schema)) as conn:
        start = time.perf_counter()
        with conn.transaction():
            for statement in FLOOR:
                conn.execute(statement)
        return time.perf_counter() - start


def check(url: str, schema: str, items: int) -> None:
    with psycopg.connect(url_for(url, schema)) as conn:
        blue = conn.execute("SELECT count(*) FROM responsibility_items WHERE level = 'blue'")
        queued = conn.execute("SELECT count(*) FROM notices WHERE event = 'blue'")
        counts = (blue.fetchone(), queued.fetchone())
    if counts != ((items,), (items,)):
        raise SystemExit(f"{schema}: {counts}, expected {items} blue items and notices")


if __name__ == "__main__":
    main()
