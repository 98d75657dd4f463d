"""Registry rules (pure): party and document kinds, number validators, validity and age.

Clauses: 直播营销服务规范 5.2 (parties hold the qualifications the law requires), 7.1.2 a (hosts
give true identity documents and pass real-name verification), 7.2.1 a (the platform holds the
增值电信业务经营许可证), 7.2.8 (the platform checks and registers each marketer's identity and
licences), 7.3.1 (marketers hold the licences of the business they actually do). Number formats:
GB 32100—2015 (unified social credit code), GB 11643—1999 (resident identity number),
《食品经营许可和备案管理办法》 (JY), 《食品生产许可管理办法》 第二十九条 (SC).

Every validator takes the text as typed (full-width characters and spaces are folded) and returns
the canonical number, or raises ``InvalidInput`` with a Chinese message naming the rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from liveguard.errors import InvalidInput

# ----------------------------------------------------------------------------- kinds

ORGANISATION_KINDS: dict[str, str] = {
    "platform_operator": "平台经营者",
    "merchant": "商家（直播营销商）",
    "live_room_operator": "直播间运营者",
    "mcn": "MCN 机构",
}
PERSON_KINDS: dict[str, str] = {
    "host": "主播",
    "assistant_host": "助播",
    "cs_staff": "客服人员",
}
PARTY_KINDS: dict[str, str] = {**ORGANISATION_KINDS, **PERSON_KINDS}
STREAMING_KINDS = frozenset({"host", "assistant_host"})
# Kinds that sell goods and so carry product categories and a public disclosure page.
SELLING_KINDS = frozenset({"merchant", "live_room_operator"})
DISCLOSING_KINDS = frozenset(ORGANISATION_KINDS)

# The product categories of DESIGN.md (the `liveguard screen` contract uses the same codes).
CATEGORIES: dict[str, str] = {
    "food": "食品",
    "health_food": "保健食品",
    "cosmetics": "化妆品",
    "drug": "药品",
    "medical_device": "医疗器械",
    "apparel": "服装",
    "shoes": "鞋类",
    "electronics": "数码电器",
    "home": "家居",
    "toys": "玩具",
    "jewelry": "珠宝首饰",
    "finance": "金融产品",
    "collectibles": "收藏品",
    "other": "其他",
}

# The provinces (GB/T 2260 first two digits), for resident IDs and licence numbers.
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台"


def _bad(message: str, *, field: str = "number", rule: str | None = None) -> InvalidInput:
    details: dict[str, str] = {"field": field}
    if rule:
        details["rule"] = rule
    return InvalidInput(message, code="registry.invalid_number", details=details)


def compact(value: str) -> str:
    """Full-width characters folded (NFKC), spaces and hyphen-like separators kept only inside."""
    return "".join(unicodedata.normalize("NFKC", value).split())


MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")  # mainland mobile numbers


def normalise_mobile(value: str) -> str:
    """The 11 digits of a mainland mobile number (accepts +86, 0086, spaces and hyphens)."""
    digits = re.sub(r"[\s\-()]", "", unicodedata.normalize("NFKC", value))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if not MOBILE_RE.match(digits):
        raise InvalidInput(
            "手机号格式不正确（中国大陆 11 位手机号）",
            code="registry.invalid_phone",
            details={"field": "phone"},
        )
    return digits


def check_categories(values: list[str]) -> list[str]:
    """Known product categories, de-duplicated in a stable order."""
    unknown = [v for v in values if v not in CATEGORIES]
    if unknown:
        raise InvalidInput(
            f"未知的商品类目：{', '.join(unknown)}", code="registry.invalid_category"
        )
    return sorted(set(values))


# ----------------------------------------------------------------------------- GB 32100


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 25 13 8 …


def uscc_check_char(first17: str) -> str:
    """GB 32100—2015 check character of the first 17 characters of a credit code."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> str:
    """A unified social credit code (统一社会信用代码), upper-case, check character verified."""
    code = compact(value).upper()
    if len(code) != 18:
        raise _bad(f"统一社会信用代码应为 18 位（当前 {len(code)} 位）", rule="GB 32100—2015")
    for position, char in enumerate(code, start=1):
        if char not in USCC_ALPHABET:
            raise _bad(
                f"统一社会信用代码第 {position} 位不是允许的字符"
                "（只用数字和除 I、O、S、V、Z 外的大写字母）",
                rule="GB 32100—2015",
            )
    if not code[2:8].isdigit():
        raise _bad("统一社会信用代码第 3 至 8 位应为行政区划代码（数字）", rule="GB 32100—2015")
    if code[17] != uscc_check_char(code[:17]):
        raise _bad("统一社会信用代码校验位不符（GB 32100—2015）", rule="GB 32100—2015")
    return code


# ----------------------------------------------------------------------------- GB 11643

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17−i) mod 11
ID_CHECK_CHARS = "10X98765432"
ID_RE = re.compile(r"^\d{17}[\dX]$")


def id_check_char(first17: str) -> str:
    """GB 11643—1999 check character (ISO 7064 MOD 11-2) of a resident ID's first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


@dataclass(frozen=True)
class ResidentId:
    """A checked resident identity number and what it encodes."""

    number: str
    region: str
    birth_date: date
    male: bool


def parse_resident_id(value: str, today: date) -> ResidentId:
    """A resident identity number (居民身份证号码): shape, region, birth date, check character."""
    number = compact(value).upper()
    if len(number) == 15:
        raise _bad("身份证号码应为 18 位（15 位旧号码已停止使用）", rule="GB 11643—1999")
    if len(number) != 18:
        raise _bad(f"身份证号码应为 18 位（当前 {len(number)} 位）", rule="GB 11643—1999")
    if not ID_RE.match(number):
        raise _bad("身份证号码前 17 位应为数字，第 18 位为数字或 X", rule="GB 11643—1999")
    if int(number[:2]) not in PROVINCE_CODES:
        raise _bad("身份证号码前 2 位不是有效的省级行政区划代码", rule="GB/T 2260")
    birth = _birth_date(number[6:14], today)
    if number[17] != id_check_char(number[:17]):
        raise _bad("身份证号码校验位不符（GB 11643—1999）", rule="GB 11643—1999")
    return ResidentId(number, number[:6], birth, int(number[16]) % 2 == 1)


def _birth_date(text: str, today: date) -> date:
    try:
        born = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise _bad("身份证号码中的出生日期不存在（第 7 至 14 位）", rule="GB 11643—1999") from None
    if born > today or born.year < 1900:
        raise _bad("身份证号码中的出生日期不合理（第 7 至 14 位）", rule="GB 11643—1999")
    return born


def validate_resident_id(value: str, today: date) -> str:
    """The canonical resident identity number."""
    return parse_resident_id(value, today).number


# ----------------------------------------------------------------------------- age (Order 117)

MIN_HOST_AGE = 16  # 《直播电商监督管理办法》（市场监管总局令第 117 号）: natural persons ≥ 16
ADULT_AGE = 18  # 16–17: only with the guardian's consent
AGE_BASIS = "《直播电商监督管理办法》（市场监管总局令第 117 号）"


def age_on(birth: date, today: date) -> int:
    """Full years (周岁) on ``today``; someone born on 29 February has a birthday on 1 March."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def host_age_problem(birth: date, today: date, *, guardian_consent: bool) -> str | None:
    """Why a person of this birth date may not stream today, or None."""
    age = age_on(birth, today)
    if age < MIN_HOST_AGE:
        return f"未满 {MIN_HOST_AGE} 周岁，不得担任主播或助播（{AGE_BASIS}）"
    if age < ADULT_AGE and not guardian_consent:
        return f"16 至 17 周岁须经监护人同意方可担任主播（{AGE_BASIS}）"
    return None


def is_minor(birth: date, today: date) -> bool:
    """Under 18 on ``today``."""
    return age_on(birth, today) < ADULT_AGE


# ----------------------------------------------------------------------------- licence numbers

_PROV = f"[{PROVINCE_ABBREVIATIONS}]"
JY_RE = re.compile(r"^JY(\d{14})$")
SC_RE = re.compile(r"^SC(\d{14})$")
TELECOM_RE = re.compile(
    rf"^(?:{_PROV})?(?:[AB]\d)(?:\.[AB]\d)*-(\d{{4}})\d{{4}}$|^{_PROV}ICP证\d{{6}}号$"
)
ICP_FILING_RE = re.compile(rf"^{_PROV}ICP备\d{{6,10}}号(?:-\d{{1,3}})?$")
DRUG_RE = re.compile(rf"^{_PROV}[A-Z]{{2}}\d{{7,9}}$")
DEVICE_RE = re.compile(rf"^{_PROV}[\u4e00-\u9fa5]{{0,3}}?(?:食)?药监械经营[许备]\d{{8}}号$")
TRADEMARK_RE = re.compile(r"^G?\d{1,10}$")
CERTIFICATE_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-]{3,39}$")


def validate_food_business_licence(value: str) -> str:
    """食品经营许可证: JY + 14 digits (type, province, city, county, serial, check)."""
    number = compact(value).upper()
    found = JY_RE.match(number)
    if not found:
        raise _bad("食品经营许可证编号应为“JY”加 14 位数字", rule="食品经营许可和备案管理办法")
    if int(found.group(1)[1:3]) not in PROVINCE_CODES:
        raise _bad("食品经营许可证编号第 4 至 5 位应为省级行政区划代码", rule="GB/T 2260")
    return number


def validate_food_production_licence(value: str) -> str:
    """食品生产许可证: SC + 14 digits (category, province, city, county, serial, check)."""
    number = compact(value).upper()
    found = SC_RE.match(number)
    if not found:
        raise _bad("食品生产许可证编号应为“SC”加 14 位数字", rule="食品生产许可管理办法 第二十九条")
    digits = found.group(1)
    if digits[0] not in "12":
        raise _bad(
            "食品生产许可证编号第 3 位应为 1（食品）或 2（食品添加剂）",
            rule="食品生产许可管理办法 第二十九条",
        )
    if int(digits[3:5]) not in PROVINCE_CODES:
        raise _bad("食品生产许可证编号第 6 至 7 位应为省级行政区划代码", rule="GB/T 2260")
    return number


def validate_telecom_licence(value: str) -> str:
    """增值电信业务经营许可证: e.g. 浙B2-20160394, A2.B1.B2-20090003, 京ICP证030173号."""
    number = compact(value).upper().replace("－", "-")
    found = TELECOM_RE.match(number)
    if not found:
        raise _bad(
            "增值电信业务经营许可证编号格式应如“浙B2-20160394”或“京ICP证030173号”",
            rule="电信业务经营许可管理办法",
        )
    year = found.group(1)
    if year is not None and not 1990 <= int(year) <= 2100:
        raise _bad("增值电信业务经营许可证编号中的年份不合理", rule="电信业务经营许可管理办法")
    return number


def validate_icp_filing(value: str) -> str:
    """ICP 备案号: e.g. 粤ICP备2020113587号 or 粤ICP备2020113587号-2."""
    number = compact(value).upper()
    if not ICP_FILING_RE.match(number):
        raise _bad(
            "ICP 备案号格式应如“粤ICP备2020113587号”或“粤ICP备2020113587号-2”",
            rule="非经营性互联网信息服务备案管理办法",
        )
    return number


def validate_drug_licence(value: str) -> str:
    """药品经营许可证: province + 2 class letters + 7 to 9 digits (format only)."""
    number = compact(value).upper()
    if not DRUG_RE.match(number):
        raise _bad(
            "药品经营许可证编号应为省份简称、两位分类代码字母和 7 至 9 位数字，如“粤AA0200001”",
            rule="药品经营和使用质量监督管理办法",
        )
    return number


def validate_device_licence(value: str) -> str:
    """医疗器械经营许可证 / 备案凭证: e.g. 粤穗药监械经营许20200001号."""
    number = compact(value)
    if not DEVICE_RE.match(number):
        raise _bad(
            "医疗器械经营许可（备案）编号格式应如“粤穗药监械经营许20200001号”",
            rule="医疗器械经营监督管理办法",
        )
    return number


def validate_trademark(value: str) -> str:
    """A trademark registration number (商标注册号), the subject of a brand authorisation."""
    number = compact(value).upper()
    if not TRADEMARK_RE.match(number):
        raise _bad("品牌授权书应填写商标注册号（1 至 10 位数字，国际注册以 G 开头）", rule="商标法")
    return number


def validate_certificate(value: str) -> str:
    """A training certificate number: 4 to 40 letters, digits and hyphens."""
    number = compact(value).upper()
    if not CERTIFICATE_RE.match(number):
        raise _bad("培训证书编号应为 4 至 40 位字母、数字或连字符", rule="直播营销服务规范 7.1.1")
    return number


def validate_free_text(value: str) -> str:
    """A reference of a document without a numbering standard (e.g. a guardian's consent)."""
    number = " ".join(unicodedata.normalize("NFKC", value).split())
    if len(number) > 60:
        raise _bad("编号不能超过 60 个字符")
    return number


# ----------------------------------------------------------------------------- document types


@dataclass(frozen=True)
class DocumentType:
    """A kind of qualification document and how its number is checked."""

    code: str
    name: str
    basis: str
    validate: Callable[[str], str]
    personal: bool = False  # the number is personal data: stored encrypted, shown masked
    number_required: bool = True
    until_required: bool = False  # no "long-term" validity (长期) for this type


DOCUMENT_TYPES: dict[str, DocumentType] = {
    t.code: t
    for t in (
        DocumentType(
            "business_licence",
            "营业执照",
            "直播营销服务规范 5.2、7.2.8，电子商务法 第十五条",
            validate_uscc,
        ),
        DocumentType(
            "telecom_licence",
            "增值电信业务经营许可证",
            "直播营销服务规范 7.2.1 a",
            validate_telecom_licence,
            until_required=True,
        ),
        DocumentType(
            "icp_filing", "ICP 备案", "非经营性互联网信息服务备案管理办法", validate_icp_filing
        ),
        DocumentType(
            "food_business_licence",
            "食品经营许可证",
            "食品安全法 第三十五条，直播营销服务规范 7.3.1",
            validate_food_business_licence,
            until_required=True,
        ),
        DocumentType(
            "food_production_licence",
            "食品生产许可证",
            "食品安全法 第三十五条，食品生产许可管理办法 第二十九条",
            validate_food_production_licence,
            until_required=True,
        ),
        DocumentType(
            "drug_business_licence",
            "药品经营许可证",
            "药品管理法 第五十一条，直播营销服务规范 7.3.1",
            validate_drug_licence,
            until_required=True,
        ),
        DocumentType(
            "medical_device_licence",
            "医疗器械经营许可证或备案凭证",
            "医疗器械监督管理条例 第四十一条、第四十二条",
            validate_device_licence,
        ),
        DocumentType(
            "brand_authorisation",
            "品牌授权书",
            "直播营销服务规范 7.3.2.2 b",
            validate_trademark,
            until_required=True,
        ),
        DocumentType(
            "resident_id",
            "居民身份证",
            "直播营销服务规范 7.1.2 a，GB 11643—1999",
            validate_free_text,  # replaced by the date-aware check in check_number
            personal=True,
        ),
        DocumentType(
            "training_certificate",
            "培训证书",
            "直播营销服务规范 7.1.1",
            validate_certificate,
        ),
        DocumentType(
            "guardian_consent",
            "监护人同意书",
            AGE_BASIS,
            validate_free_text,
            number_required=False,
        ),
    )
}


def document_type(code: str) -> DocumentType:
    """The document type of a code, or InvalidInput."""
    found = DOCUMENT_TYPES.get(code)
    if found is None:
        raise InvalidInput(f"未知的证照类型：{code}", code="registry.invalid_document_type")
    return found


def check_number(doc_type: DocumentType, value: str | None, today: date) -> str | None:
    """The canonical number of a document of ``doc_type`` (None when none is needed or given)."""
    if value is None or not value.strip():
        if doc_type.number_required:
            raise _bad(f"请填写{doc_type.name}编号")
        return None
    if doc_type.code == "resident_id":
        return validate_resident_id(value, today)
    return doc_type.validate(value)


def check_validity(
    doc_type: DocumentType, valid_from: date, valid_until: date | None, today: date
) -> None:
    """A document's validity makes sense and has not already run out (no expired uploads)."""
    if valid_from.year < 1949:
        raise InvalidInput("有效期起始日期不合理", code="registry.invalid_validity")
    if valid_until is None:
        if doc_type.until_required:
            raise InvalidInput(
                f"{doc_type.name}须填写有效期截止日期", code="registry.validity_required"
            )
        return
    if valid_until < valid_from:
        raise InvalidInput("有效期截止日期早于起始日期", code="registry.invalid_validity")
    if valid_until < today:
        raise InvalidInput(
            f"证照已过期（有效期至 {valid_until.isoformat()}），请上传有效证照",
            code="registry.document_expired",
        )
