"""Shared pieces of the registry console: the router, loaders, names shown on every page."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Request

from liveguard.registry import conduct, documents, requirements, rules, service, status, training
from liveguard.registry.models import Document, Party
from liveguard.registry.scans import too_large
from liveguard.web.console import console_router
from liveguard.web.deps import ConsoleUserDep, CtxDep, UowDep

LABELS = {
    "kind": "主体类型",
    "status": "准入状态",
    "q": "名称",
    "party_id": "主体编号",
    "document_id": "证照编号",
    "warning_id": "预警编号",
    "change_id": "变更编号",
    "org_id": "所属组织",
    "name": "名称",
    "id_number": "身份证号码",
    "phone": "手机号",
    "doc_type": "证照类型",
    "number": "证照编号",
    "issuer": "发证机关",
    "valid_from": "有效期起",
    "valid_until": "有效期至",
    "scan": "扫描件",
    "decision": "审核结论",
    "action": "审核动作",
    "reasons": "理由",
    "reason": "事由",
    "note": "说明",
    "categories": "经营类目",
    "cs_phone": "客服电话",
    "dispute_channels": "消费争议解决途径",
    "address": "经营地址",
    "changed_on": "变更日期",
    "course_id": "课程",
    "completed_on": "完成日期",
    "certificate_no": "证书编号",
    "open_only": "只看未解除",
    "violation_id": "违规记录编号",
    "code": "违规类型",
    "occurred_on": "违规日期",
}
router = console_router(labels=LABELS)

# Names the registry's templates show (besides ROLE_NAMES and ORG_KIND_NAMES of web.console).
NAMES: dict[str, Any] = {
    "PARTY_KINDS": rules.PARTY_KINDS,
    "PERSON_KINDS": rules.PERSON_KINDS,
    "CATEGORIES": rules.CATEGORIES,
    "DOC_TYPES": {code: t.name for code, t in rules.DOCUMENT_TYPES.items()},
    "ADMISSION": requirements.ADMISSION_STATUSES,
    "DECISIONS": requirements.DECISIONS,
    "WARNING_KINDS": status.WARNING_KINDS,
    "SEVERITIES": status.SEVERITIES,
    "COURSE_KINDS": training.COURSE_KINDS,
    "REVIEW_STATUSES": {
        "pending": "待审核",
        "approved": "已通过",
        "rejected": "已驳回",
        "revoked": "已撤销",
        "superseded": "已替代",
    },
    "DOC_STATES": {
        "valid": "在有效期内",
        "expiring": "即将到期",
        "expired": "已过期",
        "not_yet_valid": "尚未生效",
        "pending": "待审核",
        "approved": "已通过",
        "rejected": "已驳回",
        "revoked": "已撤销",
        "superseded": "已替代",
    },
    "RELATION_KINDS": {"signed_host": "签约主播", "entrusted_host": "委托主播"},
    "CHECK_OUTCOMES": {"passed": "通过", "failed": "未通过", "error": "无结果"},
    "CHECK_METHODS": {
        "http": "实名认证服务",
        "manual": "人工核验",
        "local": "本地校验",
        "review": "信息复核",
    },
    "CHANGE_STATUSES": {"pending": "待核验", "verified": "已核验"},
    "PENALTIES": {code: p.name for code, p in conduct.PENALTIES.items()},
}


def console_party(party_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep) -> Party:
    """A party the logged-in user may see (404 otherwise; CSRF checked first on forms)."""
    return service.get_party(uow.session, ident.principal, party_id)


def console_document(document_id: uuid.UUID, ident: ConsoleUserDep, uow: UowDep) -> Document:
    """A document the logged-in user may see (404 otherwise)."""
    return documents.get_document(uow.session, ident.principal, document_id)


def upload_limit(request: Request, ctx: CtxDep) -> None:
    """Refuse an oversize upload from its Content-Length before the form is read."""
    limit = ctx.settings.registry.max_scan_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:  # room for the other fields
        raise too_large(limit)


ConsolePartyDep = Annotated[Party, Depends(console_party)]
ConsoleDocumentDep = Annotated[Document, Depends(console_document)]
UploadLimitDep = Annotated[None, Depends(upload_limit)]
