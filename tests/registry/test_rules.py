"""ACCEPTANCE: validators against known-valid and known-invalid numbers (boundary birth dates for
the age rule) and hypothesis properties of the check-character algorithms; the pure requirement,
workflow, calendar and warning rules."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveguard.errors import Conflict, InvalidInput
from liveguard.registry import requirements as req
from liveguard.registry import rules, status
from liveguard.registry.requirements import DocFacts
from tests.registry.factory import credit_code, resident_id

TODAY = date(2026, 11, 24)

# ----------------------------------------------------------------------------- GB 32100


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",  # verified in the research notes
        "91110108MA01KPGK0L",
        credit_code(1),
        credit_code(123456789),
        " 9111 0000 6000 3734 1l ",  # spaces and lower case are folded
        "９１１１００００６０００３７３４１Ｌ",  # full-width characters too
    ],
)
def test_valid_credit_codes(code: str) -> None:
    assert rules.validate_uscc(code) == rules.compact(code).upper()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91110000600037341A", "校验位不符"),
        ("91110000600037342L", "校验位不符"),
        ("9111000060003734", "应为 18 位（当前 16 位）"),
        ("91110000600037341LX", "应为 18 位（当前 19 位）"),
        ("9111000060003734IL", "第 17 位不是允许的字符"),
        ("911100006000373O1L", "第 16 位不是允许的字符"),
        ("91AB0000600037341L", "第 3 至 8 位应为行政区划代码"),
        ("", "应为 18 位（当前 0 位）"),
    ],
)
def test_invalid_credit_codes(code: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        rules.validate_uscc(code)
    assert caught.value.code == "registry.invalid_number"
    assert caught.value.details["rule"] == "GB 32100—2015"


def test_the_weights_are_powers_of_three() -> None:
    assert rules.USCC_WEIGHTS[:6] == (1, 3, 9, 27, 19, 26)
    assert rules.USCC_WEIGHTS[-1] == 28
    assert len(rules.USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(rules.USCC_ALPHABET)


_CODE_CHARS = st.text(alphabet=rules.USCC_ALPHABET, min_size=9, max_size=9)


@given(org=_CODE_CHARS, region=st.integers(100000, 659999))
def test_any_code_with_its_check_character_is_valid(org: str, region: int) -> None:
    first17 = f"91{region}{org}"
    assert rules.validate_uscc(
        first17 + rules.uscc_check_char(first17)
    ) == first17 + rules.uscc_check_char(first17)


@given(
    org=_CODE_CHARS,
    position=st.integers(0, 17),
    replacement=st.sampled_from(rules.USCC_ALPHABET),
)
def test_every_single_substitution_is_detected(org: str, position: int, replacement: str) -> None:
    first17 = f"91110105{org}"
    code = first17 + rules.uscc_check_char(first17)
    if code[position] == replacement or (2 <= position < 8 and not replacement.isdigit()):
        return
    changed = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(InvalidInput, match="校验位不符"):
        rules.validate_uscc(changed)


# ----------------------------------------------------------------------------- GB 11643


@pytest.mark.parametrize(
    ("number", "birth", "male"),
    [
        ("11010519491231002X", date(1949, 12, 31), False),  # the standard's own example
        (resident_id(date(1900, 1, 1), 13, "440524"), date(1900, 1, 1), True),
        (resident_id(date(2000, 2, 29)), date(2000, 2, 29), True),
        ("11010519491231002x", date(1949, 12, 31), False),  # lower-case x accepted
    ],
)
def test_valid_resident_ids(number: str, birth: date, male: bool) -> None:
    parsed = rules.parse_resident_id(number, TODAY)
    assert parsed.number == number.upper()
    assert parsed.birth_date == birth
    assert parsed.male is male


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "校验位不符"),
        ("11010519491231002", "应为 18 位（当前 17 位）"),
        ("110105491231002", "15 位旧号码"),
        ("1101051949123100XX", "前 17 位应为数字"),
        ("99010519491231002X", "省级行政区划代码"),
        ("110105" + "20230229" + "0011", "出生日期不存在"),  # 2023 is not a leap year
        ("110105" + "19491332" + "0021", "出生日期不存在"),
        (resident_id(date(2026, 11, 25)), "出生日期不合理"),  # tomorrow
        (resident_id(date(1899, 12, 31)), "出生日期不合理"),
    ],
)
def test_invalid_resident_ids(number: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        rules.parse_resident_id(number, TODAY)


@given(
    region=st.sampled_from(["110105", "310104", "440305", "510107", "650102"]),
    birth=st.dates(date(1900, 1, 1), TODAY),
    seq=st.integers(0, 999),
)
def test_any_id_with_its_check_character_is_valid(region: str, birth: date, seq: int) -> None:
    number = resident_id(birth, seq, region)
    assert rules.parse_resident_id(number, TODAY).birth_date == birth


@given(
    birth=st.dates(date(1950, 1, 1), date(2008, 1, 1)),
    position=st.integers(0, 17),
    digit=st.sampled_from("0123456789X"),
)
def test_single_changes_of_an_id_are_detected(birth: date, position: int, digit: str) -> None:
    number = resident_id(birth, 7)
    if number[position] == digit or (digit == "X" and position < 17):
        return
    changed = number[:position] + digit + number[position + 1 :]
    with pytest.raises(InvalidInput):
        rules.parse_resident_id(changed, TODAY)


# ----------------------------------------------------------------------------- age (Order 117)


@pytest.mark.parametrize(
    ("birth", "consent", "problem"),
    [
        (date(2010, 11, 24), False, "16 至 17 周岁须经监护人同意"),  # 16 today
        (date(2010, 11, 24), True, None),
        (date(2010, 11, 25), True, "未满 16 周岁"),  # 16 tomorrow
        (date(2008, 11, 24), False, None),  # 18 today
        (date(2008, 11, 25), False, "16 至 17 周岁须经监护人同意"),  # 18 tomorrow
        (date(1990, 1, 1), False, None),
    ],
)
def test_host_age_boundaries(birth: date, consent: bool, problem: str | None) -> None:
    found = rules.host_age_problem(birth, TODAY, guardian_consent=consent)
    if problem is None:
        assert found is None
    else:
        assert found is not None
        assert problem in found
        assert "117" in found


def test_leap_day_birthdays_come_on_the_first_of_march() -> None:
    born = date(2008, 2, 29)
    assert rules.age_on(born, date(2026, 2, 28)) == 17
    assert rules.age_on(born, date(2026, 3, 1)) == 18
    assert rules.age_on(born, date(2024, 2, 29)) == 16


# ----------------------------------------------------------------------------- licence numbers


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        ("food_business_licence", "JY14401030012345"),
        ("food_business_licence", "jy 1440 1030 0123 45"),
        ("food_production_licence", "SC10644010300123"),
        ("food_production_licence", "SC20133010200018"),
        ("telecom_licence", "浙B2-20160394"),
        ("telecom_licence", "A2.B1.B2-20090003"),
        ("telecom_licence", "京ICP证030173号"),
        ("icp_filing", "粤ICP备2020113587号"),
        ("icp_filing", "粤ICP备2020113587号-2"),
        ("drug_business_licence", "粤AA0200001"),
        ("medical_device_licence", "粤穗药监械经营许20200001号"),
        ("medical_device_licence", "浙杭食药监械经营备20180001号"),
        ("brand_authorisation", "12345678"),
        ("brand_authorisation", "G1234567"),
        ("training_certificate", "ZB-2026-00017"),
    ],
)
def test_valid_licence_numbers(doc_type: str, number: str) -> None:
    assert rules.check_number(rules.DOCUMENT_TYPES[doc_type], number, TODAY)


@pytest.mark.parametrize(
    ("doc_type", "number", "message"),
    [
        ("food_business_licence", "JY1440103001234", "“JY”加 14 位数字"),
        ("food_business_licence", "SC14401030012345", "“JY”加 14 位数字"),
        ("food_business_licence", "JY19901030012345", "第 4 至 5 位应为省级行政区划代码"),
        ("food_production_licence", "SC1064401030012", "“SC”加 14 位数字"),
        ("food_production_licence", "SC30644010300123", "第 3 位应为 1（食品）或 2（食品添加剂）"),
        ("food_production_licence", "SC10699010300123", "第 6 至 7 位应为省级行政区划代码"),
        ("telecom_licence", "浙B2-2016039", "增值电信业务经营许可证编号格式"),
        ("telecom_licence", "浙C2-20160394", "增值电信业务经营许可证编号格式"),
        ("telecom_licence", "浙B2-18000394", "年份不合理"),
        ("icp_filing", "粤ICP证2020113587号", "ICP 备案号格式"),
        ("drug_business_licence", "AA0200001", "药品经营许可证编号"),
        ("medical_device_licence", "粤穗医疗器械20200001", "医疗器械经营许可"),
        ("brand_authorisation", "TM-1", "商标注册号"),
        ("training_certificate", "证书", "培训证书编号"),
        ("business_licence", "", "请填写营业执照编号"),
    ],
)
def test_invalid_licence_numbers(doc_type: str, number: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        rules.check_number(rules.DOCUMENT_TYPES[doc_type], number, TODAY)


def test_a_guardian_consent_needs_no_number() -> None:
    assert rules.check_number(rules.DOCUMENT_TYPES["guardian_consent"], None, TODAY) is None


def test_resident_id_documents_are_checked_against_the_date() -> None:
    with pytest.raises(InvalidInput, match="出生日期不合理"):
        rules.check_number(
            rules.DOCUMENT_TYPES["resident_id"], resident_id(date(2027, 1, 1)), TODAY
        )


def test_validity_rules() -> None:
    licence = rules.DOCUMENT_TYPES["food_business_licence"]
    rules.check_validity(licence, date(2022, 1, 1), date(2027, 1, 1), TODAY)
    rules.check_validity(licence, date(2022, 1, 1), TODAY, TODAY)  # the last valid day is today
    with pytest.raises(InvalidInput, match="已过期（有效期至 2026-11-23）"):
        rules.check_validity(licence, date(2022, 1, 1), date(2026, 11, 23), TODAY)
    with pytest.raises(InvalidInput, match="须填写有效期截止日期"):
        rules.check_validity(licence, date(2022, 1, 1), None, TODAY)
    with pytest.raises(InvalidInput, match="截止日期早于起始日期"):
        rules.check_validity(licence, date(2027, 2, 1), date(2027, 1, 1), TODAY)
    rules.check_validity(rules.DOCUMENT_TYPES["business_licence"], date(2020, 1, 1), None, TODAY)


def test_phone_numbers_and_categories() -> None:
    assert rules.normalise_mobile("+86 138-0013-8000") == "13800138000"
    assert rules.normalise_mobile("１３８００１３８０００") == "13800138000"
    with pytest.raises(InvalidInput, match="手机号格式不正确"):
        rules.normalise_mobile("12800138000")
    assert rules.check_categories(["food", "drug", "food"]) == ["drug", "food"]
    with pytest.raises(InvalidInput, match="未知的商品类目：weapons"):
        rules.check_categories(["weapons"])


# ----------------------------------------------------------------------------- requirements


def doc(
    doc_type: str, status_: str = "approved", until: date | None = date(2028, 1, 1), **kw: object
) -> DocFacts:
    return DocFacts(uuid.uuid4(), doc_type, status_, date(2024, 1, 1), until, **kw)  # type: ignore[arg-type]


def test_what_each_party_needs() -> None:
    keys = lambda found: [r.key for r in found]  # noqa: E731
    assert keys(req.required_documents("merchant", [])) == ["business_licence"]
    assert keys(req.required_documents("merchant", ["food", "apparel", "drug"])) == [
        "business_licence",
        "drug",
        "food",
    ]
    assert keys(req.required_documents("platform_operator", ["food"])) == [
        "business_licence",
        "telecom_licence",
    ]
    assert keys(req.required_documents("mcn", ["food"])) == [
        "business_licence"
    ]  # MCNs sell nothing
    assert keys(req.required_documents("host", [])) == ["resident_id"]
    assert keys(req.required_documents("host", [], minor=True)) == [
        "resident_id",
        "guardian_consent",
    ]
    assert keys(req.required_documents("cs_staff", [])) == []
    food = req.required_documents("merchant", ["food"])[1]
    assert food.any_of == ("food_business_licence", "food_production_licence")
    assert "食品安全法 第三十五条" in food.basis
    assert all(
        r.basis
        for k in rules.PARTY_KINDS
        for r in req.required_documents(k, list(rules.CATEGORIES))
    )


def test_unmet_requirements() -> None:
    needs = req.required_documents("merchant", ["food", "health_food"])
    licence = doc("business_licence", until=None)
    food = doc("food_business_licence", categories=("food",))
    assert [r.key for r in req.unmet(needs, [licence, food], TODAY)] == ["health_food"]
    both = doc("food_production_licence")
    assert req.unmet(needs, [licence, both], TODAY) == []
    expired = doc("food_production_licence", until=date(2026, 11, 23))
    assert [r.key for r in req.unmet(needs, [licence, expired], TODAY)] == ["food", "health_food"]
    pending = doc("food_production_licence", "pending")
    assert req.unmet(needs, [licence, pending], TODAY, submitted=True) == []
    no_scan = doc("food_production_licence", "pending", has_scan=False)
    assert len(req.unmet(needs, [licence, no_scan], TODAY, submitted=True)) == 2


def test_document_states() -> None:
    assert req.document_state(doc("icp_filing", until=None), TODAY, 30) == "valid"
    assert req.document_state(doc("icp_filing", until=date(2026, 12, 24)), TODAY, 30) == "expiring"
    assert req.document_state(doc("icp_filing", until=date(2026, 12, 25)), TODAY, 30) == "valid"
    assert req.document_state(doc("icp_filing", until=TODAY), TODAY, 30) == "expiring"
    assert req.document_state(doc("icp_filing", until=date(2026, 11, 23)), TODAY, 30) == "expired"
    assert req.document_state(doc("icp_filing", "revoked"), TODAY, 30) == "revoked"
    future = DocFacts(uuid.uuid4(), "icp_filing", "approved", date(2027, 1, 1), None)
    assert req.document_state(future, TODAY, 30) == "not_yet_valid"


# ----------------------------------------------------------------------------- workflow


@pytest.mark.parametrize(
    ("current", "action", "target"),
    [
        ("draft", "apply", "applied"),
        ("more_requested", "apply", "applied"),
        ("rejected", "apply", "applied"),
        ("applied", "approve", "admitted"),
        ("applied", "reject", "rejected"),
        ("applied", "request_more", "more_requested"),
        ("admitted", "suspend", "suspended"),
        ("suspended", "reinstate", "admitted"),
    ],
)
def test_allowed_transitions(current: str, action: str, target: str) -> None:
    assert req.next_admission_status(current, action, ["材料齐全"]) == target


@pytest.mark.parametrize(
    ("current", "action"),
    [
        ("draft", "approve"),
        ("admitted", "apply"),
        ("rejected", "approve"),
        ("applied", "apply"),
        ("admitted", "reinstate"),
    ],
)
def test_refused_transitions(current: str, action: str) -> None:
    with pytest.raises(Conflict) as caught:
        req.next_admission_status(current, action, ["x"])
    assert caught.value.code == "registry.invalid_transition"


@pytest.mark.parametrize("action", ["reject", "request_more", "suspend"])
def test_decisions_against_a_party_need_reasons(action: str) -> None:
    current = "admitted" if action == "suspend" else "applied"
    with pytest.raises(InvalidInput, match="须说明理由"):
        req.next_admission_status(current, action, ["  "])


# ----------------------------------------------------------------------------- calendar


def test_months_and_working_days() -> None:
    assert req.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert req.add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert req.reverify_due(date(2026, 5, 24)) == TODAY
    assert req.training_due(date(2024, 2, 29)) == date(2025, 2, 28)
    friday = date(2026, 11, 20)
    assert req.add_working_days(friday, 3) == date(2026, 11, 25)
    holidays = frozenset({date(2026, 11, 23)})
    assert req.add_working_days(friday, 3, holidays) == date(2026, 11, 26)
    makeup = frozenset({date(2026, 11, 22)})  # a Sunday worked in exchange
    assert req.add_working_days(friday, 3, holidays, makeup) == date(2026, 11, 25)
    assert req.add_working_days(friday, 0) == friday


# ----------------------------------------------------------------------------- consequences


def person(**kw: object) -> req.PersonFacts:
    base: dict[str, object] = {
        "kind": "host",
        "admission_status": "admitted",
        "birth_date": date(1995, 5, 5),
        "real_name_verified_on": date(2026, 9, 1),
        "last_training_on": date(2026, 3, 1),
        "documents": (doc("resident_id", until=date(2035, 1, 1)),),
    }
    return req.PersonFacts(**{**base, **kw})  # type: ignore[arg-type]


def test_a_qualified_host_may_stream() -> None:
    assert req.host_blockers(person(), TODAY) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"admission_status": "applied"}, "尚未通过入驻审核"),
        ({"real_name_verified_on": None}, "未通过实名认证"),
        ({"real_name_verified_on": date(2026, 5, 24)}, "超过六个月未复核"),
        ({"last_training_on": None}, "首次直播前须完成培训"),
        ({"last_training_on": date(2025, 11, 24)}, "年度培训已过期"),
        ({"birth_date": date(2010, 6, 1)}, "须经监护人同意"),
        ({"documents": ()}, "居民身份证缺失或已失效"),
        ({"documents": (doc("resident_id", until=date(2026, 11, 1)),)}, "居民身份证缺失或已失效"),
        ({"kind": "cs_staff"}, "只有主播或助播"),
    ],
)
def test_what_keeps_a_host_off_the_air(change: dict[str, object], reason: str) -> None:
    blockers = req.host_blockers(person(**change), TODAY)
    assert any(reason in b for b in blockers), blockers


def test_a_minor_with_consent_may_stream() -> None:
    docs = (doc("resident_id"), doc("guardian_consent", until=None))
    assert req.host_blockers(person(birth_date=date(2010, 6, 1), documents=docs), TODAY) == []


def test_an_expired_licence_blocks_its_category_only() -> None:
    docs = [
        doc("business_licence", until=None),
        doc("food_business_licence", until=date(2026, 11, 23)),
    ]
    food = req.category_blockers("merchant", "admitted", "food", docs, TODAY)
    assert food
    assert "食品经营许可证或食品生产许可证缺失或已失效" in food[0]
    assert req.category_blockers("merchant", "admitted", "apparel", docs, TODAY) == []
    assert req.category_blockers("merchant", "suspended", "apparel", docs, TODAY)
    with pytest.raises(InvalidInput):
        req.category_blockers("merchant", "admitted", "weapons", docs, TODAY)


# ----------------------------------------------------------------------------- warnings


def watch(**kw: object) -> status.WatchFacts:
    base: dict[str, object] = {
        "party_id": uuid.UUID(int=1),
        "kind": "merchant",
        "admission_status": "admitted",
        "verified_on": date(2026, 9, 1),
        "last_training_on": None,
        "documents": (),
    }
    return status.WatchFacts(**{**base, **kw})  # type: ignore[arg-type]


def kinds(facts: status.WatchFacts, today: date = TODAY) -> list[str]:
    return sorted(w.kind for w in status.warnings_for(facts, today, 30))


def test_warnings_of_documents() -> None:
    expiring = doc("food_business_licence", until=date(2026, 12, 1))
    expired = doc("icp_filing", until=date(2026, 11, 1))
    revoked = doc("telecom_licence", "revoked")
    assert kinds(watch(documents=(expiring, expired, revoked))) == [
        "document_expired",
        "document_expiring",
        "document_revoked",
    ]
    [found] = status.warnings_for(watch(documents=(expiring,)), TODAY, 30)
    assert found.key == f"document_expiring:{expiring.id}:2026-12-01"
    assert "剩余 7 天" in found.message
    replacement = doc("icp_filing", until=date(2029, 1, 1))
    assert kinds(watch(documents=(expired, replacement))) == []


def test_warnings_of_reverification_and_training() -> None:
    assert kinds(watch(verified_on=date(2026, 5, 20))) == ["reverification_overdue"]
    assert kinds(watch(verified_on=date(2026, 6, 20))) == ["reverification_due"]
    assert kinds(watch(verified_on=None)) == ["reverification_overdue"]
    assert kinds(watch(kind="host")) == ["training_missing"]
    assert kinds(watch(kind="host", last_training_on=date(2025, 12, 10))) == ["training_due"]
    assert kinds(watch(kind="host", last_training_on=date(2025, 11, 1))) == ["training_overdue"]
    assert kinds(watch(kind="host", last_training_on=date(2026, 6, 1))) == []
    assert kinds(watch(admission_status="draft", verified_on=None)) == []
    assert kinds(watch(admission_status="applied", verified_on=None)) == []
