"""`rectify demo`: a campaign built from the seed speech, walked through a few weeks.

Everything goes through the same library calls the CLI uses, with the clock set for each step,
so the demo's history reads as a real campaign's would.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from workflow.app import App
from workflow.errors import InvalidInput, TransitionRefused
from workflow.output import plural, render
from workflow.services import directory, extensions, importer, lifecycle, lists, queries, sweep

LEDGER = Path(__file__).with_name("demo_ledger.csv")
CAMPAIGN = "TP2020"
OFFICE = "李督查"  # 县委督查室, who drives the campaign
LEADER = "王书记"
SCHEDULER = "scheduler"
DEMO_ZONE = ZoneInfo("Asia/Shanghai")

# (code, name, group, [(person, is_head)])
UNITS = [
    ("dcs", "县委督查室", None, [(OFFICE, True)]),
    ("xw", "县委办", None, [(LEADER, True)]),
    ("slj", "水利局", None, [("韩水", True)]),
    ("wjw", "卫健委", None, [("鲁检", True)]),
    ("czj", "财政局", None, [("蒋财", True)]),
    ("zjj", "住建局", None, [("朱建", True)]),
    ("ybj", "医保局", None, [("于保", True)]),
    ("mzj", "民政局", None, [("杨保", True)]),
    ("sjj", "审计局", None, [("沈审", True)]),
    ("fpb", "扶贫办", None, [("魏监", True)]),
    ("cgz", "城关镇", "乡镇", [("秦书", True), ("陈干", False)]),
    ("hqx", "红旗乡", "乡镇", [("何乡", True)]),
]


def run(app: App, out: IO[str], *, keep: bool) -> None:
    if keep:
        if app.db.schema_revision() is not None:
            raise InvalidInput(
                "{name} already holds a database; the demo needs a new one",
                name=app.db.display_name,
            )
        _run(app, out)
        out.write(f"\nThe demo database is kept in {app.db.display_name}.\n")
        return
    with tempfile.TemporaryDirectory(prefix="rectify-demo-") as folder:
        url = "sqlite:///" + str(Path(folder) / "demo.db")
        demo_app = App(replace(app.settings, db_url=url))
        try:
            _run(demo_app, out)
        finally:
            demo_app.close()
        out.write("\n(The demo ran in a temporary database; pass --db FILE to keep it.)\n")


def _run(app: App, out: IO[str]) -> None:
    from workflow.db.migrate import upgrade  # Alembic is slow to import; only init needs it

    upgrade(app.db)
    office = app.acting(actor=OFFICE, now=_at(2020, 9, 1))
    for code, name, group, members in UNITS:
        directory.add_unit(office, code, name, group=group, email=f"{code}@example.gov.cn")
        for person, head in members:
            role = {OFFICE: "office", LEADER: "leader"}.get(person, "unit")
            directory.add_person(office, person, code, head=head, phone="13800000000", role=role)
    directory.add_campaign(
        office,
        CAMPAIGN,
        "脱贫攻坚专项巡视“回头看”和成效考核反馈问题整改",
        deadline=date(2020, 11, 30),
        leader=LEADER,
    )
    summary = importer.import_ledger(office, LEDGER, CAMPAIGN)
    out.write(
        f"2020-09-01  {OFFICE} imports the ledger: {summary.problems} problems, "
        f"{summary.tasks} tasks, {summary.items} responsibility items.\n"
    )
    extra = lists.add_problem(
        office,
        CAMPAIGN,
        "村级档案过度留痕，材料中大量重复照片",
        source="自查（举一反三）",
        category="压紧压实责任",
    )
    task = lists.add_task(
        office, extra, "清理重复留痕材料，建立精简档案目录", deadline=date(2020, 10, 16)
    )
    item = lists.assign(office, task, unit="cgz", person="陈干")
    out.write(
        f"2020-09-01  {OFFICE} adds {extra}/{task} by hand and assigns it to 陈干 ({item}).\n"
    )

    # (when, actor, action, ref, note). R13 is 财政局's item for T6 (due 09-25), R14 审计局's;
    # R4 卫健委's for T2; R15/R16 the townships' for T7 (due 09-30); R1-R3 T1's (due 10-15).
    steps: list[tuple[tuple[int, int, int, int], str, str, str, str | None]] = [
        ((2020, 9, 8, 10), "蒋财", "fix", "R13", "7个滞后项目已全部拨付到位，督办通报已印发"),
        ((2020, 9, 9, 15), "沈审", "fix", "R14", "已对拨付进度开展专项审计"),
        ((2020, 9, 10, 9), "蒋财", "accept", "R13", "自行验收"),  # refused: no self-acceptance
        ((2020, 9, 10, 11), "魏监", "fix", "R15", "代为报结"),  # refused: another unit's item
        ((2020, 9, 15, 9), OFFICE, "accept", "R13", "抽查拨付凭证，验收通过"),
        ((2020, 9, 15, 9), OFFICE, "reject", "R14", "审计报告未附问题清单，退回补充"),
        ((2020, 9, 18, 9), SCHEDULER, "sweep", "", None),
        ((2020, 9, 18, 16), "沈审", "fix", "R14", "已补充审计发现问题清单"),
        ((2020, 9, 22, 10), OFFICE, "accept", "R14", None),
        ((2020, 9, 23, 9), SCHEDULER, "sweep", "", None),
        ((2020, 9, 24, 10), "秦书", "extend", "R15", "汛期抢险，摸底排查顺延"),
        ((2020, 9, 25, 9), LEADER, "approve", "R15", "同意延期至10月16日"),
        ((2020, 9, 25, 11), "鲁检", "fix", "R4", "全县42处水源抽检完毕，结果已在村务栏公示"),
        ((2020, 9, 27, 9), SCHEDULER, "sweep", "", None),
        ((2020, 9, 29, 9), OFFICE, "accept", "R4", "公示照片与检测报告一致"),
        ((2020, 10, 1, 9), SCHEDULER, "sweep", "", None),
        ((2020, 10, 6, 9), OFFICE, "reopen", "R13", "回访发现新增2个项目拨付滞后，反弹"),
        ((2020, 10, 9, 17), "陈干", "fix", item, "已清理重复照片材料"),
        ((2020, 10, 10, 9), SCHEDULER, "sweep", "", None),
    ]
    for (year, month, day, hour), actor, action, ref, note in steps:
        # The scheduler runs under the office's account.
        who = OFFICE if actor == SCHEDULER else actor
        actor_app = app.acting(actor=who, now=_at(year, month, day, hour))
        line = f"{year}-{month:02d}-{day:02d}  {actor} {action} {ref}".rstrip() + ": "
        try:
            out.write(line + _act(actor_app, action, ref, note) + "\n")
        except TransitionRefused as refused:
            out.write(f"{line}refused, {refused}\n")

    lang, zone = app.settings.lang, app.settings.zone
    with app.db.read() as conn:
        for kind, heading in (
            ("problem", "问题清单 (problems)"),
            ("task", "任务清单 (tasks)"),
            ("responsibility", "责任清单 (responsibility items)"),
        ):
            out.write(f"\n== {heading}\n")
            rows = queries.list_rows(conn, kind=kind, campaign=CAMPAIGN)
            render(rows, queries.TABLE_COLUMNS[kind], "table", out, lang=lang, zone=zone)
        pending = sum(1 for _ in queries.list_notices(conn, status="pending"))
        out.write(
            f"\nOutbox: {plural(pending, 'notice')} pending. The demo configures no mail server "
            "or SMS gateway; with RECTIFY_SMTP_* and RECTIFY_SMS_URL set, `rectify deliver` "
            "sends them.\n"
        )
        out.write("\n== R14 history (审计局: fixed, sent back, fixed again, closed)\n")
        render(queries.history(conn, "R14"), ("at", "actor", "trigger", "from", "to", "note"),
               "table", out, lang=lang, zone=zone)  # fmt: skip


def _act(app: App, action: str, ref: str, note: str | None) -> str:
    """One step of the walk-through, as a line of what happened."""
    if action == "sweep":
        report = sweep.sweep(app)
        raised = ", ".join(f"{level} {n}" for level, n in report.raised.items())
        return f"raised {raised}; {plural(report.notices, 'notice')} queued"
    if action == "extend":
        extensions.request(app, ref, to=date(2020, 10, 16), reason=note or "")
        return f"asks to extend to 2020-10-16 ({note})"
    if action == "approve":
        result = extensions.decide(app, ref, approve=True, note=note)
        return f"deadline now {result['deadline']}, level {result['level']}"
    outcome = lifecycle.fire(app, ref, action, note=note)
    moved = "".join(f", {r} {a} -> {b}" for r, a, b in outcome.rolled_up)
    return f"{outcome.from_state} -> {outcome.to_state}{moved}"


def _at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, tzinfo=DEMO_ZONE)
