"""After-sales: seven-day no-reason returns, quality-defect remedies, refunds and settlement.

The rule engine is pure (:mod:`liveguard.aftersales.rules`, :mod:`liveguard.aftersales.settlement`)
and implements 《网络购买商品七日无理由退货暂行办法》 with 消费者权益保护法 第二十四、二十五条 and
三包; ``liveguard returns check`` exposes it as the NDJSON contract of the design document
(直播营销服务规范 7.2.7, 7.3.2.3). After-sales cases (:mod:`liveguard.aftersales.workflow`,
``service``) run request → response → return → refund/exchange/repair with deadline clocks.
Other domains import only from here.
"""

from liveguard.aftersales.permissions import GRANTS
from liveguard.aftersales.rules import (
    Condition,
    Confirmable,
    Exclusion,
    GoodsType,
    Payer,
    Reason,
    Remedy,
    ReturnDecision,
    ReturnRequest,
    WarrantyRemedy,
    assess_intactness,
    decide_return,
    requested_in_time,
    return_deadline,
    return_shipping_payer,
    three_guarantees_remedy,
)
from liveguard.aftersales.settlement import (
    FreeShipping,
    Gift,
    GiftCharge,
    Line,
    Refundable,
    Settlement,
    gift_charge,
    refundable,
    settle_return,
)
from liveguard.order import Bundle, SpendSave  # the deals a settlement re-prices (order's terms)

__all__ = [
    "GRANTS",
    "Bundle",
    "Condition",
    "Confirmable",
    "Exclusion",
    "FreeShipping",
    "Gift",
    "GiftCharge",
    "GoodsType",
    "Line",
    "Payer",
    "Reason",
    "Refundable",
    "Remedy",
    "ReturnDecision",
    "ReturnRequest",
    "Settlement",
    "SpendSave",
    "WarrantyRemedy",
    "assess_intactness",
    "decide_return",
    "gift_charge",
    "refundable",
    "requested_in_time",
    "return_deadline",
    "return_shipping_payer",
    "settle_return",
    "three_guarantees_remedy",
]
