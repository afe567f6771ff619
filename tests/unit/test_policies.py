from __future__ import annotations

import dataclasses
from datetime import time
from pathlib import Path

import pytest

from definitions.policies import (
    DEFAULT_POLICY_DIR,
    LevelRule,
    Policy,
    PolicyError,
    load_policies,
    load_policy_file,
    parse_policy,
)

BAD_DIR = Path(__file__).parents[1] / "data" / "policies"

VALID = """\
day_count: calendar
levels:
  blue:
    days_left_at_most: 7
    recipients: [person]
    channels: [email, sms]
  yellow:
    days_left_at_most: 3
    recipients: [person, unit]
    channels: [email, sms]
  red:
    days_left_at_most: -1
    recipients: [person, unit, leader]
    channels: [email, sms]
sms_quiet_hours:
  start: "22:00"
  end: "07:00"
delivery:
  max_attempts: 6
  backoff_base_seconds: 60
  backoff_cap_seconds: 3600
"""


def errors_for(text: str, source: str = "p.yaml") -> list[str]:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source, "p")
    assert str(caught.value) == "\n".join(caught.value.errors)
    return caught.value.errors


# --- the shipped policies ------------------------------------------------------------------------


def test_shipped_policies_load() -> None:
    policies = load_policies(DEFAULT_POLICY_DIR)
    assert list(policies) == ["default", "working-days"]
    assert load_policies() == policies


def test_default_policy_is_exactly_as_specified() -> None:
    policy = load_policies()["default"]
    path = DEFAULT_POLICY_DIR / "default.yaml"
    assert policy == Policy(
        name="default",
        day_count="calendar",
        levels=(
            LevelRule("blue", 7, ("person",), ("email", "sms")),
            LevelRule("yellow", 3, ("person", "unit"), ("email", "sms")),
            LevelRule(
                "red",
                -1,
                ("person", "unit", "leader"),
                ("email", "sms"),
                digest=(("leader", time(8, 30)),),
            ),
        ),
        quiet_hours=(time(22, 0), time(7, 0)),
        max_attempts=6,
        backoff_base_seconds=60,
        backoff_cap_seconds=3600,
        source=str(path),
        description=policy.description,
    )
    assert policy.description.startswith("蓝色提前7天")
    assert policy.level("yellow") == policy.levels[1]
    assert policy.level("none") is None


def test_working_days_example() -> None:
    policy = load_policies()["working-days"]
    assert policy.day_count == "working"
    assert [(rule.name, rule.days_left_at_most) for rule in policy.levels] == [
        ("blue", 5),
        ("yellow", 2),
        ("red", -1),
    ]
    assert policy.quiet_hours == (time(21, 30), time(8, 0))


def test_policies_are_frozen() -> None:
    policy = parse_policy(VALID, "p.yaml", "p")
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.max_attempts = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.levels[0].days_left_at_most = 1  # type: ignore[misc]
    assert hash(policy) == hash(parse_policy(VALID, "p.yaml", "p"))


# --- accepted variations -------------------------------------------------------------------------


def test_unquoted_times_are_times_not_base_60_numbers() -> None:
    text = VALID.replace('"22:00"', "22:00").replace('"07:00"', "7:00")
    assert parse_policy(text, "p.yaml", "p").quiet_hours == (time(22), time(7))


def test_quiet_hours_may_be_left_out_or_empty() -> None:
    without = VALID.split("sms_quiet_hours:")[0] + VALID.split('end: "07:00"\n')[1]
    assert parse_policy(without, "p.yaml", "p").quiet_hours is None
    empty = VALID.replace(
        'sms_quiet_hours:\n  start: "22:00"\n  end: "07:00"\n', "sms_quiet_hours:\n"
    )
    assert parse_policy(empty, "p.yaml", "p").quiet_hours is None


def test_a_subset_of_levels_in_order_is_accepted() -> None:
    text = VALID.replace(
        "  blue:\n    days_left_at_most: 7\n    recipients: [person]\n    channels: [email, sms]\n",
        "",
    )
    assert [rule.name for rule in parse_policy(text, "p.yaml", "p").levels] == ["yellow", "red"]


def test_red_can_wait_some_days_after_the_deadline() -> None:
    text = VALID.replace("days_left_at_most: -1", "days_left_at_most: -3")
    assert parse_policy(text, "p.yaml", "p").levels[-1].days_left_at_most == -3


def test_working_day_count_and_description() -> None:
    text = VALID.replace("day_count: calendar", "day_count: working\ndescription: |\n  按工作日\n")
    policy = parse_policy(text, "p.yaml", "p")
    assert policy.day_count == "working"
    assert policy.description == "按工作日"


# --- every validation error names file and key ---------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "day_count: calendar",
            "",
            "p.yaml: day_count: required but missing",
        ),
        (
            "day_count: calendar",
            "day_count: weekdays",
            "p.yaml: day_count: 'weekdays' is not one of calendar, working",
        ),
        (
            "day_count: calendar",
            "day_count: calendar\nescalation: fast",
            "p.yaml: escalation: unknown key (expected one of description, day_count, levels, "
            "sms_quiet_hours, delivery, immediate_days, progress_every_days)",
        ),
        (
            "  red:",
            "  orange:",
            "p.yaml: levels.orange: unknown key (expected one of blue, yellow, red)",
        ),
        (
            "days_left_at_most: 3",
            "days_left_at_most: 7",
            "p.yaml: levels.yellow.days_left_at_most: must be smaller than "
            "levels.blue.days_left_at_most (7 is not below 7): a later level fires with fewer "
            "days left",
        ),
        (
            "days_left_at_most: 3",
            "days_left_at_most: three",
            "p.yaml: levels.yellow.days_left_at_most: expected a whole number of days "
            "(-1 = deadline passed), got 'three'",
        ),
        (
            "days_left_at_most: 3",
            "days_left_at_most: 2.5",
            "p.yaml: levels.yellow.days_left_at_most: expected a whole number of days "
            "(-1 = deadline passed), got 2.5",
        ),
        (
            "    recipients: [person]\n",
            "",
            "p.yaml: levels.blue.recipients: required but missing",
        ),
        (
            "recipients: [person, unit]",
            "recipients: [person, boss]",
            "p.yaml: levels.yellow.recipients[1]: 'boss' is not one of person, unit, leader",
        ),
        (
            "recipients: [person, unit]",
            "recipients: [unit, unit]",
            "p.yaml: levels.yellow.recipients[1]: 'unit' is listed twice",
        ),
        (
            "recipients: [person]",
            "recipients: person",
            "p.yaml: levels.blue.recipients: expected a non-empty list of person, unit, leader, "
            "got 'person'",
        ),
        (
            "channels: [email, sms]\n  yellow",
            "channels: []\n  yellow",
            "p.yaml: levels.blue.channels: expected a non-empty list of email, sms, dingtalk, "
            "wecom, got an empty list",
        ),
        (
            "channels: [email, sms]\n  yellow",
            "channels: [email, wechat]\n  yellow",
            "p.yaml: levels.blue.channels[1]: 'wechat' is not one of email, sms, dingtalk, wecom",
        ),
        (
            "    days_left_at_most: -1\n    recipients: [person, unit, leader]\n"
            "    channels: [email, sms]\n",
            "",
            "p.yaml: levels.red: expected a mapping with keys days_left_at_most, recipients, "
            "channels, digest, got nothing",
        ),
        (
            "    channels: [email, sms]\n  yellow",
            "    channels: [email, sms]\n    colour: blue\n  yellow",
            "p.yaml: levels.blue.colour: unknown key (expected one of days_left_at_most, "
            "recipients, channels, digest)",
        ),
        (
            '"22:00"',
            '"25:00"',
            "p.yaml: sms_quiet_hours.start: '25:00' is not a time of day (00:00 to 23:59)",
        ),
        (
            '"07:00"',
            '"7pm"',
            "p.yaml: sms_quiet_hours.end: expected a time as HH:MM such as \"22:00\", got '7pm'",
        ),
        (
            '"07:00"',
            '"22:00"',
            "p.yaml: sms_quiet_hours: start and end are the same time; remove the section for none",
        ),
        (
            '  end: "07:00"\n',
            "",
            "p.yaml: sms_quiet_hours.end: required but missing",
        ),
        (
            "max_attempts: 6",
            "max_attempts: 0",
            "p.yaml: delivery.max_attempts: must be at least 1, got 0",
        ),
        (
            "max_attempts: 6",
            "max_attempts: yes",
            "p.yaml: delivery.max_attempts: expected a whole number, got True",
        ),
        (
            "backoff_base_seconds: 60",
            "backoff_base_seconds: '60'",
            "p.yaml: delivery.backoff_base_seconds: expected a whole number, got '60'",
        ),
        (
            "backoff_cap_seconds: 3600",
            "backoff_cap_seconds: 30",
            "p.yaml: delivery.backoff_cap_seconds: must be at least backoff_base_seconds "
            "(30 is below 60)",
        ),
        (
            "  backoff_cap_seconds: 3600\n",
            "",
            "p.yaml: delivery.backoff_cap_seconds: required but missing",
        ),
    ],
)
def test_each_error_names_file_and_key(old: str, new: str, expected: str) -> None:
    assert old in VALID
    assert errors_for(VALID.replace(old, new, 1)) == [expected]


def test_levels_out_of_order() -> None:
    swapped = VALID.replace("  blue:", "  tmp:").replace("  yellow:", "  blue:")
    swapped = swapped.replace("  tmp:", "  yellow:")
    # yellow (7) now comes before blue (3) in the file.
    assert errors_for(swapped) == [
        "p.yaml: levels: levels must be listed in the order blue, yellow, red",
        "p.yaml: levels.yellow.days_left_at_most: must be smaller than "
        "levels.blue.days_left_at_most (7 is not below 3): a later level fires with fewer "
        "days left",
    ]


def test_levels_must_not_be_empty() -> None:
    text = VALID.split("levels:")[0] + "levels: {}\n" + "delivery:" + VALID.split("delivery:")[1]
    assert errors_for(text) == ["p.yaml: levels: at least one level is needed (blue, yellow, red)"]


def test_empty_file() -> None:
    assert errors_for("# nothing yet\n") == [
        "p.yaml: expected a mapping with keys description, day_count, levels, sms_quiet_hours, "
        "delivery, immediate_days, progress_every_days, got nothing"
    ]


def test_several_errors_in_one_file_are_reported_together() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_file(BAD_DIR / "many-errors.yaml")
    source = str(BAD_DIR / "many-errors.yaml")
    assert caught.value.errors == [
        f"{source}: {message}"
        for message in [
            "colour: unknown key (expected one of description, day_count, levels, "
            "sms_quiet_hours, delivery, immediate_days, progress_every_days)",
            "day_count: 'weekdays' is not one of calendar, working",
            "levels.blue.recipients[1]: 'boss' is not one of person, unit, leader",
            "levels.yellow.channels[1]: 'fax' is not one of email, sms, dingtalk, wecom",
            "levels.red.channels: required but missing",
            "levels.red.days_left_at_most: expected a whole number of days "
            "(-1 = deadline passed), got 'overdue'",
            "levels.yellow.days_left_at_most: must be smaller than "
            "levels.blue.days_left_at_most (5 is not below 3): a later level fires with fewer "
            "days left",
            "sms_quiet_hours.start: '25:00' is not a time of day (00:00 to 23:59)",
            "sms_quiet_hours.end: expected a time as HH:MM such as \"22:00\", got '7am'",
            "delivery.max_attempts: must be at least 1, got 0",
            "delivery.backoff_cap_seconds: must be at least backoff_base_seconds (60 is below 600)",
        ]
    ]


def test_every_bad_file_in_a_folder_is_reported_at_once() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policies(BAD_DIR)
    errors = caught.value.errors
    by_file = {Path(error.split(": ", 1)[0]).name for error in errors}
    assert by_file == {
        "broken-syntax.yaml",
        "duplicate-key.yaml",
        "many-errors.yaml",
        "not-a-mapping.yaml",
        "wrong-extension.yml",
    }
    assert f"{BAD_DIR / 'broken-syntax.yaml'}: line 6, column 4: not valid YAML: " in errors[0]
    assert errors[1] == (
        f"{BAD_DIR / 'duplicate-key.yaml'}: line 8, column 3: not valid YAML: "
        "key 'blue' appears twice"
    )
    assert errors[-2] == (
        f"{BAD_DIR / 'not-a-mapping.yaml'}: expected a mapping with keys description, day_count, "
        "levels, sms_quiet_hours, delivery, immediate_days, progress_every_days, got a list"
    )
    assert errors[-1] == f"{BAD_DIR / 'wrong-extension.yml'}: policy files must end in .yaml"
    assert len(errors) == 4 + 11


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy folder"):
        load_policies(tmp_path / "nowhere")


def test_policy_name_is_the_file_stem(tmp_path: Path) -> None:
    (tmp_path / "township-campaign.yaml").write_text(VALID, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a policy", encoding="utf-8")
    policies = load_policies(tmp_path)
    assert list(policies) == ["township-campaign"]
    assert policies["township-campaign"].source == str(tmp_path / "township-campaign.yaml")


def test_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "gbk.yaml").write_bytes("说明: 测试".encode("gbk"))
    with pytest.raises(PolicyError, match=r"gbk\.yaml: cannot be read"):
        load_policies(tmp_path)


# --- 立行立改 and 长期坚持 -----------------------------------------------------------------------


def test_immediate_days_default_to_7_and_progress_reports_to_none() -> None:
    policy = parse_policy(VALID, "p.yaml", "p")
    assert (policy.immediate_days, policy.progress_every_days) == (7, None)
    given = parse_policy(VALID + "immediate_days: 3\nprogress_every_days: 30\n", "p.yaml", "p")
    assert (given.immediate_days, given.progress_every_days) == (3, 30)
    empty = parse_policy(VALID + "progress_every_days:\n", "p.yaml", "p")
    assert empty.progress_every_days is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("immediate_days: 0", "p.yaml: immediate_days: must be at least 1, got 0"),
        ("immediate_days: seven", "p.yaml: immediate_days: expected a whole number, got 'seven'"),
        ("progress_every_days: -30", "p.yaml: progress_every_days: must be at least 1, got -30"),
        (
            "progress_every_days: 1.5",
            "p.yaml: progress_every_days: expected a whole number, got 1.5",
        ),
    ],
)
def test_bad_immediate_and_progress_days_name_the_key(line: str, expected: str) -> None:
    assert errors_for(VALID + line + "\n") == [expected]


def test_the_working_days_example_asks_for_monthly_progress_reports() -> None:
    policy = load_policies()["working-days"]
    assert (policy.immediate_days, policy.progress_every_days) == (7, 30)


# --- daily digests -------------------------------------------------------------------------------

RED = "    recipients: [person, unit, leader]\n    channels: [email, sms]\n"


def with_red_digest(body: str) -> str:
    assert RED in VALID
    return VALID.replace(RED, RED + "    digest:\n" + body)


def test_a_digest_replaces_per_item_notices_for_its_recipient_kind() -> None:
    policy = parse_policy(with_red_digest("      leader: daily at 08:30\n"), "p.yaml", "p")
    red = policy.level("red")
    assert red is not None
    assert red.digest == (("leader", time(8, 30)),)
    assert red.digest_at("leader") == time(8, 30) and red.digest_at("unit") is None
    assert red.per_item_recipients == ("person", "unit")
    assert policy.digests() == {"leader": (time(8, 30), ("red",))}
    assert policy.levels[0].digest == () and policy.levels[0].per_item_recipients == ("person",)
    # left out or empty: no digest
    assert parse_policy(with_red_digest(""), "p.yaml", "p").levels[2].digest == ()


def test_the_shipped_policies_send_leaders_a_daily_digest_of_red_items() -> None:
    for policy in load_policies().values():
        assert policy.digests() == {"leader": (time(8, 30), ("red",))}
        assert [rule.name for rule in policy.levels if rule.digest] == ["red"]


def test_a_kind_digested_at_two_levels_gets_one_digest_of_both() -> None:
    yellow = "    recipients: [person, unit]\n    channels: [email, sms]\n"
    text = with_red_digest("      unit: daily at 9:00\n").replace(
        yellow, yellow + "    digest: {unit: daily at 09:00}\n"
    )
    policy = parse_policy(text, "p.yaml", "p")
    assert policy.digests() == {"unit": (time(9, 0), ("yellow", "red"))}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "      leader: at 08:30\n",
            'p.yaml: levels.red.digest.leader: expected "daily at HH:MM" such as '
            "\"daily at 08:30\", got 'at 08:30'",
        ),
        (
            "      leader: daily at 25:00\n",
            "p.yaml: levels.red.digest.leader: '25:00' is not a time of day (00:00 to 23:59)",
        ),
        (
            "      boss: daily at 08:30\n",
            "p.yaml: levels.red.digest.boss: unknown key (expected one of person, unit, leader)",
        ),
        (
            "      - leader\n",
            "p.yaml: levels.red.digest: expected a mapping with keys person, unit, leader, "
            "got a list",
        ),
        (
            "      leader: 830\n",
            'p.yaml: levels.red.digest.leader: expected "daily at HH:MM" such as '
            '"daily at 08:30", got 830',
        ),
    ],
)
def test_bad_digests_name_the_key(body: str, expected: str) -> None:
    assert errors_for(with_red_digest(body)) == [expected]


def test_a_digest_is_for_a_recipient_of_its_level_at_one_time_a_day() -> None:
    blue = "    recipients: [person]\n    channels: [email, sms]\n"
    text = with_red_digest("      leader: daily at 08:30\n      person: daily at 08:00\n")
    assert errors_for(text.replace(blue, blue + "    digest: {person: daily at 7:00}\n", 1)) == [
        "p.yaml: levels.red.digest.person: must be at the same time as levels.blue.digest.person "
        "(08:00 is not 07:00): a recipient gets one digest a day",
    ]
    assert errors_for(text.replace(blue, blue + "    digest: {unit: daily at 08:00}\n", 1)) == [
        "p.yaml: levels.blue.digest.unit: unit is not among this level's recipients",
    ]
    assert errors_for(with_red_digest("      {}\n")) == [
        "p.yaml: levels.red.digest: expected at least one of person, unit, leader; "
        "remove it for none",
    ]
