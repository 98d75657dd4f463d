"""Shared pieces of the complaint console: the router, the names shown on every page, the
step form's parsing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form

from liveguard.clock import CHINA_TZ
from liveguard.complaint import escalation, rules, service
from liveguard.complaint import workflow as wf
from liveguard.errors import InvalidInput
from liveguard.web.console import ConsoleText, console_router

router = console_router(
    labels={
        "note": "说明",
        "title": "投诉标题",
        "description": "投诉内容",
        "phone": "手机号码",
        "code": "验证码",
        "evidence": "证据",
        "rating": "评分",
        "category": "投诉类别",
        "merchant_id": "商家",
    }
)
STATUS_NAMES = {
    "filed": "待受理",
    "accepted": "已受理",
    "not_accepted": "不予受理",
    "verifying": "核实中",
    "decided": "已判定责任",
    "negotiating": "协商中",
    "resolved": "已解决",
    "escalated_live": "直播方介入",
    "platform_intervention": "平台介入",
    "emergency": "应急处置",
    "referred": "已转交",
    "closed": "已关闭",
    "rated": "已评价",
}
ACTION_NAMES = {
    "accept": "受理",
    "not_accept": "不予受理",
    "start_verification": "开始核实",
    "decide_responsibility": "判定责任",
    "open_negotiation": "进入协商",
    "propose_solution": "提出解决方案",
    "confirm_solution": "确认解决方案",
    "resolve": "处理完结",
    "respond": "回复消费者",
    "await_consumer": "请消费者补充材料",
    "consumer_reply": "补充材料",
    "request_intervention": "申请平台介入",
    "escalate_live": "提交直播方处理",
    "intervene": "平台介入",
    "take_over": "接手处理",
    "declare_emergency": "启动应急机制",
    "refer": "转交 12315 或消费者协会",
    "close": "关闭",
    "reopen": "重新打开",
    "withdraw": "撤回投诉",
    "rate": "评价",
    "file": "提交投诉",
}
RESPONSIBILITY_NAMES = {
    "merchant": "商家",
    "live_side": "直播方",
    "platform": "平台",
    "not_substantiated": "投诉不成立",
}
REMEDY_NAMES = {
    "refund": "退款",
    "return": "退货",
    "exchange": "换货",
    "repair": "维修",
    "compensation": "赔偿",
    "apology": "道歉",
    "explanation": "解释说明",
}
REFERRAL_NAMES = {"12315": "12315 平台", "consumer_association": "消费者协会"}
LABELS: dict[str, Any] = {
    "status_names": STATUS_NAMES,
    "action_names": ACTION_NAMES,
    "step_names": escalation.STEP_LABELS,
    "responsibility_names": RESPONSIBILITY_NAMES,
    "remedy_names": REMEDY_NAMES,
    "referral_names": REFERRAL_NAMES,
    "categories": rules.CATEGORIES,
    "channels": rules.CHANNELS,
    "china_tz": CHINA_TZ,
}
FormText = Annotated[ConsoleText, Form(max_length=2000)]
ShortText = Annotated[ConsoleText, Form(max_length=200)]


def step_input(
    action: str,
    note: str,
    evidence: str,
    responsibility: str,
    remedies: list[str],
    referral: str,
    rating: str,
) -> service.StepInput:
    try:
        return service.StepInput(
            action=wf.Action(action),
            note=note.strip(),
            evidence=tuple(e.strip() for e in evidence.splitlines() if e.strip()),
            responsibility=wf.Responsibility(responsibility) if responsibility else None,
            remedies=tuple(wf.Remedy(r) for r in remedies if r),
            referral=wf.Referral(referral) if referral else None,
            rating=int(rating) if rating else None,
        )
    except ValueError as exc:
        raise InvalidInput("操作参数无效", code="complaint.invalid_step") from exc
