"""Filing without an account: a phone number and a one-time code (直播电商售后服务规范 4.3).

Codes are six digits, kept only as a keyed hash, valid for a few minutes, with a limited number
of attempts and a limit on codes per phone and hour. A verified code opens a portal session (the
cookie holds a random secret; the database only its hash) tied to the phone's blind index.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.complaint import rules
from liveguard.complaint import workflow as wf
from liveguard.complaint.models import Complaint, OneTimeCode, PortalSession
from liveguard.complaint.service import PHONE_CONTEXT, Clocks, StepInput, apply_step
from liveguard.errors import AuthenticationRequired, NotFound, RateLimited
from liveguard.security import PiiCipher, hash_secret, mask_phone, new_secret

log = logging.getLogger(__name__)
CODE_CONTEXT = "complaint.code"
SESSION_HOURS = 2
RATE_WINDOW = timedelta(hours=1)  # codes per phone are limited per this span


class CodeSender(Protocol):
    """Delivers a one-time code to a phone (an SMS gateway in production)."""

    def send(self, phone: str, code: str) -> None:
        """Send ``code`` to ``phone``."""
        ...


class LogCodeSender:
    """For development: writes the code to the log (never use where the log is shared)."""

    def send(self, phone: str, code: str) -> None:
        """Log the code with the phone masked."""
        log.warning("one-time code for %s: %s (development sender)", mask_phone(phone), code)


@dataclass(frozen=True)
class CodeRules:
    """Expiry, attempts and the rate limit (settings ``complaint.code_*``)."""

    ttl: timedelta = timedelta(minutes=5)
    max_attempts: int = 5
    per_phone_per_hour: int = 5


@dataclass(frozen=True)
class Portal:
    """A verified consumer: the phone (for their complaints) and the session secret."""

    phone: str
    phone_index: str
    secret: str | None = None


class Mine(NamedTuple):
    """A verified consumer and one of their complaints."""

    me: Portal
    complaint: Complaint


def _code_hash(cipher: PiiCipher, phone_index: str, code: str) -> str:
    return cipher.blind_index(f"{phone_index}:{code}", context=CODE_CONTEXT)


def send_code(
    session: Session,
    phone: str,
    *,
    cipher: PiiCipher,
    sender: CodeSender,
    code_rules: CodeRules,
    now: datetime,
) -> None:
    """Send a new code to ``phone`` (RateLimited past the hourly limit)."""
    phone = rules.normalise_phone(phone)
    index = cipher.blind_index(phone, context=PHONE_CONTEXT)
    recent = session.scalar(
        select(func.count())
        .select_from(OneTimeCode)
        .where(OneTimeCode.phone_index == index, OneTimeCode.sent_at > now - RATE_WINDOW)
    )
    if (recent or 0) >= code_rules.per_phone_per_hour:
        raise RateLimited("验证码发送过于频繁，请稍后再试", code="complaint.too_many_codes")
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(
        OneTimeCode(
            phone_index=index,
            code_hash=_code_hash(cipher, index, code),
            sent_at=now,
            expires_at=now + code_rules.ttl,
            attempts=0,
        )
    )
    session.flush()
    sender.send(phone, code)


def check_code(
    session: Session,
    phone: str,
    code: str,
    *,
    cipher: PiiCipher,
    code_rules: CodeRules,
    now: datetime,
) -> Portal | None:
    """The verified portal session, or None for a wrong, spent or expired code.

    A failed attempt is counted in the session; the caller commits it before answering, so
    guessing is limited even though the answer is an error.
    """
    phone = rules.normalise_phone(phone)
    index = cipher.blind_index(phone, context=PHONE_CONTEXT)
    current = session.scalars(
        select(OneTimeCode)
        .where(
            OneTimeCode.phone_index == index,
            OneTimeCode.used_at.is_(None),
            OneTimeCode.expires_at > now,
        )
        .order_by(OneTimeCode.sent_at.desc())
        .limit(1)
    ).first()
    if current is None or current.attempts >= code_rules.max_attempts:
        return None
    current.attempts += 1
    if not hmac.compare_digest(current.code_hash, _code_hash(cipher, index, code.strip())):
        return None
    current.used_at = now
    secret = new_secret()
    session.add(
        PortalSession(
            secret_hash=hash_secret(secret),
            phone_index=index,
            phone_enc=cipher.encrypt(phone, context=PHONE_CONTEXT),
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
        )
    )
    session.flush()
    return Portal(phone, index, secret)


def purge_expired(session: Session, *, now: datetime) -> int:
    """Delete expired codes (once the rate limit no longer counts them) and ended portal
    sessions with their encrypted phone; how many rows went."""
    codes = session.execute(
        delete(OneTimeCode).where(
            OneTimeCode.expires_at < now, OneTimeCode.sent_at <= now - RATE_WINDOW
        )
    )
    sessions = session.execute(delete(PortalSession).where(PortalSession.expires_at < now))
    return int(codes.rowcount or 0) + int(sessions.rowcount or 0)  # type: ignore[attr-defined]


def portal_of(session: Session, secret: str | None, *, cipher: PiiCipher, now: datetime) -> Portal:
    """The portal session of a cookie secret (AuthenticationRequired if none or expired)."""
    if not secret:
        raise AuthenticationRequired("请先用手机号和验证码登录", code="complaint.portal_required")
    row = session.scalars(
        select(PortalSession).where(
            PortalSession.secret_hash == hash_secret(secret), PortalSession.expires_at > now
        )
    ).first()
    if row is None:
        raise AuthenticationRequired(
            "验证已过期，请重新获取验证码", code="complaint.portal_required"
        )
    return Portal(cipher.decrypt(row.phone_enc, context=PHONE_CONTEXT), row.phone_index)


def my_complaints(session: Session, portal: Portal) -> list[Complaint]:
    """The complaints filed with the portal's phone, newest first."""
    return list(
        session.scalars(
            select(Complaint)
            .where(Complaint.phone_index == portal.phone_index)
            .order_by(Complaint.filed_at.desc())
            .limit(100)
        )
    )


def get_mine(session: Session, portal: Portal, complaint_id: uuid.UUID) -> Complaint:
    """One of the portal's complaints, or NotFound."""
    found = session.scalars(
        select(Complaint).where(
            Complaint.id == complaint_id, Complaint.phone_index == portal.phone_index
        )
    ).first()
    if found is None:
        raise NotFound(code="complaint.not_found")
    return found


def own_complaint(
    session: Session,
    secret: str | None,
    complaint_id: uuid.UUID,
    *,
    cipher: PiiCipher,
    now: datetime,
) -> Mine:
    """The portal session's own complaint; NotFound without a valid session too (whose
    complaint it is, or whether it exists, is never told)."""
    try:
        me = portal_of(session, secret, cipher=cipher, now=now)
    except AuthenticationRequired:
        raise NotFound(code="complaint.not_found") from None
    return Mine(me, get_mine(session, me, complaint_id))


def label_of(portal: Portal) -> str:
    """How the consumer appears in the timeline (phone masked)."""
    return f"消费者 {mask_phone(portal.phone)}"


CONSUMER_ACTIONS = frozenset(
    {
        wf.Action.WITHDRAW,
        wf.Action.CONSUMER_REPLY,
        wf.Action.REQUEST_INTERVENTION,
        wf.Action.ESCALATE_LIVE,
        wf.Action.CLOSE,
        wf.Action.REOPEN,
        wf.Action.RATE,
    }
)


def consumer_act(
    session: Session,
    portal: Portal,
    complaint: Complaint,
    data: StepInput,
    *,
    clocks: Clocks,
    now: datetime,
) -> Complaint:
    """The consumer takes a step on their own complaint (rate, reply, ask the platform, …)."""
    label = label_of(portal)
    apply_step(session, complaint, data, wf.Party.CONSUMER, label, clocks=clocks, now=now)
    audit.record(
        session,
        actor=None,
        actor_label=label,
        action=f"complaint.{data.action.value}",
        now=now,
        tenant_id=complaint.tenant_id,
        target_type="complaint",
        target_id=complaint.id,
        detail={"party": "consumer", "status": complaint.status},
    )
    return complaint
