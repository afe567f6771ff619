"""Builds the county ledger fixtures beside this file (run it with python from the checkout).

They are modelled on published county 整改台账: a title row and a 填报 row above the header,
problem cells merged down over their tasks, header names of their own (反馈问题, 牵头单位,
整改责任人, 完成时限), deadlines as offices write them, and columns the importer does not use
(责任领导, 备注, 联系电话). The units and people are those of the `county` test fixture.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment

HERE = Path(__file__).parent
HEADER = ["序号", "反馈问题", "整改目标", "整改措施", "责任领导", "牵头单位", "配合单位",
          "整改责任人", "完成时限", "整改进展", "备注"]  # fmt: skip
P1 = "饮水安全保障不到位，部分村集中供水工程水质不达标"
P2 = "乡镇党委研究脱贫攻坚工作不及时"
P3 = "扶贫项目资金拨付滞后"
P4 = "边缘易致贫户动态监测不到位"
ROWS = [
    [1, P1, "农村饮水安全全部达标", "对氟超标水源更换或加装除氟设备", "王书记", "水利局",
     "卫健委、财政局", "韩水", "2020年9月底前", "已完成12处水源排查", None],
    [None, None, None, "开展水质抽样监测并公示结果", None, "卫健委", None, "鲁检",
     "9月30日前", None, None],
    [None, None, None, "建立农村供水工程长效管护机制", None, "水利局", None, "韩水",
     "长期坚持", None, None],
    [2, P2, None, "各乡镇党委每月专题研究脱贫攻坚工作", "王书记", "各乡镇", None, "秦书",
     "立行立改", None, None],
    [None, None, None, "对研究部署情况开展督查", None, "县委督查室", None, "李督查",
     "2020年10月", None, None],
    [3, P3, None, "加快资金拨付进度，按月通报", None, "财政局", "审计局", "蒋财",
     "2020年10月31日前", None, "每周报送进度"],
    [4, P4, None, "开展全面排查，及时纳入监测", None, "民政局", "扶贫办", "杨保",
     "立行立改，长期坚持", None, None],
]  # fmt: skip
# The revised ledger (--update): two deadlines moved, a task added to problem 4, a problem 5.
V2_CHANGES = {2: "10月15日前", 6: "2020年11月20日前"}
V2_ROWS = [
    [None, None, None, "建立动态监测信息共享机制", None, "民政局", None, "杨保",
     "2020年11月底前", None, None],
    [5, "驻村工作队管理不严格", None, "开展驻村工作队轮训", None, "扶贫办", None, "魏监",
     "2020年10月底前", None, None],
]  # fmt: skip


def build_xlsx(path: Path, rows: list[list[object]], merges: list[tuple[int, int]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "整改台账"
    sheet.append(["XX县脱贫攻坚专项巡视反馈问题整改台账"])
    sheet.append(["填报单位：县委督查室", None, None, None, None, None, None, None,
                  "填报时间：2020年9月1日"])  # fmt: skip
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A1:K1")
    sheet.merge_cells("A2:H2")
    for first, last in merges:  # 序号, 反馈问题 and 整改目标 over the tasks of one problem
        for column in "ABC":
            sheet.merge_cells(f"{column}{first}:{column}{last}")
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="center")
    book.save(path)


def build_csv(path: Path) -> None:
    """Another county, as Excel on Chinese Windows saves CSV (GB18030), with its own names."""
    rows = [
        ["XX县2020年脱贫攻坚问题整改台账（第二批）"],
        ["编号", "存在的问题", "整改措施", "责任单位", "责任人", "整改时限", "完成情况",
         "联系电话"],
        ["1", "低保对象动态管理不及时", "开展低保对象全面复核", "民政局", "杨保",
         "2020年9月30日前完成", "正在复核", "0000-1234567"],
        ["", "", "建立部门信息比对机制", "审计局", "沈审", "持续推进", "", ""],
        ["2", "扶贫资产管理不规范", "建立扶贫资产台账", "扶贫办", "魏监", "１１月底前", "",
         ""],
        ["3", "村级公益岗位管理松散", "规范公益岗位考勤", "城关镇", "陈干",
         "2020年11月15日之前", "", ""],
    ]  # fmt: skip
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("gb18030"))


def main() -> None:
    build_xlsx(HERE / "county-ledger.xlsx", ROWS, [(4, 6), (7, 8)])
    revised = [list(row) for row in ROWS] + V2_ROWS
    for index, deadline in V2_CHANGES.items():
        revised[index - 1][8] = deadline
    # Row 11 continues problem 4 in the revision: its merge grows by one row.
    build_xlsx(HERE / "county-ledger-v2.xlsx", revised, [(4, 6), (7, 8), (10, 11)])
    build_csv(HERE / "county-ledger-gbk.csv")


if __name__ == "__main__":
    main()
