"""Evidence packages (证据包): everything recorded for one subject, provable offline.

A zip holding the records (the exact canonical entries), their media, an inclusion proof of each
record into one signed tree head, that head, the log's public key, a manifest of file hashes, a
human-readable index (HTML) and ``verify.py`` — the standalone verifier — so a court or
regulator can check it without LiveGuard (``python verify.py package.zip``).
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from liveguard import audit
from liveguard.access import Principal
from liveguard.clock import CHINA_TZ
from liveguard.errors import InvalidInput, NotFound
from liveguard.evidence import heads, service, verifier
from liveguard.evidence import log as evidence_log
from liveguard.evidence.heads import Signer
from liveguard.evidence.media import MediaStore
from liveguard.evidence.models import EvidenceRecord

FORMAT = "liveguard-evidence-package/v1"
MAX_RECORDS = 100_000
README = """LiveGuard 证据包 / evidence package

校验方法 / How to verify (needs Python 3 and the `cryptography` package only):

    python verify.py THIS_FILE.zip
    python verify.py THIS_FILE.zip --public-key KEY.pem   # with the key published by the platform

verify.py checks that every file matches manifest.json, that head.json carries a valid Ed25519
signature by public-key.pem, that every record in records.ndjson is included in that signed
tree head (RFC 9162 inclusion proofs), and that every media file matches the SHA-256 its
record names. index.html is a reading aid only; the records are the evidence.
"""


def build_package(
    session: Session,
    principal: Principal,
    *,
    subject_type: str,
    subject_id: str,
    signer: Signer,
    media: MediaStore,
    now: datetime,
) -> bytes:
    """The zip for one subject; signs a fresh head first when the newest one does not cover all."""
    records, total = service.timeline(
        session,
        principal,
        subject_type=subject_type,
        subject_id=subject_id,
        page=1,
        per_page=MAX_RECORDS,
    )
    if total == 0:
        raise NotFound("该对象没有可导出的记录", code="evidence.nothing_to_export")
    if total > MAX_RECORDS:
        raise InvalidInput(
            f"记录超过 {MAX_RECORDS} 条，请联系运维分批导出", code="evidence.too_many"
        )
    head = heads.latest_head(session)
    if (
        head is None
        or head.tree_size <= max(r.seq for r in records)
        or head.key_id != signer.key_id  # signed before a key rotation: the package's key
    ):  # must be the head's key, so the active key signs a fresh head
        head = heads.sign_head(session, signer, now=now, force=True)
    assert head is not None
    included = [r for r in records if r.entry is not None]
    if not included:
        raise NotFound("该对象的记录均已按保存期限删除", code="evidence.nothing_to_export")
    files = _files(session, included, head.tree_size, media)
    files["head.json"] = json.dumps(heads.head_document(head), indent=2).encode()
    files["public-key.pem"] = signer.public_pem
    files["verify.py"] = Path(verifier.__file__).read_bytes()
    files["README.txt"] = README.encode()
    files["index.html"] = _index(subject_type, subject_id, records, head.tree_size, now).encode()
    manifest = {
        "format": FORMAT,
        "subject": {"type": subject_type, "id": subject_id},
        "created_at": now.isoformat(),
        "record_count": len(included),
        "erased_count": len(records) - len(included),
        "tree_size": head.tree_size,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            zf.writestr(name, data)
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    audit.record(
        session,
        actor=principal,
        action="evidence.package_exported",
        now=now,
        target_type=subject_type,
        target_id=subject_id,
        detail={"records": len(included), "tree_size": head.tree_size},
    )
    return buffer.getvalue()


def _files(
    session: Session, records: list[EvidenceRecord], tree_size: int, media: MediaStore
) -> dict[str, bytes]:
    reader = evidence_log.reader(session, tree_size)
    lines: list[str] = []
    files: dict[str, bytes] = {}
    for record in records:
        if record.entry is None:
            continue  # erased by retention: nothing left to prove
        proof = reader.inclusion_proof(record.seq)
        leaf = verifier.leaf_hash(record.entry.encode("utf-8"))
        lines.append(
            json.dumps(
                {
                    "id": str(record.id),
                    "index": record.seq,
                    "entry": record.entry,
                    "leaf_hash": base64.b64encode(leaf).decode(),
                    "inclusion_proof": [base64.b64encode(p).decode() for p in proof],
                },
                ensure_ascii=False,
            )
        )
        for link in json.loads(record.entry).get("media", []):
            sha = link["sha256"]
            if f"media/{sha}" not in files:
                media.verify(sha)
                files[f"media/{sha}"] = b"".join(media.open(sha))
    files["records.ndjson"] = ("\n".join(lines) + "\n").encode("utf-8")
    return files


def _index(
    subject_type: str, subject_id: str, records: list[EvidenceRecord], tree_size: int, now: datetime
) -> str:
    rows = []
    for record in records:
        doc = service.entry_document(record) or {}
        payload = html.escape(json.dumps(doc.get("payload", {}), ensure_ascii=False, indent=1))
        when = record.occurred_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
        rows.append(
            f"<tr><td>{record.seq}</td><td>{when}</td><td>{html.escape(record.kind)}</td>"
            f"<td><pre>{payload}</pre></td></tr>"
        )
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>证据包 {html.escape(subject_type)} {html.escape(subject_id)}</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{border:1px solid #ccc;padding:4px 8px;
vertical-align:top}}table{{border-collapse:collapse}}pre{{margin:0;white-space:pre-wrap}}</style>
</head><body><h1>LiveGuard 证据包</h1>
<p>对象：{html.escape(subject_type)} {html.escape(subject_id)} · 记录 {len(records)} 条 ·
签名树头大小 {tree_size} · 导出时间 {now.astimezone(CHINA_TZ):%Y-%m-%d %H:%M:%S}（北京时间）</p>
<p>本页仅供阅读；证据以 records.ndjson 与签名树头为准，
可用 <code>python verify.py</code> 离线校验。</p>
<table><tr><th>序号</th><th>时间（北京时间）</th><th>类型</th><th>内容</th></tr>
{"".join(rows)}</table></body></html>
"""
