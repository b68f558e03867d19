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
def _candidate(mask, bit, usable, p, n):
    """Whether an n-gram starts at p: p is a candidate start (bit ``bit`` of
    mask[p] set, or any p when bit < 0) and its n words are all usable."""
    if bit >= 0 and (np.int64(mask[p]) >> bit) & 1 == 0:
        return False
    for i in range(p, p + n):
        if not usable[i]:
            return False
    return True


@njit
def frequent_ngrams(h, mask, bit, n, usable, min_count):
    """Distinct n-grams seen at least min_count times at the candidate starts
    (see _candidate; usable has one flag per token).

    Returns (hash, count, first position) per such hash, in hash order. Memory:
    one hash per candidate start, sorted in place, then a table of the frequent
    ones for the scan that finds their first positions."""
    pw = base_power(n)
    n_starts = max(usable.shape[0] - n + 1, 0)
    hs = np.empty(n_starts, np.uint64)
    k = 0
    for p in range(n_starts):
        if _candidate(mask, bit, usable, p, n):
            hs[k] = ngram_hash(h, pw, p, n)
            k += 1
    hs = hs[:k]
    hs.sort()
    out_h = np.empty(k // max(min_count, 1) + 1, np.uint64)
    out_c = np.empty(out_h.shape[0], np.int64)
    d = 0
    j = 0
    while j < k:
        r = j
        while r < k and hs[r] == hs[j]:
            r += 1
        if r - j >= min_count:
            out_h[d] = hs[j]
            out_c[d] = r - j
            d += 1
        j = r
    out_h = out_h[:d].copy()
    out_c = out_c[:d].copy()
    out_p = np.full(d, -1, np.int64)
    if d:
        slots = table_build(out_h)
        for p in range(n_starts):
            if _candidate(mask, bit, usable, p, n):
                e = table_find(slots, out_h, ngram_hash(h, pw, p, n))
                if e >= 0 and out_p[e] < 0:
                    out_p[e] = p
    return out_h, out_c, out_p


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
def table_build(hashes):
    """Open-addressing table hash -> entry number."""
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
