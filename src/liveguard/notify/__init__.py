"""Notification core: delivery to group robots (DingTalk, WeCom, Feishu / Lark).

Pure payload building and signing plus one small HTTP sender; domains decide what to say and to
whom, and send through their bus handlers (so a crash never loses a notice).
"""

from liveguard.notify.robots import (
    KINDS,
    DeliveryFailed,
    Message,
    RobotSender,
    accepted,
    check_robot_url,
    dingtalk_request,
    feishu_request,
    wecom_request,
)

__all__ = [
    "KINDS",
    "DeliveryFailed",
    "Message",
    "RobotSender",
    "accepted",
    "check_robot_url",
    "dingtalk_request",
    "feishu_request",
    "wecom_request",
]
