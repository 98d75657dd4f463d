"""Ingest → outbox → screening handler → stored messages, findings, actions and evidence."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from liveguard import plan
from liveguard.access import Principal
from liveguard.bus.memory import decode
from liveguard.bus.nats import wait_until
from liveguard.db.outbox import OutboxMessage
from liveguard.errors import Conflict, InvalidInput
from liveguard.evidence.models import EvidenceRecord
from liveguard.registry.models import Violation
from liveguard.screening import handlers, service, store
from liveguard.screening.ingest import parse_batch
from liveguard.screening.models import Alert, Finding, LexiconVersion, Message
from liveguard.web.context import AppContext
from tests.order.test_races import hide_first, in_two_threads, only_postgresql, wait_after_first
from tests.plan.conftest import staff
from tests.plan.helpers import coat
from tests.screening.conftest import Rooms


def ndjson(*lines: dict[str, Any] | bytes) -> bytes:
    """Lines of an NDJSON body (bytes are sent as they are)."""
    return b"\n".join(
        line if isinstance(line, bytes) else json.dumps(line, ensure_ascii=False).encode()
        for line in lines
    )


def send(
    ctx: AppContext, principal: Principal, room_id: uuid.UUID, body: bytes, **kw: Any
) -> service.Accepted:
    """Ingest a batch and commit (the bus screens it after commit)."""
    with ctx.db.unit_of_work() as uow:
        room = service.get_room(uow.session, principal, room_id, "screening.ingest")
        accepted = service.ingest(uow.session, principal, room, body, now=ctx.clock.now(), **kw)
        uow.commit()
    return accepted


def stored(ctx: AppContext, room_id: uuid.UUID) -> list[tuple[Message, list[Finding]]]:
    with ctx.db.session() as s:
        rows = list(
            s.scalars(select(Message).where(Message.room_id == room_id).order_by(Message.seq))
        )
        found = service.findings_of(s, [m.id for m in rows])
        return [(m, found.get(m.id, [])) for m in rows]


BATCH = ndjson(
    {"message_id": "c1", "source": "comment", "text": "主播今天好漂亮", "offset_ms": 1000},
    {
        "message_id": "c2",
        "source": "comment",
        "text": "加我薇信 abc12345 私下便宜",
        "author": "路人",
    },
    {
        "message_id": "s1",
        "source": "speech",
        "text": "这款是全网最低价，绝对第一",
        "offset_ms": 5000,
    },
    {"message_id": "s2", "source": "speech", "text": "第二件半价，第一时间发货", "offset_ms": 9000},
)


def test_batch_is_one_event_screened_after_commit(
    ctx: AppContext, rooms: Rooms, system: Principal
) -> None:
    accepted = send(ctx, system, rooms.room_a, BATCH, live_session_id=rooms.session_a)
    assert accepted.accepted == 4
    assert accepted.problems == []
    with ctx.db.session() as s:
        kinds = list(s.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.seq)))
    assert kinds.count("screening.messages_received") == 1
    rows = {m.message_id: (m, f) for m, f in stored(ctx, rooms.room_a)}
    assert set(rows) == {"c1", "c2", "s1", "s2"}
    assert rows["c1"][1] == []  # benign look-alikes stay clean
    assert rows["s2"][1] == []
    c2, c2_findings = rows["c2"]
    assert {f.category for f in c2_findings} == {"off_platform_trade"}
    assert c2.visibility == "hidden"  # a high-severity comment is hidden at once
    assert c2.text[c2_findings[0].start : c2_findings[0].end] == c2_findings[0].matched
    s1, s1_findings = rows["s1"]
    assert "absolute_term" in {f.category for f in s1_findings}
    assert s1.host_party_id == rooms.host_a
    assert s1.offset_ms == 5000
    assert all("warn_host" in f.actions for f in s1_findings if f.severity == "high")
    with ctx.db.session() as s:
        alerts = list(s.scalars(select(Alert.kind).where(Alert.room_id == rooms.room_a)))
    assert "alert_officer" in alerts
    assert "warn_host" in alerts


def test_every_message_and_finding_is_evidence(
    ctx: AppContext, rooms: Rooms, system: Principal
) -> None:
    send(ctx, system, rooms.room_a, BATCH, live_session_id=rooms.session_a)
    with ctx.db.session() as s:
        rows = s.execute(
            select(OutboxMessage.kind, OutboxMessage.payload).where(
                OutboxMessage.kind.like("screening.%")
            )
        ).all()
    payloads = dict(rows)
    speech = payloads["screening.speech_screened"]
    assert speech["room_id"] == str(rooms.room_a)
    assert speech["live_session_id"] == str(rooms.session_a)
    assert speech["party_id"] == str(rooms.host_a)
    assert [m["offset_ms"] for m in speech["messages"]] == [5000, 9000]
    assert {m["message_id"] for m in payloads["screening.comments_screened"]["messages"]} == {
        "c1",
        "c2",
    }
    found = payloads["screening.findings_recorded"]
    assert found["counts"]["off_platform_trade"] >= 1
    assert found["severe"] >= 1
    with ctx.db.session() as s:
        kinds = set(s.scalars(select(EvidenceRecord.kind)))
    assert {"live_speech", "live_comment", "finding"} <= kinds


def test_redelivered_batch_duplicates_nothing(
    ctx: AppContext, rooms: Rooms, system: Principal
) -> None:
    send(ctx, system, rooms.room_a, BATCH)
    send(ctx, system, rooms.room_a, BATCH)  # the platform sent the same batch again
    with ctx.db.session() as s:
        outbox = s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "screening.messages_received")
        ).first()
        assert outbox is not None
        event = decode(outbox)
    with ctx.db.unit_of_work() as uow:  # the bus delivers the first event a second time
        handlers.screen_messages(uow.session, event)
        uow.commit()
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Message)) == 4
        findings = s.scalar(select(func.count()).select_from(Finding))
    assert findings == sum(len(f) for _, f in stored(ctx, rooms.room_a))


def test_a_batch_partly_seen_stores_and_records_only_the_new_messages(
    ctx: AppContext, rooms: Rooms, system: Principal
) -> None:
    send(ctx, system, rooms.room_a, BATCH)
    again = ndjson(
        {"message_id": "c2", "source": "comment", "text": "加我薇信 abc12345 私下便宜"},
        {"message_id": "c3", "source": "comment", "text": "全网最低价，稳赚不赔"},
    )
    send(ctx, system, rooms.room_a, again)  # c2 was stored by the first batch
    rows = {m.message_id: f for m, f in stored(ctx, rooms.room_a)}
    assert sorted(rows) == ["c1", "c2", "c3", "s1", "s2"]
    assert rows["c3"]  # the new message was screened and its findings stored
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Finding)) == sum(
            len(f) for f in rows.values()
        )
        comments = [
            [m["message_id"] for m in p["messages"]]
            for p in s.scalars(
                select(OutboxMessage.payload).where(
                    OutboxMessage.kind == "screening.comments_screened"
                )
            )
        ]
    assert sorted(comments) == [["c1", "c2"], ["c3"]]  # c2 is recorded once


def test_bad_lines_get_their_own_errors(ctx: AppContext, rooms: Rooms, system: Principal) -> None:
    body = ndjson(
        {"message_id": "ok1", "source": "comment", "text": "好看"},
        {"message_id": "e1", "source": "comment", "text": "   "},
        {"message_id": "e2", "source": "comment", "text": "长" * 10_001},
        b'{"message_id": "e3", "source": "comment", "text": "\xff\xfe"}',
        {"message_id": "e4", "source": "comment", "text": "坏\u0007字符"},
        b'{"message_id": "e5", "source": ',
        {"message_id": "e6", "source": "radio", "text": "x"},
        {"message_id": "ok1", "source": "comment", "text": "重复"},
        {
            "message_id": "ok2",
            "source": "speech",
            "text": "大家好",
            "at": "2026-11-24T10:00:00+08:00",
        },
        {"message_id": "e7", "source": "speech", "text": "x", "offset_ms": -1},
    )
    accepted = send(ctx, system, rooms.room_a, body)
    assert accepted.accepted == 2
    codes = {p.line: p.code for p in accepted.problems}
    assert codes == {
        2: "screening.empty_text",
        3: "screening.text_too_long",
        4: "screening.invalid_utf8",
        5: "screening.control_characters",
        6: "screening.invalid_json",
        7: "screening.unknown_value",
        8: "screening.duplicate_id",
        10: "screening.invalid_field",
    }
    assert {m.message_id for m, _ in stored(ctx, rooms.room_a)} == {"ok1", "ok2"}


def test_merchants_cannot_feed_or_see_other_rooms(ctx: AppContext, rooms: Rooms) -> None:
    staff_b = staff(ctx, rooms.world.staff_b, "merchant_staff")
    with ctx.db.unit_of_work() as uow, pytest.raises(Exception, match="直播间不存在"):
        service.get_room(uow.session, staff_b, rooms.room_a, "screening.ingest")
    with ctx.db.unit_of_work() as uow:
        assert service.get_room(uow.session, staff_b, rooms.room_b).id == rooms.room_b


def test_review_confirm_reports_violation_and_dismiss_needs_reason(
    ctx: AppContext, rooms: Rooms, system: Principal
) -> None:
    send(ctx, system, rooms.room_a, BATCH, live_session_id=rooms.session_a)
    by_id = {m.message_id: f for m, f in stored(ctx, rooms.room_a)}
    severe = next(f for f in by_id["s1"] if "penalty" in f.actions)
    comment = by_id["c2"][0]
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        f = service.get_finding(uow.session, system, comment.id)
        with pytest.raises(InvalidInput):
            service.review(uow.session, system, f, decision="dismiss", reason=" ", now=now)
    with ctx.db.unit_of_work() as uow:
        f = service.get_finding(uow.session, system, severe.id)
        service.review(uow.session, system, f, decision="confirm", reason="", now=now)
        uow.commit()
    with ctx.db.unit_of_work() as uow:
        f = service.get_finding(uow.session, system, severe.id)
        with pytest.raises(Conflict):
            service.review(uow.session, system, f, decision="dismiss", reason="x", now=now)
    with ctx.db.session() as s:
        v = s.scalars(
            select(Violation).where(Violation.source_ref == f"screening:{severe.id}")
        ).one()
        assert v.party_id == rooms.host_a
        assert v.code == "absolute_term"
    with ctx.db.unit_of_work() as uow:
        f = service.get_finding(uow.session, system, comment.id)
        service.review(
            uow.session, system, f, decision="dismiss", reason="账号是商家客服号", now=now
        )
        uow.commit()
    with ctx.db.session() as s:
        listed = service.dismissals(s, system)
        assert [(f.id, f.review_reason) for f, _ in listed] == [(comment.id, "账号是商家客服号")]
        msg = s.scalars(select(Message).where(Message.id == comment.message_row_id)).one()
        assert msg.visibility == "hidden"  # its other finding (the WeChat id) still stands


def test_repeated_severe_speech_recommends_cutting(
    ctx: AppContext, rooms: Rooms, system: Principal
) -> None:
    lines = [
        {"message_id": f"s{i}", "source": "speech", "text": "全网最低价，国家级产品"}
        for i in range(3)
    ]
    send(ctx, system, rooms.room_a, ndjson(*lines), live_session_id=rooms.session_a)
    with ctx.db.session() as s:
        cuts = list(s.scalars(select(Alert).where(Alert.kind == "recommend_cut")))
    assert len(cuts) == 1
    assert "断流" in cuts[0].message


def test_policy_table_overrides_defaults(ctx: AppContext, rooms: Rooms, system: Principal) -> None:
    with ctx.db.unit_of_work() as uow:
        service.set_policy(
            uow.session,
            system,
            category="off_platform_trade",
            severity="high",
            source="comment",
            chosen=["hold"],
            now=ctx.clock.now(),
        )
        uow.commit()
    send(
        ctx,
        system,
        rooms.room_a,
        ndjson({"message_id": "c9", "source": "comment", "text": "加V信 abc12345"}),
    )
    ((message, findings),) = stored(ctx, rooms.room_a)
    assert message.visibility == "held"
    assert {tuple(f.actions) for f in findings if f.severity == "high"} == {("hold",)}
    with ctx.db.session() as s:
        rows = service.policy_rows(s, system)
    assert any(r["custom"] and r["actions"] == ["hold"] for r in rows)


def test_published_version_is_picked_up_without_restart(
    ctx: AppContext, rooms: Rooms, system: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    send(
        ctx,
        system,
        rooms.room_a,
        ndjson({"message_id": "m1", "source": "comment", "text": "这个菠萝蜜真甜"}),
    )
    now = ctx.clock.now()
    with ctx.db.unit_of_work() as uow:
        draft = store.create_draft(uow.session, system, now=now)
        store.put_rule(
            uow.session,
            system,
            draft.number,
            {
                "id": "insult.菠萝蜜",
                "category": "insult",
                "severity": "low",
                "basis": "直播营销服务规范 7.3.2.2 h",
                "patterns": ["菠萝蜜"],
                "pinyin": False,
            },
            now=now,
        )
        store.publish(uow.session, system, draft.number, now=now)
        uow.commit()
    ticks = iter([1000.0, 1001.1])
    monkeypatch.setattr(store.time, "monotonic", lambda: next(ticks))
    with ctx.db.session() as s:
        store.ENGINES._active[str(s.get_bind().engine.url)] = (
            999.9,
            1,
            store.get_version(s, 1).digest,
        )
        first, _ = store.ENGINES.engine(s, now=now)  # checked 0.1 s ago: still the old version
        second, engine = store.ENGINES.engine(s, now=now)  # 1.1 s later: asks and switches
    monkeypatch.undo()
    assert (first, second) == (1, 2)
    assert [f.rule for f in engine.screen("菠萝蜜", "comment")] == ["insult.菠萝蜜"]
    store.ENGINES.forget()
    send(
        ctx,
        system,
        rooms.room_a,
        ndjson({"message_id": "m2", "source": "comment", "text": "菠萝蜜"}),
    )
    rows = {m.message_id: (m, f) for m, f in stored(ctx, rooms.room_a)}
    assert rows["m1"][0].lexicon_version == 1
    assert rows["m1"][1] == []
    assert rows["m2"][0].lexicon_version == 2
    assert [f.rule for f in rows["m2"][1]] == ["insult.菠萝蜜"]


def test_a_worker_warms_up_with_the_active_lexicon_compiled(ctx: AppContext) -> None:
    store.ENGINES._engines.clear()
    store.warm_up(ctx.db, ctx.clock)  # a fresh database: version 1 is made from the default
    with ctx.db.session() as s:
        active = store.get_version(s, 1)
        assert active.status == "active"
        assert list(store.ENGINES._engines) == [active.digest]
        compiled = store.ENGINES._engines[active.digest]
        assert store.ENGINES.engine(s, now=ctx.clock.now()) == (1, compiled)


def test_speech_is_checked_against_the_product_on_stage(
    ctx: AppContext, rooms: Rooms, system: Principal
) -> None:
    body = ndjson(
        {"message_id": "p1", "source": "speech", "text": "羽绒服直播间只要 299 元"},
        {"message_id": "p2", "source": "speech", "text": "羽绒服直播间只要 399 元"},
        {"message_id": "p3", "source": "comment", "text": "299 元能买吗"},
    )
    send(ctx, system, rooms.room_a, body, live_session_id=rooms.session_a)
    rows = {m.message_id: [f.category for f in found] for m, found in stored(ctx, rooms.room_a)}
    assert rows == {"p1": ["price_mismatch"], "p2": [], "p3": []}


def test_too_deeply_nested_json_is_a_line_error_not_a_crash() -> None:
    body = b"[" * 100_000 + b'\n{"message_id": "ok", "source": "comment", "text": "hi"}'
    messages, problems = parse_batch(body, datetime.now(UTC))
    assert [m["message_id"] for m in messages] == ["ok"]
    assert [(p.line, p.code) for p in problems] == [(1, "screening.invalid_json")]


def with_a_scarf(
    ctx: AppContext, session: Session, rooms: Rooms, system: Principal
) -> tuple[plan.LiveSession, plan.Product]:
    """Session A with a second product (a scarf at 199 yuan beside the coat at 399)."""
    live = session.get(plan.LiveSession, rooms.session_a)
    assert live is not None
    scarf = plan.add_product(
        session,
        live,
        coat(name="羊绒围巾", live_price=Decimal("199.00")),
        by=system,
        now=ctx.clock.now(),
    )
    return live, scarf


def test_a_segment_naming_its_product_is_checked_against_that_product(
    ctx: AppContext, rooms: Rooms, system: Principal
) -> None:
    with ctx.db.unit_of_work() as uow:  # a second product: no product is "the only one" now
        _, scarf = with_a_scarf(ctx, uow.session, rooms, system)
        uow.commit()
    body = ndjson(
        {
            "message_id": "n1",
            "source": "speech",
            "text": "围巾只要 99 元",
            "product_id": str(scarf.id),
        },
        {
            "message_id": "n2",
            "source": "speech",
            "text": "围巾只要 199 元",
            "product_id": str(scarf.id),
        },
        {"message_id": "n3", "source": "speech", "text": "羽绒服只要 99 元"},  # names none
    )
    send(ctx, system, rooms.room_a, body, live_session_id=rooms.session_a)
    rows = {m.message_id: [f.category for f in found] for m, found in stored(ctx, rooms.room_a)}
    assert rows == {"n1": ["price_mismatch"], "n2": [], "n3": []}


def test_a_message_id_with_control_characters_is_refused() -> None:
    """PostgreSQL cannot store NUL: such a batch would fail in the handler on every delivery."""
    body = ndjson({"message_id": "a\u0000b", "source": "comment", "text": "hi"})
    messages, problems = parse_batch(body, datetime.now(UTC))
    assert messages == []
    assert [p.code for p in problems] == ["screening.invalid_id"]


def test_the_product_being_presented_is_the_one_speech_is_checked_against(
    ctx: AppContext, rooms: Rooms, system: Principal
) -> None:
    """The live side's "now presenting" marks say which product a segment speaks about."""
    first = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    with ctx.db.unit_of_work() as uow:
        live, scarf = with_a_scarf(ctx, uow.session, rooms, system)
        [down_coat, _] = plan.products_of(uow.session, live)
        live.status = "live"  # test set-up: going live through the gate is plan's (tests/plan)
        plan.mark_presenting(uow.session, live, scarf, by=system, now=first)
        plan.mark_presenting(
            uow.session, live, down_coat, by=system, now=first + timedelta(minutes=10)
        )
        uow.commit()

    def at(minutes: int) -> str:
        return (first + timedelta(minutes=minutes)).isoformat()

    body = ndjson(
        {"message_id": "m0", "source": "speech", "text": "只要 99 元", "at": at(-5)},  # before
        {"message_id": "m1", "source": "speech", "text": "只要 99 元", "at": at(5)},  # scarf
        {"message_id": "m2", "source": "speech", "text": "只要 199 元", "at": at(6)},  # scarf
        {"message_id": "m3", "source": "speech", "text": "只要 199 元", "at": at(15)},  # coat
        {"message_id": "m4", "source": "speech", "text": "只要 399 元", "at": at(16)},  # coat
    )
    send(ctx, system, rooms.room_a, body, live_session_id=rooms.session_a)
    rows = {m.message_id: [f.category for f in found] for m, found in stored(ctx, rooms.room_a)}
    assert rows == {
        "m0": [],  # nothing presented yet, and the session has two products
        "m1": ["price_mismatch"],
        "m2": [],
        "m3": ["price_mismatch"],
        "m4": [],
    }


def _default_version(ctx: AppContext) -> tuple[uuid.UUID, int]:
    with ctx.db.unit_of_work() as uow:
        version = store.ensure_default(uow.session, now=ctx.clock.now())
        uow.commit()
        return version.id, version.number


def test_a_second_process_finding_no_version_takes_the_first_ones_default(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _default_version(ctx)
    monkeypatch.setattr(store, "_active", hide_first(store._active))  # its look came too early
    assert _default_version(ctx) == first
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(LexiconVersion)) == 1


def test_two_workers_starting_on_a_new_database_store_one_default_version(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    only_postgresql(ctx)
    barrier = threading.Barrier(2)
    monkeypatch.setattr(store, "_active", wait_after_first(store._active, barrier))
    results = in_two_threads(lambda: _default_version(ctx))
    assert results[0] == results[1], results  # the same row, no IntegrityError
    with ctx.db.session() as s:
        assert s.scalar(select(func.count()).select_from(LexiconVersion)) == 1


def test_a_draft_whose_number_was_just_taken_is_a_conflict(
    ctx: AppContext, system: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    _default_version(ctx)
    real = store._version_row

    def stale(*args: Any, **kwargs: Any) -> LexiconVersion:
        version = real(*args, **kwargs)
        version.number = 1  # another transaction committed number 2… after this one looked
        return version

    monkeypatch.setattr(store, "_version_row", stale)
    with ctx.db.unit_of_work() as uow:
        with pytest.raises(Conflict) as caught:
            store.create_draft(uow.session, system, now=ctx.clock.now())
        assert caught.value.code == "screening.lexicon_number_taken"
        assert store.get_version(uow.session, 1).status == "active"  # the session is still usable


def _drafts(ctx: AppContext, system: Principal, count: int) -> list[int]:
    with ctx.db.unit_of_work() as uow:
        numbers = [
            store.create_draft(uow.session, system, now=ctx.clock.now()).number
            for _ in range(count)
        ]
        uow.commit()
    return numbers


def _active_numbers(ctx: AppContext) -> list[int]:
    with ctx.db.session() as s:
        active = select(LexiconVersion.number).where(LexiconVersion.status == "active")
        return list(s.scalars(active))


def test_the_database_keeps_one_version_active(ctx: AppContext, system: Principal) -> None:
    two, three = _drafts(ctx, system, 2)
    with ctx.db.unit_of_work() as uow:
        store.publish(uow.session, system, two, now=ctx.clock.now())
        uow.commit()
    with ctx.db.unit_of_work() as uow:
        store.get_version(uow.session, three).status = "active"  # bypassing publish
        with pytest.raises(IntegrityError):
            uow.session.flush()
    assert _active_numbers(ctx) == [two]


def test_of_two_publishes_at_once_the_second_is_a_conflict(
    ctx: AppContext, system: Principal
) -> None:
    only_postgresql(ctx)
    two, three = _drafts(ctx, system, 2)
    outcome: list[BaseException | None] = []

    def second() -> None:
        try:
            with ctx.db.unit_of_work() as uow:
                store.publish(uow.session, system, three, now=ctx.clock.now())
                uow.commit()
            outcome.append(None)
        except Exception as exc:
            outcome.append(exc)

    with ctx.db.unit_of_work() as uow:
        store.publish(uow.session, system, two, now=ctx.clock.now())
        waiter = threading.Thread(target=second)
        waiter.start()
        with ctx.db.session() as look:  # the second waits on the first's lock of version 1
            assert wait_until(
                lambda: bool(look.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))),
                10,
            )
        uow.commit()
    waiter.join(30)
    assert isinstance(outcome[0], Conflict), outcome
    assert outcome[0].code == "screening.lexicon_published_meanwhile"
    assert _active_numbers(ctx) == [two]
