"""Training records (直播营销服务规范 7.1.1, 7.1.3; Order 117: before the first stream, yearly).

Courses are the platform's (visible to all) or an organisation's own. A completion names the
person, the course, the day and the certificate number (7.1.1 证实性材料). A merchant may record
the training of hosts entrusted to it (7.3.2.1 b), an MCN that of its signed hosts.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.db import new_id
from liveguard.db.query import paginate
from liveguard.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from liveguard.registry import events, rules
from liveguard.registry.models import Course, Party, Relation, Training
from liveguard.registry.service import china_today, clean_text

COURSE_KINDS: dict[str, str] = {
    "pre_stream": "首播前培训",
    "annual": "年度复训",
    "service": "客服岗位培训",
    "other": "其他",
}


def _course_visible(principal: Principal) -> object:
    access = principal.access("registry.read")
    if access.all:
        return None
    return or_(Course.tenant_id.is_(None), Course.tenant_id.in_(sorted(access.tenants)))


def get_course(session: Session, principal: Principal, course_id: uuid.UUID) -> Course:
    """A platform course or one of the principal's organisations', or NotFound."""
    principal.require("registry.read")
    stmt = select(Course).where(Course.id == course_id)
    clause = _course_visible(principal)
    if clause is not None:
        stmt = stmt.where(clause)  # type: ignore[arg-type]
    found: Course | None = session.scalars(stmt).first()
    if found is None:
        raise NotFound(code="registry.course_not_found")
    return found


def list_courses(
    session: Session, principal: Principal, *, page: int, per_page: int
) -> tuple[list[Course], int]:
    """Courses the principal may use."""
    principal.require("registry.read")
    stmt = select(Course)
    clause = _course_visible(principal)
    if clause is not None:
        stmt = stmt.where(clause)  # type: ignore[arg-type]
    return paginate(session, stmt, Course.code, Course.id, page=page, per_page=per_page)


def create_course(
    session: Session,
    *,
    tenant_id: uuid.UUID | None,
    code: str,
    title: str,
    kind: str,
    minutes: int,
    by: Principal,
    now: datetime,
    is_demo: bool = False,
) -> Course:
    """A course of the platform (``tenant_id`` None: platform staff only) or of an organisation."""
    access = by.require("registry.training")
    if tenant_id is None and not access.all:
        raise PermissionDenied("只有平台可以设立全平台课程", code="registry.platform_course")
    if tenant_id is not None and not (access.all or tenant_id in access.tenants):
        raise NotFound(code="identity.organisation_not_found")
    if kind not in COURSE_KINDS:
        raise InvalidInput(f"未知的课程类型：{kind}", code="registry.invalid_course_kind")
    if not 1 <= minutes <= 10_000:
        raise InvalidInput("课时须在 1 到 10000 分钟之间", code="registry.invalid_minutes")
    code = rules.compact(code).upper()
    if not code or len(code) > 40:
        raise InvalidInput("课程编号不能为空且不超过 40 个字符", code="registry.invalid_text")
    clash = select(Course.id).where(Course.code == code)
    clash = clash.where(
        Course.tenant_id.is_(None) if tenant_id is None else Course.tenant_id == tenant_id
    )
    if session.scalar(clash) is not None:
        raise Conflict("课程编号已存在", code="registry.course_exists")
    course = Course(
        id=new_id(),
        tenant_id=tenant_id,
        code=code,
        title=clean_text(title, 200, "课程名称"),
        kind=kind,
        minutes=minutes,
        is_demo=is_demo,
        created_at=now,
        updated_at=now,
    )
    session.add(course)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="registry.course.create",
        now=now,
        tenant_id=tenant_id,
        target_type="course",
        target_id=course.id,
    )
    return course


def _may_train(session: Session, principal: Principal, party: Party) -> None:
    """Own organisation's people, or hosts entrusted to / signed with the caller's organisations."""
    access = principal.require("registry.training")
    if access.all or party.tenant_id in access.tenants:
        return
    related = session.scalar(
        select(Relation.id).where(
            Relation.other_party_id == party.id,
            Relation.tenant_id.in_(sorted(access.tenants)),
            Relation.status == "active",
        )
    )
    if related is None:
        raise PermissionDenied("只能登记本组织人员或委托主播的培训", code="registry.not_your_party")


def record_training(
    session: Session,
    party: Party,
    course: Course,
    *,
    completed_on: date,
    certificate_no: str | None,
    by: Principal,
    now: datetime,
) -> Training:
    """Record that a person completed a course."""
    _may_train(session, by, party)
    if party.kind not in rules.PERSON_KINDS:
        raise InvalidInput("培训记录只登记给个人主体", code="registry.training_not_applicable")
    if completed_on > china_today(now) or completed_on.year < 2000:
        raise InvalidInput("完成日期不合理（不能晚于今天）", code="registry.invalid_date")
    training = Training(
        id=new_id(),
        tenant_id=party.tenant_id,
        party_id=party.id,
        course_id=course.id,
        completed_on=completed_on,
        certificate_no=rules.validate_certificate(certificate_no) if certificate_no else None,
        recorded_by=by.label,
        created_at=now,
    )
    session.add(training)
    session.flush()
    audit.record(
        session,
        actor=by,
        action="registry.training.create",
        now=now,
        tenant_id=party.tenant_id,
        target_type="party",
        target_id=party.id,
        detail={"course": course.code},
    )
    emit(
        session,
        events.TrainingRecorded(
            occurred_at=now,
            tenant_id=party.tenant_id,
            party_id=party.id,
            training_id=training.id,
            course_code=course.code,
            completed_on=completed_on,
        ),
    )
    return training


def trainings(session: Session, party: Party) -> list[tuple[Training, Course]]:
    """A person's completed courses, newest first."""
    rows = session.execute(
        select(Training, Course)
        .join(Course, Course.id == Training.course_id)
        .where(Training.party_id == party.id)
        .order_by(Training.completed_on.desc())
    ).all()
    return [(t, c) for t, c in rows]


def list_party_trainings(
    session: Session, party: Party, *, page: int, per_page: int
) -> tuple[list[Training], int]:
    """A page of a person's completions."""
    stmt = select(Training).where(Training.party_id == party.id)
    return paginate(
        session, stmt, Training.completed_on.desc(), Training.id, page=page, per_page=per_page
    )
