"""Registry console pages: the party list, a party's page, and every form on it.

Forms post to small routes that redirect back to the party page (post/redirect/get). A refused
form (bad number, missing reasons, wrong state) shows the page again with the message, status
422 or 409; nothing of it was saved.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from liveguard.clock import CHINA_TZ
from liveguard.errors import InvalidInput, LiveguardError
from liveguard.evidence import media_of, media_response
from liveguard.registry import (
    admission,
    conduct,
    disclosure,
    documents,
    requirements,
    rules,
    scans,
    service,
    training,
)
from liveguard.registry.console.common import (
    NAMES,
    ConsoleDocumentDep,
    ConsolePartyDep,
    UploadLimitDep,
    router,
)
from liveguard.registry.console.views import party_view
from liveguard.registry.deps import verifier_of
from liveguard.registry.jobs import limits_of
from liveguard.registry.models import Party
from liveguard.web.console import ConsoleText, query_prefix, render, run_form
from liveguard.web.deps import ConsoleUserDep, CtxDep, PageDep, UowDep

FormText = Annotated[ConsoleText, Form(max_length=2000)]


def parse_day(value: str, label: str, *, required: bool = True) -> date | None:
    """A YYYY-MM-DD form field (empty: None when not required)."""
    value = value.strip()
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{label}格式应为 YYYY-MM-DD", code="registry.invalid_date") from None


def lines(text: str) -> list[str]:
    """Non-empty lines of a text area."""
    return [line.strip() for line in text.splitlines() if line.strip()]


# ----------------------------------------------------------------------------- list


@router.get("/registry/parties")
def parties_page(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep,
    kind: Annotated[ConsoleText | None, Query(max_length=30)] = None,
    status: Annotated[ConsoleText | None, Query(max_length=20)] = None,
    q: Annotated[ConsoleText | None, Query(max_length=100)] = None,
) -> Response:
    """Parties the user may see, with filters; a form to register a person."""
    if kind and kind not in rules.PARTY_KINDS:
        raise InvalidInput("未知的主体类型", code="registry.invalid_party_kind")
    if status and status not in requirements.ADMISSION_STATUSES:
        raise InvalidInput("未知的准入状态", code="registry.invalid_status")
    return _parties(request, ident, uow, paging, kind or None, status or None, q or None)


def _parties(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    paging: PageDep | None,
    kind: str | None = None,
    status: str | None = None,
    q: str | None = None,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    page, per_page = (paging.page, paging.per_page) if paging else (1, 50)
    rows, total = service.list_parties(
        uow.session,
        ident.principal,
        kind=kind,
        status=status,
        query=q,
        page=page,
        per_page=per_page,
    )
    access = ident.principal.access("registry.manage")
    own_orgs = [
        (g.org_id, g.org_kind)
        for g in ident.principal.grants
        if g.org_id is not None and (access.all or g.org_id in access.tenants)
    ]
    return render(
        request,
        "registry/parties.html",
        ident=ident,
        rows=rows,
        total=total,
        paging=paging,
        kind=kind or "",
        status=status or "",
        q=q or "",
        query_prefix=query_prefix(kind=kind, status=status, q=q),
        orgs=_org_names(uow, [o for o, _ in own_orgs]),
        error=error,
        status_code=status_code,
        lang_next="/console/registry/parties",
        **NAMES,
    )


def _org_names(uow: UowDep, org_ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, str]]:
    names = []
    for org_id in org_ids:
        party = uow.session.scalars(select(Party).where(Party.org_id == org_id)).first()
        names.append((org_id, party.name if party else str(org_id)[:8]))
    return names


@router.post("/registry/parties")
def create_person(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    org_id: Annotated[ConsoleText, Form(max_length=40)],
    kind: Annotated[ConsoleText, Form(max_length=30)],
    name: Annotated[ConsoleText, Form(max_length=100)],
    id_number: Annotated[ConsoleText, Form(max_length=32)] = "",
    phone: Annotated[ConsoleText, Form(max_length=20)] = "",
) -> Response:
    """Register a host, assistant host or CS staff member."""

    def run() -> Party:
        person = service.PersonInput(kind, name, id_number or None, phone or None)
        return service.create_person(
            uow.session,
            tenant_id=_uuid(org_id, "所属组织"),
            person=person,
            by=ident.principal,
            now=ctx.clock.now(),
            cipher=ctx.cipher,
        )

    return run_form(
        uow,
        run,
        done=lambda party: RedirectResponse(
            f"/console/registry/parties/{party.id}", status_code=303
        ),
        refused=lambda exc: _parties(
            request, ident, uow, None, error=exc.message, status_code=exc.status
        ),
        refusals=(409, 422),
    )


def _uuid(value: str, label: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise InvalidInput(f"{label}不是有效的编号", code="registry.invalid_id") from None


# ----------------------------------------------------------------------------- the party page


def party_page_response(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    party: Party,
    *,
    error: str | None = None,
    status_code: int = 200,
    revealed: dict[str, str | None] | None = None,
) -> Response:
    """Render a party's page (after a refused form: with its message)."""
    view = party_view(
        uow.session,
        ident.principal,
        party,
        today=service.china_today(ctx.clock.now()),
        cipher=ctx.cipher,
        warn_days=ctx.settings.registry.warning_days,
        limits=limits_of(ctx),
    )
    return render(
        request,
        "registry/party.html",
        ident=ident,
        v=view,
        error=error,
        revealed=revealed,
        status_code=status_code,
        lang_next=f"/console/registry/parties/{party.id}",
        **NAMES,
    )


@router.get("/registry/parties/{party_id}")
def party_page(
    request: Request, party: ConsolePartyDep, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """One party: record, documents, admission, checks, training, relations, warnings."""
    return party_page_response(request, ident, uow, ctx, party)


def act(
    request: Request,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    party: Party,
    action: Callable[[], object],
) -> Response:
    """Run a form's use case: commit and go back to the page, or show the page with the error."""

    def refused(exc: LiveguardError) -> Response:
        fresh = service.get_party(uow.session, ident.principal, party.id)
        return party_page_response(
            request, ident, uow, ctx, fresh, error=exc.message, status_code=exc.status
        )

    return run_form(
        uow,
        action,
        done=lambda _: RedirectResponse(f"/console/registry/parties/{party.id}", status_code=303),
        refused=refused,
        refusals=(409, 413, 422),
    )


@router.post("/registry/parties/{party_id}/disclosure")
def set_disclosure(
    request: Request,
    party: ConsolePartyDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    cs_phone: FormText = "",
    dispute_channels: FormText = "",
    address: FormText = "",
    changed_on: Annotated[ConsoleText, Form(max_length=10)] = "",
) -> Response:
    """Fill in the disclosed fields (before admission) or report their change (after)."""
    given = {"cs_phone": cs_phone, "dispute_channels": dispute_channels, "address": address}
    changes = {k: v for k, v in given.items() if v.strip()}
    now = ctx.clock.now()

    def run() -> object:
        if party.admission_status not in disclosure.PUBLIC_STATUSES:
            return disclosure.set_disclosure(
                uow.session, party, changes=changes, by=ident.principal, now=now
            )
        reg = ctx.settings.registry
        return disclosure.report_change(
            uow.session,
            party,
            changes=changes,
            changed_on=parse_day(changed_on, "变更日期") or service.china_today(now),
            by=ident.principal,
            now=now,
            holidays=frozenset(reg.holidays),
            makeup=frozenset(reg.makeup_workdays),
        )

    return act(request, ident, uow, ctx, party, run)


@router.post("/registry/parties/{party_id}/changes/{change_id}/verify")
def verify_change(
    request: Request,
    party: ConsolePartyDep,
    change_id: uuid.UUID,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
) -> Response:
    """Confirm a reported change (compliance officers)."""
    change = disclosure.get_change(uow.session, party, change_id)
    return act(
        request,
        ident,
        uow,
        ctx,
        party,
        lambda: disclosure.verify_change(
            uow.session, change, by=ident.principal, now=ctx.clock.now()
        ),
    )


@router.post("/registry/parties/{party_id}/categories")
def set_categories(
    request: Request,
    party: ConsolePartyDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    categories: Annotated[list[ConsoleText] | None, Form(max_length=20)] = None,
) -> Response:
    """Set the product categories the merchant sells (which decide the licences it needs)."""
    return act(
        request,
        ident,
        uow,
        ctx,
        party,
        lambda: service.update_party(
            uow.session,
            party,
            by=ident.principal,
            now=ctx.clock.now(),
            cipher=ctx.cipher,
            categories=list(categories or []),
        ),
    )


@router.post("/registry/parties/{party_id}/documents")
def upload_document(
    request: Request,
    _limit: UploadLimitDep,
    party: ConsolePartyDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    scan: Annotated[UploadFile, File()],
    doc_type: Annotated[ConsoleText, Form(max_length=40)],
    issuer: Annotated[ConsoleText, Form(max_length=200)],
    valid_from: Annotated[ConsoleText, Form(max_length=10)],
    number: Annotated[ConsoleText, Form(max_length=80)] = "",
    valid_until: Annotated[ConsoleText, Form(max_length=10)] = "",
) -> Response:
    """Submit a document with its scan in one step (both or neither are saved)."""
    now = ctx.clock.now()

    def run() -> object:
        data = documents.DocumentInput(
            doc_type,
            number or None,
            issuer,
            parse_day(valid_from, "有效期起") or now.date(),
            parse_day(valid_until, "有效期至", required=False),
        )
        doc = documents.submit_document(
            uow.session, party, data, by=ident.principal, now=now, cipher=ctx.cipher
        )
        ref = scans.store_scan(
            media_of(ctx), scan.file, max_bytes=ctx.settings.registry.max_scan_bytes, now=now
        )
        return documents.attach_scan(
            uow.session, doc, ref, by=ident.principal, party=party, now=now
        )

    return act(request, ident, uow, ctx, party, run)


@router.get("/registry/documents/{document_id}/scan")
def document_scan(doc: ConsoleDocumentDep, ctx: CtxDep) -> Response:
    """The scan of a document the user may see, hash-checked before it is sent."""
    if doc.scan_sha256 is None:
        raise InvalidInput("该证照尚未上传扫描件", code="registry.scan_not_found")
    return media_response(
        media_of(ctx), doc.scan_sha256, doc.scan_content_type or "application/octet-stream"
    )


@router.post("/registry/documents/{document_id}/review")
def review_document(
    request: Request,
    doc: ConsoleDocumentDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    decision: Annotated[ConsoleText, Form(max_length=20)] = "approve",
    reason: FormText = "",
) -> Response:
    """Approve or reject a document; revoke an approved one (``decision=revoke``)."""
    party = service.get_party(uow.session, ident.principal, doc.party_id)
    now = ctx.clock.now()
    if decision == "revoke":
        return act(
            request,
            ident,
            uow,
            ctx,
            party,
            lambda: documents.revoke_document(
                uow.session, doc, by=ident.principal, now=now, reason=reason
            ),
        )
    return act(
        request,
        ident,
        uow,
        ctx,
        party,
        lambda: documents.review_document(
            uow.session, doc, by=ident.principal, now=now, decision=decision, reasons=lines(reason)
        ),
    )


@router.post("/registry/parties/{party_id}/apply")
def apply(
    request: Request, party: ConsolePartyDep, ident: ConsoleUserDep, uow: UowDep, ctx: CtxDep
) -> Response:
    """Send the party in for admission review."""
    return act(
        request,
        ident,
        uow,
        ctx,
        party,
        lambda: admission.apply_for_admission(
            uow.session, party, by=ident.principal, now=ctx.clock.now(), cipher=ctx.cipher
        ),
    )


@router.post("/registry/parties/{party_id}/decide")
def decide(
    request: Request,
    party: ConsolePartyDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    action: Annotated[ConsoleText, Form(max_length=20)] = "approve",
    reason: FormText = "",
) -> Response:
    """A compliance officer's admission decision (reasons one per line)."""
    return act(
        request,
        ident,
        uow,
        ctx,
        party,
        lambda: admission.decide_admission(
            uow.session,
            party,
            by=ident.principal,
            now=ctx.clock.now(),
            action=action,
            reasons=lines(reason),
            cipher=ctx.cipher,
        ),
    )


@router.post("/registry/parties/{party_id}/real-name")
def real_name(
    request: Request,
    party: ConsolePartyDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    mode: Annotated[ConsoleText, Form(max_length=10)] = "service",
    note: Annotated[ConsoleText, Form(max_length=300)] = "",
) -> Response:
    """Check a person with the identity service, or record a manual check (pass or fail)."""
    now = ctx.clock.now()

    def run() -> object:
        if mode == "service":
            return admission.check_real_name(
                uow.session,
                party,
                by=ident.principal,
                now=now,
                cipher=ctx.cipher,
                verifier=verifier_of(ctx),
            )
        return admission.record_manual_check(
            uow.session,
            party,
            by=ident.principal,
            now=now,
            cipher=ctx.cipher,
            passed=mode == "pass",
            note=note,
        )

    return act(request, ident, uow, ctx, party, run)


@router.post("/registry/parties/{party_id}/reverify")
def reverify(
    request: Request,
    party: ConsolePartyDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    note: Annotated[ConsoleText, Form(max_length=300)] = "",
) -> Response:
    """Record the six-monthly re-verification of an organisation."""
    return act(
        request,
        ident,
        uow,
        ctx,
        party,
        lambda: admission.reverify(
            uow.session, party, by=ident.principal, now=ctx.clock.now(), note=note
        ),
    )


@router.post("/registry/parties/{party_id}/trainings")
def record_training(
    request: Request,
    party: ConsolePartyDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    course_id: Annotated[ConsoleText, Form(max_length=40)] = "",
    completed_on: Annotated[ConsoleText, Form(max_length=10)] = "",
    certificate_no: Annotated[ConsoleText, Form(max_length=40)] = "",
) -> Response:
    """Record a completed course."""

    def run() -> object:
        course = training.get_course(uow.session, ident.principal, _uuid(course_id, "课程"))
        return training.record_training(
            uow.session,
            party,
            course,
            completed_on=parse_day(completed_on, "完成日期") or date.min,
            certificate_no=certificate_no or None,
            by=ident.principal,
            now=ctx.clock.now(),
        )

    return act(request, ident, uow, ctx, party, run)


@router.post("/registry/parties/{party_id}/reveal")
def reveal(
    request: Request,
    party: ConsolePartyDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    reason: Annotated[ConsoleText, Form(max_length=200)] = "",
) -> Response:
    """Show a person's numbers in full once (written to the audit log)."""
    try:
        out = service.reveal_pii(
            uow.session,
            party,
            by=ident.principal,
            now=ctx.clock.now(),
            cipher=ctx.cipher,
            reason=reason,
        )
    except LiveguardError as exc:
        if exc.status != 422:
            raise
        return party_page_response(
            request, ident, uow, ctx, party, error=exc.message, status_code=422
        )
    uow.commit()
    return party_page_response(request, ident, uow, ctx, party, revealed=out)


@router.post("/registry/parties/{party_id}/violations")
def record_violation(
    request: Request,
    party: ConsolePartyDep,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    code: Annotated[ConsoleText, Form(max_length=40)] = "",
    occurred_on: Annotated[ConsoleText, Form(max_length=10)] = "",
    note: Annotated[ConsoleText, Form(max_length=500)] = "",
) -> Response:
    """Record a violation (the day it happened, noon China time)."""
    now = ctx.clock.now()

    def run() -> object:
        day = parse_day(occurred_on, "违规日期") or service.china_today(now)
        at = min(datetime.combine(day, time(12), tzinfo=CHINA_TZ), now)
        return conduct.record_violation(
            uow.session,
            party,
            code=code,
            occurred_at=at,
            note=note,
            by=ident.principal,
            now=now,
            limits=limits_of(ctx),
        )

    return act(request, ident, uow, ctx, party, run)


@router.post("/registry/parties/{party_id}/violations/{violation_id}/revoke")
def revoke_violation(
    request: Request,
    party: ConsolePartyDep,
    violation_id: uuid.UUID,
    ident: ConsoleUserDep,
    uow: UowDep,
    ctx: CtxDep,
    reason: Annotated[ConsoleText, Form(max_length=300)] = "",
) -> Response:
    """Withdraw a violation (an appeal upheld)."""
    violation = conduct.get_violation(uow.session, party, violation_id)
    return act(
        request,
        ident,
        uow,
        ctx,
        party,
        lambda: conduct.revoke_violation(
            uow.session, violation, by=ident.principal, now=ctx.clock.now(), reason=reason
        ),
    )
