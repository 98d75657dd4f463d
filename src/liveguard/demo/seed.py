"""The demo platform. Every organisation is named 【演示】 and every row carries ``is_demo``.

The people, phone numbers and ID numbers are invented: ID numbers carry a valid GB 11643 check
character so later checks accept them, but the birth dates and districts are made up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard.access import Principal
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
    session: Session, *, by: Principal, now: datetime, hasher: PasswordHasher, cipher: PiiCipher
) -> bool:
    """Create the demo platform once; False when it already exists."""
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
    return True
