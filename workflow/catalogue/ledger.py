"""Chinese messages: ledger (reading 整改台账, deadlines, importing)."""

ZH: dict[str, str] = {
    # workflow/ledger/dates.py
    "{value!r} is not a date ({reason})": "{value!r} 不是有效的时限（{reason}）",
    "no date given": "没有填写日期",
    "a {type}": "类型为 {type}",
    "year must be in {low}..{high}": "年份应在 {low} 到 {high} 之间",
    "it gives more than one date": "写了不止一个日期",
    "ambiguous; write 9月底前 or 10月底前": "含义不明确，请写成 9月底前 或 10月底前",
    "expected e.g. 2020-09-30, 2020/9/30, 2020.9.30 or 2020年9月30日": (
        "应写成 2020-09-30、2020/9/30、2020.9.30 或 2020年9月30日 这样的日期"
    ),
    "expected e.g. 2020年9月30日前, 2020年9月底前, 9月30日前, 9月底前, 2020年10月, "
    "2020-09-30, 立行立改 or 长期坚持": (
        "可写成 2020年9月30日前、2020年9月底前、9月30日前、9月底前、2020年10月、2020-09-30、"
        "立行立改 或 长期坚持"
    ),
    # workflow/ledger/messages.py, headers.py, reader.py
    "row {row}, {field}: {message}": "第 {row} 行，{field}：{message}",
    "{file}: no header row with the required columns in the first {n} rows; "
    "found: {found}; missing: {missing}": (
        "{file}：前 {n} 行中没有含必需列的表头行；找到的列：{found}；缺少：{missing}"
    ),
    "no columns": "无",
    "{name} ({field})": "{name}",
    "{file}: columns {first!r} and {second!r} both mean {name} ({field}); keep one": (
        "{file}：{first!r} 和 {second!r} 两列都表示“{name}”，请只保留一列"
    ),
    "{file}: unsupported file type {suffix}; save it as .xlsx, .xlsm or .csv": (
        "{file}：不支持 {suffix} 类型的文件，请另存为 .xlsx、.xlsm 或 .csv"
    ),
    "{file}: not a readable CSV file ({reason})": "{file}：不是可读的 CSV 文件（{reason}）",
    "{file}: cannot be read as an Excel workbook ({reason})": (
        "{file}：无法作为 Excel 工作簿读取（{reason}）"
    ),
    "{file}: the workbook has no worksheet": "{file}：工作簿中没有工作表",
    "{file}: cell {cell} holds a formula with no saved result; open the file in Excel or WPS "
    "and save it, or paste the values": (
        "{file}：单元格 {cell} 是公式，但没有保存计算结果；请用 Excel 或 WPS 打开后保存，"
        "或粘贴为数值"
    ),
    "task row with no problem above it (序号 and 问题描述 are empty)": (
        "这一行任务上方没有对应的问题（序号和问题描述都为空）"
    ),
    # workflow/services/importer_check.py
    "is empty": "为空",
    "{key} is already problem {title!r} (row {row}), not {other!r}": (
        "序号 {key} 已是问题 {title!r}（第 {row} 行），不是 {other!r}"
    ),
    "is empty; every row is one task (整改措施)": "为空；每一行是一项任务（整改措施）",
    "is empty; every item needs a deadline": "为空；每项任务都要有整改时限",
    "{deadline} is after campaign {campaign}'s bottom line {bottom} (底线)": (
        "{deadline} 晚于专项 {campaign} 的底线 {bottom}"
    ),
    "same 序号, 整改措施 and 责任单位 as row {row}": "与第 {row} 行的序号、整改措施和责任单位相同",
    "is empty; every item needs a responsible unit": "为空；每项任务都要有责任单位",
    "unknown unit {unit!r} (give its code or name)": "未知单位 {unit!r}（请写单位代码或名称）",
    "is empty; every item needs a responsible person": "为空；每项任务都要有责任人",
    "unknown person {person!r}": "未知人员 {person!r}",
    "{person} is not a person of {unit}": "{person} 不是 {unit} 的人员",
    "{person} is not in any unit of {unit}": "{person} 不在 {unit} 的任何一个单位",
    "unknown unit {unit!r}": "未知单位 {unit!r}",
    "{unit} has no head to receive its item (rectify person add NAME --unit {unit} --head)": (
        "{unit} 没有负责人接收事项（rectify person add 姓名 --unit {unit} --head）"
    ),
    # workflow/services/importer_update.py, importer.py
    "{ref} is a standing task (长期坚持); an update cannot give it a deadline": (
        "{ref} 是长期坚持的任务，更新台账不能为它设定时限"
    ),
    "{ref} has a deadline; an update cannot make it standing (长期坚持)": (
        "{ref} 有整改时限，更新台账不能把它改为长期坚持"
    ),
    "{file}: no rows to import": "{file}：没有可导入的行",
    "{file} was already imported into {campaign}: {earlier}; nothing imported": (
        "{file} 已导入过 {campaign}：{earlier}；本次未导入任何内容"
    ),
    "{file}: {count} of its rows (序号, 整改措施, 责任单位) were already imported into "
    "{campaign}: {earlier}; nothing imported (use --update to apply a revised ledger)": (
        "{file}：其中 {count} 行（序号、整改措施、责任单位相同）已导入过 {campaign}："
        "{earlier}；本次未导入任何内容（如是修订后的台账，请加 --update）"
    ),
    "{file} on {at} by {actor} ({refs})": "{actor} 于 {at} 导入的 {file}（{refs}）",
}
