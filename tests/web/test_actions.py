"""The item page's forms: the CLI's services behind them, as the person logged in, and nothing
changed when a form is refused (no token, a file that is no photo, another unit's item, a
person the machine does not allow).

The county is tests/web/conftest.py's, as of 2020-10-01 12:00: R17 (城关镇 陈干, due 10-10) is
assigned, R3 (水利局 韩水) and R7 (卫健委 鲁检) are fixed and wait for acceptance.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from tests.conftest import Rectify
from tests.web.conftest import Login, Page, make_app
from tests.web.images import HTML_AS_JPG, JPEG_START, PDF, TEXT_AS_PNG, ZIP_AS_JPG, png
from web.security import CSRF_FIELD
from web.uploads import HEIC, JPEG, PNG, WEBP, UploadLimits, sniff, stored_name, upload_limits
from workflow.db.schema import audit_events, evidence, evidence_blobs, extensions
from workflow.errors import InvalidInput

File = tuple[bytes, str]


def token(client: FlaskClient, ref: str = "R17") -> str:
    return Page(client.get(f"/items/{ref}").text).inputs[CSRF_FIELD]


def post(client: FlaskClient, path: str, *, files: Sequence[File] = (), csrf: str | None = "",
         **fields: str) -> TestResponse:  # fmt: skip
    """POST a form as the item page sends it (multipart), with the session's token unless
    `csrf` is None (left out) or given."""
    ref = path.split("/")[2]
    data = MultiDict(list(fields.items()))
    if csrf is not None:
        data[CSRF_FIELD] = csrf or token(client, ref)
    for content, name in files:
        data.add("evidence", FileStorage(BytesIO(content), name))
    # Encoded here, in memory: the test client's own encoder leaves a temporary file open
    # for bodies over 500 kB.
    boundary, body = encode_multipart(data)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def counts(web: Flask) -> dict[str, int]:
    """Rows that a change would add: audit events, evidence links, stored contents, extensions."""
    app = web.extensions["rectify"].app
    with app.db.read() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (audit_events, evidence, evidence_blobs, extensions)
        }


def files_under(folder: Path) -> set[tuple[str, int]]:
    return {(str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*")
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}  # fmt: skip


def shown(site: Rectify, ref: str) -> dict[str, Any]:
    """`rectify show REF --format json`."""
    (record,) = site.json("show", ref)
    return dict(record)


def state(site: Rectify, ref: str) -> str:
    return str(shown(site, ref)["state"])


# --- reporting a fix (报结) ---


def test_a_unit_person_reports_a_fix_with_photos(site: Rectify, login: Login) -> None:
    client = login("陈干")
    form = Page(client.get("/items/R17").text)
    assert "fix-form" in client.get("/items/R17").text
    assert CSRF_FIELD in form.inputs
    photo, second = png(seed=1), png(64, 48, seed=2)
    files = [(photo, "现场.png"), (second, "IMG_0002"), (PDF, "验收报告.pdf")]
    response = post(client, "/items/R17/fix", note="已清理并建档", files=files)
    assert response.status_code == 303
    assert response.headers["Location"] == "/items/R17"
    page = client.get("/items/R17").text
    assert "R17：已交办 → 已整改" in page  # said once, on the page the form leads to
    assert "R17：已交办 → 已整改" not in client.get("/items/R17").text
    record = shown(site, "R17")
    assert record["state"] == "fixed"
    assert [(e["filename"], e["sha256"], e["size"]) for e in record["evidence"]] == [
        ("现场.png", hashlib.sha256(photo).hexdigest(), len(photo)),
        ("IMG_0002.png", hashlib.sha256(second).hexdigest(), len(second)),  # named for what it is
        ("验收报告.pdf", hashlib.sha256(PDF).hexdigest(), len(PDF)),
    ]
    last = site.json("history", "R17")[-1]
    assert (last["trigger"], last["actor"], last["note"]) == ("fix", "陈干", "已清理并建档")
    # The stored photo is served back as it was sent.
    served = client.get(f"/evidence/{hashlib.sha256(photo).hexdigest()}")
    assert served.data == photo and served.mimetype == "image/png"


def test_a_fix_stores_each_content_once_as_the_cli_does(site: Rectify, login: Login,
                                                        web: Flask) -> None:  # fmt: skip
    before = counts(web)
    photo = png(seed=3)
    response = post(login("陈干"), "/items/R17/fix", note="已完成",
                    files=[(photo, "a.png"), (photo, "a.png"), (photo, "b.png")])  # fmt: skip
    assert response.status_code == 303
    after = counts(web)
    assert after["evidence_blobs"] - before["evidence_blobs"] == 1
    assert after["evidence"] - before["evidence"] == 2  # the same name twice is one piece


def test_a_fix_without_a_note_is_refused_by_the_machines_guard(site: Rectify, login: Login,
                                                               web: Flask) -> None:  # fmt: skip
    before = counts(web)
    response = post(login("陈干"), "/items/R17/fix", note="   ", files=[(png(), "现场.png")])
    assert response.status_code == 400
    refusal = Page(response.text).elements
    assert any(e.get("id") == "refusal" for e in refusal)
    assert "R17" in response.text
    assert counts(web) == before and state(site, "R17") == "assigned"


# --- what is refused, with nothing changed ---


def test_a_form_without_its_csrf_token_is_400_and_changes_nothing(
    site: Rectify, login: Login, web: Flask
) -> None:
    client = login("陈干")
    before = counts(web)
    for csrf in (None, "forged"):
        response = post(client, "/items/R17/fix", csrf=csrf, note="已完成",
                        files=[(png(), "现场.png")])  # fmt: skip
        assert response.status_code == 400
        assert "表单已过期" in response.text
    office = login("李督查")
    assert post(office, "/items/R3/accept", csrf=None).status_code == 400
    assert post(office, "/items/R7/reject", csrf="x", note="材料不全").status_code == 400
    assert counts(web) == before
    assert (state(site, "R17"), state(site, "R3"), state(site, "R7")) == (
        "assigned", "fixed", "fixed",
    )  # fmt: skip


@pytest.mark.parametrize(
    "content, name",
    [(HTML_AS_JPG, "现场.jpg"), (ZIP_AS_JPG, "照片.jpg"), (TEXT_AS_PNG, "截图.png"),
     (b"MZ\x90\x00 a program", "报告.pdf")],
    ids=["html", "zip", "text", "exe"],
)  # fmt: skip
def test_an_upload_that_is_no_photo_or_pdf_is_refused_with_nothing_stored(
    site: Rectify, login: Login, web: Flask, tmp_path: Path, content: bytes, name: str
) -> None:
    client = login("陈干")
    csrf = token(client)
    before, on_disk = counts(web), files_under(tmp_path)
    # With a real photo beside it: the whole report is refused, the photo is not kept either.
    response = post(client, "/items/R17/fix", csrf=csrf, note="已完成", action="fix",
                    files=[(png(seed=9), "好照片.png"), (content, name)])  # fmt: skip
    assert response.status_code == 400
    page = Page(response.text)
    (refusal,) = [e for e in page.elements if e.get("id") == "refusal"]
    assert refusal["text"] == (
        f"{name} 不是照片（JPEG、PNG、GIF、WebP、HEIC）或 PDF 文件，未保存任何内容"
    )
    assert "已完成" in response.text  # the note is still in its field
    assert counts(web) == before
    assert files_under(tmp_path) == on_disk
    assert state(site, "R17") == "assigned"
    assert shown(site, "R17")["evidence"] == []


def test_another_units_item_is_404_to_every_form_and_changes_nothing(
    site: Rectify, login: Login, web: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = login("陈干")  # 城关镇; R1 is 水利局's (assigned), R3 水利局's (fixed)
    csrf = token(client)
    before = counts(web)
    with caplog.at_level(logging.WARNING, logger="rectify.web"):
        attempts = [
            post(client, "/items/R1/fix", csrf=csrf, note="代报", files=[(png(), "x.png")]),
            post(client, "/items/R1/extend", csrf=csrf, to="2020-11-01", reason="代办"),
            post(client, "/items/R3/accept", csrf=csrf),
            post(client, "/items/R3/reject", csrf=csrf, note="退回"),
            post(client, "/items/R6/extension/approve", csrf=csrf),
            post(client, "/items/R999/fix", csrf=csrf, note="无此事项"),
        ]
    assert [r.status_code for r in attempts] == [404] * 6
    logged = [r.getMessage() for r in caplog.records if r.name == "rectify.web"]
    assert len(logged) == 6 and all("陈干" in line for line in logged)
    assert counts(web) == before
    assert (state(site, "R1"), state(site, "R3")) == ("assigned", "fixed")


def test_a_unit_person_cannot_accept_their_own_fix(site: Rectify, login: Login,
                                                   web: Flask) -> None:  # fmt: skip
    client = login("韩水")  # R3 is theirs, fixed, waiting for the office
    page = client.get("/items/R3").text
    assert "accept-form" not in page and "reject-form" not in page
    before = counts(web)
    response = post(client, "/items/R3/accept", note="自己验收")
    assert response.status_code == 400
    (refusal,) = [e for e in Page(response.text).elements if e.get("id") == "refusal"]
    assert "韩水" in refusal["text"] and "R3" in refusal["text"]
    assert post(client, "/items/R3/reject", note="自己退回").status_code == 400
    assert counts(web) == before and state(site, "R3") == "fixed"


# --- the office and leaders decide ---


def test_the_office_accepts_and_a_leader_sends_back_each_audited_as_themselves(
    site: Rectify, login: Login
) -> None:
    office = login("李督查")
    page = office.get("/items/R3").text
    assert "accept-form" in page and "reject-form" in page and "fix-form" not in page
    assert post(office, "/items/R3/accept", note="现场核实").status_code == 303
    assert state(site, "R3") == "closed"
    accepted = site.json("history", "R3")[-1]
    assert (accepted["trigger"], accepted["actor"], accepted["note"]) == (
        "accept", "李督查", "现场核实",
    )  # fmt: skip
    leader = login("王书记")
    refused = post(leader, "/items/R7/reject", note="", action="reject")
    assert refused.status_code == 400 and state(site, "R7") == "fixed"  # note_given guard
    assert post(leader, "/items/R7/reject", note="缺少照片").status_code == 303
    sent_back = site.json("history", "R7")[-1]
    assert (sent_back["trigger"], sent_back["actor"], sent_back["to"]) == (
        "reject", "王书记", "assigned",
    )  # fmt: skip
    again = post(office, "/items/R7/accept")  # no longer fixed: the machine says why
    assert again.status_code == 400 and state(site, "R7") == "assigned"


def test_an_extension_is_asked_by_the_unit_and_decided_by_the_office(
    site: Rectify, login: Login, web: Flask
) -> None:
    unit = login("陈干")
    page = unit.get("/items/R17").text
    # The date field offers the days after the deadline (10-10) up to the bottom line.
    assert 'name="to" required min="2020-10-11" max="2020-11-30"' in page
    bad = post(unit, "/items/R17/extend", to="十月底", reason="资金未到位", action="extend")
    assert bad.status_code == 400 and "十月底" in bad.text and "资金未到位" in bad.text
    late = post(unit, "/items/R17/extend", to="2020-12-31", reason="资金未到位")
    assert late.status_code == 400 and "底线" in late.text  # after the bottom line 11-30
    assert post(unit, "/items/R17/extend", to="2020-10-20", reason="资金未到位").status_code == 303
    waiting = unit.get("/items/R17").text
    assert "pending-extension" in waiting and "approve-form" not in waiting
    assert post(unit, "/items/R17/extension/approve").status_code == 400  # not by the unit
    office = login("李督查")
    assert "approve-form" in office.get("/items/R17").text
    assert post(office, "/items/R17/extension/approve", note="同意").status_code == 303
    record = shown(site, "R17")
    assert (record["deadline"], record["original_deadline"]) == ("2020-10-20", "2020-10-10")
    history = site.json("history", "R17")
    triggers = [(e["trigger"], e["actor"]) for e in history]
    assert ("extend", "陈干") in triggers and ("extension_approved", "李督查") in triggers
    assert post(unit, "/items/R17/extend", to="2020-10-25", reason="再延").status_code == 303
    assert post(login("王书记"), "/items/R17/extension/refuse", note="不再延期").status_code == 303
    assert shown(site, "R17")["deadline"] == "2020-10-20"
    assert site.json("history", "R17")[-1]["actor"] == "王书记"
    nothing = post(office, "/items/R17/extension/refuse")
    assert nothing.status_code == 400  # no request waiting: said on the page, not a 404


# --- limits ---


@pytest.fixture
def small_limits(site: Rectify) -> Iterator[Flask]:
    flask_app, application = make_app(site, RECTIFY_WEB_MAX_UPLOAD_FILES="2",
                                      RECTIFY_WEB_MAX_UPLOAD_MB="1")  # fmt: skip
    yield flask_app
    application.close()


def test_the_upload_limits_come_from_the_settings(site: Rectify, small_limits: Flask) -> None:
    from tests.web.conftest import logged_in

    client = logged_in(site, small_limits, "陈干")
    before = counts(small_limits)
    assert "最多 2 个文件，每个不超过 1 MB" in client.get("/items/R17").text
    three = post(client, "/items/R17/fix", note="已完成",
                 files=[(png(seed=n), f"{n}.png") for n in range(3)])  # fmt: skip
    assert three.status_code == 400 and "上传了 3 个文件，一次报结最多 2 个" in three.text
    big = png() + b"\x00" * (1024 * 1024)
    too_big = post(client, "/items/R17/fix", note="已完成", files=[(big, "大.png")])
    assert too_big.status_code == 400 and "大.png 超过 1 MB" in too_big.text
    csrf = token(client)
    huge = post(client, "/items/R17/fix", csrf=csrf, note="已完成",
                files=[(big, "1.png"), (big, "2.png"), (big, "3.png")])  # fmt: skip
    assert huge.status_code == 413  # more than the server reads at all
    assert counts(small_limits) == before and state(site, "R17") == "assigned"


@pytest.mark.parametrize("setting", ["0", "many", "999", "-1"])
def test_a_bad_upload_setting_is_refused_when_the_server_starts(setting: str) -> None:
    with pytest.raises(InvalidInput, match="max_upload_mb"):
        upload_limits({"RECTIFY_WEB_MAX_UPLOAD_MB": setting})


def test_upload_limits_default_to_ten_files_of_twenty_mb() -> None:
    limits = upload_limits({})
    assert limits == UploadLimits(10, 20)
    assert limits.request_bytes == 10 * 20 * 1024 * 1024 + 1024 * 1024


# --- the content check (no database) ---


def test_a_file_is_known_by_its_first_bytes_not_its_name() -> None:
    assert sniff(png()) is PNG
    assert sniff(JPEG_START) is JPEG
    assert sniff(b"GIF89a\x01\x00") is not None
    assert sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 ") is WEBP
    assert sniff(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00") is HEIC
    assert sniff(PDF) is not None
    for fake in (
        HTML_AS_JPG,
        ZIP_AS_JPG,
        TEXT_AS_PNG,
        b"",
        b"\xff\xd8",
        b"RIFF\x00\x00\x00\x00AVI ",
    ):
        assert sniff(fake) is None, fake


@pytest.mark.parametrize(
    "given, kind, stored",
    [("现场.jpg", JPEG, "现场.jpg"), ("IMG_1.JPEG", JPEG, "IMG_1.JPEG"), ("照片", PNG, "照片.png"),
     ("C:\\Users\\张\\现场.png", PNG, "现场.png"), ("../../etc/x.png", PNG, "x.png"),
     ("扫描.png", HEIC, "扫描.png.heic"), ("a\x00b\u202e.png", PNG, "ab.png"),
     ("", PNG, "evidence.png"), ("长" * 200 + ".jpg", JPEG, "长" * 116 + ".jpg")],
)  # fmt: skip
def test_a_stored_name_says_what_the_file_is(given: str, kind: Any, stored: str) -> None:
    assert stored_name(given, kind) == stored
