"""Pure context rules of live screening: negation and warnings, questions, the SAMR exemptions.

Each function looks at the folded text (see :mod:`normalise`) around a candidate match at
``[start, end)`` and answers one question. They hold no state and do no I/O; the engine calls
them only for candidates, never for clean text.

The exemptions follow 《广告绝对化用语执法指南》 (SAMR 2023 No. 6): absolute terms that only state
the merchant's aims, compare within its own brand or shop, or give usage advice are clean;
dated or scoped facts (a sales rank), trademarks and official titles need a human to check the
claim is true, so their findings are kept and flagged for review.
"""

from __future__ import annotations

import re
from typing import Literal

Verdict = Literal["clean", "review"]

NEGATIONS = (
    "严厉打击|千万不要|千万别|从来不|不接受|不支持|不需要|不存在|不宣称|不承诺|不保证|不具有|不具备|"
    "不可以|不要|不得|不会|从不|绝不|决不|不能|不可|不是|并非|并不|别|切勿|请勿|谨防|严禁|禁止|拒绝|"
    "防止|警惕|小心|当心|远离|杜绝|举报|打击|反对|没有|从没|不用|无需|未经|勿|莫|不"
)
# What may stand between a negation and the claim it denies (别加陌生人微信, 不能代替药物治疗…).
NEGATION_GAP = (
    "[私下自随便轻易相信去主动和跟与找陌生人的你我他她们大家要被让帮"
    "代替药物作为用于具有任何进行参与宣称承诺保证这种此类样意何再]"
)
NEGATED_BEFORE = re.compile(f"(?:{NEGATIONS}){NEGATION_GAP}{{0,8}}$")
WARNED_AFTER = re.compile(
    "^.{0,6}?(?<![不没])(?:都是骗子|是骗子|骗局|诈骗|是假的|别信|不要信|不可信|不能信|违法|违规|"
    "会被封|封号|不允许|禁止|是不对的|不靠谱|风险很大|小心被骗|谨防|上当|没有保障|没保障|无保障|不受保护|得不到保障)"
)
QUESTION_AFTER = re.compile(r"^[^，。！,.!；;\n]*?(?:吗|么|嘛|\?|？)")
QUESTION_BEFORE = re.compile(
    r"(?:能不能|是不是|会不会|可不可以|有没有|真的能|真能|真的会|难道)[^，。！,.!]{0,6}$"
)

MERCHANT_AIM = re.compile(
    r"(?:目标|追求|致力|争创|力争|努力|梦想|愿景|宗旨|立志|争取|志在|使命)\w{0,10}$"
)
SAME_BRAND = re.compile(
    r"(?:店里|店内|店中|本店|自家|本品牌|我们品牌|品牌里|品牌中|品牌内|系列里|系列中|本系列|同系列|旗下|"
    r"家族|几款里|几款中|款里|款中|产品里|产品中|产品线)\w{0,6}$"
)
SCOPED_CLAIM = re.compile(
    r"^(?:全网|全国|全球|全世界|世界|行业|业内|业界|同行|同类|国内|中国|亚洲|天下|宇宙|史上|有史以来|地表|全平台|全城|国家级)"
)
USAGE_TIP = re.compile(
    r"(?:食用|饮用|使用|保存|放|在|用|冷藏|密封|趁|尽快|是|不要|别|先|搭配|赏味|温水)"
)
TIME_SCOPE = re.compile(
    r"(?:\d{4}年|\d{1,2}月|今年|去年|本月|上月|本周|上周|当月|年度|季度|双11|618|据\w{0,8}(?:统计|数据|榜)|"
    r"数据来源|来源于|天猫|京东|淘宝|抖音|快手|拼多多|小红书|唯品会|苏宁|类目|细分|品类|区域|省内|市内|地区|"
    r"榜单|排行榜|第三方)"
)
TRADEMARK = re.compile(r"(?:商标|牌子叫|品牌名|品牌叫|型号|专利|注册)")
OFFICIAL_TITLE = re.compile(r"(?:荣获|获得|获评|评为|被评|授予|认定|称号|荣誉|奖项|金奖|颁发|入选)")

BEFORE = 14
AFTER = 10


def negated(folded: str, start: int, end: int) -> bool:
    """A warning or denial surrounds the claim (谨防刷单, 不能代替药物, 加微信退款都是骗子)."""
    if NEGATED_BEFORE.search(folded, max(0, start - BEFORE), start):
        return True
    return WARNED_AFTER.search(folded[end : end + AFTER + 6]) is not None


def is_question(text: str, start: int, end: int) -> bool:
    """The clause around ORIGINAL ``[start, end)`` asks rather than claims (能治糖尿病吗？)."""
    if QUESTION_AFTER.search(text[end : end + 20]):
        return True
    return QUESTION_BEFORE.search(text[max(0, start - 12) : start]) is not None


def exemption(
    kinds: tuple[str, ...], folded: str, start: int, end: int
) -> tuple[Verdict, str] | None:
    """The first exemption of ``kinds`` that applies to an absolute term, and its verdict."""
    before = folded[max(0, start - BEFORE) : start]
    term = folded[start:end]
    wide = folded[max(0, start - 24) : end + 14]
    checks: list[tuple[str, Verdict, bool]] = [
        ("merchant_aim", "clean", MERCHANT_AIM.search(before) is not None),
        (
            "same_brand",
            "clean",
            SAME_BRAND.search(before) is not None and SCOPED_CLAIM.search(term) is None,
        ),
        (
            "usage_tip",
            "clean",
            term.endswith(("最好", "最佳")) and USAGE_TIP.match(folded, end) is not None,
        ),
        ("official_title", "review", OFFICIAL_TITLE.search(wide) is not None),
        ("trademark", "review", TRADEMARK.search(wide) is not None),
        ("time_scope", "review", TIME_SCOPE.search(wide) is not None),
    ]
    for name, verdict, applies in checks:
        if applies and name in kinds:
            return verdict, name
    return None
