"""During and after the live: the session's activity, its dashboard and its end-of-session report.

Plan sits below order, after-sales, screening and complaint, so it never imports them: bus
handlers read their events generically (by kind, through ``event.model_dump()``) and keep one row
per event in ``plan_live_activity``. The dashboard (直播电商售后服务规范 5.1.2: 监督商家履约;
5.2: 直播中客服在线) and the report aggregate those rows against the line-up and the staffing plan.

What counts as a customer-service contact: an after-sales request on an order of the session or a
complaint about the session — the contacts LiveGuard sees. Chats handled outside LiveGuard are not
counted, so the actual load is a lower bound.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveguard.bus import Event, Handler
from liveguard.errors import Conflict
from liveguard.plan import plans, staffing
from liveguard.plan.models import LiveActivity, LiveSession
from liveguard.plan.presenting import moments_of
from liveguard.plan.service import as_uuid, products_of

# After-sales statuses that close a case (the case workflow's final states, read as strings).
CLOSED_CASE_STATUSES = frozenset({"refused", "refunded", "exchanged", "repaired"})
CONTACT_KINDS = ("case", "complaint")


# ----------------------------------------------------------------------------- bus handlers


def _session_of(session: Session, event: Event, data: dict[str, Any]) -> LiveSession | None:
    """The session an event names, if it is the same merchant's (or the same room's)."""
    session_id = as_uuid(data.get("live_session_id"))
    live = session.get(LiveSession, session_id) if session_id else None
    if live is None:
        return None
    same_room = str(data.get("room_id") or "") == str(live.room_id)
    return live if event.tenant_id == live.tenant_id or same_room else None


def _order_row(session: Session, order_id: uuid.UUID | None) -> LiveActivity | None:
    if order_id is None:
        return None
    stmt = select(LiveActivity).where(
        LiveActivity.kind == "order", LiveActivity.order_id == order_id
    )
    return session.scalars(stmt).first()


def _keep(
    session: Session,
    event: Event,
    live: LiveSession,
    *,
    row_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
    quantity: int = 0,
    detail: dict[str, Any] | None = None,
    **values: Any,
) -> None:
    """One row per event, id the event's (``row_id``: a further row of it, derived from its id).

    A redelivered event finds its row and adds nothing.
    """
    row_id = row_id or event.event_id
    if session.get(LiveActivity, row_id) is not None:
        return
    session.add(
        LiveActivity(
            id=row_id,
            tenant_id=live.tenant_id,
            session_id=live.id,
            occurred_at=occurred_at or event.occurred_at,
            quantity=quantity,
            detail=detail or {},
            **values,
        )
    )
    session.flush()


def _order_lines(data: dict[str, Any]) -> list[tuple[str | None, int]]:
    """(product reference, units) per product line; gifts are not on the line-up.

    An order event without lines is one line: its ``product_id`` and ``quantity`` (1 if absent).
    """
    lines = [
        (str(line.get("product_id") or "")[:64] or None, int(line.get("quantity") or 0))
        for line in data.get("lines") or ()
        if isinstance(line, dict) and line.get("kind", "product") == "product"
    ]
    if lines:
        return lines
    return [(str(data.get("product_id") or "")[:64] or None, int(data.get("quantity") or 1))]


def on_order_placed(session: Session, event: Event) -> None:
    """An order of a session: the units each line takes from a product's stock or presale.

    One row per product line (ids derived from the event's, so a redelivery adds nothing); the
    order's amount is on its first row.
    """
    data = event.model_dump()
    live = _session_of(session, event, data)
    if live is None:
        return
    amount = Decimal(str(data.get("total_amount") or 0))
    for number, (product_ref, units) in enumerate(_order_lines(data)):
        _keep(
            session,
            event,
            live,
            row_id=uuid.uuid5(event.event_id, f"line:{number}") if number else None,
            kind="order",
            occurred_at=data.get("placed_at"),
            product_ref=product_ref,
            order_id=as_uuid(data.get("order_id")),
            quantity=units,
            amount=amount if number == 0 else Decimal("0.00"),
        )


def _on_case(kind: str) -> Handler:
    def handle(session: Session, event: Event) -> None:
        data = event.model_dump()
        order = _order_row(session, as_uuid(data.get("order_id")))
        if order is None:
            return  # not an order of a planned session
        live = session.get(LiveSession, order.session_id)
        if live is None:
            return
        detail: dict[str, Any] = {}
        if kind == "case":
            detail = {"remedy": data.get("remedy"), "not_as_shown": bool(data.get("not_as_shown"))}
        elif kind == "case_step":
            detail = {"to_status": data.get("to_status"), "action": data.get("action")}
        amount = data.get("amount")
        _keep(
            session,
            event,
            live,
            kind=kind,
            product_ref=order.product_ref,
            order_id=order.order_id,
            case_id=as_uuid(data.get("case_id")),
            amount=Decimal(str(amount)) if amount is not None else None,
            detail=detail,
        )

    return handle


def on_complaint_filed(session: Session, event: Event) -> None:
    """A complaint about a session (a CS contact)."""
    data = event.model_dump()
    live = _session_of(session, event, data)
    if live is not None:
        _keep(
            session,
            event,
            live,
            kind="complaint",
            detail={"category": data.get("category"), "serious": bool(data.get("serious"))},
        )


def on_findings_recorded(session: Session, event: Event) -> None:
    """Screening findings in a session: counts per category and how many were severe."""
    data = event.model_dump()
    live = _session_of(session, event, data)
    if live is None:
        return
    counts = {str(k): int(v) for k, v in (data.get("counts") or {}).items()}
    _keep(
        session,
        event,
        live,
        kind="finding",
        quantity=sum(counts.values()),
        detail={"counts": counts, "severe": int(data.get("severe") or 0)},
    )


HANDLERS: list[tuple[str, str, Handler]] = [
    ("order.order_placed", "plan.count_order", on_order_placed),
    ("aftersales.case_requested", "plan.count_case", _on_case("case")),
    ("aftersales.case_stepped", "plan.count_case_step", _on_case("case_step")),
    ("aftersales.refund_recorded", "plan.count_refund", _on_case("refund")),
    ("complaint.filed", "plan.count_complaint", on_complaint_filed),
    ("screening.findings_recorded", "plan.count_findings", on_findings_recorded),
]


# ----------------------------------------------------------------------------- the dashboard


@dataclass(frozen=True, slots=True)
class ProductLoad:
    """Orders of one product against its stock and presale quantity."""

    product_id: uuid.UUID
    name: str
    stock: int
    presale_quantity: int
    ordered_units: int
    orders: int
    from_presale: int  # units sold beyond stock (presale)
    oversold: int  # units beyond stock + presale
    presented_times: int


@dataclass(frozen=True, slots=True)
class IntervalLoad:
    """CS contacts in one interval against the plan's expectation and staffing."""

    index: int
    start_minute: int
    planned_contacts: float
    planned_headcount: int
    actual_contacts: int
    actual_headcount: int  # what Erlang C recommends for the contacts that came
    assigned: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    """The session now: sales, CS load, refunds, complaints, findings, presentations."""

    live_session_id: uuid.UUID
    status: str
    products: list[ProductLoad]
    unmatched_orders: int  # orders naming a product not on the line-up
    orders: int
    units: int
    order_amount: Decimal
    cs_contacts: int
    open_cases: int
    cases: int
    not_as_shown_cases: int
    refunds: int
    refund_amount: Decimal
    complaints: int
    serious_complaints: int
    findings: dict[str, int]
    severe_findings: int
    intervals: list[IntervalLoad]
    contacts_outside_schedule: int
    required_headcount: int | None
    assigned_cs: int
    presentations: list[dict[str, Any]]


def _rows(session: Session, live: LiveSession) -> list[LiveActivity]:
    """Every row but the orders (those are summed in the database: a session sells a lot)."""
    stmt = select(LiveActivity).where(
        LiveActivity.session_id == live.id, LiveActivity.kind != "order"
    )
    return list(session.scalars(stmt.order_by(LiveActivity.occurred_at, LiveActivity.id)))


@dataclass(frozen=True, slots=True)
class _Sold:
    orders: int
    units: int
    amount: Decimal


def _sold(session: Session, live: LiveSession) -> tuple[dict[str, _Sold], _Sold]:
    """Orders, units and amount per product reference, and for the whole session."""
    columns = (
        func.count(func.distinct(LiveActivity.order_id)),
        func.coalesce(func.sum(LiveActivity.quantity), 0),
        func.coalesce(func.sum(LiveActivity.amount), 0),
    )
    where = (LiveActivity.session_id == live.id, LiveActivity.kind == "order")

    def sold(n: Any, units: Any, amount: Any) -> _Sold:
        return _Sold(int(n), int(units), Decimal(str(amount)).quantize(Decimal("0.01")))

    per_product = session.execute(
        select(LiveActivity.product_ref, *columns).where(*where).group_by(LiveActivity.product_ref)
    )
    total = session.execute(select(*columns).where(*where)).one()
    return {ref or "": sold(n, u, a) for ref, n, u, a in per_product}, sold(*total)


def _open_cases(rows: list[LiveActivity]) -> tuple[int, int]:
    """(cases requested, cases still open) from the requests and their latest steps."""
    requested = {r.case_id for r in rows if r.kind == "case"}
    closed = {
        r.case_id
        for r in rows
        if r.kind == "case_step" and r.detail.get("to_status") in CLOSED_CASE_STATUSES
    }
    return len(requested), len(requested - closed)


def _intervals(
    session: Session, live: LiveSession, rows: list[LiveActivity]
) -> tuple[list[IntervalLoad], int, int | None]:
    """Contacts per interval against the plan; contacts outside the schedule; peak headcount."""
    data = plans.latest_input(session, live, abandonment=False)  # refreshed every few seconds
    if data is None:
        return [], sum(1 for r in rows if r.kind in CONTACT_KINDS), None
    result = staffing.recommend(data)
    actual: Counter[int] = Counter()
    outside = 0
    started = live.went_live_at or live.scheduled_start
    count = len(result.intervals)
    for r in rows:
        if r.kind not in CONTACT_KINDS:
            continue
        minute = (r.occurred_at - started).total_seconds() / 60
        index = int(minute // data.interval_minutes)
        if minute < 0 or index >= count:
            outside += 1
        else:
            actual[index] += 1
    loads = []
    for planned in result.intervals:
        came = actual[planned.index]
        need = staffing.erlang_c_interval(float(came), data).headcount
        loads.append(
            IntervalLoad(
                index=planned.index,
                start_minute=planned.start_minute,
                planned_contacts=planned.contacts,
                planned_headcount=planned.headcount,
                actual_contacts=came,
                actual_headcount=need,
                assigned=live.assigned_cs,
            )
        )
    return loads, outside, result.required_headcount


def dashboard(session: Session, live: LiveSession) -> Dashboard:
    """Everything counted for the session so far."""
    rows = _rows(session, live)
    products = products_of(session, live)
    moments = moments_of(session, live)
    presented = Counter(m.product_id for m, _name in moments)
    sold, total = _sold(session, live)
    none = _Sold(0, 0, Decimal("0.00"))
    loads = []
    for p in products:
        mine = sold.pop(str(p.id), none)
        loads.append(
            ProductLoad(
                product_id=p.id,
                name=p.name,
                stock=p.stock,
                presale_quantity=p.presale_quantity,
                ordered_units=mine.units,
                orders=mine.orders,
                from_presale=max(0, min(mine.units - p.stock, p.presale_quantity)),
                oversold=max(0, mine.units - p.stock - p.presale_quantity),
                presented_times=presented[p.id],
            )
        )
    cases, open_cases = _open_cases(rows)
    complaints = [r for r in rows if r.kind == "complaint"]
    refunds = [r for r in rows if r.kind == "refund"]
    findings: Counter[str] = Counter()
    for r in rows:
        if r.kind == "finding":
            findings.update(r.detail.get("counts", {}))
    intervals, outside, required = _intervals(session, live, rows)
    return Dashboard(
        live_session_id=live.id,
        status=live.status,
        products=loads,
        unmatched_orders=sum(x.orders for x in sold.values()),
        orders=total.orders,
        units=total.units,
        order_amount=total.amount,
        cs_contacts=cases + len(complaints),
        open_cases=open_cases,
        cases=cases,
        not_as_shown_cases=sum(1 for r in rows if r.kind == "case" and r.detail["not_as_shown"]),
        refunds=len(refunds),
        refund_amount=sum((r.amount or Decimal(0) for r in refunds), Decimal("0.00")),
        complaints=len(complaints),
        serious_complaints=sum(1 for r in complaints if r.detail.get("serious")),
        findings=dict(sorted(findings.items())),
        severe_findings=sum(int(r.detail.get("severe", 0)) for r in rows if r.kind == "finding"),
        intervals=intervals,
        contacts_outside_schedule=outside,
        required_headcount=required,
        assigned_cs=live.assigned_cs,
        presentations=[
            {"product_id": str(m.product_id), "name": name, "at": m.presented_at}
            for m, name in moments
        ],
    )


@dataclass(frozen=True, slots=True)
class Report:
    """The end-of-session report: the final dashboard and how staffing met the load."""

    live_session_id: uuid.UUID
    title: str
    scheduled_start: datetime
    scheduled_end: datetime
    dashboard: Dashboard
    peak_actual_headcount: int
    understaffed_intervals: list[int]  # intervals where the assigned staff were below the need
    staffing_override: str | None


def report(session: Session, live: LiveSession) -> Report:
    """The report of an ended session (orders, refunds, complaints so far, staffing vs load)."""
    if live.status != "ended":
        raise Conflict("直播结束后才能生成场次报告", code="plan.session_not_ended")
    board = dashboard(session, live)
    return Report(
        live_session_id=live.id,
        title=live.title,
        scheduled_start=live.scheduled_start,
        scheduled_end=live.scheduled_end,
        dashboard=board,
        peak_actual_headcount=max((i.actual_headcount for i in board.intervals), default=0),
        understaffed_intervals=[
            i.index for i in board.intervals if i.actual_headcount > live.assigned_cs
        ],
        staffing_override=live.staffing_override,
    )
