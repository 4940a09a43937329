"""The batch Merkle tree against RFC 9162's own recursive definitions."""

from __future__ import annotations

import hashlib

import pytest

from gongjiang.credentials import merkle


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, recursively."""
    if len(leaves) == 1:
        return merkle.leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def rfc_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]), recursively (sibling hashes from the leaf up)."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*rfc_path(m, leaves[:k]), mth(leaves[k:])]
    return [*rfc_path(m - k, leaves[k:]), mth(leaves[:k])]


@pytest.mark.parametrize("n", [*range(1, 40), 63, 64, 65, 100, 129])
def test_root_and_every_path_match_the_rfc(n: int) -> None:
    data = [f"Y00003290000125{i:06d}|6-31-01-03|level3|2025-06-01".encode() for i in range(n)]
    levels = merkle.build_levels([merkle.leaf_hash(d) for d in data])
    packed = merkle.pack(levels)
    root = merkle.root_of(packed, n)
    assert root == mth(data)
    for m in range(n):
        path = merkle.audit_path(packed, n, m)
        assert path == rfc_path(m, data)
        assert merkle.verify_inclusion(merkle.leaf_hash(data[m]), m, n, path, root)


def test_a_changed_leaf_index_size_or_path_fails() -> None:
    data = [str(i).encode() for i in range(11)]
    levels = merkle.build_levels([merkle.leaf_hash(d) for d in data])
    packed = merkle.pack(levels)
    root = merkle.root_of(packed, 11)
    path = merkle.audit_path(packed, 11, 6)
    leaf = merkle.leaf_hash(data[6])
    assert merkle.verify_inclusion(leaf, 6, 11, path, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), 6, 11, path, root)
    assert not merkle.verify_inclusion(leaf, 7, 11, path, root)
    assert not merkle.verify_inclusion(leaf, 6, 7, path, root)  # (the signed root message also fixes the size)
    assert not merkle.verify_inclusion(leaf, 6, 11, path[:-1], root)
    assert not merkle.verify_inclusion(leaf, 6, 11, [*path, hashlib.sha256(b"x").digest()], root)
    assert not merkle.verify_inclusion(leaf, 11, 11, path, root)
