"""Known words: order-1 count lists (context: the previous word) that escape to an order-0
Fenwick model of every word seen so far (numba)."""
from ._jit import njit, njit_leaf
from .coder import code_interval, code_target, decoding, fw_add, fw_find, fw_prefix
from .lists import _list_code, _list_len, _list_sym, _list_update


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
def _word_code(st, buf, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, sym, ex, ex_top):
    """Code known word sym (never ex) after word ctx, with word ex (if >= 0) excluded
    from the order-0 model, and from the list if it leads it (ex_top); returns the
    word coded, or -1 if a decoder met a code no word has (corrupt input)."""
    j, st = _list_code(st, buf, w1, w1pool, ctx, sym, 1 if ex_top else 0)
    if j < _list_len(w1, w1pool, ctx):
        sym = _list_sym(w1, w1pool, ctx, j)
    else:
        cex = o0_cnt[ex] if ex >= 0 else 0
        total = o0_tot[0] - cex
        if total <= 0:
            return -1, st
        target, st = code_target(st, buf, total)
        if decoding(st):
            if ex >= 0 and target >= fw_prefix(o0_tree, 0, ex):
                target += cex   # the excluded word's interval is skipped
            sym, cum = fw_find(o0_tree, 0, o0_tree.shape[0], target)
            if sym >= o0_cnt.shape[0] or o0_cnt[sym] == 0 or sym == ex:
                return -1, st
        else:
            cum = fw_prefix(o0_tree, 0, sym)
        if ex >= 0 and ex < sym:
            cum -= cex
        st = code_interval(st, buf, cum, o0_cnt[sym], total)
        _o0_add(o0_tree, o0_cnt, o0_tot, sym)
    _list_update(w1, w1pool, wsc, ctx, sym, j)
    return sym, st
