"""Standalone verification of LiveGuard evidence: RFC 9162 Merkle proofs and signed tree heads.

This module needs only the Python standard library and ``cryptography`` (for Ed25519), so it is
copied as ``verify.py`` into every evidence package: a court or regulator can check a package
without LiveGuard and without trusting its operator. Run ``python verify.py PACKAGE.zip``.

Hashing follows RFC 9162 §2.1: ``leaf = SHA-256(0x00 ‖ entry)``, ``node = SHA-256(0x01 ‖ l ‖ r)``.
A signed tree head signs the UTF-8 text of :func:`checkpoint_text` with Ed25519.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
CHECKPOINT_ORIGIN = "liveguard-evidence/v1"


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 leaf hash of one log entry."""
    return hashlib.sha256(LEAF_PREFIX + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def checkpoint_text(tree_size: int, root: bytes, timestamp_ms: int) -> str:
    """The exact text a tree head signature covers."""
    return f"{CHECKPOINT_ORIGIN}\n{tree_size}\n{base64.b64encode(root).decode()}\n{timestamp_ms}\n"


class VerificationError(Exception):
    """The evidence does not verify."""


def root_from_inclusion_proof(
    index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes]
) -> bytes:
    """RFC 9162 §2.1.3.2: the root implied by an inclusion proof (raises on a malformed proof)."""
    if not 0 <= index < tree_size:
        raise VerificationError(f"leaf index {index} outside tree of size {tree_size}")
    fn, sn, r = index, tree_size - 1, leaf
    for p in proof:
        if sn == 0:
            raise VerificationError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise VerificationError("inclusion proof is too short")
    return r


def verify_inclusion(
    index: int, tree_size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise VerificationError unless ``leaf`` is at ``index`` of the tree with ``root``."""
    if root_from_inclusion_proof(index, tree_size, leaf, proof) != root:
        raise VerificationError(f"inclusion proof for leaf {index} does not lead to the root")


def verify_consistency(  # noqa: PLR0912 — RFC 9162 §2.1.4.2, step by step
    first_size: int, second_size: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: raise unless the second tree extends the first."""
    if not 0 < first_size <= second_size:
        raise VerificationError("consistency needs 0 < first size <= second size")
    if first_size == second_size:
        if proof or first_root != second_root:
            raise VerificationError("equal sizes need an empty proof and equal roots")
        return
    if not proof:
        raise VerificationError("consistency proof is empty")
    path = list(proof)
    if first_size & (first_size - 1) == 0:  # a power of two: the old root starts the path
        path.insert(0, first_root)
    fn, sn = first_size - 1, second_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise VerificationError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise VerificationError(f"tree of size {second_size} does not extend size {first_size}")


def verify_head_signature(head: dict[str, object], public_key_pem: bytes) -> None:
    """Raise unless the head's Ed25519 signature is valid for the given public key."""
    key = load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise VerificationError("the public key is not an Ed25519 key")
    text = checkpoint_text(
        int(str(head["tree_size"])),
        base64.b64decode(str(head["root_hash"])),
        int(str(head["timestamp_ms"])),
    )
    try:
        key.verify(base64.b64decode(str(head["signature"])), text.encode("utf-8"))
    except InvalidSignature as exc:
        raise VerificationError("the tree head signature is not valid") from exc


def verify_package(path: Path, public_key_pem: bytes | None = None) -> list[str]:
    """Check an evidence package; returns what was checked, raises VerificationError on failure.

    ``public_key_pem``: the log's key as published by the platform, obtained independently of
    the package; the package's own copy must then be the same key.
    """
    report: list[str] = []
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        for name, digest in manifest["files"].items():
            if hashlib.sha256(zf.read(name)).hexdigest() != digest:
                raise VerificationError(f"{name} does not match the manifest")
        report.append(f"{len(manifest['files'])} files match the manifest")
        public_key = zf.read("public-key.pem")
        if public_key_pem is not None:
            if _key_bytes(public_key_pem) != _key_bytes(public_key):
                raise VerificationError("the package's public key is not the key you gave")
            report.append("the package's public key is the independently published key")
        head = json.loads(zf.read("head.json"))
        verify_head_signature(head, public_key)
        root = base64.b64decode(head["root_hash"])
        report.append(f"signed tree head (size {head['tree_size']}) has a valid signature")
        for line in zf.read("records.ndjson").decode("utf-8").splitlines():
            item = json.loads(line)
            entry = item["entry"].encode("utf-8")
            proof = [base64.b64decode(p) for p in item["inclusion_proof"]]
            verify_inclusion(item["index"], head["tree_size"], leaf_hash(entry), proof, root)
            for media in json.loads(item["entry"]).get("media", []):
                blob = zf.read(f"media/{media['sha256']}")
                if hashlib.sha256(blob).hexdigest() != media["sha256"]:
                    raise VerificationError(f"media {media['sha256']} does not match its hash")
        report.append(f"{manifest['record_count']} records are included in the signed tree")
    return report


def _key_bytes(pem: bytes) -> bytes:
    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise VerificationError("the public key is not an Ed25519 key")
    return key.public_bytes_raw()


def main(argv: Sequence[str] | None = None) -> int:
    """``python verify.py PACKAGE.zip [--public-key KEY.pem]``: exit 0 when it verifies, else 1."""
    args = list(sys.argv[1:] if argv is None else argv)
    key: bytes | None = None
    if len(args) == 3 and args[1] == "--public-key":
        key = Path(args[2]).read_bytes()
        args = args[:1]
    if len(args) != 1:
        sys.stderr.write("usage: python verify.py PACKAGE.zip [--public-key KEY.pem]\n")
        return 2
    try:
        for line in verify_package(Path(args[0]), key):
            sys.stdout.write(f"OK  {line}\n")
    except (VerificationError, KeyError, ValueError, OSError, zipfile.BadZipFile) as exc:
        sys.stdout.write(f"FAIL  {exc}\n")
        return 1
    sys.stdout.write("VERIFIED\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
