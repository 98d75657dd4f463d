"""ACCEPTANCE: the expiry job is idempotent (running twice raises each warning once) and is tested
with a fixed clock; warnings reach DingTalk, WeCom and Feishu robots (local fake servers) in each
robot's own payload format and signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from liveguard import notify as robots
from liveguard.access import Principal
from liveguard.clock import FixedClock
from liveguard.errors import InvalidInput
from liveguard.registry import documents, webhooks
from liveguard.registry.jobs import run_once
from liveguard.registry.models import EarlyWarning, Notification, Party
from liveguard.registry.warnings import run_warnings
from liveguard.settings import Settings
from liveguard.web.context import AppContext
from tests.conftest import World
from tests.registry.factory import PDF, admitted_merchant, store
from tests.registry.fakes import Received, fake_server, robot

LOCAL = ["127.0.0.1", "oapi.dingtalk.com", "qyapi.weixin.qq.com", "open.feishu.cn"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test settings, with robots allowed on this machine."""
    return settings.model_copy(
        update={"registry": settings.registry.model_copy(update={"webhook_hosts": LOCAL})}
    )


def food_licence(ctx: AppContext, party_id: uuid.UUID, until: date) -> uuid.UUID:
    """An approved food business licence valid until ``until``."""
    system = Principal.system(ctx.policy)
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        party = uow.session.get(Party, party_id)
        assert party is not None
        doc = documents.submit_document(
            uow.session,
            party,
            documents.DocumentInput(
                "food_business_licence",
                "JY11101050012345",
                "朝阳区市场监督管理局",
                date(2022, 1, 1),
                until,
            ),
            by=system,
            now=now,
            cipher=ctx.cipher,
        )
        documents.attach_scan(
            uow.session, doc, store(ctx, PDF + b"food"), by=system, party=party, now=now
        )
        documents.review_document(
            uow.session, doc, by=system, now=now, decision="approve", reasons=[]
        )
        uow.commit()
        return doc.id


def open_warnings(ctx: AppContext) -> list[tuple[str, str]]:
    """(kind, severity) of the open warnings."""
    with ctx.db.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(EarlyWarning)
            .where(EarlyWarning.resolved_at.is_(None))
            .order_by(EarlyWarning.kind)
        ).all()
        return [(w.kind, w.severity) for w in rows]


def run(ctx: AppContext) -> tuple[int, int, int]:
    """One run of the job's first half; (raised, resolved, still open)."""
    with ctx.db.unit_of_work() as uow:
        report = run_warnings(uow.session, now=ctx.clock.now(), warn_days=30)
        uow.commit()
    return report.raised, report.resolved, report.still_open


def test_the_job_raises_each_warning_once_and_follows_the_clock(
    ctx: AppContext, world: World, clock: FixedClock
) -> None:
    ids = admitted_merchant(ctx, world.merchant_a, seed=51)
    food_licence(ctx, ids["party_id"], date(2026, 12, 10))  # 16 days left on 2026-11-24
    assert run(ctx) == (1, 0, 0)
    assert run(ctx) == (0, 0, 1)  # idempotent: nothing new
    assert open_warnings(ctx) == [("document_expiring", "warning")]
    with ctx.db.unit_of_work() as uow:
        [warning] = uow.session.scalars(select(EarlyWarning)).all()
        assert "剩余 16 天" in warning.message
    clock.advance(timedelta(days=1))
    assert run(ctx) == (0, 0, 1)
    with ctx.db.unit_of_work() as uow:
        assert "剩余 15 天" in uow.session.scalars(select(EarlyWarning)).one().message
    clock.advance(timedelta(days=16))  # 2026-12-11: expired
    assert run(ctx) == (1, 1, 0)
    assert open_warnings(ctx) == [("document_expired", "critical")]
    assert run(ctx) == (0, 0, 1)
    # A renewed licence resolves the warning; the six-monthly re-verification comes due later.
    food_licence(ctx, ids["party_id"], date(2029, 12, 31))
    assert run(ctx) == (0, 1, 0)
    clock.advance(timedelta(days=200))  # 2027-06-29: admitted on 2026-11-24, due 2027-05-24
    assert run(ctx) == (1, 0, 0)
    assert open_warnings(ctx) == [("reverification_overdue", "critical")]


def test_warnings_of_hosts_for_training(ctx: AppContext, world: World) -> None:
    from tests.registry.factory import merchant_records  # noqa: PLC0415 — a heavier fixture

    merchant_records(ctx, world.merchant_a, seed=61)
    with ctx.db.unit_of_work() as uow:  # the host of the records is still a draft: not watched
        for party in uow.session.scalars(select(Party).where(Party.kind == "host")):
            party.admission_status = "admitted"
            party.verified_at = ctx.clock.now()
        uow.commit()
    run(ctx)
    kinds = [k for k, _ in open_warnings(ctx)]
    assert "training_missing" not in kinds  # trained on 2026-03-01
    assert "training_due" not in kinds  # due 2027-03-01, more than 30 days away


# ----------------------------------------------------------------------------- robots


def signed_dingtalk(got: Received, secret: str) -> bool:
    """The DingTalk signature of the request URL checks out."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(got.path).query)
    stamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    return query["sign"][0] == expected


def signed_feishu(body: dict[str, str], secret: str) -> bool:
    """The Feishu signature in the body checks out."""
    key = f"{body['timestamp']}\n{secret}".encode()
    return body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def register(
    ctx: AppContext, org_id: uuid.UUID | None, kind: str, url: str, secret: str | None
) -> None:
    """A robot, registered by the operator."""
    with ctx.db.unit_of_work() as uow:
        webhooks.create_webhook(
            uow.session,
            webhooks.WebhookInput(org_id, kind, f"{kind} 群", url, secret),
            by=Principal.system(ctx.policy),
            now=ctx.clock.now(),
            cipher=ctx.cipher,
            allowed_hosts=LOCAL,
        )
        uow.commit()


def test_warnings_reach_all_three_robots_once(ctx: AppContext, world: World) -> None:
    ids = admitted_merchant(ctx, world.merchant_a, seed=71)
    admitted_merchant(ctx, world.merchant_b, seed=72)
    food_licence(ctx, ids["party_id"], date(2026, 12, 1))
    with (
        fake_server(robot("dingtalk")) as ding,
        fake_server(robot("wecom")) as wecom,
        fake_server(robot("feishu")) as feishu,
    ):
        register(
            ctx, world.merchant_a, "dingtalk", f"{ding.url}/robot/send?access_token=t1", "SECd1"
        )
        register(ctx, world.merchant_a, "wecom", f"{wecom.url}/cgi-bin/webhook/send?key=k1", None)
        register(ctx, None, "feishu", f"{feishu.url}/open-apis/bot/v2/hook/h1", "fs-secret")
        register(
            ctx, world.merchant_b, "dingtalk", f"{ding.url}/robot/send?access_token=other", None
        )
        run_once(ctx)
        run_once(ctx)  # the second run sends nothing more
    assert len(ding.received) == len(wecom.received) == len(feishu.received) == 1
    [d], [w], [f] = ding.received, wecom.received, feishu.received
    assert d.path.startswith("/robot/send?access_token=t1&timestamp=")
    assert signed_dingtalk(d, "SECd1")
    assert d.body["msgtype"] == "markdown"
    assert d.body["markdown"]["title"] == "【LiveGuard 预警】证照即将到期"
    assert "食品经营许可证将于 2026-12-01 到期（剩余 7 天）" in d.body["markdown"]["text"]
    assert w.body["msgtype"] == "markdown"
    assert w.body["markdown"]["content"].startswith("**【LiveGuard 预警】证照即将到期**")
    assert f.body["msg_type"] == "text"
    assert signed_feishu(f.body, "fs-secret")
    assert "山" not in f.body["content"]["text"]  # no other merchant's data in the platform robot
    with ctx.db.unit_of_work() as uow:
        assert {n.status for n in uow.session.scalars(select(Notification))} == {"sent"}


def test_refused_messages_are_retried_then_given_up(ctx: AppContext, world: World) -> None:
    ids = admitted_merchant(ctx, world.merchant_a, seed=81)
    food_licence(ctx, ids["party_id"], date(2026, 12, 1))
    with fake_server(robot("dingtalk", fail=True)) as ding:
        register(ctx, world.merchant_a, "dingtalk", f"{ding.url}/robot/send?access_token=x", None)
        for _ in range(7):
            run_once(ctx)
    assert len(ding.received) == ctx.settings.registry.webhook_max_attempts == 5
    with ctx.db.unit_of_work() as uow:
        [note] = uow.session.scalars(select(Notification)).all()
        assert (note.status, note.attempts) == ("failed", 5)
        assert note.last_error is not None
        assert "sign not match" in note.last_error


def test_robot_addresses_are_checked_and_kept_secret(ctx: AppContext, world: World) -> None:
    for url, message in [
        ("https://evil.example.com/hook", "不在允许的列表中"),
        ("http://oapi.dingtalk.com/robot/send?access_token=x", "必须使用 https"),
        ("https://169.254.169.254/latest", "不在允许的列表中"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            robots.check_robot_url("dingtalk", url, LOCAL)
    register(
        ctx,
        world.merchant_a,
        "wecom",
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=SECRET-KEY",
        None,
    )
    with ctx.db.unit_of_work() as uow:
        [hook] = uow.session.scalars(select(webhooks.Webhook)).all()
        assert "SECRET-KEY" not in hook.url_enc
        assert hook.url_host == "qyapi.weixin.qq.com"


def test_payload_builders() -> None:
    message = robots.Message("标题", "正文")
    url, body = robots.dingtalk_request(
        "https://oapi.dingtalk.com/robot/send?access_token=a", "s", message, 1_700_000_000_000
    )
    assert url.startswith(
        "https://oapi.dingtalk.com/robot/send?access_token=a&timestamp=1700000000000&sign="
    )
    assert body == {"msgtype": "markdown", "markdown": {"title": "标题", "text": "正文"}}
    _url, fs = robots.feishu_request(
        "https://open.feishu.cn/open-apis/bot/v2/hook/x", "s", message, 1_700_000_000
    )
    assert fs["timestamp"] == "1700000000"
    assert fs["content"] == {"text": "标题\n正文"}
    assert robots.accepted("feishu", {"StatusCode": 0})
    assert not robots.accepted("wecom", {"errcode": 93000})


def test_a_change_not_verified_within_seven_working_days_warns(
    ctx: AppContext, world: World, clock: FixedClock
) -> None:
    from liveguard.registry import disclosure  # noqa: PLC0415

    ids = admitted_merchant(ctx, world.merchant_a, seed=171)
    with ctx.db.unit_of_work() as uow:
        party = uow.session.get(Party, ids["party_id"])
        assert party is not None
        change = disclosure.report_change(
            uow.session,
            party,
            changes={"cs_phone": "400-123-4567"},
            changed_on=date(2026, 11, 24),
            by=Principal.system(ctx.policy),
            now=ctx.clock.now(),
        )
        uow.commit()
        assert change.verify_due == date(2026, 12, 3)  # 7 working days after Tuesday 24 November
    clock.advance(timedelta(days=9))  # Thursday 3 December: still in time
    run(ctx)
    assert ("change_unverified", "warning") not in open_warnings(ctx)
    clock.advance(timedelta(days=1))
    run(ctx)
    assert ("change_unverified", "warning") in open_warnings(ctx)
    with ctx.db.unit_of_work() as uow:
        found = uow.session.get(disclosure.DisclosureChange, change.id)
        assert found is not None
        disclosure.verify_change(
            uow.session, found, by=Principal.system(ctx.policy), now=ctx.clock.now()
        )
        uow.commit()
    run(ctx)
    assert ("change_unverified", "warning") not in open_warnings(ctx)
