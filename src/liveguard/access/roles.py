"""The organisation kinds (tenants) and roles of DESIGN.md, with their Chinese names."""

from __future__ import annotations

from typing import Literal, get_args

OrgKind = Literal["platform_operator", "merchant", "live_room_operator", "mcn", "regulator"]
Role = Literal[
    "platform_admin",
    "compliance_officer",
    "merchant_staff",
    "mcn_staff",
    "host",
    "cs_agent",
    "regulator",
    "consumer",
]

ORG_KINDS: dict[str, str] = {
    "platform_operator": "平台经营者",
    "merchant": "商家（直播营销商）",
    "live_room_operator": "直播间运营者",
    "mcn": "MCN 机构",
    "regulator": "监管部门",
}

ROLES: dict[str, str] = {
    "platform_admin": "平台管理员",
    "compliance_officer": "合规专员",
    "merchant_staff": "商家员工",
    "mcn_staff": "MCN 员工",
    "host": "主播",
    "cs_agent": "客服",
    "regulator": "监管人员",
    "consumer": "消费者",
}

# Which roles a membership in each kind of organisation may carry.
_ROLES_BY_ORG_KIND: dict[str, frozenset[str]] = {
    "platform_operator": frozenset({"platform_admin", "compliance_officer", "cs_agent"}),
    "merchant": frozenset({"merchant_staff", "cs_agent", "host"}),
    "live_room_operator": frozenset({"merchant_staff", "cs_agent", "host"}),
    "mcn": frozenset({"mcn_staff", "host"}),
    "regulator": frozenset({"regulator"}),
}

assert set(get_args(OrgKind)) == set(ORG_KINDS) == set(_ROLES_BY_ORG_KIND)
assert set(get_args(Role)) == set(ROLES)


def roles_for_org_kind(kind: str) -> frozenset[str]:
    """The roles a member of an organisation of ``kind`` may hold."""
    return _ROLES_BY_ORG_KIND.get(kind, frozenset())
