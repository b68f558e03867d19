"""The level of every event: "a word?" and "a new word?" are decisions of the side
stream, the other levels a frequency model of the main stream (or, in a block with a side
table, decisions of the mixed model of decisions.py) (numba)."""
import numpy as np

from ._jit import njit_leaf
from .coder import code_bit, code_bit_p, code_small, small_update
from .decisions import (KIND_LEVEL, KIND_NEW, KIND_OTHER, LEVEL_ORDER, level_predict, side_level,
                        side_predict, side_update)
from ..text.parse import LEVEL_NEW, LEVEL_WORD, N_LEVELS
from ..text.tokens import info_seen

SMALL_INC = 24
SMALL_LIMIT = 1 << 16
N_SEEN_BUCKETS = 7  # side_ctx > 1: how often the previous word was seen, log2-bucketed
N_SIDE_EXTRA = 8 * N_SEEN_BUCKETS  # ... and the previous token's class

# ---------------------------------------------------------------------------
# Levels: "a word?" and "a new word?" are binary decisions coded in the side
# stream (sst/sout, together with the case flags), so that the decoder can work
# on them while the main stream is still busy; the other levels go through a
# frequency model in the main stream.

@njit_leaf
def _side_ctx(ctx, side_ctx, prev_cls, winfo, prev_tok):
    """Context of the binary level decisions: the two previous levels (ctx) and,
    with side_ctx 2 (blocks of config.SIDE_CTX_MIN_TOKENS tokens or more), the
    previous token's class and how often the previous word has been seen (0, 1,
    2-3, 4-7, ..., 32 or more times)."""
    if side_ctx < 2:
        return ctx * N_SIDE_EXTRA
    c = info_seen(np.int64(winfo[prev_tok])) if prev_tok < winfo.shape[0] else 0
    b = 0
    while c > 0 and b < N_SEEN_BUCKETS - 1:
        c >>= 1
        b += 1
    return ctx * N_SIDE_EXTRA + prev_cls * N_SEEN_BUCKETS + b


@njit_leaf
def _side_code(fst, fbuf, sm, side_bits, kind, kk, bctx, lv1, prev_cls, ids, q, n_words,
               shapes, y):
    """Code decision y of kind at token q with the mixed model (decisions.py);
    returns the decision coded. Callers pass kind and kk as np.int64, so that it
    compiles once rather than once per constant."""
    p, wset, p0, k = side_predict(sm, side_bits, kind, kk, bctx, lv1, prev_cls, ids, q, n_words,
                                  shapes)
    y, fst = code_bit_p(fst, fbuf, p0, y)
    side_update(sm, kind, ids, q, n_words, p, wset, k, y)
    return y, fst


@njit_leaf
def _mixed_level_code(fst, fbuf, sm, side_bits, bctx, lv1, lv2, ids, q, n_words, shapes, sym):
    """Code sym (a level less 2) of the event at token q in the side stream: "is it
    LEVEL_ORDER[i]?" for i = 0, 1, ... until yes (the last is implied), each with the
    mixed model (decisions.level_predict); returns the level (less 2) coded."""
    n = LEVEL_ORDER.shape[0]
    for i in range(n - 1):
        y = 1 if sym == LEVEL_ORDER[i] else 0
        p, wset, p0, k = level_predict(sm, side_bits, i + 1, bctx, lv1, lv2, ids, q, n_words,
                                       shapes)
        y, fst = code_bit_p(fst, fbuf, p0, y)
        side_update(sm, np.int64(KIND_LEVEL), ids, q, n_words, p, wset, k, y)
        if y:
            return LEVEL_ORDER[i], fst
    return LEVEL_ORDER[n - 1], fst


@njit_leaf
def _level_code(st, buf, fst, fbuf, lev_p, lev_c, lev_t, ctx, bctx, lev, sm, side_bits,
                mixed_levels, prev_cls, ids, q, n_words, shapes):
    """Code level lev of the event at token q (ctx: the previous two levels): "a
    word?" and "a new word?" in the side stream (fst), in context bctx (side_bits 0)
    or with the mixed model; the other levels by a frequency model in ctx in the main
    stream (st) or, with mixed_levels, by the mixed model in the side stream.
    Returns (the level coded, the two coders). A call, not inlined: inlined into the
    event coders it made them 1.6x slower (measured on enwik8-head at level 1)."""
    lv1 = ctx // N_LEVELS
    other = 1 if lev > LEVEL_WORD else 0
    if side_bits:
        other, fst = _side_code(fst, fbuf, sm, side_bits, np.int64(KIND_OTHER), np.int64(0),
                                bctx, lv1, prev_cls, ids, q, n_words, shapes, other)
    else:
        other, fst = code_bit(fst, fbuf, lev_p, 2 * bctx, other)
    if other:
        if mixed_levels:
            sym, fst = _mixed_level_code(fst, fbuf, sm, side_bits, bctx, lv1, ctx % N_LEVELS, ids,
                                         q, n_words, shapes, lev - 2)
        else:
            sym, st = code_small(st, buf, lev_c, lev_t, ctx, lev - 2)
            small_update(lev_c, lev_t, ctx, sym, SMALL_INC, SMALL_LIMIT)
        lev = 2 + sym
        if side_bits:
            side_level(sm, lev)
        return lev, st, fst
    is_new = 1 if lev == LEVEL_NEW else 0
    if side_bits:
        side_level(sm, np.int64(0))
        is_new, fst = _side_code(fst, fbuf, sm, side_bits, np.int64(KIND_NEW), np.int64(0),
                                 bctx, lv1, prev_cls, ids, q, n_words, shapes, is_new)
    else:
        is_new, fst = code_bit(fst, fbuf, lev_p, 2 * bctx + 1, is_new)
    return (LEVEL_NEW if is_new else LEVEL_WORD), st, fst
