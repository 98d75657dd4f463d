"""Robots that receive warnings: registering them (URL and secret encrypted) and delivering.

A robot belongs to an organisation (its warnings only) or, registered by a platform admin without
an organisation, to the platform (every warning). Only hosts on ``registry.webhook_hosts`` are
accepted, so the job never posts to an address someone typed in to reach an internal service.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard import notify as robots
from liveguard.access import Principal
from liveguard.db import Database, new_id
from liveguard.db.query import paginate
from liveguard.errors import InvalidInput, NotFound, PermissionDenied
from liveguard.registry import status
from liveguard.registry.models import EarlyWarning, Notification, Party, Webhook
from liveguard.registry.service import clean_text
from liveguard.security import PiiCipher

log = logging.getLogger(__name__)
URL_CONTEXT = "registry_webhook.url"
SECRET_CONTEXT = "registry_webhook.secret"  # noqa: S105 — a label, not a secret


def _scope(principal: Principal) -> object:
    access = principal.require("registry.webhooks")
    return None if access.all else Webhook.tenant_id.in_(sorted(access.tenants))


def get_webhook(session: Session, principal: Principal, webhook_id: uuid.UUID) -> Webhook:
    """A robot of the principal's organisations, or NotFound."""
    stmt = select(Webhook).where(Webhook.id == webhook_id)
    clause = _scope(principal)
    if clause is not None:
        stmt = stmt.where(clause)  # type: ignore[arg-type]
    found: Webhook | None = session.scalars(stmt).first()
    if found is None:
        raise NotFound(code="registry.webhook_not_found")
    return found


def list_webhooks(
    session: Session, principal: Principal, *, page: int, per_page: int
) -> tuple[list[Webhook], int]:
    """Robots the principal manages."""
    stmt = select(Webhook)
    clause = _scope(principal)
    if clause is not None:
        stmt = stmt.where(clause)  # type: ignore[arg-type]
    return paginate(session, stmt, Webhook.name, Webhook.id, page=page, per_page=per_page)


@dataclass(frozen=True)
class WebhookInput:
    """A robot to register."""

    tenant_id: uuid.UUID | None
    kind: str
    name: str
    url: str
    secret: str | None
    min_severity: str = "warning"


def create_webhook(
    session: Session,
    data: WebhookInput,
    *,
    by: Principal,
    now: datetime,
    cipher: PiiCipher,
    allowed_hosts: list[str],
) -> Webhook:
    """Register a robot (its URL carries an access token: stored encrypted, shown by host only)."""
    access = by.require("registry.webhooks")
    if data.tenant_id is None and not access.all:
        raise PermissionDenied(
            "只有平台管理员可以登记全平台机器人", code="registry.platform_webhook"
        )
    if data.tenant_id is not None and not (access.all or data.tenant_id in access.tenants):
        raise NotFound(code="identity.organisation_not_found")
    if data.min_severity not in status.SEVERITIES:
        raise InvalidInput(f"未知的预警级别：{data.min_severity}", code="registry.invalid_severity")
    host = robots.check_robot_url(data.kind, data.url, allowed_hosts)
    secret = (data.secret or "").strip() or None
    robot = Webhook(
        id=new_id(),
        tenant_id=data.tenant_id,
        kind=data.kind,
        name=clean_text(data.name, 100, "机器人名称"),
        url_enc=cipher.encrypt(data.url.strip(), context=URL_CONTEXT),
        url_host=host,
        secret_enc=cipher.encrypt(secret, context=SECRET_CONTEXT) if secret else None,
        min_severity=data.min_severity,
        is_active=True,
        created_at=now,
        updated_at=now,
    )
    session.add(robot)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="registry.webhook.create",
        now=now,
        tenant_id=data.tenant_id,
        target_type="webhook",
        target_id=robot.id,
        detail={"kind": data.kind, "host": host},
    )
    return robot


def delete_webhook(session: Session, robot: Webhook, *, by: Principal, now: datetime) -> None:
    """Switch a robot off (kept for the delivery history)."""
    robot.is_active, robot.updated_at = False, now
    session.flush()
    audit.record(
        session,
        actor=by,
        action="registry.webhook.delete",
        now=now,
        tenant_id=robot.tenant_id,
        target_type="webhook",
        target_id=robot.id,
    )


# ----------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class Outgoing:
    """One queued message, read out of the database before posting."""

    notification_id: uuid.UUID
    kind: str
    url: str
    secret: str | None
    message: robots.Message


def _message(warning: EarlyWarning, party: Party, base_url: str) -> robots.Message:
    title = f"【LiveGuard 预警】{status.WARNING_KINDS.get(warning.kind, warning.kind)}"
    lines = [
        f"主体：{party.name}",
        f"级别：{status.SEVERITIES.get(warning.severity, warning.severity)}",
        warning.message,
    ]
    if base_url:
        lines.append(f"{base_url.rstrip('/')}/console/registry/parties/{party.id}")
    return robots.Message(title, "\n\n".join(lines))


def pending_messages(
    session: Session, cipher: PiiCipher, *, max_attempts: int, base_url: str, limit: int = 200
) -> list[Outgoing]:
    """Queued notifications still worth trying, with their decrypted robot addresses."""
    rows = session.execute(
        select(Notification, Webhook, EarlyWarning, Party)
        .join(Webhook, Webhook.id == Notification.webhook_id)
        .join(EarlyWarning, EarlyWarning.id == Notification.warning_id)
        .join(Party, Party.id == EarlyWarning.party_id)
        .where(
            Notification.status.in_(["pending", "failed"]),
            Notification.attempts < max_attempts,
            Webhook.is_active.is_(True),
        )
        .order_by(Notification.created_at)
        .limit(limit)
    ).all()
    return [
        Outgoing(
            note.id,
            robot.kind,
            cipher.decrypt(robot.url_enc, context=URL_CONTEXT),
            cipher.decrypt(robot.secret_enc, context=SECRET_CONTEXT) if robot.secret_enc else None,
            _message(warning, party, base_url),
        )
        for note, robot, warning, party in rows
    ]


def deliver(
    db: Database,
    sender: robots.RobotSender,
    cipher: PiiCipher,
    *,
    now: datetime,
    max_attempts: int,
    base_url: str = "",
) -> tuple[int, int]:
    """Post queued messages (no transaction held while posting); (sent, failed)."""
    with db.unit_of_work() as uow:
        outgoing = pending_messages(
            uow.session, cipher, max_attempts=max_attempts, base_url=base_url
        )
    sent = failed = 0
    for item in outgoing:
        error: str | None = None
        try:
            sender.send(item.kind, item.url, item.secret, item.message, int(now.timestamp() * 1000))
        except robots.DeliveryFailed as exc:
            error = str(exc)[:300]
            log.warning("robot delivery %s failed: %s", item.notification_id, error)
        with db.unit_of_work() as uow:
            note = uow.session.get(Notification, item.notification_id)
            if note is not None:
                note.attempts += 1
                note.status, note.last_error = ("failed", error) if error else ("sent", None)
                note.sent_at = None if error else now
                uow.commit()
        sent, failed = (sent, failed + 1) if error else (sent + 1, failed)
    return sent, failed


def notifications_of(session: Session, warning: EarlyWarning) -> list[tuple[Notification, Webhook]]:
    """Where a warning was sent, and how that went."""
    rows = session.execute(
        select(Notification, Webhook)
        .join(Webhook, Webhook.id == Notification.webhook_id)
        .where(Notification.warning_id == warning.id)
        .order_by(Notification.created_at)
    ).all()
    return [(n, w) for n, w in rows]
