"""Where complaint alerts go: console inbox notices, and group robots registered per audience."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard import notify
from liveguard.access import Principal
from liveguard.complaint.handlers import ROBOT_CONTEXT
from liveguard.complaint.models import Notice, Robot
from liveguard.complaint.service import check_org, is_platform
from liveguard.errors import InvalidInput, PermissionDenied
from liveguard.security import PiiCipher

AUDIENCES = ("merchant", "live_side", "platform")
ORG_KINDS = frozenset({"merchant", "live_room_operator", "mcn"})


def add_robot(
    session: Session,
    principal: Principal,
    *,
    audience: str,
    org_id: uuid.UUID | None,
    service: str,
    url: str,
    secret: str | None,
    label: str,
    allowed_hosts: list[str],
    cipher: PiiCipher,
    now: datetime,
) -> Robot:
    """Register a robot for an audience: the platform's own, or an organisation's (its members,
    or the platform for them). The URL and the signing secret are stored encrypted."""
    if audience not in AUDIENCES:
        raise InvalidInput("未知的通知对象", code="complaint.invalid_audience")
    if (audience == "platform") != (org_id is None):
        raise InvalidInput(
            "平台机器人不属于任何机构，其他机器人须指定机构", code="complaint.invalid_audience"
        )
    own = org_id is not None and org_id in principal.org_ids and principal.can("complaint.handle")
    if not ((is_platform(principal) and principal.can("complaint.supervise")) or own):
        raise PermissionDenied(details={"action": "complaint.robots"})
    if org_id is not None:
        check_org(session, org_id, ORG_KINDS, "complaint.invalid_audience")
    notify.check_robot_url(service, url, allowed_hosts, domain="complaint")
    robot = Robot(
        org_id=org_id,
        audience=audience,
        service=service,
        url_enc=cipher.encrypt(url.strip(), context=ROBOT_CONTEXT),
        secret_enc=cipher.encrypt(secret, context=ROBOT_CONTEXT) if secret else None,
        label=label.strip()[:100] or service,
        active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(robot)
    session.flush()
    return robot


def inbox(session: Session, principal: Principal, *, limit: int = 50) -> list[Notice]:
    """The principal's notices, newest first (the platform sees the platform's)."""
    stmt = select(Notice).order_by(Notice.at.desc(), Notice.id).limit(limit)
    if is_platform(principal):
        stmt = stmt.where(Notice.audience == "platform")
    else:
        stmt = stmt.where(Notice.org_id.in_(sorted(principal.org_ids)))
    return list(session.scalars(stmt))
