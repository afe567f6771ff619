"""Notices that carry their recipient's login link (`web: links_in_notices: true`, issue 9
point 2): made by `system` as each batch goes out (only hashes are kept, so a link can only be
written into a text when it is made), one per person, never for a unit's mailbox, and after
the text, so the SMS's own words are still fitted to one segment.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from sqlalchemy import func, select

from notifications.channels import MemoryChannel
from notifications.delivery import deliver
from notifications.render import NoticeContext, Renderer, fits_one_sms
from tests.conftest import Rectify
from tests.web.conftest import make_app
from workflow.app import App
from workflow.db.schema import people, web_links
from workflow.services.web_links import notice_links

BASE = "https://dcs.example.gov.cn/rectify/"


def _sent_back(site: Rectify) -> None:
    """陈干 (with a mailbox) reports R17 fixed; the office sends it back: a notice to 陈干."""
    site.ok("person", "set", "陈干", "--email", "chengan@example.gov.cn")
    site.ok("fix", "R17", "--note", "已完成", actor="陈干")
    site.ok("reject", "R17", "--note", "缺少照片")


def _deliver(app: App) -> list[str]:
    channel = MemoryChannel()
    deliver(app, channels={"email": channel})
    return [message.body for message in channel.sent]


def _links(app: App) -> int:
    with app.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(web_links)).scalar_one())


def test_a_notice_carries_a_link_that_logs_its_recipient_in(site: Rectify) -> None:
    _sent_back(site)
    flask_app, app = make_app(site, RECTIFY_WEB_LINKS_IN_NOTICES="true",
                              RECTIFY_WEB_BASE_URL=BASE)  # fmt: skip
    try:
        (body,) = _deliver(app)
        last = body.splitlines()[-1]
        assert last.startswith("网页查看和办理：" + BASE + "login/")
        assert "缺少照片" in body
        path = urlsplit(last.removeprefix("网页查看和办理：")).path.removeprefix("/rectify")
        client = flask_app.test_client()
        assert client.get(path).status_code == 303
        assert "城关镇" in client.get("/").text  # 陈干's own page
        made = [link for link in site.json("web", "links") if link["created_by"] == "system"]
        assert [link["person"] for link in made] == ["陈干"]
    finally:
        app.close()


def test_without_the_setting_a_notice_has_no_link_and_none_is_made(site: Rectify) -> None:
    _sent_back(site)
    _, app = make_app(site, RECTIFY_WEB_BASE_URL=BASE)
    try:
        before = _links(app)
        (body,) = _deliver(app)
        assert "login/" not in body and "网页" not in body
        assert _links(app) == before
    finally:
        app.close()


def test_links_go_to_people_not_to_a_units_mailbox(site: Rectify) -> None:
    _, app = make_app(site, RECTIFY_WEB_LINKS_IN_NOTICES="true")
    try:
        with app.db.read() as conn:
            chen = conn.execute(select(people.c.id).where(people.c.name == "陈干")).scalar_one()
        before = _links(app)
        recipients = [f"person:{chen}", "unit:3", f"leader:{chen}", "person:99999", "odd"]
        made = notice_links(app, recipients, app.now())
        assert sorted(made) == [f"leader:{chen}", f"person:{chen}"]
        assert len(set(made.values())) == 1  # one link for the person, however addressed
        assert _links(app) == before + 1
    finally:
        app.close()


def test_the_link_follows_the_text_which_is_still_fitted_to_one_sms() -> None:
    title = "开展农村集中供水工程水质抽样监测，对不达标的供水点限期整改"  # cut to fit one SMS
    context = NoticeContext(
        event="red", ref="R12", task_title=title,
        problem_title="饮水安全", campaign_name="脱贫攻坚问题整改", unit="卫健委", person="韩水",
        recipient="韩水", recipient_kind="person", deadline=date(2020, 9, 30),
        original_deadline=None, days_left=-2, note=None, level="red",
    )  # fmt: skip
    renderer = Renderer("zh")
    plain = renderer.render(context, "sms").body
    link = BASE + "login/" + "x" * 43
    with_link = renderer.render(NoticeContext(**{**context.__dict__, "link": link}), "sms").body
    assert fits_one_sms(plain) and title not in plain
    assert with_link == f"{plain} 网页查看和办理：{link}"
    email = renderer.render(NoticeContext(**{**context.__dict__, "link": link}), "email").body
    assert email.endswith(f"\n\n网页查看和办理：{link}")
