"""Known words: order-1 count lists (context: the previous word) that escape to an order-0
Fenwick model of every word seen so far (numba)."""
from ._jit import njit, njit_leaf
from .coder import dec_consume, dec_target, enc_encode, fw_add, fw_find, fw_prefix
from .lists import _list_decode, _list_encode, _list_len, _list_sym, _list_update


# ---------------------------------------------------------------------------
# Words: order-1 lists (context = previous word) over an order-0 Fenwick model.
# o0 = [tree..., ] with total in o0_tot[0].

@njit
def _o0_halve(o0_tree, o0_cnt, o0_tot):
    """Halve every count (seen words keep at least 1) and rebuild the tree in
    one pass: each node adds its sum into its parent."""
    size = o0_tree.shape[0]
    n = o0_cnt.shape[0]
    total = 0
    for i in range(1, size):
        c = 0
        if i <= n:
            c = (o0_cnt[i - 1] + 1) >> 1
            o0_cnt[i - 1] = c
            total += c
        o0_tree[i] = c
    for i in range(1, size):
        j = i + (i & -i)
        if j < size:
            o0_tree[j] += o0_tree[i]
    o0_tot[0] = total


@njit_leaf
def _o0_add(o0_tree, o0_cnt, o0_tot, sym):
    """Count sym: o0_tot = [total, increment, limit above which counts halve]."""
    inc = o0_tot[1]
    o0_cnt[sym] += inc
    o0_tot[0] += inc
    fw_add(o0_tree, 0, o0_tree.shape[0], sym, inc)
    if o0_tot[0] > o0_tot[2]:
        _o0_halve(o0_tree, o0_cnt, o0_tot)


@njit_leaf
def _word_encode(st, out, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, sym, ex, ex_top):
    """Code known word sym (never ex) after word ctx, with word ex (if >= 0) excluded
    from the order-0 model, and from the list if it leads it (ex_top)."""
    j = _list_encode(st, out, w1, w1pool, ctx, sym, 1 if ex_top else 0)
    if j == _list_len(w1, w1pool, ctx):
        cum = fw_prefix(o0_tree, 0, sym)
        cex = 0
        if ex >= 0:
            cex = o0_cnt[ex]
            cum -= cex if ex < sym else 0
        enc_encode(st, out, cum, o0_cnt[sym], o0_tot[0] - cex)
        _o0_add(o0_tree, o0_cnt, o0_tot, sym)
    _list_update(w1, w1pool, wsc, ctx, sym, j)


@njit_leaf
def _word_decode(code, rng, pos, inp, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, ex, ex_top):
    """(word id, or -1 on corrupt input; code, range, position)."""
    j, code, rng, pos = _list_decode(code, rng, pos, inp, w1, w1pool, ctx, 1 if ex_top else 0)
    if j < _list_len(w1, w1pool, ctx):
        sym = _list_sym(w1, w1pool, ctx, j)
    else:
        cex = 0
        if ex >= 0:
            cex = o0_cnt[ex]
        if o0_tot[0] - cex <= 0:
            return -1, code, rng, pos
        r, target = dec_target(code, rng, o0_tot[0] - cex)
        if ex >= 0 and target >= fw_prefix(o0_tree, 0, ex):
            target += cex   # the excluded word's interval is skipped
        sym, cum = fw_find(o0_tree, 0, o0_tree.shape[0], target)
        if sym >= o0_cnt.shape[0] or o0_cnt[sym] == 0 or sym == ex:
            return -1, code, rng, pos
        if ex >= 0 and ex < sym:
            cum -= cex
        code, rng, pos = dec_consume(code, pos, inp, r, cum, o0_cnt[sym])
        _o0_add(o0_tree, o0_cnt, o0_tot, sym)
    _list_update(w1, w1pool, wsc, ctx, sym, j)
    return sym, code, rng, pos
