"""Self-organising count lists, one per context, kept in one growing int32 pool (numba):
the order-1 word lists, the phrase choice lists and the word-context chain's hashed lists."""
import numpy as np

from ._jit import njit, njit_inline, njit_leaf
from .coder import code_interval, code_target, decoding

LIST_LIMIT = 1 << 16
LIST_INITIAL_CAP = 4

# ---------------------------------------------------------------------------
# Self-organising count lists, one per context. A context's list is one block
# of the int32 pool: [length, capacity, total, escape, sym0, cnt0, sym1, ...],
# found through where[ctx] (-1: no list yet), so that a look-up touches the
# header and the most frequent entries in one cache line. sc = [pool top,
# maximum capacity, then per capacity 2**k the first free block of that
# capacity + 1 (0: none)]. A list that doubles leaves its block to the next list
# that grows to that capacity (a free block's first slot links the next one), so
# the pool holds about the lists' final sizes. No slot past a list's length is
# read, so the pool is not zeroed: a new list's header is. A full list's last
# (least counted) entry gives way.

HDR = 4
FREE = 2  # sc[FREE + k]: free blocks of capacity 2**k


@njit
def _lists_new(n_ctx, pool_entries, max_cap):
    where = np.full(n_ctx, -1, np.int32)
    sc = np.zeros(FREE + 32, np.int64)
    sc[1] = max_cap
    return where, np.empty(2 * pool_entries + HDR * 64, np.int32), sc


@njit_leaf
def _free_slot(cap):
    """sc's slot of the free blocks of capacity cap, or -1 when cap is not a power
    of two (a capped list's last capacity: such a block is never freed)."""
    k = 0
    while (np.int64(1) << k) < cap:
        k += 1
    return FREE + k if (np.int64(1) << k) == cap else -1


@njit_leaf
def _block_take(pool, sc, cap):
    """The offset of a block for a list of capacity cap: a free one, or the top."""
    k = _free_slot(cap)
    if k >= 0 and sc[k] > 0:
        b = sc[k] - 1
        sc[k] = pool[b]
        return b
    b = sc[0]
    sc[0] = b + HDR + 2 * cap
    return b


@njit_leaf
def _block_give(pool, sc, b, cap):
    """Leave the block at b (capacity cap) to a later list of that capacity."""
    k = _free_slot(cap)
    if k >= 0:
        pool[b] = sc[k]
        sc[k] = b + 1


@njit
def _grow_pool(pool, sc, need):
    """A larger copy of a list pool with room for at least need int32 slots;
    only the blocks below the top (sc[0]) are copied: the rest is never read."""
    grown = np.empty(max(need, pool.shape[0] * 3 // 2), np.int32)
    grown[:sc[0]] = pool[:sc[0]]
    return grown


@njit_inline
def _pool_room(pool, sc, cap, n):
    """The pool, grown if n more lists of capacity up to cap might each grow once."""
    need = sc[0] + (HDR + 2 * cap) * n + 8
    return _grow_pool(pool, sc, need) if need > pool.shape[0] else pool


@njit_leaf
def _list_len(where, pool, ctx):
    b = where[ctx]
    return 0 if b < 0 else np.int64(pool[b])


@njit_leaf
def _list_cap(where, pool, ctx):
    b = where[ctx]
    return 0 if b < 0 else np.int64(pool[b + 1])


@njit_leaf
def _list_sym(where, pool, ctx, j):
    return np.int64(pool[where[ctx] + HDR + 2 * j])


@njit_leaf
def _list_update(where, pool, sc, ctx, sym, j):
    """Count sym in ctx's list (found at slot j, or j == length when absent).
    The pool must have room for one list growth (HDR + 2 * capacity slots)."""
    b = where[ctx]
    ln = 0 if b < 0 else np.int64(pool[b])
    if j < ln:
        i = b + HDR + 2 * j
        pool[i + 1] += 2
        pool[b + 2] += 2
        while i > b + HDR and pool[i + 1] > pool[i - 1]:
            s = pool[i]
            c = pool[i + 1]
            pool[i] = pool[i - 2]
            pool[i + 1] = pool[i - 1]
            pool[i - 2] = s
            pool[i - 1] = c
            i -= 2
    else:
        cap = 0 if b < 0 else np.int64(pool[b + 1])
        if ln == cap and cap < sc[1]:
            ncap = LIST_INITIAL_CAP if cap == 0 else min(cap * 2, sc[1])
            top = _block_take(pool, sc, ncap)
            if b >= 0:
                for k in range(HDR + 2 * ln):
                    pool[top + k] = pool[b + k]
                _block_give(pool, sc, b, cap)
            else:
                for k in range(HDR):
                    pool[top + k] = 0
            pool[top + 1] = ncap
            where[ctx] = top
            b = top
            cap = ncap
        i = b + HDR + 2 * ln
        if ln < cap:
            pool[b] = ln + 1
        else:
            i -= 2
            pool[b + 2] -= pool[i + 1]
        pool[i] = sym
        pool[i + 1] = 1
        pool[b + 2] += 1
        pool[b + 3] += 1
    if pool[b + 2] > LIST_LIMIT:
        t = 0
        for i in range(b + HDR + 1, b + HDR + 2 * pool[b], 2):
            c = (pool[i] + 1) >> 1
            pool[i] = c
            t += c
        pool[b + 2] = t
        pool[b + 3] = (pool[b + 3] + 1) >> 1


@njit_leaf
def _list_code(st, buf, where, pool, ctx, sym, skip):
    """Code sym in ctx's list, or the escape, with the list's first skip symbols
    (0 or 1; never sym) excluded; returns the slot coded (the length on escape).
    Decoding, sym is not read: the slot says which symbol was coded."""
    b = where[ctx]
    if b < 0:
        return 0, st
    ln = np.int64(pool[b])
    esc = np.int64(pool[b + 3])
    tot = np.int64(pool[b + 2]) - (pool[b + HDR + 1] if skip else 0)
    target, st = code_target(st, buf, tot + esc)
    j = skip
    cum = 0
    i = b + HDR + 2 * skip
    if decoding(st):
        if target >= tot:
            j = ln
        else:
            while cum + pool[i + 1] <= target:
                cum += pool[i + 1]
                j += 1
                i += 2
    else:
        while j < ln and pool[i] != sym:
            cum += pool[i + 1]
            j += 1
            i += 2
    if j < ln:
        st = code_interval(st, buf, cum, pool[i + 1], tot + esc)
    else:
        st = code_interval(st, buf, tot, esc, tot + esc)
    return j, st
