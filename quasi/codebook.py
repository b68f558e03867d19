"""Phrase codebooks: n-gram counting at lookup starts and entry choice (numba).

An n-gram is identified by a polynomial hash of its word ids, computed from
prefix hashes in O(1). Hashes only rank candidates: the parse confirms every
phrase hit word by word, so a hash collision can cost ratio, never data.
"""
import numpy as np

from ._jit import njit

HASH_BASE = np.uint64(0x9E3779B97F4A7C15)


@njit
def prefix_hashes(ids):
    """h[i] = hash of ids[:i]; the hash of ids[p:p+n] is h[p+n] - h[p] * B**n."""
    n = ids.shape[0]
    h = np.empty(n + 1, np.uint64)
    h[0] = np.uint64(0)
    for i in range(n):
        h[i + 1] = h[i] * HASH_BASE + np.uint64(ids[i] + 1)
    return h


@njit
def base_power(n):
    p = np.uint64(1)
    for _ in range(n):
        p = p * HASH_BASE
    return p


@njit
def ngram_hash(h, pw, p, n):
    return h[p + n] - h[p] * pw


@njit
def count_ngrams(h, positions, n, usable):
    """Distinct n-grams starting at ``positions`` whose n words are all usable.

    Returns (hash, count, first position) per distinct hash, in hash order."""
    pw = base_power(n)
    m = positions.shape[0]
    hs = np.empty(m, np.uint64)
    ps = np.empty(m, np.int64)
    k = 0
    for j in range(m):
        p = positions[j]
        if usable[p] and usable[p + n - 1]:
            ok = True
            for i in range(p + 1, p + n - 1):
                if not usable[i]:
                    ok = False
                    break
            if ok:
                hs[k] = ngram_hash(h, pw, p, n)
                ps[k] = p
                k += 1
    hs = hs[:k]
    ps = ps[:k]
    order = np.argsort(hs)
    out_h = np.empty(k, np.uint64)
    out_c = np.empty(k, np.int64)
    out_p = np.empty(k, np.int64)
    d = -1
    for j in range(k):
        x = hs[order[j]]
        p = ps[order[j]]
        if d < 0 or x != out_h[d]:
            d += 1
            out_h[d] = x
            out_c[d] = 1
            out_p[d] = p
        else:
            out_c[d] += 1
            if p < out_p[d]:
                out_p[d] = p
    return out_h[: d + 1], out_c[: d + 1], out_p[: d + 1]


@njit
def select_entries(hashes, counts, firsts, min_count, cap):
    """Entries seen at least min_count times, most frequent first, at most cap.

    Returns (hash, representative position) arrays."""
    keep = np.nonzero(counts >= min_count)[0]
    # most frequent first; ties by earliest occurrence (deterministic)
    order = np.argsort(-counts[keep] * (np.int64(1) << 32) + firsts[keep], kind="mergesort")
    sel = keep[order[: min(cap, order.shape[0])]]
    return hashes[sel].copy(), firsts[sel].copy()


@njit
def table_build(hashes, positions):
    """Open-addressing table hash -> entry number (positions kept alongside)."""
    m = hashes.shape[0]
    size = 16
    while size < 2 * m:
        size *= 2
    slots = np.full(size, -1, np.int64)
    mask = np.uint64(size - 1)
    for e in range(m):
        s = (hashes[e] ^ (hashes[e] >> np.uint64(29))) & mask
        while slots[s] >= 0:
            s = (s + np.uint64(1)) & mask
        slots[s] = e
    return slots


@njit
def table_find(slots, hashes, x):
    mask = np.uint64(slots.shape[0] - 1)
    s = (x ^ (x >> np.uint64(29))) & mask
    while True:
        e = slots[s]
        if e < 0:
            return -1
        if hashes[e] == x:
            return e
        s = (s + np.uint64(1)) & mask


# ---------------------------------------------------------------------------
# Pure-Python twin (tests only)

def py_count_ngrams(ids, positions, n, usable):
    """{tuple of ids: (count, first position)} for the usable n-grams."""
    out = {}
    for p in positions:
        if all(usable[p:p + n]):
            key = tuple(ids[p:p + n])
            c, f = out.get(key, (0, p))
            out[key] = (c + 1, min(f, p))
    return out
