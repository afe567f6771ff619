"""Delivery that loses nothing and repeats nothing: outages, refusals, cut sends, two deliverers.

Real aiosmtpd and HTTP servers on loopback; simulated time through RECTIFY_NOW, while leases
run on the database's clock (a lease is expired by setting lease_until in the past with SQL).
"""

# Fixtures are imported explicitly and then requested by parameter name.
# ruff: noqa: F401, F811

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import create_engine, text

from notifications.delivery import CUT_MID_FLIGHT, DeliveryReport
from notifications.delivery import deliver as deliver_notices
from tests.cli.test_delivery_config import START, at, office_with_items, outbox
from tests.conftest import Rectify
from tests.support.servers import (
    HttpTestServer,
    SmtpTestServer,
    http_server,
    reply,
    smtp_server,
    stopped_smtp_server,
)
from workflow.app import App
from workflow.clock import parse_instant
from workflow.settings import load_settings

ADDRESS = "hanshui@example.gov.cn"


def sql(rectify: Rectify, statement: str) -> None:
    engine = create_engine(rectify.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def test_a_four_hour_mail_outage_loses_nothing(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify, 5)
    rectify.env.update(stopped_smtp_server().settings())
    # The scheduler delivers every 5 minutes through four hours of `connection refused`.
    for minute in range(0, 240, 5):
        out = rectify.delivers(now=at(60 * minute))  # exit 1 when it tried and failed
        assert out.startswith("Sent 0,") and ", dead 0," in out
    rows = outbox(rectify)
    assert {n["status"] for n in rows} == {"pending"}  # none dead
    # Back-off is visible: the notices tried waited longer each time, capped at an hour.
    assert max(n["attempts"] for n in rows) >= 5
    waits = {n["attempts"]: n["next_attempt_at"] for n in rows}
    assert all("Connection refused" in n["last_error"] for n in rows)
    assert len(waits) > 1
    # The server is back: every notice goes out, once.
    rectify.env.update(smtp_server.settings())
    out = rectify.delivers(now=at(60 * 60 * 6))
    assert out.startswith("Sent 5, retrying 0, dead 0,")
    assert [n["status"] for n in outbox(rectify)] == ["sent"] * 5
    assert len(smtp_server.mails) == 5
    assert rectify.delivers(now=at(60 * 60 * 7)).startswith("Sent 0, retrying 0, dead 0,")
    assert len(smtp_server.mails) == 5


def test_550_for_one_address_makes_only_that_notice_dead(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify, 2)
    rectify.ok("person", "add", "鲁检", "--unit", "slj", "--email", "lujian@example.gov.cn")
    rectify.ok("task", "add", "--problem", "P1", "--title", "措施3", "--deadline", "2020-10-15")
    rectify.ok("assign", "T3", "--unit", "slj", "--person", "鲁检")
    rectify.env.update(smtp_server.settings())
    smtp_server.recorder.refuse = {"lujian@example.gov.cn": "550 5.1.1 No such user"}

    out = rectify.delivers(now=at(60))

    assert out.startswith("Sent 2, retrying 0, dead 1,")
    dead = rectify.json("notices", "--status", "dead")
    assert [n["address"] for n in dead] == ["lujian@example.gov.cn"]
    assert dead[0]["last_error"].startswith("recipient refused: 550")
    assert sorted(m.rcpt_tos[0] for m in smtp_server.mails) == [ADDRESS, ADDRESS]


def test_a_transport_failing_after_the_first_message_charges_only_the_one_tried(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify, 6)
    smtp_server.recorder.close_after = 1  # answers 421 and hangs up after the first mail
    # and then closes the next connection at once: the channel is down for the run.
    smtp_server.recorder.mail_replies = {3: "421 4.3.2 Service shutting down"}
    rectify.env.update(smtp_server.settings())

    out = rectify.delivers(now=at(60))

    assert out.startswith("Sent 1, retrying 5, dead 0,")
    rows = outbox(rectify)
    assert [(n["status"], n["attempts"]) for n in rows] == [("sent", 1), ("pending", 1)] + [
        ("pending", 0)
    ] * 4
    assert all(n["last_error"].startswith("not attempted: ") for n in rows[3:])
    smtp_server.recorder.close_after = None
    smtp_server.recorder.mail_replies = {}
    assert rectify.delivers(now=at(3600)).startswith("Sent 5, retrying 0, dead 0,")
    assert len(smtp_server.mails) == 6


def test_a_gateway_failing_hanging_trickling_then_well_delivers_each_once(
    rectify: Rectify, smtp_server: SmtpTestServer, http_server: HttpTestServer
) -> None:
    office_with_items(rectify, 3, phone="13800000001")
    rectify.env.update(smtp_server.settings())
    rectify.env.update({"RECTIFY_SMS_URL": http_server.url, "RECTIFY_HTTP_TIMEOUT": "1"})
    faults = [reply(500, "down"), reply(200, delay=5), reply(200, b"{}" * 20, trickle=0.2)]
    for minute, fault in zip((0, 180, 420), faults, strict=True):
        http_server.enqueue(fault)
        http_server.enqueue(*[reply(500, "down")] * 2)  # never reached: the run stops
        out = rectify.delivers(now=at(minute * 60))
        assert "retrying 3, dead 0" in out  # each run: one SMS tried, the rest put back
    sms = [n for n in outbox(rectify) if n["channel"] == "sms"]
    assert {n["status"] for n in sms} == {"pending"}
    assert sum(n["attempts"] for n in sms) <= 4  # one tried per run (plus the first run's)
    http_server.queued.clear()
    assert rectify.delivers(now=at(24 * 3600)).startswith("Sent 3, retrying 0, dead 0,")
    phones = Counter(r.json()["text"] for r in http_server.requests if r.json())
    assert sum(1 for n in outbox(rectify) if n["status"] == "sent") == 6
    assert len(phones) >= 1


def test_a_send_cut_mid_flight_is_sent_again_and_reported(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify, 3)
    rectify.env.update(smtp_server.settings())
    # A deliverer died: it had claimed all three and was sending the first.
    sql(rectify, "UPDATE notices SET lease_owner = 'dead:1', lease_until = '2000-01-01 00:00:00'")
    sql(rectify, "UPDATE notices SET status = 'sending' WHERE id = 1")

    out = rectify.delivers(now=at(60))

    assert out.startswith("Sent 3, retrying 0, dead 0,")
    assert "Sent again 1 notices cut mid-flight" in out
    rows = outbox(rectify)
    assert [n["status"] for n in rows] == ["sent"] * 3
    assert [n["last_error"] for n in rows] == [CUT_MID_FLIGHT, None, None]
    assert len(smtp_server.mails) == 3


def test_a_live_lease_on_the_database_clock_is_respected_whatever_rectify_now_says(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify, 2)
    rectify.env.update(smtp_server.settings())
    sql(rectify, "UPDATE notices SET lease_owner = 'other:1', lease_until = '2999-01-01 00:00:00'")
    # Days later by RECTIFY_NOW: still the other deliverer's.
    assert rectify.delivers(now=at(5 * 86400)).startswith("Sent 0, retrying 0, dead 0,")
    assert smtp_server.mails == []


def test_two_deliverers_at_once_send_each_notice_exactly_once(
    rectify: Rectify, smtp_server: SmtpTestServer
) -> None:
    office_with_items(rectify, 30)
    settings = load_settings(
        {"RECTIFY_DB": rectify.db_url, "RECTIFY_USER": "李督查", **smtp_server.settings()}
    )
    settings = replace(settings, now=parse_instant(at(60), settings.zone, "now"))
    apps = [App(settings) for _ in range(2)]
    start = threading.Barrier(len(apps))
    reports: list[DeliveryReport] = []

    def run(app: App) -> None:
        start.wait()
        reports.append(deliver_notices(app, batch_size=4))

    threads = [threading.Thread(target=run, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for app in apps:
        app.close()
    assert sum(r.sent for r in reports) == 30
    subjects = Counter(m.message()["Subject"] for m in smtp_server.mails)
    assert len(smtp_server.mails) == 30 and set(subjects.values()) == {1}
    assert {n["status"] for n in outbox(rectify)} == {"sent"}
