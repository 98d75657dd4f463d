"""The RFC 9162 Merkle tree over tiles, against published test vectors and an independent library.

Three witnesses, none of them ``liveguard.evidence.merkle`` itself:

* the RFC 6962 / 9162 test vectors of the Certificate Transparency reference implementations
  (the eight-leaf tree of google/trillian ``merkle/log_verifier_test.go``);
* pymerkle 7.0.0, an independent RFC 6962 implementation (SHA-256, ``0x00``/``0x01`` prefixes:
  its default "security" mode, left on);
* the RFC's recursive definitions, written out again below over plain ``hashlib``.

pymerkle's inclusion paths are laid out as the RFC's (its first element is the leaf itself), so
they are compared hash for hash. Its consistency paths are a different, longer valid path (they
descend to a single leaf where RFC 9162 stops at a complete subtree), so consistency proofs are
compared with the RFC layout computed below, each node hash taken from a pymerkle tree over that
range of leaves.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from functools import cache

import pymerkle  # type: ignore[import-untyped]  # no stubs; a test-only witness
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveguard.evidence import merkle, verifier
from liveguard.evidence.verifier import VerificationError

# --------------------------------------------------------------------------- the test vectors

RFC_LEAVES: tuple[bytes, ...] = (
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    bytes(range(0x60, 0x70)),
)
# MTH(D[n]) for n = 0 … 8; n = 0 is SHA-256 of the empty string (RFC 9162 §2.1.1).
RFC_ROOTS: tuple[str, ...] = (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)
# (leaf index, tree size) → PATH, and (first size, second size) → PROOF.
RFC_INCLUSION: dict[tuple[int, int], tuple[str, ...]] = {
    (0, 1): (),
    (0, 8): (
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ),
    (5, 8): (
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ),
    (2, 3): ("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",),
    (1, 5): (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ),
}
RFC_CONSISTENCY: dict[tuple[int, int], tuple[str, ...]] = {
    (1, 1): (),
    (1, 8): (
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ),
    (6, 8): (
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ),
    (2, 5): (
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ),
}
TILE = merkle.TILE_WIDTH


def hexes(hashes: Sequence[bytes]) -> list[str]:
    """Hashes as hex, for readable assertion failures."""
    return [h.hex() for h in hashes]


# --------------------------------------------------------------------------- trees under test


class Tiles:
    """An in-memory tile store, grown with ``merkle.append`` as the log grows it."""

    def __init__(self) -> None:
        self.data: dict[merkle.TileKey, bytes] = {}
        self.size = 0

    def fetch(self, level: int, index: int) -> bytes:
        """The TileFetch the module expects."""
        return self.data.get((level, index), b"")

    def add(self, entries: Sequence[bytes]) -> None:
        """Append entries (as leaves) in one batch."""
        self.size, changed = merkle.append(
            self.size, [merkle.leaf_hash(e) for e in entries], self.fetch
        )
        self.data.update(changed)

    def reader(self) -> merkle.HashReader:
        """A fresh reader (no memo carried over) over the current size."""
        return merkle.HashReader(self.fetch, self.size)


def tiles_of(entries: Sequence[bytes], batch: int | None = None) -> Tiles:
    """Tiles for these entries, appended in batches of ``batch`` (default: all at once)."""
    tiles = Tiles()
    step = batch or max(1, len(entries))
    for start in range(0, len(entries), step):
        tiles.add(entries[start : start + step])
    return tiles


def entries_for(n: int, tag: str = "e") -> list[bytes]:
    """``n`` distinct entries of varying length."""
    return [f"{tag}{i}:{'x' * (i % 7)}".encode() for i in range(n)]


# --------------------------------------------------------------------------- the RFC, again


def ref_mth(hashes: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH over leaf hashes, straight from the definition."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + ref_mth(hashes[:k]) + ref_mth(hashes[k:])).digest()


def ref_path_ranges(m: int, start: int, end: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[start:end]) as the leaf ranges whose MTHs it lists."""
    n = end - start
    if n == 1:
        return []
    k = 1 << ((n - 1).bit_length() - 1)
    if m - start < k:
        return [*ref_path_ranges(m, start, start + k), (start + k, end)]
    return [*ref_path_ranges(m, start + k, end), (start, start + k)]


def ref_subproof_ranges(m: int, start: int, end: int, complete: bool) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:end], b) as leaf ranges."""
    n = end - start
    if m == n:
        return [] if complete else [(start, end)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*ref_subproof_ranges(m, start, start + k, complete), (start + k, end)]
    return [*ref_subproof_ranges(m - k, start + k, end, False), (start, start + k)]


def path_shape(index: int, size: int) -> list[bool]:
    """For each step of PATH(index, D[size]): is the sibling on the left?"""
    return [lo < index for lo, _hi in ref_path_ranges(index, 0, size)]


class Pymerkle:
    """pymerkle trees over one list of entries, for prefixes and for arbitrary leaf ranges."""

    def __init__(self, entries: Sequence[bytes]) -> None:
        self.entries = list(entries)
        self.tree = pymerkle.InmemoryTree.init_from_entries(self.entries)
        assert self.tree.algorithm == "sha256"
        assert self.tree.security  # RFC 6962 leaf and node prefixes

    def root(self, size: int) -> bytes:
        """MTH(D[size])."""
        return bytes(self.tree.get_root(size))

    @cache  # noqa: B019 — one instance per test, dropped with it
    def range_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]), from a pymerkle tree over exactly those entries."""
        sub = pymerkle.InmemoryTree.init_from_entries(self.entries[start:end])
        return bytes(sub.get_root())

    def inclusion_path(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[size]): pymerkle's path without its first element (the leaf)."""
        proof = self.tree.prove_inclusion(index + 1, size)  # pymerkle counts leaves from one
        path = [bytes(p) for p in proof.path]
        assert path[0] == merkle.leaf_hash(self.entries[index])
        return path[1:]

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """PROOF(first, D[second]) in the RFC layout, each node hashed by pymerkle."""
        ranges = ref_subproof_ranges(first, 0, second, True)
        return [self.range_hash(lo, hi) for lo, hi in ranges]

    def check_consistency(self, first: int, second: int, root1: bytes, root2: bytes) -> None:
        """pymerkle's own consistency proof must verify between the two given roots."""
        proof = self.tree.prove_consistency(first, second)
        pymerkle.verify_consistency(root1, root2, proof)


def sizes_to_check(limit: int) -> list[int]:
    """Every size up to 64, then tile edges and a spread of others up to ``limit``."""
    picked = set(range(1, min(limit, 64) + 1))
    for edge in (TILE, 2 * TILE, 3 * TILE, 4 * TILE, 8 * TILE, 16 * TILE):
        picked |= {edge - 1, edge, edge + 1}
    picked |= set(range(65, limit + 1, 37)) | {limit}
    return sorted(s for s in picked if s <= limit)


def indexes_to_check(size: int) -> list[int]:
    """All leaves of small trees; the edges, tile boundaries and a spread of larger ones."""
    if size <= 40:
        return list(range(size))
    picked = {0, 1, size // 2, size - 2, size - 1} | set(range(0, size, max(1, size // 23)))
    picked |= {i for t in range(1, size // TILE + 1) for i in (t * TILE - 1, t * TILE)}
    return sorted(i for i in picked if i < size)


# --------------------------------------------------------------------------- test vectors


def test_the_hashes_carry_the_rfc_prefixes() -> None:
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    left, right = b"L" * 32, b"R" * 32
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert merkle.EMPTY_ROOT.hex() == RFC_ROOTS[0]
    assert merkle.reference_root([]).hex() == RFC_ROOTS[0]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_rfc_vectors(size: int) -> None:
    grown = tiles_of(RFC_LEAVES[:size])
    assert grown.reader().root().hex() == RFC_ROOTS[size]
    assert tiles_of(RFC_LEAVES, batch=1).reader().root(size).hex() == RFC_ROOTS[size]
    assert merkle.reference_root(RFC_LEAVES[:size]).hex() == RFC_ROOTS[size]
    assert ref_mth([merkle.leaf_hash(e) for e in RFC_LEAVES[:size]]).hex() == RFC_ROOTS[size]


def test_pymerkle_agrees_with_the_rfc_vectors() -> None:
    """The independent witness passes the same vectors, so agreeing with it means something."""
    witness = Pymerkle(RFC_LEAVES)
    assert [witness.root(n).hex() for n in range(9)] == list(RFC_ROOTS)
    for (index, size), path in RFC_INCLUSION.items():
        assert hexes(witness.inclusion_path(index, size)) == list(path)
    for (first, second), proof in RFC_CONSISTENCY.items():
        assert hexes(witness.consistency_proof(first, second)) == list(proof)


@pytest.mark.parametrize(("index", "size"), list(RFC_INCLUSION))
def test_inclusion_proofs_match_the_rfc_vectors(index: int, size: int) -> None:
    reader = tiles_of(RFC_LEAVES).reader()
    proof = reader.inclusion_proof(index, size)
    assert hexes(proof) == list(RFC_INCLUSION[(index, size)])
    root = bytes.fromhex(RFC_ROOTS[size])
    verifier.verify_inclusion(index, size, verifier.leaf_hash(RFC_LEAVES[index]), proof, root)


@pytest.mark.parametrize(("first", "second"), list(RFC_CONSISTENCY))
def test_consistency_proofs_match_the_rfc_vectors(first: int, second: int) -> None:
    reader = tiles_of(RFC_LEAVES).reader()
    proof = reader.consistency_proof(first, second)
    assert hexes(proof) == list(RFC_CONSISTENCY[(first, second)])
    verifier.verify_consistency(
        first, second, bytes.fromhex(RFC_ROOTS[first]), bytes.fromhex(RFC_ROOTS[second]), proof
    )


def test_every_proof_of_the_eight_leaf_tree_verifies() -> None:
    reader = tiles_of(RFC_LEAVES).reader()
    roots = [bytes.fromhex(r) for r in RFC_ROOTS]
    for size in range(1, 9):
        for index in range(size):
            leaf = verifier.leaf_hash(RFC_LEAVES[index])
            proof = reader.inclusion_proof(index, size)
            verifier.verify_inclusion(index, size, leaf, proof, roots[size])
        for first in range(1, size + 1):
            proof = reader.consistency_proof(first, size)
            verifier.verify_consistency(first, size, roots[first], roots[size], proof)


# --------------------------------------------------------------------------- against pymerkle


def test_roots_match_pymerkle_for_every_size_up_to_600() -> None:
    """One append per leaf, so every partial right-hand tile is read back and extended."""
    entries = entries_for(600)
    witness = Pymerkle(entries)
    grown = Tiles()
    for n, entry in enumerate(entries, start=1):
        grown.add([entry])
        assert grown.reader().root() == witness.root(n), f"size {n}"
    whole = grown.reader()
    assert [whole.root(n) for n in range(601)] == [witness.root(n) for n in range(601)]


def test_inclusion_proofs_match_pymerkle_up_to_600() -> None:
    entries = entries_for(600)
    witness = Pymerkle(entries)
    reader = tiles_of(entries, batch=97).reader()
    checked = 0
    for size in sizes_to_check(600):
        root = witness.root(size)
        for index in indexes_to_check(size):
            proof = reader.inclusion_proof(index, size)
            assert proof == witness.inclusion_path(index, size), (index, size)
            verifier.verify_inclusion(index, size, merkle.leaf_hash(entries[index]), proof, root)
            checked += 1
    assert checked > 2000


def test_consistency_proofs_match_the_reference_up_to_600() -> None:
    entries = entries_for(600)
    witness = Pymerkle(entries)
    reader = tiles_of(entries, batch=101).reader()
    sizes = sizes_to_check(600)
    checked = 0
    for second in sizes:
        for first in [*[s for s in sizes if s <= second][:: max(1, len(sizes) // 25)], second]:
            proof = reader.consistency_proof(first, second)
            assert proof == witness.consistency_proof(first, second), (first, second)
            root1, root2 = witness.root(first), witness.root(second)
            verifier.verify_consistency(first, second, root1, root2, proof)
            if first < second:
                witness.check_consistency(first, second, reader.root(first), reader.root(second))
            checked += 1
    assert checked > 1000


def test_a_few_thousand_leaves_across_many_tiles() -> None:
    """5,000 leaves: 20 level-0 tiles and a level-1 tile of 19 hashes, grown in uneven batches."""
    entries = entries_for(5000, tag="k")
    witness = Pymerkle(entries)
    grown = Tiles()
    rng = random.Random(9162)
    while grown.size < len(entries):
        step = rng.choice([1, 3, 255, 256, 257, 700])
        grown.add(entries[grown.size : grown.size + step])
    assert grown.data.keys() == tiles_of(entries).data.keys()
    assert grown.data == tiles_of(entries).data
    assert len(grown.data[(1, 0)]) == (5000 // TILE) * merkle.HASH_SIZE
    reader = grown.reader()
    for size in sizes_to_check(5000)[-40:]:
        assert reader.root(size) == witness.root(size), size
        for index in (0, size // 3, size - 1, min(size - 1, 4 * TILE)):
            assert reader.inclusion_proof(index, size) == witness.inclusion_path(index, size)
        for first in (1, size // 2 or 1, TILE, 2 * TILE + 1, size):
            if first <= size:
                proof = reader.consistency_proof(first, size)
                assert proof == witness.consistency_proof(first, size), (first, size)


def test_a_second_tile_level_spans_65536_leaves() -> None:
    """At 256·256 leaves a level-1 tile fills and its root moves up to a level-2 tile."""
    entries = entries_for(70_000, tag="z")
    witness = Pymerkle(entries)
    reader = tiles_of(entries, batch=30_000).reader()
    assert len(tiles_of(entries).data[(2, 0)]) == merkle.HASH_SIZE
    for size in (65_535, 65_536, 65_537, 70_000):
        assert reader.root(size) == witness.root(size), size
        for index in (0, min(65_535, size - 1), size - 1):
            assert reader.inclusion_proof(index, size) == witness.inclusion_path(index, size)
    for first, second in ((65_536, 70_000), (1, 65_536), (65_535, 65_537), (40_000, 70_000)):
        proof = reader.consistency_proof(first, second)
        assert proof == witness.consistency_proof(first, second), (first, second)
        verifier.verify_consistency(first, second, witness.root(first), witness.root(second), proof)


def test_reading_beyond_the_stored_tiles_is_refused() -> None:
    reader = merkle.HashReader(tiles_of(entries_for(10)).fetch, 20)
    with pytest.raises(LookupError):
        reader.root()
    small = tiles_of(entries_for(10)).reader()
    with pytest.raises(ValueError, match="no leaf"):
        small.inclusion_proof(10)
    with pytest.raises(ValueError, match="no consistency proof"):
        small.consistency_proof(0, 5)
    with pytest.raises(ValueError, match="no consistency proof"):
        small.consistency_proof(6, 5)


# --------------------------------------------------------------------------- properties

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(
    batches=st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=12),
    salt=st.integers(min_value=0, max_value=2**16),
)
def test_batch_splits_give_the_same_tiles_and_roots(batches: list[int], salt: int) -> None:
    entries = entries_for(sum(batches), tag=f"s{salt}-")
    split, offset = Tiles(), 0
    for count in batches:
        split.add(entries[offset : offset + count])
        offset += count
        assert split.reader().root() == tiles_of(entries[:offset]).reader().root()
    whole = tiles_of(entries)
    assert split.size == whole.size == len(entries)
    assert split.data == whole.data
    assert split.reader().root() == merkle.reference_root(entries)


@PROPERTY
@given(data=st.data(), size=st.integers(min_value=1, max_value=1100))
def test_every_proof_verifies(data: st.DataObject, size: int) -> None:
    entries = entries_for(size, tag="p")
    reader = tiles_of(entries).reader()
    root = merkle.reference_root(entries)
    assert reader.root() == root
    index = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    leaf = merkle.leaf_hash(entries[index])
    verifier.verify_inclusion(index, size, leaf, reader.inclusion_proof(index), root)
    first = data.draw(st.integers(min_value=1, max_value=size), label="first")
    proof = reader.consistency_proof(first)
    verifier.verify_consistency(first, size, merkle.reference_root(entries[:first]), root, proof)


def rejected(check: object, *args: object) -> bool:
    """True when the verifier refuses."""
    assert callable(check)
    try:
        check(*args)
    except VerificationError:
        return True
    return False


def mutations(data: st.DataObject, proof: list[bytes]) -> list[list[bytes]]:
    """A flipped bit, a dropped hash, an extra hash (random, or a copy) — whichever apply."""
    out: list[list[bytes]] = []
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1), label="flip at")
        bit = data.draw(st.integers(0, 8 * merkle.HASH_SIZE - 1), label="bit")
        flipped = bytearray(proof[at])
        flipped[bit // 8] ^= 1 << (bit % 8)
        out.append([*proof[:at], bytes(flipped), *proof[at + 1 :]])
        drop = data.draw(st.integers(0, len(proof) - 1), label="drop at")
        out.append(proof[:drop] + proof[drop + 1 :])
    extra = data.draw(st.binary(min_size=32, max_size=32), label="extra")
    at = data.draw(st.integers(0, len(proof)), label="insert at")
    out.append([*proof[:at], extra, *proof[at:]])
    if proof:
        out.append([*proof[:at], proof[min(at, len(proof) - 1)], *proof[at:]])
    return out


@PROPERTY
@given(data=st.data(), size=st.integers(min_value=1, max_value=700))
def test_mutated_inclusion_proofs_are_rejected(data: st.DataObject, size: int) -> None:
    entries = entries_for(size, tag="m")
    reader = tiles_of(entries).reader()
    root = reader.root()
    index = data.draw(st.integers(0, size - 1), label="index")
    leaf = merkle.leaf_hash(entries[index])
    proof = reader.inclusion_proof(index)
    for bad in mutations(data, proof):
        assert rejected(verifier.verify_inclusion, index, size, leaf, bad, root), bad
    if size > 1:
        other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index), label="index'")
        assert rejected(verifier.verify_inclusion, other, size, leaf, proof, root)
    # A size is bound by the signed head, not by the path: RFC 9162 cannot tell two sizes
    # apart whose paths for this leaf have the same shape. Every other size must fail.
    wrong_size = data.draw(
        st.integers(index + 1, 2 * size + 2).filter(lambda s: s != size), label="size'"
    )
    if path_shape(index, wrong_size) != path_shape(index, size):
        assert rejected(verifier.verify_inclusion, index, wrong_size, leaf, proof, root)
    assert rejected(verifier.verify_inclusion, index, size, leaf, proof, merkle.EMPTY_ROOT)
    assert rejected(verifier.verify_inclusion, index, size, merkle.EMPTY_ROOT, proof, root)
    assert rejected(verifier.verify_inclusion, size, size, leaf, proof, root)


@PROPERTY
@given(data=st.data(), second=st.integers(min_value=2, max_value=700))
def test_mutated_consistency_proofs_are_rejected(data: st.DataObject, second: int) -> None:
    entries = entries_for(second, tag="c")
    reader = tiles_of(entries).reader()
    first = data.draw(st.integers(1, second - 1), label="first")
    root1, root2 = reader.root(first), reader.root(second)
    proof = reader.consistency_proof(first, second)
    for bad in mutations(data, proof):
        assert rejected(verifier.verify_consistency, first, second, root1, root2, bad), bad
    other = data.draw(st.integers(1, second).filter(lambda m: m != first), label="first'")
    assert rejected(verifier.verify_consistency, other, second, root1, root2, proof)
    # As with inclusion, the second size is bound by its signed head; a size whose RFC proof
    # differs in length cannot be passed off with this proof.
    wrong = data.draw(st.integers(first + 1, 2 * second).filter(lambda s: s != second))
    if len(ref_subproof_ranges(first, 0, wrong, True)) != len(proof):
        assert rejected(verifier.verify_consistency, first, wrong, root1, root2, proof)
    assert rejected(verifier.verify_consistency, first, second, root2, root1, proof)
    assert rejected(verifier.verify_consistency, first, second, root1, root1, proof)
    assert rejected(verifier.verify_consistency, first, second, root1, root2, [])
    assert rejected(verifier.verify_consistency, second, first, root2, root1, proof)
    assert rejected(verifier.verify_consistency, 0, second, root1, root2, proof)


def test_equal_sizes_need_an_empty_proof_and_equal_roots() -> None:
    reader = tiles_of(entries_for(5)).reader()
    root = reader.root()
    assert reader.consistency_proof(5, 5) == []
    verifier.verify_consistency(5, 5, root, root, [])
    assert rejected(verifier.verify_consistency, 5, 5, root, root, [root])
    assert rejected(verifier.verify_consistency, 5, 5, root, reader.root(4), [])


def test_inclusion_outside_the_tree_is_refused() -> None:
    leaf = merkle.leaf_hash(b"x")
    for index, size in ((0, 0), (1, 1), (5, 3), (-1, 4)):
        assert rejected(verifier.verify_inclusion, index, size, leaf, [], leaf)
