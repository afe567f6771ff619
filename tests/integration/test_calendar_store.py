"""The stored calendar (workflow.services.calendar_days) on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from tests.conftest import DATA
from workflow.app import App
from workflow.calendar import (
    chinese_calendar_entries,
    chinese_calendar_years,
    seed_from_chinese_calendar,
)
from workflow.db.migrate import upgrade
from workflow.db.schema import calendar_days
from workflow.errors import InvalidInput, NotFound
from workflow.services import calendar_days as store
from workflow.services import directory
from workflow.settings import load_settings


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    application = App(load_settings({"RECTIFY_DB": db_url, "RECTIFY_USER": "李督查"}))
    upgrade(application.db)
    with application.db.write() as conn:  # empty, even if creating the schema ever seeds it
        conn.execute(delete(calendar_days))
    directory.add_unit(application, "dcs", "县委督查室")  # the calendar is the office's to edit
    directory.add_person(application, "李督查", "dcs", role="office")
    application = application.acting()  # the actor is found again, now registered
    yield application
    application.close()


def stored(app: App) -> dict[date, tuple[str, str | None, str]]:
    with app.db.read() as conn:
        rows = conn.execute(select(calendar_days))
        return {r.day: (r.kind, r.name, r.source) for r in rows}


def test_load_round_trip_equals_the_package_calendar_for_2020(app: App) -> None:
    assert store.seed(app, [2020]) == 36
    with app.db.read() as conn:
        loaded = store.load(conn)
    assert loaded == seed_from_chinese_calendar([2020])
    assert loaded.published_years == {2020}
    assert not loaded.is_workday(date(2020, 10, 8))
    assert loaded.is_workday(date(2020, 10, 10))


def test_load_round_trip_for_every_year_the_package_knows(app: App) -> None:
    known = chinese_calendar_years()
    assert store.seed(app) == len(chinese_calendar_entries(known))
    with app.db.read() as conn:
        assert store.load(conn) == seed_from_chinese_calendar(known)


def test_seed_if_empty_seeds_a_new_database_once(app: App) -> None:
    everything = len(chinese_calendar_entries(chinese_calendar_years()))
    with app.db.write() as conn:
        assert store.seed_if_empty(conn) == everything
    with app.db.write() as conn:
        assert store.seed_if_empty(conn) == 0
    assert len(stored(app)) == everything


def test_seed_if_empty_leaves_an_edited_table_alone(app: App) -> None:
    store.set_day(app, date(2027, 10, 1), "holiday", "国庆节")
    with app.db.write() as conn:
        assert store.seed_if_empty(conn) == 0
    assert stored(app) == {date(2027, 10, 1): ("holiday", "国庆节", "manual")}


def test_seed_never_replaces_a_stored_day(app: App, tmp_path: Path) -> None:
    store.set_day(app, date(2020, 10, 8), "班", "督查补班")
    schedule = tmp_path / "fix.csv"
    schedule.write_text("2020-10-01,workday,值班\n", encoding="utf-8")
    assert store.import_file(app, schedule) == 1
    assert store.seed(app, [2020]) == 34
    days = stored(app)
    assert days[date(2020, 10, 8)] == ("workday", "督查补班", "manual")
    assert days[date(2020, 10, 1)] == ("workday", "值班", "file")
    assert days[date(2020, 10, 2)] == ("holiday", "国庆节", "chinese-calendar")
    assert store.seed(app, [2020]) == 0


def test_seed_of_a_year_the_package_does_not_know_adds_nothing(app: App) -> None:
    with pytest.raises(InvalidInput, match="no schedule for 2099"):
        store.seed(app, [2020, 2099])
    assert stored(app) == {}


def test_set_day_upserts_and_unset_day_removes(app: App) -> None:
    day = date(2027, 10, 1)
    store.set_day(app, day, "holiday", " 国庆节 ")
    store.set_day(app, day, "WORKDAY", "")
    assert stored(app) == {day: ("workday", None, "manual")}
    store.unset_day(app, day)
    assert stored(app) == {}
    with pytest.raises(NotFound, match="no calendar entry for 2027-10-01"):
        store.unset_day(app, day)


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        ("off", None, "kind 'off' is not one of holiday, workday, 休, 班"),
        ("holiday", "节" * 51, "is longer than 50 characters"),
    ],
)
def test_set_day_refuses(app: App, kind: str, name: str | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        store.set_day(app, date(2027, 10, 1), kind, name)
    assert stored(app) == {}


def test_set_day_refuses_a_datetime(app: App) -> None:
    with pytest.raises(InvalidInput, match="is not a date"):
        store.set_day(app, datetime(2027, 10, 1), "holiday", None)


def test_import_file_all_or_nothing(app: App) -> None:
    assert store.import_file(app, DATA / "calendar" / "2027.csv") == 20
    before = stored(app)
    with pytest.raises(InvalidInput) as refused:
        store.import_file(app, DATA / "calendar" / "bad-2027.csv")
    message = str(refused.value)
    assert "5 errors, nothing imported" in message
    assert [f"bad-2027.csv:{n}:" in message for n in range(2, 8)] == [False] + [True] * 5
    assert stored(app) == before


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_import_file_reads_excel_encodings(app: App, tmp_path: Path, encoding: str) -> None:
    schedule = tmp_path / "2027.csv"
    schedule.write_bytes("# 2027 国庆节\n2027-10-01,休,国庆节\n".encode(encoding))
    assert store.import_file(app, schedule) == 1
    assert stored(app) == {date(2027, 10, 1): ("holiday", "国庆节", "file")}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"# nothing yet\n\ndate,kind,name\n", "lists no days"),
        (b"\xff\xfe\x00\x00", "is neither UTF-8 nor GBK/GB18030 text"),
        (("2027-10-01,holiday," + "节" * 51 + "\n").encode(), "longer than 50 characters"),
    ],
)
def test_import_file_refuses(app: App, tmp_path: Path, content: bytes, message: str) -> None:
    schedule = tmp_path / "schedule.csv"
    schedule.write_bytes(content)
    with pytest.raises(InvalidInput, match=message):
        store.import_file(app, schedule)
    with pytest.raises(InvalidInput, match="cannot be read"):
        store.import_file(app, tmp_path / "missing.csv")
    assert stored(app) == {}


def test_list_days_and_year_summary(app: App) -> None:
    store.seed(app, [2019, 2020])
    store.set_day(app, date(2027, 10, 1), "holiday", "国庆节")
    with app.db.read() as conn:
        rows = store.list_days(conn, 2020)
        everything = store.list_days(conn, None)
        assert store.year_summary(conn, 2020) == {
            "year": 2020,
            "published": True,
            "holidays": 30,
            "workdays": 6,
        }
        assert store.year_summary(conn, 2027) == {
            "year": 2027,
            "published": True,
            "holidays": 1,
            "workdays": 0,
        }
        assert store.year_summary(conn, 2028) == {
            "year": 2028,
            "published": False,
            "holidays": 0,
            "workdays": 0,
        }
        total = conn.execute(select(func.count()).select_from(calendar_days)).scalar_one()
        in_2019 = len(store.list_days(conn, 2019))
    assert rows[0] == {
        "day": date(2020, 1, 1),
        "kind": "holiday",
        "name": "元旦",
        "source": "chinese-calendar",
        "weekday": "wednesday",
    }
    assert [r["day"] for r in rows] == sorted(r["day"] for r in rows)
    assert {r["day"].year for r in rows} == {2020}
    assert len(everything) == total == in_2019 + len(rows) + 1
    assert [r["day"] for r in everything] == sorted(r["day"] for r in everything)


def test_check_agrees_with_load(app: App) -> None:
    store.seed(app, [2020])
    store.set_day(app, date(2020, 10, 9), "holiday", None)
    with app.db.read() as conn:
        calendar = store.load(conn)
        for offset in range(30):
            day = date(2020, 9, 20) + timedelta(days=offset)
            assert store.check(conn, day).working == calendar.is_workday(day)
        assert store.check(conn, date(2020, 9, 27)) == store.DayStatus(
            date(2020, 9, 27), True, "workday", "国庆节", "chinese-calendar", True
        )
        assert store.check(conn, date(2020, 10, 9)).source == "manual"
        assert store.check(conn, date(2021, 3, 6)) == store.DayStatus(
            date(2021, 3, 6), False, "weekend", None, None, False
        )
