"""Bulk import of persons and documents from CSV or XLSX, row by row (issue 4 point 8).

Each row is its own transaction: a row that breaks a rule is reported (line, field, code,
message) and leaves nothing behind; the rows around it are imported. Headers may be English or
Chinese (``name`` or ``姓名``); kinds and document types may be codes or their Chinese names.

Persons: ``org`` (organisation id or exact name), ``kind``, ``name``, ``id_number``, ``phone``.
Documents: ``party`` (party id, credit code or exact name), ``doc_type``, ``number``, ``issuer``,
``valid_from``, ``valid_until`` (empty: long-term), ``categories`` (codes, ``;``-separated),
``scan`` (a PDF/PNG/JPEG file next to the sheet).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from liveguard.access import Principal
from liveguard.clock import Clock
from liveguard.db import Database
from liveguard.errors import InvalidInput, LiveguardError, NotFound
from liveguard.evidence import MediaStore
from liveguard.identity import Organisation
from liveguard.registry import documents, rules, scans, service
from liveguard.registry.models import Party
from liveguard.security import PiiCipher

MAX_ROWS = 100_000
ALIASES: dict[str, tuple[str, ...]] = {
    "org": ("org", "organisation", "组织", "所属组织"),
    "kind": ("kind", "类型", "人员类型"),
    "name": ("name", "姓名", "名称"),
    "id_number": ("id_number", "身份证号码", "身份证号"),
    "phone": ("phone", "手机号", "手机"),
    "party": ("party", "主体", "登记主体"),
    "doc_type": ("doc_type", "证照类型"),
    "number": ("number", "证照编号", "编号"),
    "issuer": ("issuer", "发证机关"),
    "valid_from": ("valid_from", "有效期起"),
    "valid_until": ("valid_until", "有效期至"),
    "categories": ("categories", "许可范围", "经营类目"),
    "scan": ("scan", "扫描件"),
}
PERSON_COLUMNS = ("org", "kind", "name")
DOCUMENT_COLUMNS = ("party", "doc_type", "issuer", "valid_from")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class RowError:
    """Why one row was not imported."""

    line: int
    field: str | None
    code: str
    message: str


@dataclass
class ImportReport:
    """What an import did."""

    rows: int = 0
    created: int = 0
    errors: list[RowError] = field(default_factory=list)


# ----------------------------------------------------------------------------- reading


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV (UTF-8) or XLSX sheet, keyed by canonical column names."""
    if not path.is_file():
        raise InvalidInput(f"找不到文件：{path.name}", code="registry.import_file")
    table = _xlsx(path) if path.suffix.lower() in {".xlsx", ".xlsm"} else _csv(path)
    header, *body = table or [[]]
    names = [_canonical(h) for h in header]
    if len(body) > MAX_ROWS:
        raise InvalidInput(f"一次最多导入 {MAX_ROWS} 行", code="registry.import_too_large")
    return [
        (line, {n: v.strip() for n, v in zip(names, row, strict=False) if n})
        for line, row in enumerate(body, start=2)
        if any(cell.strip() for cell in row)
    ]


def _canonical(header: str) -> str:
    text = header.strip().lower()
    for name, aliases in ALIASES.items():
        if text in aliases:
            return name
    return ""


def _csv(path: Path) -> list[list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("CSV 文件须为 UTF-8 编码", code="registry.import_encoding") from None
    return list(csv.reader(io.StringIO(text)))


def _xlsx(path: Path) -> list[list[str]]:
    import openpyxl  # noqa: PLC0415 — only imports of spreadsheets need it

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a broken file
        raise InvalidInput("无法读取 XLSX 文件", code="registry.import_file") from exc
    try:
        sheet = book.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ----------------------------------------------------------------------------- importing


def _each(
    db: Database,
    rows: list[tuple[int, dict[str, str]]],
    required: tuple[str, ...],
    action: Callable[[Session, dict[str, str]], object],
    progress: Progress | None,
) -> ImportReport:
    report = ImportReport()
    for line, row in rows:
        report.rows += 1
        missing = [c for c in required if not row.get(c)]
        try:
            if missing:
                raise InvalidInput(
                    f"缺少必填列：{', '.join(missing)}",
                    code="registry.import_missing",
                    details={"field": missing[0]},
                )
            with db.unit_of_work() as uow:
                action(uow.session, row)
                uow.commit()
            report.created += 1
        except LiveguardError as exc:
            report.errors.append(RowError(line, exc.details.get("field"), exc.code, exc.message))
        if progress is not None:
            progress(1)
    return report


def import_persons(
    db: Database,
    rows: list[tuple[int, dict[str, str]]],
    *,
    by: Principal,
    clock: Clock,
    cipher: PiiCipher,
    progress: Progress | None = None,
) -> ImportReport:
    """Register hosts, assistant hosts and CS staff, one row at a time."""
    kinds = {**{v: k for k, v in rules.PERSON_KINDS.items()}, **{k: k for k in rules.PERSON_KINDS}}

    def create(session: Session, row: dict[str, str]) -> object:
        person = service.PersonInput(
            kinds.get(row["kind"], row["kind"]),
            row["name"],
            row.get("id_number") or None,
            row.get("phone") or None,
        )
        org = _organisation(session, row["org"])
        return service.create_person(
            session, tenant_id=org, person=person, by=by, now=clock.now(), cipher=cipher
        )

    return _each(db, rows, PERSON_COLUMNS, create, progress)


def import_documents(
    db: Database,
    rows: list[tuple[int, dict[str, str]]],
    *,
    by: Principal,
    clock: Clock,
    cipher: PiiCipher,
    media: MediaStore,
    folder: Path,
    max_bytes: int,
    progress: Progress | None = None,
) -> ImportReport:
    """Submit documents (with their scans, when the sheet names them), one row at a time."""
    types = {
        **{t.name: code for code, t in rules.DOCUMENT_TYPES.items()},
        **{c: c for c in rules.DOCUMENT_TYPES},
    }

    def create(session: Session, row: dict[str, str]) -> object:
        party = _party(session, by, row["party"])
        data = documents.DocumentInput(
            types.get(row["doc_type"], row["doc_type"]),
            row.get("number") or None,
            row["issuer"],
            _day(row["valid_from"], "valid_from"),
            _day(row["valid_until"], "valid_until") if row.get("valid_until") else None,
            tuple(
                c.strip()
                for c in row.get("categories", "").replace("；", ";").split(";")
                if c.strip()
            ),
        )
        now = clock.now()
        doc = documents.submit_document(session, party, data, by=by, now=now, cipher=cipher)
        if row.get("scan"):
            with _scan_file(folder, row["scan"]).open("rb") as stream:
                ref = scans.store_scan(media, stream, max_bytes=max_bytes, now=now)
            documents.attach_scan(session, doc, ref, by=by, party=party, now=now)
        return doc

    return _each(db, rows, DOCUMENT_COLUMNS, create, progress)


def _organisation(session: Session, ref: str) -> uuid.UUID:
    try:
        return uuid.UUID(ref)
    except ValueError:
        found = session.scalar(select(Organisation.id).where(Organisation.name == ref))
    if found is None:
        raise NotFound(
            f"找不到组织：{ref}", code="identity.organisation_not_found", details={"field": "org"}
        )
    return found


def _party(session: Session, by: Principal, ref: str) -> Party:
    stmt = service.visible_parties(by)
    try:
        stmt = stmt.where(Party.id == uuid.UUID(ref))
    except ValueError:
        stmt = stmt.where(or_(Party.credit_code == ref.upper(), Party.name == ref))
    found: list[Party] = list(session.scalars(stmt.limit(2)))
    if len(found) != 1:
        message = f"找不到主体：{ref}" if not found else f"名称不唯一，请用主体编号：{ref}"
        raise NotFound(message, code="registry.party_not_found", details={"field": "party"})
    return found[0]


def _day(value: str, column: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            f"{column} 应为 YYYY-MM-DD 格式的日期",
            code="registry.invalid_date",
            details={"field": column},
        ) from None


def _scan_file(folder: Path, name: str) -> Path:
    """A scan next to the sheet (no path may lead outside its folder)."""
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents or not path.is_file():
        raise InvalidInput(
            f"找不到扫描件：{name}", code="registry.import_scan", details={"field": "scan"}
        )
    return path


def rows_of(report: ImportReport) -> Iterator[list[str]]:
    """The error report as table rows (line, field, code, message)."""
    for error in report.errors:
        yield [str(error.line), error.field or "", error.code, error.message]
