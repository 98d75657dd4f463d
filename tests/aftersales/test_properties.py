"""Properties of the day count and the decision over arbitrary instants and offsets."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from liveguard.aftersales import (
    Condition,
    Confirmable,
    Exclusion,
    GoodsType,
    Reason,
    ReturnRequest,
    decide_return,
    return_deadline,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Real-world offsets run from -12:00 to +14:00, in quarter hours.
offsets = st.integers(min_value=-48, max_value=56).map(
    lambda q: timezone(timedelta(minutes=15 * q))
)
instants = st.datetimes(
    # From 2000 on: Asia/Shanghai has kept UTC+8 all year since 1991 (no summer time).
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001 — hypothesis bounds are naive by design
    max_value=datetime(2100, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


def requests(signed: datetime, requested: datetime) -> st.SearchStrategy[ReturnRequest]:
    """Any request between the two instants, with every other field drawn freely."""
    return st.builds(
        ReturnRequest,
        goods_type=st.sampled_from(GoodsType),
        signed_at=st.just(signed),
        requested_at=st.just(requested),
        exclusion=st.none() | st.sampled_from(Exclusion),
        confirmable=st.none() | st.sampled_from(Confirmable),
        buyer_confirmed_non_returnable=st.booleans(),
        quality_defect=st.booleans(),
        condition=st.frozensets(st.sampled_from(Condition)),
    )


@given(instants, offsets)
def test_the_deadline_is_seven_calendar_days_after_the_cst_signing_date(
    moment: datetime, offset: timezone
) -> None:
    signed = moment.astimezone(offset)
    cst_day = (moment.astimezone(UTC) + timedelta(hours=8)).date()  # CST is UTC+8, by hand
    deadline = return_deadline(signed)
    assert deadline == cst_day + timedelta(days=7)
    assert (deadline - cst_day).days == 7
    # the offset the time was written in never matters
    assert return_deadline(moment) == deadline


@given(instants, offsets)
def test_the_window_ends_exactly_at_midnight_cst_after_day_seven(
    moment: datetime, offset: timezone
) -> None:
    signed = moment.astimezone(offset)
    deadline: date = return_deadline(signed)
    end = datetime(deadline.year, deadline.month, deadline.day, tzinfo=SHANGHAI) + timedelta(days=1)
    plain = {"goods_type": GoodsType.OTHER, "signed_at": signed}
    last = decide_return(ReturnRequest(requested_at=end - timedelta(microseconds=1), **plain))
    first_late = decide_return(ReturnRequest(requested_at=end.astimezone(offset), **plain))
    assert last.reason is Reason.OK
    assert first_late.reason is Reason.WINDOW_EXPIRED


@settings(max_examples=300)
@given(
    st.data(),
    instants,
    st.integers(min_value=0, max_value=30 * 24 * 3600),
    st.integers(min_value=0, max_value=30 * 24 * 3600),
)
def test_eligibility_is_monotone_in_requested_at(
    data: st.DataObject, signed: datetime, first: int, extra: int
) -> None:
    earlier = signed + timedelta(seconds=first)
    later = earlier + timedelta(seconds=extra)
    request = data.draw(requests(signed, earlier))
    late = replace(request, requested_at=later)
    # Asking later can only lose eligibility, never gain it; the deadline never moves.
    early_decision, late_decision = decide_return(request), decide_return(late)
    assert early_decision.eligible or not late_decision.eligible
    assert early_decision.deadline == late_decision.deadline


@given(st.data(), instants, st.integers(min_value=0, max_value=20 * 24 * 3600))
def test_every_decision_explains_itself_and_cites_an_article(
    data: st.DataObject, signed: datetime, after: int
) -> None:
    request = data.draw(requests(signed, signed + timedelta(seconds=after)))
    decision = decide_return(request)
    assert decision.explanation
    assert not decision.explanation.endswith("；")
    assert decision.basis
    assert all(
        "第" in article or article == "部分商品修理更换退货责任规定" for article in decision.basis
    )
    assert decision.eligible == (decision.reason in {Reason.OK, Reason.QUALITY_DEFECT})
