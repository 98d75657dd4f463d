"""Registry (登记): parties, qualification documents, real-name checks, training, relations,
public disclosure and early warnings (直播营销服务规范 5.2–5.4, 7.1, 7.2.1, 7.2.2, 7.2.8, 7.3.1,
7.3.2.1 a–c, 7.4; 《直播电商监督管理办法》).

Other domains import from here only. The consequences they must respect:
:func:`require_host_may_stream` before putting a host on a live session, and
:func:`require_may_sell` before listing goods of a category.
"""

from liveguard.registry.admission import (
    apply_for_admission,
    check_real_name,
    decide_admission,
    record_manual_check,
    require_host_may_stream,
    require_may_sell,
    sell_blockers,
    stream_blockers,
)
from liveguard.registry.disclosure import set_disclosure
from liveguard.registry.documents import (
    DocumentInput,
    attach_scan,
    review_document,
    submit_document,
)
from liveguard.registry.events import ViolationReported
from liveguard.registry.models import Document, LiveRoom, Party
from liveguard.registry.permissions import GRANTS
from liveguard.registry.relations import (
    RelationInput,
    active_relation,
    create_relation,
    create_room,
    create_supplier,
    record_acceptance,
)
from liveguard.registry.rules import id_check_char, uscc_check_char
from liveguard.registry.scans import store_scan
from liveguard.registry.service import (
    ID_CONTEXT,
    PersonInput,
    create_person,
    ensure_org_party,
    update_party,
)
from liveguard.registry.training import create_course, record_training
from liveguard.registry.warnings import run_warnings

__all__ = [
    "GRANTS",
    "ID_CONTEXT",
    "Document",
    "DocumentInput",
    "LiveRoom",
    "Party",
    "PersonInput",
    "RelationInput",
    "ViolationReported",
    "active_relation",
    "apply_for_admission",
    "attach_scan",
    "check_real_name",
    "create_course",
    "create_person",
    "create_relation",
    "create_room",
    "create_supplier",
    "decide_admission",
    "ensure_org_party",
    "id_check_char",
    "record_acceptance",
    "record_manual_check",
    "record_training",
    "require_host_may_stream",
    "require_may_sell",
    "review_document",
    "run_warnings",
    "sell_blockers",
    "set_disclosure",
    "store_scan",
    "stream_blockers",
    "submit_document",
    "update_party",
    "uscc_check_char",
]
