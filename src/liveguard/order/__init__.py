"""Orders: orders, payments, shipments and sign-for events from the platform's systems.

Each is linked to its merchant (tenant), live session and product, idempotent by external id,
and kept as evidence (直播营销服务规范 7.2.9; 直播电商监督管理办法 第十六条). The buyer's phone and
address are encrypted at rest and masked by role. Other domains import only from here.
"""

from liveguard.order.models import Order, OrderLine, Payment, Shipment
from liveguard.order.permissions import GRANTS
from liveguard.order.rules import Bundle, Deal, SpendSave, deal_price
from liveguard.order.service import (
    deal_terms,
    find_by_external,
    get_order,
    list_orders,
    may_see_pii,
    order_view,
)

__all__ = [
    "GRANTS",
    "Bundle",
    "Deal",
    "Order",
    "OrderLine",
    "Payment",
    "Shipment",
    "SpendSave",
    "deal_price",
    "deal_terms",
    "find_by_external",
    "get_order",
    "list_orders",
    "may_see_pii",
    "order_view",
]
