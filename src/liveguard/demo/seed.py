"""The demo platform. Every organisation is named 【演示】 and every row carries ``is_demo``.

The people, phone numbers and ID numbers are invented: ID numbers carry a valid GB 11643 check
character so later checks accept them, but the birth dates and districts are made up.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard import plan, registry
from liveguard.access import Principal
from liveguard.clock import CHINA_TZ
from liveguard.evidence import MediaRef, MediaStore
from liveguard.identity import (
    Organisation,
    PersonalData,
    User,
    create_organisation,
    create_user,
    grant_membership,
)
from liveguard.security import PasswordHasher, PiiCipher

DEMO_PASSWORD = "LiveGuard-Demo-2026"  # noqa: S105 — printed for people trying the demo
DEMO_DOMAIN = "demo.liveguard.cn"

ORGS: list[tuple[str, str, str]] = [
    ("platform", "platform_operator", "【演示】星河直播电商平台"),
    ("food", "merchant", "【演示】山野鲜食旗舰店"),
    ("beauty", "merchant", "【演示】澄光美妆专营店"),
    ("digital", "merchant", "【演示】极客数码官方店"),
    ("room", "live_room_operator", "【演示】乐购直播间运营有限公司"),
    ("mcn", "mcn", "【演示】星火文化传媒（MCN）"),
    ("regulator", "regulator", "【演示】某市市场监督管理局"),
]


def id_check_char(first17: str) -> str:
    """GB 11643-1999 check character (ISO 7064 MOD 11-2) of a resident ID's first 17 digits."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


def _id(first17: str) -> str:
    return first17 + id_check_char(first17)


@dataclass(frozen=True)
class DemoPerson:
    """A demo login."""

    key: str
    name: str
    org: str | None
    role: str | None
    phone: str | None = None
    id_number: str | None = None
    address: str | None = None

    @property
    def email(self) -> str:
        """The login address."""
        return f"{self.key}@{DEMO_DOMAIN}"


PEOPLE: list[DemoPerson] = [
    DemoPerson("admin", "平台管理员 王敏", "platform", "platform_admin", "13800138000"),
    DemoPerson("compliance", "合规专员 李静", "platform", "compliance_officer", "13800138001"),
    DemoPerson("platform-cs", "平台客服 赵磊", "platform", "cs_agent", "13800138002"),
    DemoPerson("food", "鲜食店运营 陈晨", "food", "merchant_staff", "13911110001"),
    DemoPerson("food-cs", "鲜食店客服 周婷", "food", "cs_agent", "13911110002"),
    DemoPerson("beauty", "美妆店运营 孙悦", "beauty", "merchant_staff", "13911110003"),
    DemoPerson("beauty-cs", "美妆店客服 吴倩", "beauty", "cs_agent", "13911110004"),
    DemoPerson("digital", "数码店运营 郑浩", "digital", "merchant_staff", "13911110005"),
    DemoPerson("room", "直播间运营 冯涛", "room", "merchant_staff", "13911110006"),
    DemoPerson("mcn", "MCN 经纪 何琳", "mcn", "mcn_staff", "13911110007"),
    DemoPerson("host1", "主播 林小夏", "mcn", "host", "15200001111", _id("11010519990101002")),
    DemoPerson("host2", "主播 高远", "mcn", "host", "15200002222", _id("31010419950715003")),
    DemoPerson("regulator", "市场监管 许诺", "regulator", "regulator", "13700137000"),
    DemoPerson(
        "consumer1",
        "消费者 张伟",
        None,
        None,
        "18600001234",
        None,
        "广东省广州市天河区示例路 88 号 1 栋 101",
    ),
    DemoPerson(
        "consumer2", "消费者 刘洋", None, None, "18600005678", None, "浙江省杭州市西湖区演示街 6 号"
    ),
    DemoPerson(
        "consumer3", "消费者 黄蕾", None, None, "18600009012", None, "四川省成都市武侯区样例巷 3 号"
    ),
]


def seed(
    session: Session,
    *,
    by: Principal,
    now: datetime,
    hasher: PasswordHasher,
    cipher: PiiCipher,
    media: MediaStore | None = None,
) -> bool:
    """Create the demo platform once (its registry too, given a media store for the scans)."""
    admin_email = PEOPLE[0].email
    if session.scalars(select(User).where(User.email == admin_email)).first() is not None:
        return False
    orgs: dict[str, Organisation] = {}
    for key, kind, name in ORGS:
        orgs[key] = create_organisation(session, name=name, kind=kind, by=by, now=now, is_demo=True)
    for person in PEOPLE:
        user = create_user(
            session,
            email=person.email,
            display_name=person.name,
            password=DEMO_PASSWORD,
            kind="staff" if person.org else "consumer",
            by=by,
            now=now,
            hasher=hasher,
            cipher=cipher,
            is_demo=True,
            pii=PersonalData(
                phone=person.phone, id_number=person.id_number, address=person.address
            ),
        )
        if person.org and person.role:
            grant_membership(
                session, user=user, org=orgs[person.org], role=person.role, by=by, now=now
            )
    if media is not None:
        seed_registry(session, by=by, now=now, cipher=cipher, media=media)
    return True


# ----------------------------------------------------------------------------- registry (演示数据)

# A one-page PDF saying what it is: the scans of the demo documents are fictitious.
DEMO_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 420 200]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 66>>stream\n"
    b"BT /F1 16 Tf 30 100 Td (LiveGuard DEMO - fictitious scan) Tj ET\n"
    b"endstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
DEMO_DISCLOSURE = {
    "platform": (
        "400-000-2026",
        "平台客服热线、在线客服；12315 投诉举报",
        "浙江省杭州市西湖区演示路 1 号",
    ),
    "food": (
        "400-100-2026",
        "店铺在线客服、平台客服介入、消费者协会调解",
        "云南省昆明市演示区菌菇街 8 号",
    ),
    "beauty": ("400-200-2026", "店铺在线客服、平台客服介入", "上海市徐汇区演示路 66 号"),
    "digital": ("400-300-2026", "店铺在线客服、平台客服介入", "广东省深圳市南山区演示大道 9 号"),
    "room": ("400-400-2026", "直播间客服、平台客服介入", "浙江省杭州市滨江区演示街 3 号"),
    "mcn": ("400-500-2026", "机构客服、平台客服介入", "北京市朝阳区演示路 18 号"),
}
DEMO_CATEGORIES = {"food": ["food"], "beauty": ["cosmetics"], "digital": ["electronics"]}


def demo_credit_code(n: int) -> str:
    """A made-up unified social credit code with a valid GB 32100 check character."""
    first17 = f"91330106MA2LG{n:04d}"
    return first17 + registry.uscc_check_char(first17)


def seed_registry(
    session: Session, *, by: Principal, now: datetime, cipher: PiiCipher, media: MediaStore
) -> bool:
    """The demo platform's registry: admitted parties, hosts, a review queue, warnings."""
    orgs = {
        key: session.scalars(select(Organisation).where(Organisation.name == name)).one()
        for key, _kind, name in ORGS
        if key != "regulator"
    }
    parties = {key: registry.ensure_org_party(session, org, now=now) for key, org in orgs.items()}
    if any(p is None or p.admission_status != "draft" for p in parties.values()):
        return False  # already seeded (or changed by hand)
    party = {key: p for key, p in parties.items() if p is not None}
    scan = registry.store_scan(media, io.BytesIO(DEMO_SCAN), max_bytes=len(DEMO_SCAN), now=now)
    today = now.date()
    for key, (phone, channels, address) in DEMO_DISCLOSURE.items():
        registry.set_disclosure(
            session,
            party[key],
            changes={"cs_phone": phone, "dispute_channels": channels, "address": address},
            by=by,
            now=now,
        )
    for key, categories in DEMO_CATEGORIES.items():
        registry.update_party(
            session, party[key], by=by, now=now, cipher=cipher, categories=categories
        )

    def document(
        key: str,
        doc_type: str,
        number: str,
        issuer: str,
        until: date | None,
        *,
        approve: bool = True,
    ) -> None:
        doc = registry.submit_document(
            session,
            party[key],
            registry.DocumentInput(doc_type, number, issuer, date(2021, 3, 1), until),
            by=by,
            now=now,
            cipher=cipher,
            is_demo=True,
        )
        registry.attach_scan(session, doc, scan, by=by, party=party[key], now=now)
        if approve:
            registry.review_document(session, doc, by=by, now=now, decision="approve", reasons=[])

    for n, key in enumerate(["platform", "food", "room", "mcn", "digital"], start=1):
        document(
            key,
            "business_licence",
            demo_credit_code(n),
            "【演示】市场监督管理局",
            None,
            approve=key != "digital",
        )
    document(
        "platform", "telecom_licence", "浙B2-20260001", "【演示】浙江省通信管理局", date(2031, 3, 1)
    )
    # The food shop's licence runs out in 20 days: the warning inbox has something to show.
    document(
        "food",
        "food_business_licence",
        "JY15301020012345",
        "【演示】昆明市市场监督管理局",
        today + timedelta(days=20),
    )
    for key in ["platform", "food", "room", "mcn", "digital"]:
        registry.apply_for_admission(session, party[key], by=by, now=now, cipher=cipher)
        if key != "digital":  # the digital shop waits in the review queue
            registry.decide_admission(
                session, party[key], by=by, now=now, action="approve", reasons=[], cipher=cipher
            )
    _seed_hosts(session, by=by, now=now, cipher=cipher, party=party, scan=scan)
    registry.run_warnings(session, now=now, warn_days=30)
    return True


def _seed_hosts(
    session: Session,
    *,
    by: Principal,
    now: datetime,
    cipher: PiiCipher,
    party: dict[str, registry.Party],
    scan: MediaRef,
) -> None:
    """The MCN's hosts: one qualified, one not yet trained; their signings, an entrustment."""
    users = {
        p.key: session.scalars(select(User).where(User.email == p.email)).one()
        for p in PEOPLE
        if p.key in ("host1", "host2")
    }
    course = registry.create_course(
        session,
        tenant_id=None,
        code="LG-PRE-2026",
        title="【演示】主播上岗培训（法规、广告用语、售后）",
        kind="pre_stream",
        minutes=240,
        by=by,
        now=now,
        is_demo=True,
    )
    for person in (p for p in PEOPLE if p.key in ("host1", "host2")):
        assert person.id_number is not None
        host = registry.create_person(
            session,
            tenant_id=party["mcn"].tenant_id,
            person=registry.PersonInput(
                "host",
                person.name.split()[-1],
                person.id_number,
                person.phone,
                users[person.key].id,
            ),
            by=by,
            now=now,
            cipher=cipher,
            is_demo=True,
        )
        card = registry.submit_document(
            session,
            host,
            registry.DocumentInput(
                "resident_id",
                person.id_number,
                "【演示】公安局",
                date(2020, 1, 1),
                date(2040, 1, 1),
            ),
            by=by,
            now=now,
            cipher=cipher,
            is_demo=True,
        )
        registry.attach_scan(session, card, scan, by=by, party=host, now=now)
        registry.review_document(session, card, by=by, now=now, decision="approve", reasons=[])
        registry.record_manual_check(
            session,
            host,
            by=by,
            now=now,
            cipher=cipher,
            passed=True,
            note="【演示】现场核验身份证原件",
        )
        registry.apply_for_admission(session, host, by=by, now=now, cipher=cipher)
        registry.decide_admission(
            session, host, by=by, now=now, action="approve", reasons=[], cipher=cipher
        )
        registry.create_relation(
            session,
            registry.RelationInput(
                "signed_host",
                party["mcn"].id,
                host.id,
                date(2026, 1, 1),
                date(2028, 12, 31),
                ("机构负责直播内容审核与违规处置（7.4.2）", "主播遵守平台规则与广告法"),
                f"【演示】HT-2026-{person.key}",
            ),
            by=by,
            now=now,
        )
        if person.key == "host1":  # trained, and entrusted to the food shop by the platform
            registry.record_training(
                session,
                host,
                course,
                completed_on=now.date() - timedelta(days=30),
                certificate_no="LG-2026-0001",
                by=by,
                now=now,
            )
            registry.create_relation(
                session,
                registry.RelationInput(
                    "entrusted_host",
                    party["food"].id,
                    host.id,
                    date(2026, 6, 1),
                    None,
                    ("山野鲜食直播带货",),
                    reviewed_on=date(2026, 6, 1),
                ),
                by=by,
                now=now,
            )
    registry.create_room(
        session,
        party_id=party["food"].id,
        platform="抖音",
        external_id="demo-room-1",
        name="【演示】山野鲜食直播间",
        by=by,
        now=now,
    )
    supplier = registry.create_supplier(
        session,
        party_id=party["food"].id,
        name="【演示】云南高山菌菇合作社",
        credit_code=demo_credit_code(9),
        categories=["food"],
        evaluated_on=date(2026, 5, 10),
        evaluation="资质齐全，现场考察与抽检合格（GB/T 33493）",
        by=by,
        now=now,
    )
    registry.record_acceptance(
        session,
        supplier,
        product="云南高山菌菇礼盒 500g",
        batch="2026-11-A",
        quantity=500,
        accepted_on=now.date() - timedelta(days=3),
        accepted=True,
        notes="外观、标签、检验报告齐全",
        by=by,
        now=now,
    )
    seed_plan(session, by=by, now=now, tenant_id=party["food"].tenant_id)


# ----------------------------------------------------------------------------- plan (演示数据)


def seed_plan(session: Session, *, by: Principal, now: datetime, tenant_id: uuid.UUID) -> None:
    """A 【演示】 session of the food shop: line-up and a service plan waiting for review."""
    room = session.scalars(
        select(registry.LiveRoom).where(registry.LiveRoom.tenant_id == tenant_id)
    ).first()
    host = session.scalars(
        select(registry.Party).where(registry.Party.kind == "host", registry.Party.name == "林小夏")
    ).first()
    if room is None or host is None:
        return
    day = now.astimezone(CHINA_TZ).date() + timedelta(days=3)
    start = datetime.combine(day, time(20, 0), tzinfo=CHINA_TZ)
    data = plan.SessionInput(
        room.id, "【演示】山野鲜食冬季专场", start, start + timedelta(hours=2), (host.id,)
    )
    live = plan.create_session(
        session, tenant_id=tenant_id, data=data, by=by, now=now, is_demo=True
    )
    fresh = plan.ProductFacts(
        name="【演示】云南高山菌菇礼盒 500g",
        category="food",
        spec="500g/盒，冷链",
        listed_price=Decimal("168.00"),
        live_price=Decimal("128.00"),
        stock=800,
        presale_quantity=200,
        presale_date=day + timedelta(days=10),
        delivery_days=2,
        logistics="顺丰冷链",
        return_method="质量问题包退包换，运费商家承担",
        seven_day_returns=False,
        exclusion="fresh_perishable",
        claims=("产地云南", "每批次第三方检测"),
    )
    plan.add_product(session, live, fresh, by=by, now=now)
    staffing = {
        "sell_through": 0.6,
        "contact_rate": 0.25,
        "aht_seconds": 210,
        "service_level": 0.8,
        "answer_seconds": 30,
        "shrinkage": 0.3,
        "concurrency": 2,
    }
    plan.file_plan(
        session,
        live,
        plan.PlanInput(
            "【演示】付款后 48 小时内冷链发货；预售 10 天内发货；质量问题包退包换",
            "【演示】开播前一天客服培训：冷链时效、菌菇储存、退款流程",
            "【演示】咨询积压时 10 分钟内增派客服；重大舆情 1 小时内报平台",
            staffing,
        ),
        by=by,
        now=now,
    )
