"""Screening console: the monitor (page, server-sent events, review forms), lexicon, policy."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.screening.conftest import Rooms
from tests.screening.test_service import BATCH
from tests.web.helpers import csrf_of, log_in

NDJSON = {"Content-Type": "application/x-ndjson"}


def test_monitor_streams_findings_and_reviews(client: TestClient, rooms: Rooms) -> None:
    log_in(client, rooms.officer.email)
    url = f"/console/screening/rooms/{rooms.room_a}"
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="stream"' in page.text
    assert 'id="count-off_platform_trade">0<' in page.text
    client.post(
        f"/api/v1/screening/rooms/{rooms.room_a}/messages",
        content=BATCH,
        headers={**rooms.world.admin.headers, **NDJSON},
    )
    events = client.get(f"{url}/events?after=0&seconds=0")
    assert events.headers["content-type"].startswith("text/event-stream")
    frames = events.text
    assert frames.count("event: message") == 4
    assert '<mark class="finding sev-high"' in frames
    assert re.search(r'event: counters\ndata: \{[^}]*"off_platform_trade": [1-9]', frames)
    assert "event: alert" in frames
    assert "event: queue" in frames
    page = client.get(url)
    finding_id = re.findall(r'id="finding-([0-9a-f-]+)"', page.text)[0]
    csrf = csrf_of(page.text)
    review = f"/console/screening/findings/{finding_id}/review"
    empty = client.post(review, data={"csrf_token": csrf, "decision": "dismiss", "reason": ""})
    assert empty.status_code == 200
    assert "判为误报须填写理由" in empty.text
    done = client.post(review, data={"csrf_token": csrf, "decision": "dismiss", "reason": "客服号"})
    assert done.status_code == 200
    assert f'id="finding-{finding_id}"' not in done.text
    listed = client.get("/console/screening/dismissals")
    assert "客服号" in listed.text
    assert client.get("/console/screening/rooms").text.count("/console/screening/rooms/") == 2


def test_merchant_sees_only_own_rooms(client: TestClient, rooms: Rooms) -> None:
    log_in(client, rooms.world.staff_b.email)
    assert client.get(f"/console/screening/rooms/{rooms.room_a}").status_code == 404
    assert (
        client.get(f"/console/screening/rooms/{rooms.room_a}/events?seconds=0").status_code == 404
    )
    listing = client.get("/console/screening/rooms").text
    assert str(rooms.room_b) in listing
    assert str(rooms.room_a) not in listing


def test_lexicon_pages_try_edit_publish(client: TestClient, rooms: Rooms) -> None:
    log_in(client, rooms.officer.email)
    tried = client.get(
        "/console/screening/lexicon", params={"text": "加我薇信，全网最低价", "source": "speech"}
    )
    assert tried.status_code == 200
    assert "off.加我微信" in tried.text
    assert "加我微信" in tried.text  # the normalised form
    assert "直播营销服务规范 7.2.1 d" in tried.text
    csrf = csrf_of(tried.text)
    draft = client.post("/console/screening/lexicon/versions", data={"csrf_token": csrf})
    assert str(draft.url).endswith("/console/screening/lexicon/version?number=2")
    rule = (
        '{"id": "insult.丑八怪", "category": "insult", "severity": "medium",'
        ' "basis": "直播营销服务规范 7.3.2.2 h", "patterns": ["丑八怪"]}'
    )
    saved = client.post(
        "/console/screening/lexicon/rules", data={"csrf_token": csrf, "number": 2, "rule": rule}
    )
    assert "insult.丑八怪" in saved.text
    bad = client.post(
        "/console/screening/lexicon/rules",
        data={"csrf_token": csrf, "number": 2, "rule": '{"id": "x"}'},
    )
    assert 'id="form-error"' in bad.text
    client.post("/console/screening/lexicon/publish", data={"csrf_token": csrf, "number": 2})
    versions = client.get("/console/screening/lexicon", params={"text": "丑八怪"})
    assert "insult.丑八怪" in versions.text
    exported = client.get("/console/screening/lexicon/export?number=2")
    assert "丑八怪" in exported.text
    policy = client.get("/console/screening/policy")
    assert policy.status_code == 200
    client.post(
        "/console/screening/policy",
        data={
            "csrf_token": csrf,
            "category": "insult",
            "severity": "low",
            "source": "comment",
            "actions": ["hold", "alert_officer"],
        },
    )
    assert "已自定义" in client.get("/console/screening/policy").text


def test_monitor_in_english(client: TestClient, rooms: Rooms) -> None:
    log_in(client, rooms.officer.email)
    client.cookies.set("lg_lang", "en")
    page = client.get(f"/console/screening/rooms/{rooms.room_a}")
    assert "Live-room monitor" in page.text
    assert "Review queue" in page.text
