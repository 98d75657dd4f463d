"""Lexicon versions in the database, and the compiled engine each process keeps of the active one.

The shipped default lexicon becomes version 1 on first use. Compliance officers edit a draft
(a copy of the active version, or an imported file) and publish it; publishing retires the old
active version. Running processes pick up a newly published version within
``CHECK_SECONDS`` without a restart: each process remembers, per database, which version is
active and asks again at most once a second (one indexed read); engines are compiled once per
lexicon digest and kept.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Principal
from liveguard.bus import emit
from liveguard.clock import Clock
from liveguard.db import Database, new_id
from liveguard.db.unique import insert_once, unique_or_conflict
from liveguard.errors import Conflict, InvalidInput, NotFound
from liveguard.screening.engine import Engine
from liveguard.screening.events import LexiconPublished
from liveguard.screening.lexicon import Lexicon, LexiconDoc, RuleSpec, load_default, parse_lexicon
from liveguard.screening.models import LexiconVersion
from liveguard.screening.normalise import fold

CHECK_SECONDS = 1.0
KEEP_ENGINES = 4


def _doc_json(lexicon: Lexicon) -> dict[str, Any]:
    """The lexicon as stored (defaults left out, as in an export)."""
    loaded: dict[str, Any] = json.loads(lexicon.to_json())
    return loaded


def _parse(raw: str | bytes) -> Lexicon:
    """A lexicon file validated; the error keeps the reason (the API's ``errors`` is a list)."""
    try:
        return parse_lexicon(raw)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, code=exc.code) from None


def lexicon_of(version: LexiconVersion) -> Lexicon:
    """The validated lexicon of a stored version."""
    return Lexicon(LexiconDoc.model_validate(version.doc))


def _version_row(
    session: Session,
    lexicon: Lexicon,
    *,
    status: str,
    by: str,
    note: str,
    now: datetime,
    number: int | None = None,
) -> LexiconVersion:
    """A new version (not added yet), numbered after the highest so far unless ``number``."""
    if number is None:
        number = (session.scalar(select(func.max(LexiconVersion.number))) or 0) + 1
    return LexiconVersion(
        id=new_id(),
        number=number,
        status=status,
        doc=_doc_json(lexicon),
        digest=lexicon.digest,
        rule_count=len(lexicon.doc.rules),
        note=note[:500],
        created_by=by,
        published_by=by if status == "active" else None,
        published_at=now if status == "active" else None,
        created_at=now,
        updated_at=now,
    )


def _new_version(
    session: Session, lexicon: Lexicon, *, status: str, by: str, note: str, now: datetime
) -> LexiconVersion:
    """Store a new version; Conflict when another transaction took its number meanwhile."""
    version = _version_row(session, lexicon, status=status, by=by, note=note, now=now)
    taken = "另一个词库版本刚刚建立，占用了同一版本号，请重试"
    with unique_or_conflict(session, taken, code="screening.lexicon_number_taken"):
        session.add(version)
    return version


def _active(session: Session) -> LexiconVersion | None:
    return session.scalars(select(LexiconVersion).where(LexiconVersion.status == "active")).first()


def ensure_default(session: Session, *, now: datetime) -> LexiconVersion:
    """The active version; on first use, the shipped default lexicon imported as version 1 (two
    processes starting on a new database both try: one stores it, the other reads that one)."""
    active = _active(session)
    if active is not None:
        return active
    default = _version_row(
        session,
        load_default(),
        status="active",
        by="system",
        note="内置默认词库",
        now=now,
        number=1,  # drafts come after it: a database without an active version has none
    )
    return insert_once(session, default, lambda: _active(session))[0]


def get_version(session: Session, number: int, *, lock: bool = False) -> LexiconVersion:
    """A version by number, or NotFound; with ``lock``, held until commit (an edit or publish
    of the same draft at the same time waits for this one instead of overwriting it)."""
    stmt = select(LexiconVersion).where(LexiconVersion.number == number)
    found = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if found is None:
        raise NotFound("词库版本不存在", code="screening.lexicon_not_found")
    return found


def list_versions(session: Session, principal: Principal, *, now: datetime) -> list[LexiconVersion]:
    """Every version, newest first (the default is imported when there is none)."""
    principal.require("screening.read")
    ensure_default(session, now=now)
    return list(session.scalars(select(LexiconVersion).order_by(LexiconVersion.number.desc())))


def _require_edit(principal: Principal) -> None:
    principal.require("screening.lexicon")


def create_draft(
    session: Session,
    principal: Principal,
    *,
    now: datetime,
    raw: str | bytes | None = None,
    note: str = "",
) -> LexiconVersion:
    """A new draft: a copy of the active version, or an imported lexicon file (validated)."""
    _require_edit(principal)
    base = ensure_default(session, now=now)
    lexicon = _parse(raw) if raw is not None else lexicon_of(base)
    draft = _new_version(
        session, lexicon, status="draft", by=principal.label, note=note or "草稿", now=now
    )
    audit.record(
        session,
        actor=principal,
        action="screening.lexicon_draft",
        now=now,
        target_type="lexicon_version",
        target_id=draft.number,
        detail={"rules": draft.rule_count, "imported": raw is not None},
    )
    return draft


def _editable(session: Session, number: int) -> LexiconVersion:
    version = get_version(session, number, lock=True)
    if version.status != "draft":
        raise Conflict("只能修改草稿版本", code="screening.lexicon_not_draft")
    return version


def _store_doc(version: LexiconVersion, doc: dict[str, Any], now: datetime) -> None:
    lexicon = _parse(json.dumps(doc, ensure_ascii=False))
    Engine(lexicon)  # a pattern that folds to nothing is refused here, not in a worker
    version.doc = _doc_json(lexicon)
    version.digest = lexicon.digest
    version.rule_count = len(lexicon.doc.rules)
    version.updated_at = now


def put_rule(
    session: Session, principal: Principal, number: int, rule: dict[str, Any], *, now: datetime
) -> LexiconVersion:
    """Add a rule to a draft, or replace the rule with the same id."""
    _require_edit(principal)
    version = _editable(session, number)
    if not isinstance(rule, dict):
        raise InvalidInput("规则应为 JSON 对象", code="screening.invalid_rule")
    try:
        spec = RuleSpec.model_validate(rule)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "rule"
        raise InvalidInput(
            f"规则无效：{where}：{first['msg']}", code="screening.invalid_rule"
        ) from None
    doc = dict(version.doc)
    rules = [r for r in doc["rules"] if r["id"] != spec.id]
    replaced = len(rules) != len(doc["rules"])
    at = next((i for i, r in enumerate(doc["rules"]) if r["id"] == spec.id), len(rules))
    rules.insert(at, spec.model_dump(mode="json", exclude_defaults=True))
    _store_doc(version, {**doc, "rules": rules}, now)
    audit.record(
        session,
        actor=principal,
        action="screening.rule_changed" if replaced else "screening.rule_added",
        now=now,
        target_type="lexicon_version",
        target_id=number,
        detail={"rule": spec.id},
    )
    return version


def delete_rule(
    session: Session, principal: Principal, number: int, rule_id: str, *, now: datetime
) -> LexiconVersion:
    """Remove a rule from a draft."""
    _require_edit(principal)
    version = _editable(session, number)
    doc = dict(version.doc)
    rules = [r for r in doc["rules"] if r["id"] != rule_id]
    if len(rules) == len(doc["rules"]):
        raise NotFound("规则不存在", code="screening.rule_not_found")
    _store_doc(version, {**doc, "rules": rules}, now)
    audit.record(
        session,
        actor=principal,
        action="screening.rule_deleted",
        now=now,
        target_type="lexicon_version",
        target_id=number,
        detail={"rule": rule_id},
    )
    return version


def publish(
    session: Session, principal: Principal, number: int, *, now: datetime
) -> LexiconVersion:
    """Make a draft the active version (the old one retires); workers switch within seconds."""
    _require_edit(principal)
    version = _editable(session, number)
    meanwhile = "另一个词库版本刚刚发布，请刷新后再决定是否发布本版本"  # the one-active index
    with unique_or_conflict(session, meanwhile, code="screening.lexicon_published_meanwhile"):
        active = select(LexiconVersion).where(LexiconVersion.status == "active")
        for old in session.scalars(active.with_for_update()):
            old.status = "retired"
            old.updated_at = now
        session.flush()  # retired before the new one is active (the index checks each row)
        version.status = "active"
        version.published_by = principal.label
        version.published_at = now
        version.updated_at = now
    audit.record(
        session,
        actor=principal,
        action="screening.lexicon_published",
        now=now,
        target_type="lexicon_version",
        target_id=number,
        detail={"rules": version.rule_count, "digest": version.digest},
    )
    emit(
        session,
        LexiconPublished(
            occurred_at=now,
            version=number,
            digest=version.digest,
            rules=version.rule_count,
            by=principal.label,
        ),
    )
    return version


def export_json(version: LexiconVersion) -> str:
    """A version as a lexicon file (the format ``liveguard screen --lexicon`` reads)."""
    return lexicon_of(version).to_json()


class EngineCache:
    """Compiled engines per lexicon digest, and per database the active version, rechecked ≤ 1/s."""

    def __init__(self, check_seconds: float = CHECK_SECONDS) -> None:
        self.check_seconds = check_seconds
        self._lock = threading.Lock()
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._active: dict[str, tuple[float, int, str]] = {}  # db url → (checked, number, digest)

    def engine(self, session: Session, *, now: datetime) -> tuple[int, Engine]:
        """The active version's number and its compiled engine."""
        key = str(session.get_bind().engine.url)
        known = self._active.get(key)
        tick = time.monotonic()
        if known is None or tick - known[0] >= self.check_seconds:
            row = session.execute(
                select(LexiconVersion.number, LexiconVersion.digest).where(
                    LexiconVersion.status == "active"
                )
            ).first()
            if row is None:
                active = ensure_default(session, now=now)
                row_number, row_digest = active.number, active.digest
            else:
                row_number, row_digest = row
            known = (tick, row_number, row_digest)
            self._active[key] = known
        _, number, digest = known
        return number, self.compiled(session, number, digest)

    def compiled(self, session: Session, number: int, digest: str) -> Engine:
        """The engine of a version, compiled on first use and kept by digest."""
        with self._lock:
            found = self._engines.get(digest)
            if found is not None:
                self._engines.move_to_end(digest)
                return found
        engine = Engine(lexicon_of(get_version(session, number)))
        with self._lock:
            self._engines[digest] = engine
            while len(self._engines) > KEEP_ENGINES:
                self._engines.popitem(last=False)
        return engine

    def forget(self) -> None:
        """Ask the database again on the next call (a test, or right after publishing here)."""
        self._active.clear()


ENGINES = EngineCache()


def warm_up(db: Database, clock: Clock) -> None:
    """Compile the active lexicon now (a worker does this before it consumes: ~1 s of CPU that
    the first batch would otherwise wait for). Creates version 1 if there is none, as the first
    batch would."""
    with db.unit_of_work() as uow:
        ENGINES.engine(uow.session, now=clock.now())
        uow.commit()


def engine_for(session: Session, version: LexiconVersion) -> Engine:
    """The compiled engine of any version (a draft being tried, or the active one)."""
    return ENGINES.compiled(session, version.number, version.digest)


def explain(
    engine: Engine, text: str, source: str = "comment", product: str | None = None
) -> list[dict[str, Any]]:
    """Why each finding fired: the original span, its normalised form, the rule and its basis."""
    specs = {rule.id: rule for rule in engine.lexicon.doc.rules}
    out: list[dict[str, Any]] = []
    for f in engine.screen(text, source, product):
        spec = specs.get(f.rule)
        out.append(
            {
                **f.contract(),
                "normalised": fold(f.matched),
                "review": f.review,
                "exemption": f.exemption,
                "patterns": list(spec.patterns[:12]) if spec else [],
                "rule_note": spec.note if spec else "内置联系方式识别（电话、QQ、微信号、网址）",
                "rule_scope": {
                    "sources": list(spec.sources) if spec else ["speech", "comment"],
                    "products": list(spec.products) if spec and spec.products else None,
                    "exemptions": list(spec.exemptions) if spec else [],
                },
            }
        )
    return out


def version_to_try(
    session: Session, principal: Principal, number: int | None, *, now: datetime
) -> LexiconVersion:
    """The version a phrase is tried against: the one named, or the active one."""
    principal.require("screening.read")
    return ensure_default(session, now=now) if number is None else get_version(session, number)
