"""Conduct (行为规范): violations with penalty points, and what a total brings (7.2.4, 7.4.3).

The platform handles hosts who break the rules (直播营销服务规范 7.2.4), MCNs handle their signed
hosts' violations (7.4.2) and must not themselves gain improperly, breach agreements or disturb
the market (7.4.3). Points per violation come from :data:`PENALTIES` (overridable in settings,
``registry.penalty_points``); the points of the last 365 days add up to a warning and then a
suspension (``registry.penalty_warning_points`` / ``…_suspension_points``). Other domains report
violations by publishing :class:`ViolationReported`; the handler records each once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Principal
from liveguard.bus import Event, emit
from liveguard.db import new_id
from liveguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from liveguard.registry import events
from liveguard.registry.admission import SYSTEM_LABEL, transition
from liveguard.registry.models import Party, Relation, Violation
from liveguard.registry.service import china_today

WINDOW_DAYS = 365
CONDUCT_KINDS = frozenset({"host", "assistant_host", "mcn", "merchant", "live_room_operator"})


@dataclass(frozen=True)
class Penalty:
    """A kind of violation, its default points and its source."""

    code: str
    name: str
    points: int
    basis: str


PENALTIES: dict[str, Penalty] = {
    p.code: p
    for p in (
        Penalty(
            "absolute_term", "使用绝对化用语", 2, "广告法 第九条第三项，直播营销服务规范 7.3.2.2 c"
        ),
        Penalty("medical_claim", "非药品宣称医疗功效", 6, "广告法 第十七条、第十八条"),
        Penalty("guaranteed_return", "承诺保本或收益", 6, "广告法 第二十五条"),
        Penalty("false_advertising", "虚假或夸大宣传", 6, "直播营销服务规范 7.3.2.2 c"),
        Penalty("off_platform_trade", "诱导私下交易", 4, "直播营销服务规范 7.2.1 d"),
        Penalty("fake_data", "数据造假、流量作弊", 12, "直播营销服务规范 7.2.6、7.3.2.2 g"),
        Penalty("insult", "骚扰、侮辱他人", 4, "直播营销服务规范 7.3.2.2 h"),
        Penalty("counterfeit", "以假充真、以次充好", 12, "直播营销服务规范 7.3.2.2 d"),
        Penalty("impersonation", "冒用他人名称、品牌", 6, "直播营销服务规范 7.3.2.2 b"),
        Penalty("forced_purchase", "强制消费", 6, "直播营销服务规范 7.3.2.2 e"),
        Penalty("improper_gain", "获取不正当利益", 6, "直播营销服务规范 7.4.3 a"),
        Penalty("contract_breach", "未恰当履行合作协议", 6, "直播营销服务规范 7.4.3 b"),
        Penalty("broken_promise", "违背承诺", 4, "直播营销服务规范 7.4.3 c"),
        Penalty("market_disorder", "扰乱直播经营秩序", 6, "直播营销服务规范 7.4.3 d"),
        Penalty("rights_infringement", "侵犯他人权益", 6, "直播营销服务规范 7.4.3 e"),
        # Reported by after-sales (七日无理由退货暂行办法 第三十一条: more than 15 days).
        Penalty(
            "return_unprocessed", "超过十五日未处理退货申请", 4, "七日无理由退货暂行办法 第三十一条"
        ),
        Penalty(
            "refund_overdue", "收到退货后超过十五日未退款", 4, "七日无理由退货暂行办法 第三十一条"
        ),
    )
}
MCN_ONLY = frozenset(
    {"improper_gain", "contract_breach", "broken_promise", "market_disorder", "rights_infringement"}
)


# ----------------------------------------------------------------------------- pure rules


def points_for(code: str, overrides: Mapping[str, int]) -> int:
    """The points of a violation code (settings override the table)."""
    if code not in PENALTIES:
        raise InvalidInput(f"未知的违规类型：{code}", code="registry.invalid_violation")
    return overrides.get(code, PENALTIES[code].points)


def points_in_window(rows: Sequence[tuple[date, int]], today: date) -> int:
    """Points of the violations of the last 365 days (China calendar, today included)."""
    start = today - timedelta(days=WINDOW_DAYS - 1)
    return sum(points for day, points in rows if start <= day <= today)


def consequence(total: int, *, warn_at: int, suspend_at: int) -> str | None:
    """None, "warning" or "suspension" for a total of points."""
    if total >= suspend_at:
        return "suspension"
    if total >= warn_at:
        return "warning"
    return None


# ----------------------------------------------------------------------------- service


@dataclass(frozen=True)
class Thresholds:
    """The configured table overrides and thresholds (settings ``registry.penalty_*``)."""

    overrides: Mapping[str, int]
    warn_at: int
    suspend_at: int


def _may_record(session: Session, by: Principal, party: Party) -> None:
    access = by.require("registry.conduct")
    if access.all or party.tenant_id in access.tenants:
        return
    signed = session.scalar(
        select(Relation.id).where(
            Relation.other_party_id == party.id,
            Relation.kind == "signed_host",
            Relation.status == "active",
            Relation.tenant_id.in_(sorted(access.tenants)),
        )
    )
    if signed is None:
        raise PermissionDenied("只能记录本机构签约主播的违规", code="registry.not_your_party")


def record_violation(
    session: Session,
    party: Party,
    *,
    code: str,
    occurred_at: datetime,
    note: str,
    by: Principal | None,
    now: datetime,
    limits: Thresholds | None = None,
    source_ref: str | None = None,
) -> Violation:
    """Record a violation. With ``limits`` (a person recording it) its consequence applies at
    once; without (another domain's event) the hourly warning run applies it."""
    if by is not None:
        _may_record(session, by, party)
    if party.kind not in CONDUCT_KINDS:
        raise InvalidInput("该主体类型不记违规分", code="registry.conduct_not_applicable")
    if code in MCN_ONLY and party.kind != "mcn":
        raise InvalidInput(
            "该违规类型只适用于 MCN 机构（直播营销服务规范 7.4.3）",
            code="registry.invalid_violation",
        )
    if occurred_at > now:
        raise InvalidInput("违规时间不能晚于现在", code="registry.invalid_date")
    violation = Violation(
        id=new_id(),
        tenant_id=party.tenant_id,
        party_id=party.id,
        code=code,
        points=points_for(code, limits.overrides if limits else {}),
        basis=PENALTIES[code].basis,
        note=" ".join(note.split())[:500],
        source_ref=source_ref,
        occurred_at=occurred_at,
        recorded_by=by.label if by else SYSTEM_LABEL,
        created_at=now,
    )
    session.add(violation)
    session.flush()
    overrides = limits.overrides if limits else {}
    total = total_points(session, party, today=china_today(now), overrides=overrides)
    result = (
        consequence(total, warn_at=limits.warn_at, suspend_at=limits.suspend_at) if limits else None
    )
    _recorded(session, violation, by, now, total, result)
    if result == "suspension" and limits is not None:
        suspend_if_admitted(session, party, total=total, limits=limits, now=now)
    return violation


def suspend_if_admitted(
    session: Session, party: Party, *, total: int, limits: Thresholds, now: datetime
) -> bool:
    """Suspend an admitted party whose points reached the line (a decision of the system)."""
    if party.admission_status != "admitted":
        return False
    reason = f"违规记分 {total} 分，达到暂停线 {limits.suspend_at} 分（直播营销服务规范 7.2.4）"
    transition(session, party, "suspend", [reason], None, now)
    return True


def _recorded(
    session: Session,
    v: Violation,
    by: Principal | None,
    now: datetime,
    total: int,
    result: str | None,
) -> None:
    audit.record(
        session,
        actor=by,
        actor_label=None if by else SYSTEM_LABEL,
        action="registry.violation.create",
        now=now,
        tenant_id=v.tenant_id,
        target_type="party",
        target_id=v.party_id,
        detail={"code": v.code, "points": v.points, "total": total},
    )
    emit(
        session,
        events.ViolationRecorded(
            occurred_at=now,
            tenant_id=v.tenant_id,
            party_id=v.party_id,
            violation_id=v.id,
            code=v.code,
            points=v.points,
            total_points=total,
            consequence=result,
        ),
    )


def total_points(
    session: Session, party: Party, *, today: date, overrides: Mapping[str, int]
) -> int:
    """The party's unrevoked points of the last 365 days, by the table in force now."""
    rows = session.execute(
        select(Violation.occurred_at, Violation.code).where(
            Violation.party_id == party.id, Violation.revoked_at.is_(None)
        )
    ).all()
    return points_in_window(
        [(china_today(at), points_for(code, overrides)) for at, code in rows], today
    )


def totals(session: Session, *, today: date, overrides: Mapping[str, int]) -> dict[uuid.UUID, int]:
    """Every party's points of the last 365 days (for the warning run)."""
    start = today - timedelta(days=WINDOW_DAYS + 1)
    rows = session.execute(
        select(Violation.party_id, Violation.occurred_at, Violation.code).where(
            Violation.revoked_at.is_(None),
            Violation.occurred_at >= datetime.combine(start, datetime.min.time(), tzinfo=UTC),
        )
    ).all()
    found: dict[uuid.UUID, list[tuple[date, int]]] = {}
    for party_id, at, code in rows:
        found.setdefault(party_id, []).append((china_today(at), points_for(code, overrides)))
    return {party_id: points_in_window(items, today) for party_id, items in found.items()}


def violations_of(session: Session, party: Party) -> list[Violation]:
    """The party's violations, newest first."""
    return list(
        session.scalars(
            select(Violation)
            .where(Violation.party_id == party.id)
            .order_by(Violation.occurred_at.desc())
        )
    )


def get_violation(session: Session, party: Party, violation_id: uuid.UUID) -> Violation:
    """One violation of a party the caller may see, or NotFound."""
    found = session.get(Violation, violation_id)
    if found is None or found.party_id != party.id:
        raise NotFound(code="registry.violation_not_found")
    return found


def revoke_violation(
    session: Session, violation: Violation, *, by: Principal, now: datetime, reason: str
) -> Violation:
    """Withdraw a violation (an appeal upheld); its points no longer count."""
    by.require("registry.review")
    if violation.revoked_at is not None:
        raise Conflict("该违规记录已撤销", code="registry.violation_revoked")
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("撤销须说明理由", code="registry.reasons_required")
    violation.revoked_at = now
    session.flush()
    audit.record(
        session,
        actor=by,
        action="registry.violation.revoke",
        now=now,
        tenant_id=violation.tenant_id,
        target_type="party",
        target_id=violation.party_id,
        detail={"violation_id": str(violation.id), "reason": reason[:300]},
    )
    return violation


def handle_reported(session: Session, event: Event) -> None:
    """Bus handler: record a reported violation once (its source reference is unique)."""
    data = event.model_dump()
    source = str(data["source_ref"])[:100]
    if session.scalar(select(Violation.id).where(Violation.source_ref == source)) is not None:
        return
    party = session.get(Party, uuid.UUID(str(data["party_id"])))
    if party is None or party.kind not in CONDUCT_KINDS or data["code"] not in PENALTIES:
        return  # nothing this registry can score: the reporting domain's record stands alone
    record_violation(
        session,
        party,
        code=str(data["code"]),
        occurred_at=event.occurred_at,
        note=str(data.get("note", "")),
        by=None,
        now=event.occurred_at,
        source_ref=source,
    )
