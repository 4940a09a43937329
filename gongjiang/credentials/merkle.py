"""Merkle trees over an issuance batch's certificates, with the hashing of RFC 6962 / RFC 9162 §2.1:

* a leaf is ``SHA-256(0x00 || leaf data)``, an interior node ``SHA-256(0x01 || left || right)``;
* the tree over n leaves splits at the largest power of two below n (RFC 9162 §2.1.1). Built bottom-up,
  pairing neighbours level by level and carrying an unpaired last node up unchanged, it has the same root
  and the same inclusion proofs (the tests compare both constructions);
* an inclusion proof is the audit path of RFC 9162 §2.1.3.1, checked by the algorithm of §2.1.3.2 from the
  leaf's index, the tree size and the path alone.

A certificate's leaf data is ``number|occupation code|level code|issue date (ISO)`` in UTF-8: what a
credential states and a verifier can read off it, and nothing personal. The whole tree is kept with its
batch (32 bytes per node, about 2n nodes) so that a credential's proof is read, not recomputed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

LEAF = b"\x00"
NODE = b"\x01"
HASH_BYTES = 32


def leaf_data(number: str, occupation: str, level: str, issue_date: str) -> bytes:
    return f"{number}|{occupation}|{level}|{issue_date}".encode()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE + left + right).digest()


def build_levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """Every level of the tree over the leaf hashes, from the leaves up to the root's level."""
    if not leaves:
        raise ValueError("a Merkle tree needs at least one leaf")
    levels = [list(leaves)]
    sha = hashlib.sha256
    while len(levels[-1]) > 1:
        below = levels[-1]
        pairs = len(below) // 2
        above = [sha(NODE + below[2 * i] + below[2 * i + 1]).digest() for i in range(pairs)]
        if len(below) % 2:
            above.append(below[-1])
        levels.append(above)
    return levels


def pack(levels: list[list[bytes]]) -> bytes:
    """The levels as one byte string (leaves first), for storing with the batch."""
    return b"".join(b"".join(level) for level in levels)


def level_sizes(size: int) -> list[int]:
    sizes = [size]
    while sizes[-1] > 1:
        sizes.append((sizes[-1] + 1) // 2)
    return sizes


def root_of(packed: bytes, size: int) -> bytes:
    return bytes(packed[-HASH_BYTES:]) if size else b""


def audit_path(packed: bytes | memoryview, size: int, index: int) -> list[bytes]:
    """The inclusion proof of leaf ``index`` in the packed tree of ``size`` leaves: the siblings from the
    leaf up, skipping the levels where the node is carried up unpaired."""
    if not 0 <= index < size:
        raise IndexError("leaf index outside the tree")
    path = []
    offset = 0
    for width in level_sizes(size)[:-1]:
        sibling = index ^ 1
        if sibling < width:
            start = (offset + sibling) * HASH_BYTES
            path.append(bytes(packed[start : start + HASH_BYTES]))
        offset += width
        index //= 2
    return path


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``path`` prove the leaf hash ``leaf`` at ``index`` in a tree of ``size``
    leaves whose root is ``root``?"""
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf
    for p in path:
        if len(p) != HASH_BYTES or sn == 0:
            return False
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
    return sn == 0 and r == root
