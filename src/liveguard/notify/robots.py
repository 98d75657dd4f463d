"""Group robots that receive warnings and alerts: DingTalk, WeCom (企业微信) and Feishu / Lark.

Payloads (each robot's documented custom-robot format):

- DingTalk: ``{"msgtype": "markdown", "markdown": {"title", "text"}}``; with a signing secret the
  URL gets ``&timestamp=<ms>&sign=<urlencoded base64 HMAC-SHA256(secret, "<ms>\\n<secret>")>``;
  success is ``{"errcode": 0}``.
- WeCom: ``{"msgtype": "markdown", "markdown": {"content"}}``; success is ``{"errcode": 0}``.
- Feishu: ``{"msg_type": "text", "content": {"text"}}``, and with a secret ``"timestamp": "<s>"``
  and ``"sign": base64 HMAC-SHA256(key="<s>\\n<secret>", msg="")``; success is ``{"code": 0}``
  (older deployments answer ``{"StatusCode": 0}``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from liveguard.errors import InvalidInput

KINDS: dict[str, str] = {"dingtalk": "钉钉", "wecom": "企业微信", "feishu": "飞书"}
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_ANSWER_BYTES = 64 * 1024


class DeliveryFailed(Exception):
    """The robot did not accept the message (network, HTTP status or its own error code)."""


@dataclass(frozen=True)
class Message:
    """A warning as a robot shows it."""

    title: str
    text: str


def check_robot_url(
    kind: str, url: str, allowed_hosts: list[str], *, domain: str = "registry"
) -> str:
    """The robot's host, when the URL points at an allowed robot host (no requests elsewhere).

    Error codes are ``<domain>.invalid_robot`` and the like (stable codes of each caller)."""
    if kind not in KINDS:
        raise InvalidInput(f"未知的机器人类型：{kind}", code=f"{domain}.invalid_robot")
    parts = urllib.parse.urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host not in {h.lower() for h in allowed_hosts}:
        raise InvalidInput(
            f"机器人地址的主机 {host or '（空）'} 不在允许的列表中",
            code=f"{domain}.robot_host_not_allowed",
        )
    if parts.scheme != "https" and not (parts.scheme == "http" and host in LOCAL_HOSTS):
        raise InvalidInput("机器人地址必须使用 https", code=f"{domain}.robot_needs_https")
    return host


def dingtalk_request(
    url: str, secret: str | None, message: Message, now_ms: int
) -> tuple[str, dict[str, Any]]:
    """The (signed) URL and body of a DingTalk custom robot message."""
    body = {"msgtype": "markdown", "markdown": {"title": message.title, "text": message.text}}
    if not secret:
        return url, body
    to_sign = f"{now_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={now_ms}&sign={sign}", body


def wecom_request(url: str, message: Message) -> tuple[str, dict[str, Any]]:
    """The URL and body of a WeCom group robot message."""
    return url, {
        "msgtype": "markdown",
        "markdown": {"content": f"**{message.title}**\n{message.text}"},
    }


def feishu_request(
    url: str, secret: str | None, message: Message, now_s: int
) -> tuple[str, dict[str, Any]]:
    """The URL and (signed) body of a Feishu / Lark custom bot message."""
    body: dict[str, Any] = {
        "msg_type": "text",
        "content": {"text": f"{message.title}\n{message.text}"},
    }
    if secret:
        key = f"{now_s}\n{secret}".encode()
        body["timestamp"] = str(now_s)
        body["sign"] = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    return url, body


def accepted(kind: str, answer: Any) -> bool:
    """Whether the robot's JSON answer means the message was taken."""
    if not isinstance(answer, dict):
        return False
    if kind == "feishu":
        return answer.get("code", answer.get("StatusCode")) == 0
    return answer.get("errcode") == 0


class RobotSender:
    """Posts messages to robots over HTTPS."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def send(self, kind: str, url: str, secret: str | None, message: Message, now_ms: int) -> None:
        """Deliver one message; DeliveryFailed unless the robot confirms it."""
        if kind == "dingtalk":
            target, body = dingtalk_request(url, secret, message, now_ms)
        elif kind == "wecom":
            target, body = wecom_request(url, message)
        else:
            target, body = feishu_request(url, secret, message, now_ms // 1000)
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 — the URL was checked by check_robot_url
            target,
            data=data,
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as exc:
            raise DeliveryFailed(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryFailed(f"unreachable: {exc}") from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise DeliveryFailed("answer is not JSON") from exc
        if not accepted(kind, answer):
            raise DeliveryFailed(f"refused: {str(answer)[:200]}")
