"""Screening API: batch ingest, the WebSocket feed, the room's stream, reviews, lexicon versions."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.screening.conftest import Rooms
from tests.screening.test_service import BATCH, ndjson

NDJSON = {"Content-Type": "application/x-ndjson"}


def test_http_batch_ingest_and_stream(client: TestClient, rooms: Rooms) -> None:
    admin = rooms.world.admin.headers
    bad = ndjson({"message_id": "x", "source": "comment", "text": ""}, b"{oops")
    r = client.post(
        f"/api/v1/screening/rooms/{rooms.room_a}/messages",
        content=BATCH + b"\n" + bad,
        headers={**admin, **NDJSON},
    )
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["accepted"] == 4
    assert [e["code"] for e in body["errors"]] == ["screening.empty_text", "screening.invalid_json"]
    page = client.get(f"/api/v1/screening/rooms/{rooms.room_a}/messages", headers=admin).json()
    assert [m["message_id"] for m in page["items"]] == ["c1", "c2", "s1", "s2"]
    assert page["items"][1]["visibility"] == "hidden"
    again = client.get(
        f"/api/v1/screening/rooms/{rooms.room_a}/messages?after={page['next_after']}", headers=admin
    ).json()
    assert again["items"] == []
    counts = client.get(f"/api/v1/screening/rooms/{rooms.room_a}/counters", headers=admin).json()
    assert counts["off_platform_trade"] >= 1
    queue = client.get(f"/api/v1/screening/rooms/{rooms.room_a}/findings", headers=admin).json()
    target = next(f for f in queue if f["category"] == "off_platform_trade")
    r = client.post(
        f"/api/v1/screening/findings/{target['id']}/review",
        json={"decision": "dismiss", "reason": "商家官方客服号"},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "dismissed"
    listed = client.get("/api/v1/screening/dismissals", headers=admin).json()
    assert [d["reason"] for d in listed] == ["商家官方客服号"]


def test_tenancy(client: TestClient, rooms: Rooms) -> None:
    staff_a, staff_b = rooms.world.staff_a.headers, rooms.world.staff_b.headers
    url = f"/api/v1/screening/rooms/{rooms.room_a}/messages"
    assert client.post(url, content=BATCH, headers={**staff_a, **NDJSON}).status_code == 202
    assert client.post(url, content=BATCH, headers={**staff_b, **NDJSON}).status_code == 404
    assert client.get(url, headers=staff_b).status_code == 404
    assert client.get(url, headers=rooms.world.regulator.headers).status_code == 200
    queue = client.get(f"/api/v1/screening/rooms/{rooms.room_a}/findings", headers=staff_a).json()
    r = client.post(
        f"/api/v1/screening/findings/{queue[0]['id']}/review",
        json={"decision": "confirm"},
        headers=staff_a,
    )
    assert r.status_code == 403  # merchants see their findings; the live side reviews them
    assert client.post(url, content=BATCH).status_code == 401
    other_room = f"/api/v1/screening/rooms/{rooms.room_b}/messages"
    named = client.post(
        other_room,
        params={"live_session_id": str(rooms.session_a)},
        content=BATCH,
        headers={**staff_b, **NDJSON},
    )
    assert named.status_code == 404  # a session of another room is not this room's


def test_websocket_feed(client: TestClient, rooms: Rooms) -> None:
    token = rooms.world.staff_a.token
    url = f"/api/v1/screening/rooms/{rooms.room_a}/ws?token={token}"
    with client.websocket_connect(url) as ws:
        ws.send_text(
            ndjson({"message_id": "w1", "source": "comment", "text": "加V信 abc12345"}).decode()
        )
        assert ws.receive_json()["accepted"] == 1
        ws.send_text("not json")
        answer = ws.receive_json()
        assert answer["accepted"] == 0
        assert answer["errors"][0]["code"] == "screening.invalid_json"
    page = client.get(
        f"/api/v1/screening/rooms/{rooms.room_a}/messages", headers=rooms.world.staff_a.headers
    ).json()
    assert page["items"][0]["findings"][0]["category"] == "off_platform_trade"


def test_lexicon_versions_import_export_publish_try(client: TestClient, rooms: Rooms) -> None:
    officer = rooms.officer.headers
    versions = client.get("/api/v1/screening/lexicon/versions", headers=officer).json()
    assert [(v["number"], v["status"]) for v in versions] == [(1, "active")]
    assert versions[0]["rule_count"] >= 2000
    exported = client.get("/api/v1/screening/lexicon/export?version=1", headers=officer)
    doc = json.loads(exported.text)
    doc["rules"] = [r for r in doc["rules"] if r["category"] != "insult"]
    r = client.post("/api/v1/screening/lexicon/versions", json=doc, headers=officer)
    assert r.status_code == 201, r.text
    number = r.json()["number"]
    rule = {
        "id": "insult.丑八怪",
        "category": "insult",
        "severity": "medium",
        "basis": "直播营销服务规范 7.3.2.2 h",
        "patterns": ["丑八怪"],
    }
    r = client.put(f"/api/v1/screening/lexicon/rules?version={number}", json=rule, headers=officer)
    assert r.status_code == 200, r.text
    tried = client.post(
        "/api/v1/screening/lexicon/try",
        json={"text": "你这个丑八怪", "version": number},
        headers=officer,
    ).json()
    assert [(f["rule"], f["matched"], f["basis"]) for f in tried["findings"]] == [
        ("insult.丑八怪", "丑八怪", "直播营销服务规范 7.3.2.2 h")
    ]
    assert (
        client.post(
            f"/api/v1/screening/lexicon/publish?version={number}",
            headers=rooms.world.staff_a.headers,
        ).status_code
        == 403
    )
    r = client.post(f"/api/v1/screening/lexicon/publish?version={number}", headers=officer)
    assert r.json()["status"] == "active"
    active = client.post(
        "/api/v1/screening/lexicon/try",
        json={"text": "丑八怪", "source": "comment"},
        headers=officer,
    ).json()
    assert active["version"] == number
    bad = client.post("/api/v1/screening/lexicon/versions", json={"format": 1}, headers=officer)
    assert bad.status_code == 422
    assert bad.json()["code"] == "screening.invalid_lexicon"
    edit_active = client.delete(
        "/api/v1/screening/lexicon/rules",
        params={"version": number, "rule": "insult.丑八怪"},
        headers=officer,
    )
    assert edit_active.status_code == 409
    fresh = client.post("/api/v1/screening/lexicon/versions", headers=officer).json()["number"]
    bad_rule = client.put(
        f"/api/v1/screening/lexicon/rules?version={fresh}", json={"id": "x"}, headers=officer
    )
    assert bad_rule.status_code == 422
    assert bad_rule.json()["code"] == "screening.invalid_rule"
