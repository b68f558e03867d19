"""The pair predictor (level 9): the word that last followed the same two words, offered
first for every known word (numba)."""
import numpy as np

from ._jit import njit_inline, njit_leaf
from .coder import code_bit
from .lists import _list_len, _list_sym, _list_update
from .words import _o0_add, _word_code


# ---------------------------------------------------------------------------
# Pair predictor (blocks with pair_bits > 0): per hashed pair of previous words, the word
# that followed them (pred * 16 + confidence, -1: none). A known word is first
# checked against it by one binary decision (context: confidence, and whether
# the prediction also leads the order-1 list); a hit updates nothing else; on a
# miss the word is coded as without the predictor, but with the prediction
# excluded from the order-0 model, and from the order-1 list if it leads it.

PAIR_CONF_MAX = 15
N_PAIR_CTX = 2 * (PAIR_CONF_MAX + 1)


@njit_leaf
def _pair_slot(ids, q, n_words, pair_bits):
    """The table slot of the two words before token q (-1 when the predictor is off)."""
    if pair_bits == 0:
        return -1
    a = np.int64(ids[q - 1]) if q >= 1 else n_words
    b = np.int64(ids[q - 2]) if q >= 2 else n_words
    h = (b * np.int64(0x9E3779B1) + a + 1) * np.int64(0x2545F4914F6CDD1D)
    return (h >> np.int64(20)) & ((np.int64(1) << pair_bits) - 1)


@njit_leaf
def _pair_learn(ptab, s, sym):
    if s < 0:
        return
    e = np.int64(ptab[s])
    if e < 0:
        ptab[s] = sym * 16
    elif e >> 4 == sym:
        ptab[s] = e + 1 if (e & 15) < PAIR_CONF_MAX else e
    elif e & 15 == 0:
        ptab[s] = sym * 16
    else:
        ptab[s] = (e & ~np.int64(15)) | ((e & 15) >> 1)


@njit_leaf
def _pair_ctx(ptab, s, w1, w1pool, ctx):
    """(predicted word or -1, whether it leads the word's order-1 list, context of
    the hit decision)."""
    if s < 0 or ptab[s] < 0:
        return -1, False, 0
    pred = np.int64(ptab[s]) >> 4
    top = _list_len(w1, w1pool, ctx) > 0 and _list_sym(w1, w1pool, ctx, np.int64(0)) == pred
    return pred, top, (np.int64(ptab[s]) & 15) * 2 + (1 if top else 0)


@njit_inline
def _pair_hit(st, buf, pair_p, ptab, s, w1, w1pool, ctx, sym):
    """Code whether known word sym after word ctx is the pair prediction (pair slot
    s): (the prediction or -1 if none, whether it leads ctx's order-1 list, 1 if it
    was the word, the coder)."""
    pred, top, pctx = _pair_ctx(ptab, s, w1, w1pool, ctx)
    hit = 0
    if pred >= 0:
        hit, st = code_bit(st, buf, pair_p, pctx, 1 if pred == sym else 0)
    return pred, top, hit, st


@njit_leaf
def _known_code(st, buf, pair_p, ptab, s, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, sym):
    """Code known word sym after word ctx (pair slot s, -1 without the predictor): a
    hit of the prediction, else the word by its lists; returns the word coded, or -1
    on corrupt input."""
    pred, top, hit, st = _pair_hit(st, buf, pair_p, ptab, s, w1, w1pool, ctx, sym)
    if hit:  # a hit updates no other model
        sym = pred
    else:
        sym, st = _word_code(st, buf, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, sym, pred, top)
        if sym < 0:
            return -1, st
    _pair_learn(ptab, s, sym)
    return sym, st


@njit_leaf
def _new_word_update(w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, sym):
    _list_update(w1, w1pool, wsc, ctx, sym, _list_len(w1, w1pool, ctx))
    _o0_add(o0_tree, o0_cnt, o0_tot, sym)
