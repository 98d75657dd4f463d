"""Registry API: relations, live rooms, suppliers, courses and training, warnings, robots."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from liveguard.registry import relations, training, warnings, webhooks
from liveguard.registry.api.common import (
    NOT_FOUND,
    CourseDep,
    PartyDep,
    RelationDep,
    RoomDep,
    SupplierDep,
    WarningDep,
    WebhookDep,
)
from liveguard.registry.models import Acceptance, LiveRoom, Relation, Supplier, Webhook
from liveguard.registry.schemas import (
    AcceptanceCreate,
    AcceptanceRead,
    CourseCreate,
    CoursePage,
    CourseRead,
    RelationCreate,
    RelationEnd,
    RelationPage,
    RelationRead,
    RoomCreate,
    RoomPage,
    RoomRead,
    SupplierCreate,
    SupplierPage,
    SupplierRead,
    TrainingCreate,
    TrainingPage,
    TrainingRead,
    WarningPage,
    WarningRead,
    WebhookCreate,
    WebhookPage,
    WebhookRead,
)
from liveguard.web.deps import CipherDep, ClockDep, CtxDep, PageDep, PrincipalDep, UowDep

router = APIRouter(prefix="/registry", tags=["registry"])


def room_read(room: LiveRoom) -> RoomRead:
    """A live room with the path of its public disclosure page (the one-hop link)."""
    return RoomRead(
        id=room.id,
        party_id=room.party_id,
        platform=room.platform,
        room_number=room.external_id,
        name=room.name,
        status=room.status,
        disclosure_path=f"/public/rooms/{room.id}",
    )


# ----------------------------------------------------------------------------- relations


@router.get("/relations", response_model=RelationPage, summary="签约与委托关系")
def list_relations(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    party_id: Annotated[uuid.UUID | None, Query(description="只看涉及某主体的关系")] = None,
) -> RelationPage:
    """Relations the caller may see."""
    rows, total = relations.list_relations(
        uow.session, principal, party_id=party_id, page=paging.page, per_page=paging.per_page
    )
    items = [RelationRead.model_validate(r) for r in rows]
    return RelationPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.post("/relations", response_model=RelationRead, status_code=201)
def create_relation(
    body: RelationCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> Relation:
    """Sign a host to an MCN (term and duties, 7.4.1) or entrust one to a merchant (7.3.2.1 b)."""
    data = relations.RelationInput(
        body.kind,
        body.party_id,
        body.other_party_id,
        body.start_on,
        body.end_on,
        tuple(body.duties),
        body.contract_no,
        body.reviewed_on,
    )
    relation = relations.create_relation(uow.session, data, by=principal, now=clock.now())
    uow.commit()
    return relation


@router.get("/relations/{relation_id}", response_model=RelationRead, responses=NOT_FOUND)
def get_relation(relation: RelationDep) -> Relation:
    """One relation."""
    return relation


@router.post("/relations/{relation_id}/end", response_model=RelationRead, responses=NOT_FOUND)
def end_relation(
    relation: RelationDep, body: RelationEnd, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> Relation:
    """End a signing or entrustment."""
    relations.end_relation(uow.session, relation, by=principal, now=clock.now(), end_on=body.end_on)
    uow.commit()
    return relation


# ----------------------------------------------------------------------------- rooms and suppliers


@router.get("/rooms", response_model=RoomPage, summary="直播间")
def list_rooms(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    party_id: Annotated[uuid.UUID | None, Query(description="只看某商家的直播间")] = None,
) -> RoomPage:
    """Live rooms the caller may see."""
    rows, total = relations.list_rooms(
        uow.session, principal, party_id=party_id, page=paging.page, per_page=paging.per_page
    )
    return RoomPage(
        items=[room_read(r) for r in rows], total=total, page=paging.page, per_page=paging.per_page
    )


@router.post("/rooms", response_model=RoomRead, status_code=201)
def create_room(
    body: RoomCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> RoomRead:
    """Register a merchant's live room."""
    room = relations.create_room(
        uow.session,
        party_id=body.party_id,
        platform=body.platform,
        external_id=body.room_number,
        name=body.name,
        by=principal,
        now=clock.now(),
    )
    uow.commit()
    return room_read(room)


@router.get("/rooms/{room_id}", response_model=RoomRead, responses=NOT_FOUND)
def get_room(room: RoomDep) -> RoomRead:
    """One live room."""
    return room_read(room)


@router.get("/suppliers", response_model=SupplierPage, summary="供应商")
def list_suppliers(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    party_id: Annotated[uuid.UUID | None, Query(description="只看某商家的供应商")] = None,
) -> SupplierPage:
    """Supplier records the caller may see."""
    rows, total = relations.list_suppliers(
        uow.session, principal, party_id=party_id, page=paging.page, per_page=paging.per_page
    )
    items = [SupplierRead.model_validate(s) for s in rows]
    return SupplierPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.post("/suppliers", response_model=SupplierRead, status_code=201)
def create_supplier(
    body: SupplierCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> Supplier:
    """Record a supplier chosen on an evaluation (GB/T 33493)."""
    supplier = relations.create_supplier(
        uow.session,
        party_id=body.party_id,
        name=body.name,
        credit_code=body.credit_code,
        categories=list(body.categories),
        evaluated_on=body.evaluated_on,
        evaluation=body.evaluation,
        by=principal,
        now=clock.now(),
    )
    uow.commit()
    return supplier


@router.get("/suppliers/{supplier_id}", response_model=SupplierRead, responses=NOT_FOUND)
def get_supplier(supplier: SupplierDep) -> Supplier:
    """One supplier record."""
    return supplier


@router.get(
    "/suppliers/{supplier_id}/acceptances", response_model=list[AcceptanceRead], responses=NOT_FOUND
)
def list_acceptances(supplier: SupplierDep, uow: UowDep) -> list[Acceptance]:
    """The supplier's acceptance records, newest first."""
    return relations.acceptances(uow.session, supplier)


@router.post(
    "/suppliers/{supplier_id}/acceptances",
    response_model=AcceptanceRead,
    status_code=201,
    responses=NOT_FOUND,
)
def record_acceptance(
    supplier: SupplierDep,
    body: AcceptanceCreate,
    uow: UowDep,
    principal: PrincipalDep,
    clock: ClockDep,
) -> Acceptance:
    """Record the acceptance check of a delivered batch."""
    row = relations.record_acceptance(
        uow.session,
        supplier,
        product=body.product,
        batch=body.batch,
        quantity=body.quantity,
        accepted_on=body.accepted_on,
        accepted=body.accepted,
        notes=body.notes,
        by=principal,
        now=clock.now(),
    )
    uow.commit()
    return row


# ----------------------------------------------------------------------------- training


@router.get("/courses", response_model=CoursePage, summary="培训课程")
def list_courses(uow: UowDep, principal: PrincipalDep, paging: PageDep) -> CoursePage:
    """Courses the caller may use."""
    rows, total = training.list_courses(
        uow.session, principal, page=paging.page, per_page=paging.per_page
    )
    items = [CourseRead.model_validate(c) for c in rows]
    return CoursePage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.post("/courses", response_model=CourseRead, status_code=201)
def create_course(
    body: CourseCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> CourseRead:
    """Create a course (platform-wide, or an organisation's own)."""
    course = training.create_course(
        uow.session,
        tenant_id=body.org_id,
        code=body.code,
        title=body.title,
        kind=body.kind,
        minutes=body.minutes,
        by=principal,
        now=clock.now(),
    )
    uow.commit()
    return CourseRead.model_validate(course)


@router.get("/courses/{course_id}", response_model=CourseRead, responses=NOT_FOUND)
def get_course(course: CourseDep) -> CourseRead:
    """One course."""
    return CourseRead.model_validate(course)


@router.get("/parties/{party_id}/trainings", response_model=TrainingPage, responses=NOT_FOUND)
def list_trainings(party: PartyDep, uow: UowDep, paging: PageDep) -> TrainingPage:
    """A person's completed courses, newest first."""
    rows, total = training.list_party_trainings(
        uow.session, party, page=paging.page, per_page=paging.per_page
    )
    items = [TrainingRead.model_validate(t) for t in rows]
    return TrainingPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.post(
    "/parties/{party_id}/trainings",
    response_model=TrainingRead,
    status_code=201,
    responses=NOT_FOUND,
)
def record_training(
    party: PartyDep, body: TrainingCreate, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> TrainingRead:
    """Record that a person completed a course (with the certificate number)."""
    course = training.get_course(uow.session, principal, body.course_id)
    row = training.record_training(
        uow.session,
        party,
        course,
        completed_on=body.completed_on,
        certificate_no=body.certificate_no,
        by=principal,
        now=clock.now(),
    )
    uow.commit()
    return TrainingRead.model_validate(row)


# ----------------------------------------------------------------------------- warnings and robots


@router.get("/warnings", response_model=WarningPage, summary="预警收件箱")
def list_warnings(
    uow: UowDep,
    principal: PrincipalDep,
    paging: PageDep,
    open_only: Annotated[bool, Query(description="只看未解除的预警")] = True,
    party_id: Annotated[uuid.UUID | None, Query(description="只看某主体的预警")] = None,
) -> WarningPage:
    """Warnings about parties the caller may see, most severe first."""
    rows, total = warnings.list_warnings(
        uow.session,
        principal,
        open_only=open_only,
        party_id=party_id,
        page=paging.page,
        per_page=paging.per_page,
    )
    items = [WarningRead.model_validate(w) for w in rows]
    return WarningPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.get("/warnings/{warning_id}", response_model=WarningRead, responses=NOT_FOUND)
def get_warning(warning: WarningDep) -> WarningRead:
    """One warning."""
    return WarningRead.model_validate(warning)


@router.post(
    "/warnings/{warning_id}/acknowledgements", response_model=WarningRead, responses=NOT_FOUND
)
def acknowledge(
    warning: WarningDep, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> WarningRead:
    """Mark a warning as seen (it stays open until its cause is gone)."""
    warnings.acknowledge(uow.session, warning, by=principal, now=clock.now())
    uow.commit()
    return WarningRead.model_validate(warning)


@router.get("/webhooks", response_model=WebhookPage, summary="预警机器人")
def list_webhooks(uow: UowDep, principal: PrincipalDep, paging: PageDep) -> WebhookPage:
    """Robots the caller manages (addresses hidden)."""
    rows, total = webhooks.list_webhooks(
        uow.session, principal, page=paging.page, per_page=paging.per_page
    )
    items = [WebhookRead.model_validate(w) for w in rows]
    return WebhookPage(items=items, total=total, page=paging.page, per_page=paging.per_page)


@router.post("/webhooks", response_model=WebhookRead, status_code=201)
def create_webhook(
    body: WebhookCreate, uow: UowDep, principal: PrincipalDep, ctx: CtxDep, cipher: CipherDep
) -> Webhook:
    """Register a DingTalk, WeCom or Feishu robot (URL and secret stored encrypted)."""
    data = webhooks.WebhookInput(
        body.org_id, body.kind, body.name, body.url, body.secret, body.min_severity
    )
    robot = webhooks.create_webhook(
        uow.session,
        data,
        by=principal,
        now=ctx.clock.now(),
        cipher=cipher,
        allowed_hosts=ctx.settings.registry.webhook_hosts,
    )
    uow.commit()
    return robot


@router.get("/webhooks/{webhook_id}", response_model=WebhookRead, responses=NOT_FOUND)
def get_webhook(robot: WebhookDep) -> Webhook:
    """One robot."""
    return robot


@router.delete(
    "/webhooks/{webhook_id}", status_code=204, responses=NOT_FOUND, response_class=Response
)
def delete_webhook(
    robot: WebhookDep, uow: UowDep, principal: PrincipalDep, clock: ClockDep
) -> Response:
    """Switch a robot off."""
    webhooks.delete_webhook(uow.session, robot, by=principal, now=clock.now())
    uow.commit()
    return Response(status_code=204)
