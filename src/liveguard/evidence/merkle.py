"""RFC 9162 Merkle tree over tiles: tree heads and inclusion/consistency proofs (pure code).

Hashes are kept in *tiles* (as in C2SP tlog-tiles): tile (L, t) holds up to 256 hashes of tree
level 8·L, namely nodes 256·t … 256·t+255 of that level. Level-0 tiles hold the leaf hashes. A
full tile never changes again and is stored with its *interior* (the 255 nodes above its bottom
row); only the right-most tile of each tile level grows. Any perfect subtree hash is then one
tile read, plus at most 127 hash operations inside a right-most partial tile, so proofs stay fast
at any size while the database holds one tile row per 256 leaves.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Sequence

from liveguard.evidence.verifier import LEAF_PREFIX, leaf_hash, node_hash

__all__ = ["LEAF_PREFIX", "HashReader", "append", "leaf_hash", "node_hash"]

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # hashes per full tile
HASH_SIZE = 32
FULL_TILE = TILE_WIDTH * HASH_SIZE  # bytes of a full tile's bottom row
EMPTY_ROOT = hashlib.sha256(b"").digest()

TileKey = tuple[int, int]
TileFetch = Callable[[int, int], bytes]
"""Returns the stored bytes of tile (level, index): up to 256 × 32 bytes, b"" when absent."""
TileFetchMany = Callable[[set[TileKey]], dict[TileKey, bytes]]
"""Returns the stored bytes of several tiles at once (absent ones may be left out)."""


def largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162: the largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def tile_interior(bottom: bytes) -> bytes:
    """The 255 nodes above a full tile's bottom row, level by level (128, 64, …, 1 hashes).

    A full tile never changes, so appends store its interior beside it (the fold they do anyway
    to push the tile's root up) and proofs slice subtree hashes out of it instead of re-hashing.
    """
    row = [bottom[i : i + HASH_SIZE] for i in range(0, len(bottom), HASH_SIZE)]
    out: list[bytes] = []
    while len(row) > 1:
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        out.extend(row)
    return b"".join(out)


def interior_node(interior: bytes, rest: int, j: int) -> bytes:
    """Node ``j`` of level ``rest`` (1–8) above a full tile's bottom row, out of its interior."""
    at = (TILE_WIDTH - (TILE_WIDTH >> (rest - 1)) + j) * HASH_SIZE
    return interior[at : at + HASH_SIZE]


@functools.lru_cache(maxsize=2048)
def fold_perfect(hashes: bytes) -> bytes:
    """Root of a perfect subtree given its bottom row (a power-of-two count of hashes).

    Memoised by the row itself (a pure function, so a rolled-back read cannot poison it): the
    subtrees of the right-most, partial tiles are folded once per process, not once per proof.
    """
    row = [hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)]
    while len(row) > 1:
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row), 2)]
    return row[0]


class _ProofPlan:
    """The perfect subtrees a proof will read, found without hashing (mirrors the recursion)."""

    def _perfect_keys(self, start: int, end: int, out: set[tuple[int, int]]) -> None:
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            out.add((n.bit_length() - 1, start // n))
            return
        k = largest_power_of_two_below(n)
        self._perfect_keys(start, start + k, out)
        self._perfect_keys(start + k, end, out)

    def _path_keys(self, m: int, start: int, end: int, out: set[tuple[int, int]]) -> None:
        n = end - start
        if n == 1:
            return
        k = largest_power_of_two_below(n)
        if m - start < k:
            self._path_keys(m, start, start + k, out)
            self._perfect_keys(start + k, end, out)
        else:
            self._path_keys(m, start + k, end, out)
            self._perfect_keys(start, start + k, out)

    def _subproof_keys(
        self, m: int, start: int, end: int, complete: bool, out: set[tuple[int, int]]
    ) -> None:
        n = end - start
        if m == n:
            if not complete:
                self._perfect_keys(start, end, out)
            return
        k = largest_power_of_two_below(n)
        if m <= k:
            self._subproof_keys(m, start, start + k, complete, out)
            self._perfect_keys(start + k, end, out)
        else:
            self._subproof_keys(m - k, start + k, end, False, out)
            self._perfect_keys(start, start + k, out)


class HashReader(_ProofPlan):
    """Reads node hashes of a tree of ``size`` leaves out of tiles (memoised per instance)."""

    def __init__(
        self,
        fetch: TileFetch,
        size: int,
        shared: dict[tuple[int, int], bytes] | None = None,
        fetch_many: TileFetchMany | None = None,
    ) -> None:
        self._fetch = fetch
        self._fetch_many = fetch_many
        self.size = size
        self._tiles: dict[TileKey, bytes] = {}
        self._memo: dict[tuple[int, int], bytes] = {}
        # Hashes of subtrees inside *full* tiles never change: a caller may share them.
        self._shared = shared if shared is not None else {}

    def _tile(self, level: int, index: int) -> bytes:
        key = (level, index)
        if key not in self._tiles:
            self._tiles[key] = self._fetch(level, index)
        return self._tiles[key]

    def _prefetch(self, subtrees: set[tuple[int, int]]) -> None:
        """Fetch, in one round trip, every tile the given subtrees need and nobody has yet."""
        if self._fetch_many is None:
            return
        tiles: set[TileKey] = set()
        for height, index in subtrees:
            if (height, index) in self._memo or (height, index) in self._shared:
                continue
            tile_level, rest = divmod(height, TILE_HEIGHT)
            tiles.add((tile_level, (index << rest) // TILE_WIDTH))
        tiles -= self._tiles.keys()
        if tiles:
            found = self._fetch_many(tiles)
            for key in tiles:
                self._tiles[key] = found.get(key, b"")

    def perfect(self, height: int, index: int) -> bytes:
        """Hash of the perfect subtree over leaves [index·2^height, (index+1)·2^height)."""
        key = (height, index)
        found = self._memo.get(key) or self._shared.get(key)
        if found is not None:
            return found
        tile_level, rest = divmod(height, TILE_HEIGHT)
        first = index << rest  # position of the subtree's first node on level 8·tile_level
        tile_index, offset = divmod(first, TILE_WIDTH)
        data = self._tile(tile_level, tile_index)
        if rest and len(data) > FULL_TILE:  # a full tile stored with its interior
            return interior_node(data[FULL_TILE:], rest, offset >> rest)
        chunk = data[offset * HASH_SIZE : (offset + (1 << rest)) * HASH_SIZE]
        if len(chunk) != (1 << rest) * HASH_SIZE:
            raise LookupError(f"subtree ({height}, {index}) is not in the stored tiles")
        value = fold_perfect(chunk)
        self._memo[key] = value
        if len(data) >= FULL_TILE:
            self._shared[key] = value
        return value

    def range_hash(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for the ranges RFC 9162's recursion produces."""
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            return self.perfect(n.bit_length() - 1, start // n)
        k = largest_power_of_two_below(n)
        return node_hash(self.range_hash(start, start + k), self.range_hash(start + k, end))

    def root(self, size: int | None = None) -> bytes:
        """The tree head hash of the first ``size`` leaves (default: all)."""
        n = self.size if size is None else size
        if n == 0:
            return EMPTY_ROOT
        return self.range_hash(0, n)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.3.1 PATH(m, D[n]) for leaf ``index`` in the tree of ``size`` leaves."""
        n = self.size if size is None else size
        if not 0 <= index < n <= self.size:
            raise ValueError(f"no leaf {index} in a tree of size {n}")
        needed: set[tuple[int, int]] = set()
        self._path_keys(index, 0, n, needed)
        self._prefetch(needed)
        return self._path(index, 0, n)

    def _path(self, m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = largest_power_of_two_below(n)
        if m - start < k:
            return [*self._path(m, start, start + k), self.range_hash(start + k, end)]
        return [*self._path(m, start + k, end), self.range_hash(start, start + k)]

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        """RFC 9162 §2.1.4.1 PROOF(m, D[n]) between tree sizes ``first`` and ``second``."""
        n = self.size if second is None else second
        if not 0 < first <= n <= self.size:
            raise ValueError(f"no consistency proof from size {first} to {n}")
        if first == n:
            return []
        needed: set[tuple[int, int]] = set()
        self._subproof_keys(first, 0, n, True, needed)
        self._prefetch(needed)
        return self._subproof(first, 0, n, complete=True)

    def _subproof(self, m: int, start: int, end: int, *, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [self.range_hash(start, end)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return [
                *self._subproof(m, start, start + k, complete=complete),
                self.range_hash(start + k, end),
            ]
        return [
            *self._subproof(m - k, start + k, end, complete=False),
            self.range_hash(start, start + k),
        ]


def append(
    size: int, leaves: Sequence[bytes], fetch: TileFetch
) -> tuple[int, dict[TileKey, bytes]]:
    """Add leaf hashes to a tree of ``size`` leaves; returns the new size and the changed tiles.

    Only the partial right-most tile of each level is read; tiles that become full push their
    root up to the next tile level.
    """
    changed: dict[TileKey, bytes] = {}
    level, start, row = 0, size, b"".join(leaves)
    while row:
        first_tile, offset = divmod(start, TILE_WIDTH)
        data = (fetch(level, first_tile)[: offset * HASH_SIZE] if offset else b"") + row
        ups: list[bytes] = []
        for i in range(0, len(data), FULL_TILE):
            tile = data[i : i + FULL_TILE]
            key = (level, first_tile + i // FULL_TILE)
            if len(tile) == FULL_TILE:
                interior = tile_interior(tile)
                changed[key] = tile + interior
                ups.append(interior[-HASH_SIZE:])
            else:
                changed[key] = tile
        level, start, row = level + 1, first_tile, b"".join(ups)
    return size + len(leaves), changed


def reference_root(entries: Iterable[bytes]) -> bytes:
    """MTH by the RFC's recursive definition (slow; for tests and cross-checks)."""
    hashes = [leaf_hash(e) for e in entries]

    def mth(items: list[bytes]) -> bytes:
        if not items:
            return EMPTY_ROOT
        if len(items) == 1:
            return items[0]
        k = largest_power_of_two_below(len(items))
        return node_hash(mth(items[:k]), mth(items[k:]))

    return mth(hashes)
