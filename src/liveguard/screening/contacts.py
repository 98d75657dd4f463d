"""Contact patterns (直播营销服务规范 7.2.1 d): phone, QQ and WeChat numbers or ids, and URLs.

Phones, QQ numbers and WeChat ids are found in the canonical text, where Chinese numerals,
①-style and spaced-out digits have already become plain digits and 威信/薇信 read as 微信. URLs
are found in the original text, whose dots the normalisation deletes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

BASIS = "直播营销服务规范 7.2.1 d"
URL = re.compile(
    r"(?:https?://|www[.。．])[^\s，。！、]+"
    r"|(?<![a-z0-9])[a-z0-9][-a-z0-9]{1,62}(?:\.|。|．|点)"
    r"(?:com|cn|net|org|top|xyz|vip|shop|cc|me|io|club|site|online|ltd|link|store|info)(?![a-z])"
    r"(?:/[^\s，。！、]*)?",
    re.IGNORECASE,
)
URL_CUES = ("www", "http", "com", "cn", "net", "org", "top", "xyz", "vip", "shop", "club", "site")
DIGIT_RUN = re.compile(r"\d{5}")


@dataclass(frozen=True, slots=True)
class ContactPattern:
    """One contact detector: a rule id, its regex over canonical text, and a severity."""

    rule: str
    regex: re.Pattern[str]
    severity: str
    check: Callable[[re.Match[str]], bool] | None = None


def _wechat_id_ok(match: re.Match[str]) -> bool:
    """A bare "v" cue needs an id with digits (V领, Vlog are not WeChat ids)."""
    return match.group("cue") != "v" or sum(c.isdigit() for c in match.group("id")) >= 2


def build(canon: Callable[[str], str]) -> list[ContactPattern]:
    """The detectors, with their Chinese cue words in canonical spelling."""

    def alt(*cues: str) -> str:
        return "|".join(re.escape(canon(c)) for c in sorted(cues, key=len, reverse=True))

    phone_cues = alt(
        "电话", "手机", "座机", "热线", "拨打", "致电", "call", "tel", "phone", "号码", "联系"
    )
    qq_cues = alt("qq号", "qq群", "qq", "扣扣号", "扣扣", "企鹅号", "企鹅", "群号", "q群", "q号")
    wx_cues = alt("微信号", "微信", "vx", "wx", "v信", "weixin", "wechat", "薇信", "威信")
    wx_num = alt("微信号", "微信", "vx", "wx", "v信", "weixin", "wechat")
    hao = alt("号码", "号", "是", "为")
    return [
        ContactPattern(
            "contact.url",
            re.compile(
                r"(?:https?|www)[a-z0-9]{2,60}?(?:com|cn|net|org|top|xyz|vip|shop|club|site)(?![a-z])"
            ),
            "high",
        ),
        ContactPattern("contact.phone", re.compile(r"(?<!\d)(?:86)?1[3-9]\d{9}(?!\d)"), "high"),
        ContactPattern(
            "contact.number_after_cue",
            re.compile(rf"(?:{phone_cues})\D{{0,3}}\d{{7,20}}(?!\d)"),
            "high",
        ),
        ContactPattern(
            "contact.qq",
            re.compile(rf"(?<![a-z])(?:{qq_cues}|q)(?:{hao})?\D{{0,2}}[1-9]\d{{4,19}}(?!\d)"),
            "high",
        ),
        ContactPattern(
            "contact.wechat_number",
            re.compile(rf"(?:{wx_num})(?:{hao})?\d{{6,11}}(?!\d)"),
            "high",
        ),
        ContactPattern(
            "contact.wechat_id",
            re.compile(rf"(?P<cue>{wx_cues}|(?<![a-z])v)(?:{hao})?(?P<id>[a-z][a-z0-9]{{5,19}})"),
            "high",
            _wechat_id_ok,
        ),
    ]
