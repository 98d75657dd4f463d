"""ACCEPTANCE: the SQLite file and the PostgreSQL tables contain no plaintext ID or phone number
of the demo data (the test greps the raw bytes / rows).

Personal data shows masked through the API, and in full only after a reveal that is audited.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from liveguard.access import Principal
from liveguard.audit import AuditEvent
from liveguard.demo import seed as demo
from liveguard.evidence import media_of
from liveguard.identity import Organisation, User, auth
from liveguard.registry import Document, Party
from liveguard.security import mask_address, mask_id_number, mask_phone
from liveguard.web.context import AppContext

PLATFORM_NAME = next(name for key, _kind, name in demo.ORGS if key == "platform")


def needles() -> dict[str, bytes]:
    """Every demo phone, ID number and address, in the forms a leak could take."""
    found: dict[str, bytes] = {}
    for person in demo.PEOPLE:
        for value in (person.phone, person.id_number, person.address):
            if not value:
                continue
            forms = {value, value.replace(" ", ""), value.lower()}
            digits = re.sub(r"\D", "", value)
            if len(digits) >= 11:  # phones and ID numbers (an address's house number is no leak)
                forms.add(digits)
            for form in forms:
                found[f"{person.key}: {form!r} utf-8"] = form.encode("utf-8")
                found[f"{person.key}: {form!r} utf-16"] = form.encode("utf-16-le")
    assert len({p.phone for p in demo.PEOPLE if p.phone}) >= 10
    assert any(p.id_number for p in demo.PEOPLE)
    assert any(p.address for p in demo.PEOPLE)
    return found


def leaks(raw: bytes) -> list[str]:
    """The needles found in ``raw``."""
    return [label for label, needle in needles().items() if needle in raw]


@pytest.fixture
def seeded(ctx: AppContext, system: Principal) -> AppContext:
    """The demo platform, committed."""
    with ctx.db.unit_of_work() as uow:
        created = demo.seed(
            uow.session,
            by=system,
            now=ctx.clock.now(),
            hasher=ctx.hasher,
            cipher=ctx.cipher,
            media=media_of(ctx),  # the registry's demo documents need their scans
        )
        uow.commit()
    assert created
    with ctx.db.unit_of_work() as uow:
        count = len(uow.session.scalars(select(User.id).where(User.is_demo)).all())
    assert count == len(demo.PEOPLE)
    return ctx


def sqlite_files(ctx: AppContext) -> list[Path]:
    """The database file and its -wal / -shm companions (those that exist)."""
    database = make_url(ctx.db.url).database
    assert database
    path = Path(database)
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


def sqlite_leaks(ctx: AppContext) -> list[str]:
    """Needles in the raw bytes of the SQLite files, before and after a WAL checkpoint."""
    found = []
    files = sqlite_files(ctx)
    assert files
    found += [f"{p.name} (before checkpoint): {x}" for p in files for x in leaks(p.read_bytes())]
    ctx.db.dispose()
    connection = sqlite3.connect(files[0])
    try:
        busy, _log, _checkpointed = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    assert busy == 0
    files = sqlite_files(ctx)
    assert files[0].stat().st_size > 0
    found += [f"{p.name}: {x}" for p in files for x in leaks(p.read_bytes())]
    return found


def postgres_leaks(ctx: AppContext) -> list[str]:
    """Needles in every row of every table of the PostgreSQL schema, as JSON text."""
    found = []
    with ctx.db.engine.connect() as conn:
        tables = conn.scalars(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        ).all()
        assert "identity_user" in tables
        assert "audit_event" in tables
        for table in tables:
            rows = conn.scalars(text(f'SELECT row_to_json(t)::text FROM "{table}" t')).all()
            dump = "\n".join(rows).encode("utf-8")
            found += [f"{table}: {x}" for x in leaks(dump)]
    return found


def storage_leaks(ctx: AppContext) -> list[str]:
    """Plaintext demo personal data found anywhere in the database's storage."""
    if ctx.db.dialect == "sqlite":
        return sqlite_leaks(ctx)
    assert ctx.db.dialect == "postgresql"
    return postgres_leaks(ctx)


def test_the_database_holds_no_plaintext_demo_pii(seeded: AppContext) -> None:
    with seeded.db.unit_of_work() as uow:
        stored = uow.session.scalars(select(User).where(User.is_demo)).all()
        assert all(u.phone_enc and u.phone_enc.startswith("pii1:") for u in stored)
        assert sum(1 for u in stored if u.id_number_enc) == 2
        assert sum(1 for u in stored if u.address_enc) == 3
        hosts = uow.session.scalars(select(Party).where(Party.kind == "host")).all()
        assert len(hosts) == 2
        assert all(h.id_number_enc and h.id_number_enc.startswith("pii1:") for h in hosts)
        assert all(h.phone_enc and h.phone_enc.startswith("pii1:") for h in hosts)
        cards = uow.session.scalars(
            select(Document).where(Document.doc_type == "resident_id")
        ).all()
        assert len(cards) == 2
        assert all(c.number is None and (c.number_enc or "").startswith("pii1:") for c in cards)
    assert storage_leaks(seeded) == []


def test_the_needles_would_be_found(ctx: AppContext) -> None:
    """Control: a plaintext phone written on purpose is found by the same scan."""
    phone = next(p.phone for p in demo.PEOPLE if p.phone)
    with ctx.db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO identity_organisation (id, name, kind, status, is_demo, "
                "created_at, updated_at) VALUES (:id, :name, 'merchant', 'active', :f, :t, :t)"
            ),
            {
                "id": uuid.uuid4().hex if ctx.db.dialect == "sqlite" else str(uuid.uuid4()),
                "name": f"泄露 {phone}",
                "f": False,
                "t": ctx.clock.now().replace(tzinfo=None),
            },
        )
    assert any(phone in leak for leak in storage_leaks(ctx))


def demo_admin_headers(ctx: AppContext, system: Principal) -> dict[str, str]:
    """An API token for the demo platform admin."""
    with ctx.db.unit_of_work() as uow:
        admin = uow.session.scalars(select(User).where(User.email == demo.PEOPLE[0].email)).one()
        platform = uow.session.scalars(
            select(Organisation).where(Organisation.name == PLATFORM_NAME)
        ).one()
        _token, secret = auth.create_token(
            uow.session,
            by=system,
            user=admin,
            org=platform,
            name="pii-test",
            role="platform_admin",
            scopes=["*"],
            days=1,
            now=ctx.clock.now(),
            max_days=365,
        )
        uow.commit()
    return {"Authorization": f"Bearer {secret}"}


def test_the_api_masks_and_reveals_only_with_an_audit_entry(
    seeded: AppContext, client: TestClient, system: Principal
) -> None:
    headers = demo_admin_headers(seeded, system)
    listed = client.get("/api/v1/users", params={"per_page": 200}, headers=headers)
    assert listed.status_code == 200
    assert leaks(listed.content) == []
    by_email = {u["email"]: u for u in listed.json()["items"]}
    for person in demo.PEOPLE:
        pii = by_email[person.email]["pii"]
        assert pii["phone"] == (mask_phone(person.phone) if person.phone else None)
        assert pii["id_number"] == (mask_id_number(person.id_number) if person.id_number else None)
        assert pii["address"] == (mask_address(person.address) if person.address else None)
    host = next(p for p in demo.PEOPLE if p.id_number)
    assert host.phone is not None
    host_id = by_email[host.email]["id"]
    assert by_email[host.email]["pii"]["phone"] == f"{host.phone[:3]}****{host.phone[-4:]}"
    single = client.get(f"/api/v1/users/{host_id}", headers=headers)
    assert leaks(single.content) == []

    with seeded.db.unit_of_work() as uow:
        reveals = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.pii_revealed")
        ).all()
    assert reveals == []
    revealed = client.post(
        f"/api/v1/users/{host_id}/pii-reveals", json={"reason": "主播实名复核"}, headers=headers
    )
    assert revealed.status_code == 200
    assert revealed.json() == {"phone": host.phone, "id_number": host.id_number, "address": None}
    with seeded.db.unit_of_work() as uow:
        [entry] = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.pii_revealed")
        ).all()
        assert entry.target_id == host_id
        assert entry.detail["reason"] == "主播实名复核"
        assert entry.actor_label.startswith(demo.PEOPLE[0].email)
    # The reveal itself wrote no plaintext anywhere.
    assert storage_leaks(seeded) == []
