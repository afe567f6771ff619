"""Campaigns with a known history, built through the CLI, for the report's tests.

`build_report_campaign` makes, in the county's campaign TP (bottom line 2020-11-30), as of
2020-10-01 09:00 after a sweep:

    R1  P1 加装除氟设备        水利局 韩水  due 09-20  open, red, 11 days overdue
    R2  P1 开展水质抽样监测    卫健委 鲁检  due 09-25  fixed 09-10, accepted 09-12: closed
    R3  P2 <script> 排查危房   财政局 蒋财  due 09-28  open, red, 3 days overdue
    R4  P2 建立危房档案        财政局 蒋财  due 09-30  fixed 09-15, accepted 09-16: closed
    R5  P2 公示改造结果        卫健委 鲁检  due 10-05  open, blue
    R6  P1 入户回访            城关镇 秦书  due 10-30  open, no warning
    R7  P1 清理水源地          城关镇 陈干  due 09-30  closed 09-21, reopened 09-25: red, 1 day

so the items not closed were 7 from 09-01, 6 from 09-12, 5 from 09-16, 4 from 09-21 and 5
again from 09-25. P2's title and R3's task title hold a <script> element.
"""

from __future__ import annotations

from tests.conftest import Rectify

AT = "2020-10-01T09:00"
SCRIPT = "<script>document.title='pwned'</script>"
P2_TITLE = f"{SCRIPT}危房改造不到位"
R3_TITLE = f"{SCRIPT}排查危房"


def build_report_campaign(r: Rectify) -> None:
    r.ok("problem", "add", "--campaign", "TP", "--title", "农村饮水安全不达标")
    r.ok("problem", "add", "--campaign", "TP", "--title", P2_TITLE)
    for problem, title, deadline in [
        ("P1", "加装除氟设备", "2020-09-20"),
        ("P1", "开展水质抽样监测", "2020-09-25"),
        ("P2", R3_TITLE, "2020-09-28"),
        ("P2", "建立危房档案", "2020-09-30"),
        ("P2", "公示改造结果", "2020-10-05"),
        ("P1", "入户回访", "2020-10-30"),
        ("P1", "清理水源地", "2020-09-30"),
    ]:
        r.ok("task", "add", "--problem", problem, "--title", title, "--deadline", deadline)
    for task, unit, person in [
        ("T1", "slj", "韩水"),
        ("T2", "wjw", "鲁检"),
        ("T3", "czj", "蒋财"),
        ("T4", "czj", "蒋财"),
        ("T5", "wjw", "鲁检"),
        ("T6", "cgz", "秦书"),
        ("T7", "cgz", "陈干"),
    ]:
        r.ok("assign", task, "--unit", unit, "--person", person)
    r.ok("fix", "R2", "--note", "已抽检", actor="鲁检", now="2020-09-10T10:00")
    r.ok("accept", "R2", now="2020-09-12T10:00")
    r.ok("fix", "R4", "--note", "档案已建", actor="蒋财", now="2020-09-15T10:00")
    r.ok("accept", "R4", now="2020-09-16T10:00")
    r.ok("fix", "R7", "--note", "已清理", actor="陈干", now="2020-09-20T10:00")
    r.ok("accept", "R7", now="2020-09-21T10:00")
    r.ok("reopen", "R7", "--reason", "垃圾回潮", now="2020-09-25T10:00")
    r.ok("sweep", "--at", AT)
