"""Phrase codebooks: n-gram counting at lookup starts and entry choice (numba).

An n-gram is identified by a polynomial hash of its word ids, computed from
prefix hashes in O(1). Hashes only rank candidates: the parse confirms every
phrase hit word by word, so a hash collision can cost ratio, never data.
"""
import numpy as np

from ..models._jit import njit

HASH_BASE = np.uint64(0x9E3779B97F4A7C15)
NO_STARTS = 16   # a bit of no lookup mask (uint16): frequent_ngrams then counts no start


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


# The scans below test a start and hash its n-gram (ngram_hash) inline, once per
# candidate start: numba keeps reference counting in a loop that passes its
# arrays to helpers, at several times the cost, and njit_leaf helpers (real
# calls) made the nine levels' counts of enwik8-head about 25% slower.
#
# Candidate starts are given as ``ok``: one byte per position (and one more, 0),
# not 0 where a shorter n_prev-gram may be counted; an n-gram (n <= 2 * n_prev)
# is a candidate at p when ok holds at p and at p + n - n_prev, the starts of the
# two n_prev-grams that cover it.

@njit
def _bucket_counts(h, ok, n, n_prev, shift):
    """How many candidate n-grams fall in each sketch bucket: the top bits of
    their hash times an odd constant, so every bit of the hash reaches them."""
    pw = base_power(n)
    buckets = np.zeros(1 << (64 - np.int64(shift)), np.uint32)
    for p in range(ok.shape[0] - n):
        if ok[p] == 0 or ok[p + n - n_prev] == 0:
            continue
        x = h[p + n] - h[p] * pw
        buckets[np.int64((x * HASH_BASE) >> shift)] += 1
    return buckets


@njit
def _kept_hashes(h, mask, bit, ok, n, n_prev, shift, buckets, min_count):
    """(the hashes of the candidate n-grams at the lookup starts whose buckets reach
    min_count, sorted; the candidates whose buckets reach min_count, in ok's form)."""
    pw = base_power(n)
    k = 0
    for b in range(buckets.shape[0]):
        if buckets[b] >= min_count:
            k += np.int64(buckets[b])
    hs = np.empty(k, np.uint64)
    frequent = np.zeros(ok.shape[0], np.uint8)
    k = 0
    for p in range(ok.shape[0] - n):
        if ok[p] == 0 or ok[p + n - n_prev] == 0:
            continue
        x = h[p + n] - h[p] * pw
        if buckets[np.int64((x * HASH_BASE) >> shift)] >= min_count:
            frequent[p] = 1
            if bit < 0 or (np.int64(mask[p]) >> bit) & 1:
                hs[k] = x
                k += 1
    hs = hs[:k].copy()
    hs.sort()
    return hs, frequent


@njit
def _runs_reaching(hs, min_count):
    """(hash, count) of the runs of equal sorted hashes at least min_count long."""
    k = hs.shape[0]
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
    return out_h[:d].copy(), out_c[:d].copy()


@njit
def _first_positions(h, mask, bit, n, frequent, out_h):
    """The first lookup start among ``frequent`` of each n-gram hash in out_h."""
    pw = base_power(n)
    out_p = np.full(out_h.shape[0], -1, np.int64)
    if out_h.shape[0] == 0:
        return out_p
    slots = table_build(out_h)
    for p in range(frequent.shape[0] - n):
        if frequent[p] == 0 or bit >= 0 and (np.int64(mask[p]) >> bit) & 1 == 0:
            continue
        e = table_find(slots, out_h, h[p + n] - h[p] * pw)
        if e >= 0 and out_p[e] < 0:
            out_p[e] = p
    return out_p


@njit
def frequent_ngrams(h, mask, bit, n, ok, n_prev, min_count):
    """Distinct n-grams seen at least min_count times at the lookup starts: the p
    with bit ``bit`` of mask[p] set (every p when bit < 0) that are candidates
    (ok, n_prev: see above).

    Returns (hash, count, first position) per such hash, in hash order, and the
    candidates whose n-gram may be seen min_count times among all candidates, in
    ok's form: the ``ok`` of longer n-grams. An n-gram seen fewer times cannot
    begin or end a longer one seen that often, so counting the longer n-grams only
    there finds the same; the test depends only on the n-gram's words, so every
    start of a kept n-gram is kept.

    A first pass counts the hashes at every candidate into buckets (about one per
    position): a bucket's count bounds the count of every hash in it, so only the
    hashes in buckets reaching min_count are sorted and counted exactly. Memory:
    the buckets (4 bytes per token), a byte per token for the frequent candidates,
    one hash per start kept, and a table of the frequent ones for the scan that
    finds their first positions."""
    bits = 4
    while (1 << bits) < ok.shape[0]:
        bits += 1
    shift = np.uint64(64 - bits)
    buckets = _bucket_counts(h, ok, n, n_prev, shift)
    hs, frequent = _kept_hashes(h, mask, bit, ok, n, n_prev, shift, buckets, min_count)
    out_h, out_c = _runs_reaching(hs, min_count)
    return out_h, out_c, _first_positions(h, mask, bit, n, frequent, out_h), frequent


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
