"""Replay (调阅回放) in the console: timelines in time order with their verification status,
tenant scoping, media checked before a byte is sent, bad input, English."""

from __future__ import annotations

import hashlib
import html
import io
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from liveguard.access import Principal
from liveguard.evidence import heads, rules, service
from liveguard.evidence.deps import media_of, signer_of
from liveguard.evidence.media import LocalMediaStore, MediaRef
from liveguard.evidence.models import EvidenceRecord, EvidenceSubjectIndex
from liveguard.identity import create_organisation
from liveguard.web.context import AppContext
from tests.conftest import NOW, World, make_member
from tests.web.helpers import log_in

PNG = bytes.fromhex(  # a 1×1 transparent PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
ENTRY = re.compile(r'<li class="card entry" id="entry-(\d+)" data-seq="\d+" data-status="(\w+)">')
TIME = re.compile(r'<time class="time" datetime="[^"]+">([^<]+)</time>')


def put_media(ctx: AppContext, data: bytes, content_type: str) -> MediaRef:
    """A blob in the test's media store."""
    return media_of(ctx).put(io.BytesIO(data), content_type=content_type, max_bytes=1 << 20)


def draft(
    kind: str,
    minutes: int,
    tenant: uuid.UUID,
    subjects: dict[str, str],
    payload: dict[str, Any],
    media: tuple[MediaRef, ...] = (),
) -> rules.RecordDraft:
    """A record ``minutes`` after 2026-11-24 10:00 China Standard Time."""
    return rules.RecordDraft(
        record_id=uuid.uuid4(),
        kind=kind,
        occurred_at=NOW + timedelta(minutes=minutes),
        tenant_id=tenant,
        subjects=subjects,
        payload=payload,
        media=tuple(rules.MediaLink(m.sha256, m.size, m.content_type) for m in media),
    )


def record(ctx: AppContext, system: Principal, *drafts: rules.RecordDraft, sign: bool) -> list[int]:
    """Append the records (in this order), optionally sign a head; their log positions."""
    with ctx.db.unit_of_work() as uow:
        appended = service.append(uow.session, system, list(drafts), now=ctx.clock.now())
        if sign:
            heads.sign_head(uow.session, signer_of(ctx), now=ctx.clock.now(), force=True)
        uow.commit()
    return [a.seq for a in appended]


@dataclass(frozen=True)
class Replay:
    """Where the fixture's records landed (the world's own party records come first)."""

    comment: int
    speech: int
    screenshot: int
    order: int
    finding: int

    @property
    def head_size(self) -> int:
        """The signed head covers everything up to the order."""
        return self.order + 1


@pytest.fixture
def shot(ctx: AppContext) -> MediaRef:
    """A screenshot of merchant A's live session."""
    return put_media(ctx, PNG, "image/png")


@pytest.fixture
def b_shot(ctx: AppContext) -> MediaRef:
    """A different blob, only merchant B's record refers to it."""
    return put_media(ctx, PNG + b"B", "image/png")


@pytest.fixture
def replay(
    ctx: AppContext, system: Principal, world: World, shot: MediaRef, b_shot: MediaRef
) -> Replay:
    """A's session s-1 (appended out of time order, three signed, one not yet) and B's order."""
    a, b = world.merchant_a, world.merchant_b
    session = {"live_session": "s-1", "room": "r-1"}
    signed = record(
        ctx,
        system,
        draft("live_comment", 5, a, session, {"text": "加微信 abc123", "user": "观众甲"}),
        draft("live_speech", 1, a, session, {"text": "全网最低价", "seconds": 12}),
        draft("screenshot", 3, a, session, {"note": "商品页"}, (shot,)),
        draft("order", 0, b, {"order": "o-b"}, {"amount": "88.00", "buyer": "买家乙"}, (b_shot,)),
        sign=True,
    )
    later = record(
        ctx, system, draft("finding", 9, a, session, {"category": "off_platform_trade"}), sign=False
    )
    return Replay(*signed, *later)


def text_of(page: str) -> str:
    """What the reader sees: the page without its tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def entries(page: str) -> list[tuple[int, str]]:
    """(log position, status) of each timeline entry, top to bottom."""
    return [(int(seq), status) for seq, status in ENTRY.findall(page)]


# ----------------------------------------------------------------------------- timelines


def test_timeline_is_in_time_order_with_each_entry_verified(
    client: TestClient, world: World, replay: Replay
) -> None:
    log_in(client, world.admin.email)

    page = client.get("/console/evidence/sessions/s-1")

    assert page.status_code == 200
    text = html.unescape(page.text)
    assert entries(page.text) == [
        (replay.speech, "verified"),
        (replay.screenshot, "verified"),
        (replay.comment, "verified"),
        (replay.finding, "pending"),
    ]
    assert TIME.findall(page.text) == [
        "2026-11-24 10:01:00",
        "2026-11-24 10:03:00",
        "2026-11-24 10:05:00",
        "2026-11-24 10:09:00",
    ]
    assert "共 4 条记录" in text
    assert text.count("✔ 已验证") == 3
    assert f"已纳入大小为 {replay.head_size} 的签名树头" in text
    assert "⏳ 尚未被签名树头覆盖" in text
    for line in ("text: 全网最低价", "seconds: 12", "user: 观众甲", "category: off_platform_trade"):
        assert text_of(page.text).count(line) == 1, line
    assert "主播话术" in text
    assert "直播评论" in text
    assert 'href="/console/evidence/rooms/r-1"' in page.text  # the related room's replay


def test_a_changed_entry_shows_as_a_problem(
    client: TestClient, ctx: AppContext, world: World, replay: Replay
) -> None:
    with ctx.db.unit_of_work() as uow:
        row = uow.session.get(EvidenceRecord, replay.speech)
        assert row is not None
        assert row.entry is not None
        uow.session.execute(
            update(EvidenceRecord)
            .where(EvidenceRecord.seq == replay.speech)
            .values(entry=row.entry.replace("全网最低价", "价格实惠"))
        )
        uow.commit()
    log_in(client, world.admin.email)

    page = client.get("/console/evidence/sessions/s-1")

    assert (replay.speech, "problem") in entries(page.text)
    assert "✘ 内容与日志中的哈希不符" in html.unescape(page.text)


def test_an_unreadable_entry_shows_as_a_problem(
    client: TestClient, ctx: AppContext, world: World, replay: Replay
) -> None:
    with ctx.db.unit_of_work() as uow:
        uow.session.execute(
            update(EvidenceRecord)
            .where(EvidenceRecord.seq == replay.screenshot)
            .values(entry='{"kind": [')
        )
        uow.commit()
    log_in(client, world.admin.email)

    page = client.get("/console/evidence/sessions/s-1")
    index = client.get("/console/evidence")

    assert page.status_code == 200
    assert (replay.screenshot, "problem") in entries(page.text)
    assert index.status_code == 200


def test_an_erased_entry_says_so(
    client: TestClient, ctx: AppContext, world: World, replay: Replay
) -> None:
    with ctx.db.unit_of_work() as uow:
        uow.session.execute(
            update(EvidenceRecord).where(EvidenceRecord.seq == replay.comment).values(entry=None)
        )
        uow.commit()
    log_in(client, world.admin.email)

    page = client.get("/console/evidence/sessions/s-1")

    assert (replay.comment, "erased") in entries(page.text)
    assert "内容已按保存期限删除" in page.text


def test_a_row_moved_to_another_subject_shows_as_a_problem(
    client: TestClient, ctx: AppContext, world: World, replay: Replay
) -> None:
    with ctx.db.unit_of_work() as uow:  # the subject index says s-2, the signed entry says s-1
        uow.session.execute(
            update(EvidenceSubjectIndex)
            .where(
                EvidenceSubjectIndex.seq == replay.comment,
                EvidenceSubjectIndex.subject_type == "live_session",
            )
            .values(subject_id="s-2")
        )
        uow.commit()
    log_in(client, world.admin.email)

    page = client.get("/console/evidence/sessions/s-2")

    assert entries(page.text) == [(replay.comment, "problem")]
    assert "✘ 记录内容与索引不符" in html.unescape(page.text)


@pytest.mark.usefixtures("replay")
def test_merchants_see_only_their_own_records(client: TestClient, world: World) -> None:
    log_in(client, world.staff_a.email)

    own = client.get("/console/evidence/sessions/s-1")
    foreign = client.get("/console/evidence/orders/o-b")

    assert len(entries(own.text)) == 4
    # Another tenant's subject answers like a subject nothing was recorded for: 404.
    assert foreign.status_code == 404
    assert entries(foreign.text) == []
    assert "没有可查看的记录" in foreign.text
    assert "买家乙" not in foreign.text
    assert client.get("/console/evidence/orders/never-recorded").status_code == 404


def test_regulators_see_every_tenant(client: TestClient, world: World, replay: Replay) -> None:
    log_in(client, world.regulator.email)

    page = client.get("/console/evidence/orders/o-b")

    assert entries(page.text) == [(replay.order, "verified")]
    assert "amount: 88.00" in text_of(page.text)


def test_pages_of_a_long_timeline(client: TestClient, world: World, replay: Replay) -> None:
    log_in(client, world.admin.email)

    first = client.get("/console/evidence/sessions/s-1?per_page=3")
    second = client.get("/console/evidence/sessions/s-1?page=2&per_page=3")

    assert [seq for seq, _ in entries(first.text)] == [
        replay.speech,
        replay.screenshot,
        replay.comment,
    ]
    assert [seq for seq, _ in entries(second.text)] == [replay.finding]
    assert "第 1 / 2 页 · 共 4 条" in first.text


def test_roles_without_evidence_read_are_refused(
    client: TestClient, ctx: AppContext, system: Principal, shot: MediaRef
) -> None:
    with ctx.db.unit_of_work() as uow:
        mcn = create_organisation(uow.session, name="经纪机构", kind="mcn", by=system, now=NOW)
        uow.commit()
    member = make_member(
        ctx, system, org_id=mcn.id, role="mcn_staff", key="mcn", phone="13500000009"
    )
    home = log_in(client, member.email)

    assert "证据回放" not in home.text
    for path in (
        "/console/evidence",
        "/console/evidence/sessions/s-1",
        f"/console/evidence/media/{shot.sha256}",
    ):
        assert client.get(path).status_code == 403, path


# ----------------------------------------------------------------------------- media


@pytest.mark.usefixtures("replay")
def test_media_plays_inline_after_its_hash_is_checked(
    client: TestClient, world: World, shot: MediaRef
) -> None:
    log_in(client, world.staff_a.email)
    page = client.get("/console/evidence/sessions/s-1")
    assert f'<img src="/console/evidence/media/{shot.sha256}"' in page.text

    blob = client.get(f"/console/evidence/media/{shot.sha256}")

    assert blob.status_code == 200
    assert blob.content == PNG
    assert blob.headers["content-type"] == "image/png"
    assert blob.headers["content-length"] == str(len(PNG))
    assert blob.headers["content-disposition"].startswith("inline;")


@pytest.mark.usefixtures("replay")
def test_media_of_another_tenants_record_is_not_found(
    client: TestClient, world: World, b_shot: MediaRef
) -> None:
    log_in(client, world.staff_a.email)

    blob = client.get(f"/console/evidence/media/{b_shot.sha256}")
    stranger = client.get(f"/console/evidence/media/{hashlib.sha256(b'nothing').hexdigest()}")

    for answer in (blob, stranger):
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert PNG not in answer.content


@pytest.mark.usefixtures("replay")
def test_a_corrupted_blob_answers_an_error_page_and_no_bytes(
    client: TestClient, ctx: AppContext, world: World, shot: MediaRef
) -> None:
    store = media_of(ctx)
    assert isinstance(store, LocalMediaStore)
    path = store.root / store.key(shot.sha256)
    path.chmod(0o644)  # blobs are stored read-only
    path.write_bytes(PNG[:-1] + b"\x00")
    log_in(client, world.staff_a.email)

    answer = client.get(f"/console/evidence/media/{shot.sha256}")

    assert answer.status_code == 500
    assert answer.headers["content-type"].startswith("text/html")
    assert "文件已损坏或被篡改" in answer.text
    assert PNG[:8] not in answer.content


def test_media_of_unsafe_types_is_only_a_download(
    client: TestClient, ctx: AppContext, system: Principal, world: World
) -> None:
    page_blob = put_media(ctx, b"<script>alert(1)</script>", "text/html")
    record(
        ctx,
        system,
        draft("cs_message", 0, world.merchant_a, {"complaint": "c-1"}, {}, (page_blob,)),
        sign=True,
    )
    log_in(client, world.staff_a.email)

    page = client.get("/console/evidence/complaints/c-1")
    blob = client.get(f"/console/evidence/media/{page_blob.sha256}")

    assert f'<img src="/console/evidence/media/{page_blob.sha256}"' not in page.text
    assert f'href="/console/evidence/media/{page_blob.sha256}" download' in page.text
    assert blob.headers["content-type"] == "application/octet-stream"
    assert blob.headers["content-disposition"] == (
        f'attachment; filename="{page_blob.sha256}.html"'
    )


# ----------------------------------------------------------------------------- index, JSON, input


def test_index_shows_the_log_and_sends_the_form_to_the_timeline(
    client: TestClient, world: World, replay: Replay
) -> None:
    home = log_in(client, world.staff_a.email)
    assert "证据记录数" in home.text
    assert 'href="/console/evidence"' in home.text

    index = client.get("/console/evidence")
    picked = client.get(
        "/console/evidence",
        params={"subject_type": "sessions", "subject_id": "s-1"},
        follow_redirects=False,
    )

    assert index.status_code == 200
    assert f'id="log-size">{replay.finding + 1}<' in index.text
    assert re.search(r'id="head-count">1<', index.text)
    assert "买家乙" not in index.text  # B's records are not among the "recent" ones
    assert "o-b" not in index.text
    assert picked.status_code == 303
    assert picked.headers["location"] == "/console/evidence/sessions/s-1"


def test_record_json_and_proof_for_the_reader_only(
    client: TestClient, ctx: AppContext, world: World, replay: Replay
) -> None:
    with ctx.db.unit_of_work() as uow:
        a_id = uow.session.get(EvidenceRecord, replay.speech).id  # type: ignore[union-attr]
        b_id = uow.session.get(EvidenceRecord, replay.order).id  # type: ignore[union-attr]
    log_in(client, world.staff_a.email)

    doc = client.get(f"/console/evidence/records/{a_id}")
    proof = client.get(f"/console/evidence/records/{a_id}/inclusion-proof")
    foreign = client.get(f"/console/evidence/records/{b_id}")

    assert doc.json()["entry"]["payload"]["text"] == "全网最低价"
    assert doc.json()["included_in_head"] == replay.head_size
    assert proof.json()["tree_size"] == replay.head_size
    assert proof.json()["index"] == replay.speech
    assert foreign.status_code == 404
    assert foreign.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/console/evidence/widgets/s-1", "未知的对象类型：widgets"),
        ("/console/evidence/sessions/a%20b", "对象编号格式不正确"),
        ("/console/evidence?subject_type=sessions&subject_id=", "对象编号格式不正确"),
        ("/console/evidence?subject_type=sessions", "缺少对象编号"),
        ("/console/evidence/media/not-a-hash", "文件哈希格式不正确"),
    ],
)
def test_bad_input_answers_a_422_page(
    client: TestClient, world: World, path: str, message: str
) -> None:
    log_in(client, world.staff_a.email)

    answer = client.get(path)

    assert answer.status_code == 422
    assert message in html.unescape(answer.text)


# ----------------------------------------------------------------------------- English


def test_replay_in_english(client: TestClient, world: World, replay: Replay) -> None:
    client.cookies.set("lg_lang", "en")
    log_in(client, world.admin.email)

    page = client.get("/console/evidence/sessions/s-1")
    bad = client.get("/console/evidence/widgets/s-1")

    text = html.unescape(page.text)
    for phrase in (
        "Replay · Live session",
        "4 records, in the order they happened (China Standard Time).",
        "✔ Verified",
        f"included in the signed tree head of size {replay.head_size}",
        "⏳ Not yet covered by a signed tree head",
        "Host speech",
        "Inclusion proof",
        "Evidence replay",
    ):
        assert phrase in text, phrase
    for chinese in ("已验证", "调阅回放", "主播话术", "证据回放"):
        assert chinese not in text
    assert "Unknown subject type: widgets" in html.unescape(bad.text)
