"""The word-context chain (level 9): a known word the pair prediction missed goes down
order-2, order-1 and skip-word count lists to order 0, each list excluding the words the
lists above it offered (numba)."""
import numpy as np

from ._jit import njit, njit_inline, njit_leaf
from .coder import bits_new, code_bit, code_interval, code_target, decoding, fw_find, fw_prefix
from .lists import HDR, _list_len, _list_update, _lists_new
from .pair import _pair_hit, _pair_learn
from .recent import NO_WORD, RECENT_WORDS, _recent_offer
from .words import _o0_add


# ---------------------------------------------------------------------------
# Word-context chain (blocks with the pair predictor and word_chain > 0): a known
# word the pair prediction missed goes down a PPM chain of count lists, each
# with the symbols of the lists above (and the prediction) excluded:
#   order 2 (the two previous words, hashed), order 1 (the previous word),
#   skip (the word before the previous one, hashed), order 0.
# Each list's escape is a binary decision whose probability is learnt per
# context (secondary escape estimation): how many symbols the list still offers
# (up to 15), log2 of their total count, whether a pair prediction was
# excluded, and the share of the largest count. The order-1 list, up to o1_cap
# long, excludes among its first O1_EXCLUDED entries only (and only those are
# excluded below it), so that a look-up stops early; order 0 excludes the
# prediction, the order-2 and skip lists and the first O0_EXCLUDED of the order-1
# list. Order-2 and skip lists learn known words only; a hashed list whose slot
# another context claims (16-bit tags) starts empty. The chain's coders are leaves
# (njit_leaf): nothing in them allocates, so they run without numba's reference
# counting, which the chain's 15 arrays would otherwise pay at every known word.

O2_CAP = 32
SKIP_CAP = 32
O1_EXCLUDED = 64
O0_EXCLUDED = 64
SEE_ORDERS = 3  # order 2, order 1, skip
N_SEE = 16 * 16 * 2 * 4
O2_SALT = 1
SKIP_SALT = 2
# Blended lists (word_chain > 1): a chain list codes each word it offers by its count
# plus a share of its order-0 count: p = (c / tot + b * o / O) / (1 + b), O the offered
# words' order-0 total, b = BLEND_<order> / BLEND_LIST; the order-0 counts are
# shifted so that the frequencies' total stays below 2**31.
BLEND_LIST = 5
BLEND_O2 = 1
BLEND_O1 = 1
BLEND_SKIP = 2
BLEND_BITS = 5  # 3 bits for BLEND_LIST + BLEND_<order>, plus _bucket's missing bits
# Recency cache (word_chain > 2): order 0 first decides whether the word is among the last
# RECENT_WORDS distinct words of the text (every token counts, those of phrases
# and matches too), in a context of the share those words hold of order 0's
# count and whether a pair prediction was made, then codes it by its order-0
# count among those words or among the others.
RECENT_SHARES = 16
N_RECENT_CTX = 2 * RECENT_SHARES
RECENT_BASE = SEE_ORDERS * N_SEE  # the cache decision's probabilities follow the escapes'


@njit
def _chain_new(n_words, pair_bits, word_chain, counted_bits):
    """The chain's models: order-2 and skip lists (where, pool, sc, tags), the
    escape (and cache) probabilities, the exclusion stamps, room for order 0's
    exclusions (and as much again to merge them) and, with word_chain 3, the
    recency cache (the word in each slot, the slots' list from the newest to the
    oldest, each word's slot or -1, and the cached words ascending, NO_WORD after
    them; empty arrays without the cache)."""
    size = (1 << pair_bits) if word_chain else 1
    start = min(size, 1 << 16)  # entries; the pools grow with the lists
    w2, pool2, sc2 = _lists_new(size, start, np.int64(O2_CAP))
    wk, poolk, sck = _lists_new(size, start, np.int64(SKIP_CAP))
    tag2 = np.zeros(size, np.uint16)
    tagk = np.zeros(size, np.uint16)
    see_p = bits_new(np.int64(RECENT_BASE + N_RECENT_CTX), counted_bits)
    stamp = np.zeros(n_words + 1 if word_chain else 1, np.int64)
    ex0 = np.empty(2 * (1 + O2_CAP + O0_EXCLUDED + SKIP_CAP + RECENT_WORDS), np.int64)
    recent = word_chain >= 3
    r = RECENT_WORDS if recent else 0
    rword = np.full(r, -1, np.int64)
    # slot s's newer and older neighbour in rlink[2s], rlink[2s + 1] (-1: none), then
    # the newest and the oldest slot: at first slot 0 is the oldest, r - 1 the newest
    rlink = np.empty(2 * r + 2, np.int64)
    for s in range(r):
        rlink[2 * s] = s + 1 if s + 1 < r else -1
        rlink[2 * s + 1] = s - 1
    rlink[2 * r] = r - 1
    rlink[2 * r + 1] = 0
    rslot = np.full(n_words if recent else 0, -1, np.int32)
    rsorted = np.full(r, NO_WORD, np.int64)
    return (w2, pool2, sc2, tag2, wk, poolk, sck, tagk, see_p, stamp, ex0,
            rword, rlink, rslot, rsorted)


@njit_leaf
def _hashed_ctx(key, salt, where, pool, tags):
    """The slot of hashed context key (fresh if another context held it)."""
    h = (key * np.int64(-7046029254386353131) + salt) * np.int64(0x2545F4914F6CDD1D)
    s = (h >> np.int64(20)) & (where.shape[0] - 1)
    tag = np.uint16((h >> np.int64(44)) & 0xFFFF)
    if tags[s] != tag:
        tags[s] = tag
        b = where[s]
        if b >= 0:
            pool[b] = 0
            pool[b + 2] = 0
            pool[b + 3] = 0
    return s


@njit_leaf
def _o2_key(ids, q, n_words):
    a = np.int64(ids[q - 1]) if q >= 1 else n_words
    b = np.int64(ids[q - 2]) if q >= 2 else n_words
    return b * (n_words + 1) + a


@njit_leaf
def _skip_key(ids, q, n_words):
    return np.int64(ids[q - 2]) if q >= 2 else n_words


@njit_leaf
def _see_ctx(base, nd, tot, mx, pred_on):
    """Context of a chain list's escape: nd words offered with total count tot >= 1,
    the first counting mx; pred_on: whether a pair prediction was made."""
    share = mx * 4 // (tot + 1)
    return base + ((min(nd, 15) * 16 + min(_bucket(tot), 15)) * 2 + pred_on) * 4 + min(share, 3)


@njit_leaf
def _chain_scan(where, pool, ctx, sym, stamp, mark, limit, o0_cnt, o0_total, bw):
    """(offered symbols, their total, the first one's count, sym's slot or the length,
    total count offered before sym, sym's count or 0, then for the blend (bw > 0):
    the shift of the order-0 counts, the offered words' shifted order-0 total, that
    total before sym and sym's) of ctx's list, where the first limit entries
    exclude those stamped mark. Without the blend the scan stops after those
    entries once sym is found (sym < 0: at once): the list is in descending count
    order."""
    b = where[ctx]
    if b < 0:
        return 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    ln = np.int64(pool[b])
    top = min(ln, limit)
    end = ln if bw > 0 else top  # the blend needs every offered word's order-0 count
    nd = ln
    tot = np.int64(pool[b + 2])
    sh = max(0, _bucket(o0_total) + _bucket(tot) + BLEND_BITS - 31) if bw > 0 else 0
    mx = 0
    j = ln
    run = 0
    cum = 0
    cw = 0
    run0 = 0
    cum0 = 0
    cw0 = 0
    for k in range(ln):
        if k >= end and (cw > 0 or sym < 0):
            break
        s = pool[b + HDR + 2 * k]
        c = np.int64(pool[b + HDR + 2 * k + 1])
        if k < top and stamp[s] == mark:
            nd -= 1
            tot -= c
        else:
            o = np.int64(o0_cnt[s]) >> sh if bw > 0 else 0
            if mx == 0:
                mx = c
            if s == sym:
                j = k
                cum = run
                cw = c
                cum0 = run0
                cw0 = o
            run += c
            run0 += o
    if mx == 0 and top < ln:  # the first top entries all excluded
        mx = np.int64(pool[b + HDR + 2 * top + 1])
    return nd, tot, mx, j, cum, cw, sh, run0, cum0, cw0


@njit_leaf
def _blend_scale(tot, s0, bw):
    """(weight of a list count, weight of a shifted order-0 count) in a blended
    list (bw = 0: the plain counts, word_chain 1)."""
    if bw == 0:
        return 1, 0
    return BLEND_LIST * max(s0, 1), bw * tot


@njit_leaf
def _chain_exclude(where, pool, ctx, stamp, mark, limit):
    """Stamp the first limit symbols of ctx's list with mark."""
    b = where[ctx]
    if b >= 0:
        for k in range(min(np.int64(pool[b]), limit)):
            stamp[pool[b + HDR + 2 * k]] = mark


@njit_leaf
def _chain_list_code(st, buf, see_p, base, where, pool, ctx, limit, sym, stamp, mark, pred_on,
                     o0_cnt, o0_total, bw):
    """Code sym in ctx's list (or its escape, when the list offers anything), the
    stamped symbols among its first limit entries excluded, and with bw > 0 the
    counts blended with the words' order-0 counts (word_chain > 1); returns (the
    word coded or -1 on an escape, its slot or the list's length). On an escape
    those entries are stamped too. Decoding, sym is not read."""
    dec = decoding(st)
    nd, tot, mx, j, cum, cw, sh, s0, cum0, cw0 = _chain_scan(where, pool, ctx, -1 if dec else sym,
                                                             stamp, mark, limit, o0_cnt, o0_total,
                                                             bw)
    if nd > 0:
        sctx = _see_ctx(base, nd, tot, mx, pred_on)
        esc, st = code_bit(st, buf, see_p, sctx, 0 if cw > 0 else 1)
        if esc == 0:
            a, z = _blend_scale(tot, s0, bw)
            total = tot * a + s0 * z
            target, st = code_target(st, buf, total)
            if dec:  # find the offered word whose interval holds target
                b = where[ctx]
                cum = 0
                k = 0
                while True:
                    s = pool[b + HDR + 2 * k]
                    if k >= limit or stamp[s] != mark:
                        c = np.int64(pool[b + HDR + 2 * k + 1]) * a
                        if bw > 0:
                            c += (np.int64(o0_cnt[s]) >> sh) * z
                        if cum + c > target:
                            st = code_interval(st, buf, cum, c, total)
                            return np.int64(s), k, st
                        cum += c
                    k += 1
            st = code_interval(st, buf, cum * a + cum0 * z, cw * a + cw0 * z, total)
            return sym, j, st
    _chain_exclude(where, pool, ctx, stamp, mark, limit)
    return -1, _list_len(where, pool, ctx), st


@njit_leaf
def _exclude_into(ex0, n, where, pool, ctx, limit, stamp, mark):
    """Append the first limit symbols of ctx's list not yet stamped mark to ex0[:n]."""
    b = where[ctx]
    if b >= 0:
        for k in range(min(np.int64(pool[b]), limit)):
            s = np.int64(pool[b + HDR + 2 * k])
            if stamp[s] != mark:
                stamp[s] = mark
                ex0[n] = s
                n += 1
    return n


@njit_leaf
def _o0_exclusions(ex0, pred, w2, pool2, c2, w1, w1pool, ctx, wk, poolk, ck, o0_cnt, stamp,
                   mark):
    """Order 0's excluded words in ex0[:n], unordered (the encoder only adds up their
    counts; the decoder sorts them when it needs to); returns (n, their total
    count). mark: a stamp no word carries yet."""
    n = 0
    if pred >= 0:
        ex0[0] = pred
        stamp[pred] = mark
        n = 1
    n = _exclude_into(ex0, n, w2, pool2, c2, np.int64(O2_CAP), stamp, mark)
    n = _exclude_into(ex0, n, w1, w1pool, ctx, np.int64(O0_EXCLUDED), stamp, mark)
    n = _exclude_into(ex0, n, wk, poolk, ck, np.int64(SKIP_CAP), stamp, mark)
    tot = 0
    for i in range(n):
        tot += o0_cnt[ex0[i]]
    return n, tot


@njit_inline
def _merge_runs(a, n, m):
    """Merge ascending a[:n] and a[n:n + m] into a[:n + m], through the second half
    of a as scratch: a must hold at least 2 * (n + m) (ex0 does, see _chain_new)."""
    half = a.shape[0] // 2
    for i in range(n):  # a loop, not a slice copy: a copy may allocate, which needs NRT
        a[half + i] = a[i]
    i = 0
    j = n
    k = 0
    while i < n and j < n + m:
        if a[half + i] < a[j]:
            a[k] = a[half + i]
            i += 1
        else:
            a[k] = a[j]
            j += 1
        k += 1
    while i < n:
        a[k] = a[half + i]
        i += 1
        k += 1


@njit_leaf
def _sort_prefix(a, n):
    """Sort a[:n] ascending in place: an insertion sort, which allocates nothing (so
    the chain's coders stay leaves, without numba's reference counting) and on the
    at most 129 excluded words is as fast as numpy's sort."""
    for i in range(1, n):
        v = a[i]
        j = i
        while j >= 1 and a[j - 1] > v:
            a[j] = a[j - 1]
            j -= 1
        a[j] = v


@njit_leaf
def _recent_ctx(ctot, avail, pred_on):
    """Context of the "a cached word?" decision: the cached words' share (in
    sixteenths) of the order-0 count left after the exclusions, and pred_on."""
    share = min(RECENT_SHARES - 1, ctot * RECENT_SHARES // avail)
    return RECENT_BASE + 2 * share + pred_on


@njit_leaf
def _list_find(where, pool, ctx, sym):
    """sym's slot in ctx's list, or the list's length."""
    b = where[ctx]
    if b < 0:
        return 0
    ln = np.int64(pool[b])
    j = 0
    while j < ln and pool[b + HDR + 2 * j] != sym:
        j += 1
    return j


@njit_leaf
def _chain_start(ch, ids, q, n_words, pred):
    """(mark, pred_on, order-2 context, skip context) of token q: the stamp of its
    excluded words (pred, if >= 0, stamped now), whether there was a prediction,
    and its two hashed contexts (claimed)."""
    (w2, pool2, sc2, tag2, wk, poolk, sck, tagk, see_p, stamp, ex0,
     rword, rlink, rslot, rsorted) = ch
    mark = 2 * np.int64(q) + 1
    if pred >= 0:
        stamp[pred] = mark
    return (mark, 1 if pred >= 0 else 0,
            _hashed_ctx(_o2_key(ids, q, n_words), np.int64(O2_SALT), w2, pool2, tag2),
            _hashed_ctx(_skip_key(ids, q, n_words), np.int64(SKIP_SALT), wk, poolk, tagk))


@njit_leaf
def _chain_update(ch, w1, w1pool, wsc, ctx, c2, ck, sym, j2, j1, jk):
    (w2, pool2, sc2, tag2, wk, poolk, sck, tagk, see_p, stamp, ex0,
     rword, rlink, rslot, rsorted) = ch
    _list_update(w2, pool2, sc2, c2, sym, j2)
    _list_update(w1, w1pool, wsc, ctx, sym, j1)
    _list_update(wk, poolk, sck, ck, sym, jk)


@njit_leaf
def _chain_known_code(st, buf, pair_p, ptab, s, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx,
                      sym, ch, ids, q, n_words, blend):
    """Code known word sym at token q after word ctx (pair slot s, never -1; ch: the
    chain's models): the pair prediction's hit decision, then on a miss the chain;
    returns the word coded, or -1 on corrupt input. A call, not inlined: the levels
    without the chain keep pair._known_code's lean loop."""
    pred, _top, hit, st = _pair_hit(st, buf, pair_p, ptab, s, w1, w1pool, ctx, sym)
    if hit:  # a hit updates no other model
        sym = pred
    else:
        sym, st = _chain_code(st, buf, ch, ids, q, n_words, w1, w1pool, wsc, o0_tree, o0_cnt,
                              o0_tot, ctx, sym, pred, blend)
        if sym < 0:
            return -1, st
    _pair_learn(ptab, s, sym)
    return sym, st


@njit_leaf
def _chain_code(st, buf, ch, ids, q, n_words, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, sym,
                pred, blend):
    """Code known word sym at token q (after word ctx; pred: the pair prediction
    that missed, or -1) down the chain, and update its lists; blend: 1 to blend
    the lists with order 0 (word_chain > 1). Returns the word coded, or -1 on
    corrupt input."""
    (w2, pool2, sc2, tag2, wk, poolk, sck, tagk, see_p, stamp, ex0,
     rword, rlink, rslot, rsorted) = ch
    dec = decoding(st)
    mark, pred_on, c2, ck = _chain_start(ch, ids, q, n_words, pred)
    # np.int64(): one compiled list coder for all three lists, not one per literal
    got, j2, st = _chain_list_code(st, buf, see_p, np.int64(0), w2, pool2, c2, np.int64(O2_CAP),
                                   sym, stamp, mark, pred_on, o0_cnt, o0_tot[0],
                                   np.int64(blend * BLEND_O2))
    if got >= 0:
        j1 = _list_find(w1, w1pool, ctx, got)
    else:
        got, j1, st = _chain_list_code(st, buf, see_p, np.int64(N_SEE), w1, w1pool, ctx,
                                       np.int64(O1_EXCLUDED), sym, stamp, mark, pred_on, o0_cnt,
                                       o0_tot[0], np.int64(blend * BLEND_O1))
    if got >= 0:
        jk = _list_find(wk, poolk, ck, got)
    else:
        got, jk, st = _chain_list_code(st, buf, see_p, np.int64(2 * N_SEE), wk, poolk, ck,
                                       np.int64(SKIP_CAP), sym, stamp, mark, pred_on, o0_cnt,
                                       o0_tot[0], np.int64(blend * BLEND_SKIP))
    if got >= 0:
        sym = got
    else:  # order 0, with the lists' words and the prediction excluded
        n, cex = _o0_exclusions(ex0, pred, w2, pool2, c2, w1, w1pool, ctx, wk, poolk, ck, o0_cnt,
                                stamp, mark + 1)
        m, ctot = _recent_offer(ex0, n, rsorted, o0_cnt, stamp, mark + 1)
        avail = o0_tot[0] - cex
        if avail <= 0:
            return -1, st
        if dec:
            cached = 1 if ctot == avail else 0
        else:
            cached = 1 if rword.shape[0] > 0 and rslot[sym] >= 0 else 0
        if 0 < ctot < avail:
            cached, st = code_bit(st, buf, see_p, _recent_ctx(ctot, avail, pred_on), cached)
        if cached:  # among the cached words, ascending in ex0[n:n + m]
            target, st = code_target(st, buf, ctot)
            cum = 0
            if dec:
                i = n
                while cum + o0_cnt[ex0[i]] <= target:
                    cum += o0_cnt[ex0[i]]
                    i += 1
                sym = ex0[i]
            else:
                for i in range(n, n + m):
                    if ex0[i] < sym:
                        cum += o0_cnt[ex0[i]]
            st = code_interval(st, buf, cum, o0_cnt[sym], ctot)
        else:  # among the others: the excluded and cached words' intervals are skipped
            if avail - ctot <= 0:
                return -1, st
            target, st = code_target(st, buf, avail - ctot)
            if dec:
                for i in range(n, n + m):
                    stamp[ex0[i]] = mark + 1
                _sort_prefix(ex0, n)
                _merge_runs(ex0, n, m)
                adj = 0
                for i in range(n + m):
                    if fw_prefix(o0_tree, 0, ex0[i]) - adj > target:
                        break
                    adj += o0_cnt[ex0[i]]
                sym, cum = fw_find(o0_tree, 0, o0_tree.shape[0], target + adj)
                if sym >= o0_cnt.shape[0] or o0_cnt[sym] == 0 or stamp[sym] == mark + 1:
                    return -1, st
                cum -= adj
            else:
                below = 0
                for i in range(n + m):
                    if ex0[i] < sym:
                        below += o0_cnt[ex0[i]]
                cum = fw_prefix(o0_tree, 0, sym) - below
            st = code_interval(st, buf, cum, o0_cnt[sym], avail - ctot)
        _o0_add(o0_tree, o0_cnt, o0_tot, sym)
    _chain_update(ch, w1, w1pool, wsc, ctx, c2, ck, sym, j2, j1, jk)
    return sym, st


@njit_leaf
def _bucket(v):
    """Number of bits of v >= 1, minus one."""
    b = 0
    while (v >> (b + 1)) > 0:
        b += 1
    return b
