"""Real-name verification services (实名认证, 直播营销服务规范 7.1.2 a): a pluggable interface.

``registry.verifier = "http"`` sends ``POST <verifier_url>`` with a JSON body
``{"request_id": str, "name": str, "id_number": str}`` and ``Authorization: Bearer <token>``,
and expects ``{"result": "match" | "mismatch" | "not_found", "reference": str}`` back (the shape
the identity-check gateways of the public-security citizen-information service resell; put an
adapter in front of one with another shape). ``"none"`` means no service is configured:
reviewers then record checks they made by other means (``method = "manual"``).

Network failures and unexpected answers become outcome ``error``: nothing is decided on them.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from liveguard.errors import ServiceUnavailable
from liveguard.settings import Settings

log = logging.getLogger(__name__)
MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class VerifierResult:
    """What the service said: passed (name and number match), failed, or error (undecided)."""

    outcome: str
    reason: str = ""
    reference: str | None = None


class IdentityVerifier(Protocol):
    """Checks that a name and resident ID number belong together."""

    method: str

    def verify(self, *, name: str, id_number: str, request_id: str) -> VerifierResult:
        """Ask the service; never raises for a negative answer."""
        ...


class NoVerifier:
    """No service configured: automatic checks are unavailable (manual checks still work)."""

    method = "none"

    def verify(self, **_: str) -> VerifierResult:
        """Always refuses: there is nobody to ask."""
        raise ServiceUnavailable(
            "未配置实名认证服务（LIVEGUARD_REGISTRY__VERIFIER），请由审核人员人工核验后登记",
            code="registry.verifier_unavailable",
        )


class HttpVerifier:
    """A JSON-over-HTTP identity service."""

    method = "http"

    def __init__(self, url: str, token: str | None, timeout: float) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("the verifier URL must be http:// or https://")
        self.url = url
        self.token = token
        self.timeout = timeout

    def verify(self, *, name: str, id_number: str, request_id: str) -> VerifierResult:
        """POST the name and number; map the answer to passed / failed / error."""
        body = json.dumps(
            {"request_id": request_id, "name": name, "id_number": id_number}, ensure_ascii=False
        ).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310 — scheme checked in __init__
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                raw = answer.read(MAX_ANSWER_BYTES)
        except urllib.error.HTTPError as exc:
            return VerifierResult("error", f"实名认证服务返回 HTTP {exc.code}")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            log.warning("identity verifier unreachable: %s", exc)
            return VerifierResult("error", "实名认证服务暂时无法访问")
        return _interpret(raw)


def _interpret(raw: bytes) -> VerifierResult:
    try:
        answer = json.loads(raw)
    except ValueError:
        return VerifierResult("error", "实名认证服务的应答无法解析")
    if not isinstance(answer, dict):
        return VerifierResult("error", "实名认证服务的应答无法解析")
    reference = answer.get("reference")
    ref = str(reference)[:100] if reference is not None else None
    result = answer.get("result")
    if result == "match":
        return VerifierResult("passed", "姓名与身份证号码一致", ref)
    if result == "mismatch":
        return VerifierResult("failed", "姓名与身份证号码不一致", ref)
    if result == "not_found":
        return VerifierResult("failed", "查无此身份证号码", ref)
    return VerifierResult("error", "实名认证服务的应答无法解析", ref)


def build_verifier(settings: Settings) -> IdentityVerifier:
    """The verifier the settings name."""
    reg = settings.registry
    if reg.verifier == "http":
        token = reg.verifier_token.get_secret_value() if reg.verifier_token else None
        return HttpVerifier(reg.verifier_url, token, reg.verifier_timeout_seconds)
    return NoVerifier()
