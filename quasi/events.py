"""Event stream coding: models shared by encoder and decoder (numba).

The main range-coded stream carries, in text order, for every event:

* its level (context: the two previous levels), except the word / new-word
  decisions, which are in the side stream;
* for a known word, its id: an order-1 model on the previous word (a short
  self-organising list per context), escaping to an order-0 model over every
  word seen so far; a new word needs no id, since the vocabulary is sent in
  order of first occurrence;
* for a phrase, its first word (coded as a word, so the phrase enjoys the
  word context) and then which of the phrases of that level starting with that
  word it is (a list per (word, level), escaping to "new entry"); a new entry
  is spelled out word by word right there, so codebooks travel in-band and an
  entry costs nothing until it is used;
* for an LZ match over events, its length and distance.

With the pair predictor (level 9), a known word is first checked against the
word that last followed the same two words; from codec revision 6 a miss goes down
the word-context chain (order-2, order-1 and skip-word lists, then order 0).

A second range-coded stream, the side stream, carries the binary decisions: per
event "a word or not" and "a new word or not" (before the level's frequency model
and the word's models in the main stream), the "new word" decisions inside
phrases, and for every token that can carry case its case flag as two binary
decisions (context: the flag this word had last time, the previous flag and the
class of the previous token). From codec revision 14 a block with a side table
(levels 8-9) predicts the word / new-word decisions by the mixed model of
decisions.py; from revision 15 such a block codes the level of an event other than a
word there too ("an LZ match? 3 words? ..." until yes, decisions of the same model)
instead of in the main stream. Two independent coders let the CPU decode both
dependency chains at once. The decoder never needs the tiling.
"""
import numpy as np

from ._jit import njit, njit_inline, njit_leaf
from .coder import (bits_new, dec_bit, dec_bit_p, dec_bits, dec_consume, dec_new, dec_target,
                    enc_bit, enc_bit_p, enc_bits, enc_encode, enc_finish, enc_new, fw_add,
                    fw_find, fw_prefix, fw_size, small_decode, small_encode, small_new,
                    small_update)
from .decisions import (KIND_FIRST, KIND_INNER, KIND_LEVEL, KIND_NEW, KIND_OTHER, LEVEL_ORDER,
                        level_predict, side_level, side_new, side_predict, side_update)
from .parse import LEVEL_MATCH, LEVEL_NEW, LEVEL_WORD, N_LEVELS, PHRASE_LENGTHS

SMALL_INC = 24
SMALL_LIMIT = 1 << 16
LIST_LIMIT = 1 << 16
LIST_INITIAL_CAP = 4
CHOICE_CAP = 1 << 30  # phrase choice lists never evict: their escape means "new entry"
O0_INC = 64  # codec revision 2; revision 1 counted 1 and never halved
O0_LIMIT = 1 << 20
MATCH_HASH_BITS = 18
PROGRESS_STEP = 1 << 12  # tokens between two writes of the coders' position
N_FLAG_CTX = 4 * 4 * 3 * 8
N_SEEN_BUCKETS = 7  # codec revision 5: how often the previous word was seen, log2-bucketed
N_SIDE_EXTRA = 8 * N_SEEN_BUCKETS  # ... and the previous token's class
SIDE_CTX_MIN_TOKENS = 1 << 16  # smaller blocks: too few events to fill those contexts
SEEN_SHIFT = 9  # a word's info (tokens.word_info) counts its tokens from this bit on
SEEN_MAX = 63
NEWWORD_FIRST = 0   # binary contexts of the "is this a new word" decision
NEWWORD_INNER = 2


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
def _list_encode(st, out, where, pool, ctx, sym, skip):
    """Code sym in ctx's list, or the escape, with the list's first skip symbols
    (0 or 1; never sym) excluded; returns sym's slot (length if absent)."""
    b = where[ctx]
    if b < 0:
        return 0
    ln = np.int64(pool[b])
    j = skip
    cum = 0
    i = b + HDR + 2 * skip
    while j < ln and pool[i] != sym:
        cum += pool[i + 1]
        j += 1
        i += 2
    tot = pool[b + 2] - (pool[b + HDR + 1] if skip else 0)
    if j < ln:
        enc_encode(st, out, cum, pool[i + 1], tot + pool[b + 3])
    else:
        enc_encode(st, out, tot, pool[b + 3], tot + pool[b + 3])
    return j


@njit_leaf
def _list_decode(code, rng, pos, inp, where, pool, ctx, skip):
    """(slot of the coded symbol in ctx's list, or the length on escape; code,
    range, position); skip as for _list_encode."""
    b = where[ctx]
    if b < 0:
        return 0, code, rng, pos
    tot = np.int64(pool[b + 2]) - (pool[b + HDR + 1] if skip else 0)
    r, target = dec_target(code, rng, tot + pool[b + 3])
    if target >= tot:
        code, rng, pos = dec_consume(code, pos, inp, r, tot, pool[b + 3])
        return np.int64(pool[b]), code, rng, pos
    cum = 0
    i = b + HDR + 2 * skip
    while cum + pool[i + 1] <= target:
        cum += pool[i + 1]
        i += 2
    code, rng, pos = dec_consume(code, pos, inp, r, cum, pool[i + 1])
    return (i - b - HDR) >> 1, code, rng, pos


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


# ---------------------------------------------------------------------------
# Pair predictor (codec revision 4): per hashed pair of previous words, the word
# that followed them (pred * 16 + confidence, -1: none). A known word is first
# checked against it by one binary decision (context: confidence, and whether
# the prediction also leads the order-1 list); a hit updates nothing else; on a
# miss the word is coded as without the predictor, but with the prediction
# excluded from the order-0 model, and from the order-1 list if it leads it.

PAIR_CONF_MAX = 15
N_PAIR_CTX = 2 * (PAIR_CONF_MAX + 1)
PAIR_MAX_WORDS = 1 << 27  # pred * 16 fits an int32
PAIR_MAX_BITS = 22


def pair_bits_for(n_tok: int, n_words: int) -> int:
    """The pair table the encoder uses for a block: two slots per token up to
    2**PAIR_MAX_BITS (0, no predictor, if the words do not fit its entries)."""
    if n_words >= PAIR_MAX_WORDS:
        return 0
    return max(10, min(PAIR_MAX_BITS, (2 * n_tok - 1).bit_length()))


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
    top = _list_len(w1, w1pool, ctx) > 0 and _list_sym(w1, w1pool, ctx, 0) == pred
    return pred, top, (np.int64(ptab[s]) & 15) * 2 + (1 if top else 0)


# ---------------------------------------------------------------------------
# Word-context chain (codec revision 6, blocks with the pair predictor): a known
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
# another context claims (16-bit tags) starts empty. Costs at level 9 on
# enwik8-head: decoding about 2.5x the time of revision 5, 1-2% smaller.

O2_CAP = 32
SKIP_CAP = 32
O1_EXCLUDED = 64
O0_EXCLUDED = 64
SEE_ORDERS = 3  # order 2, order 1, skip
N_SEE = 16 * 16 * 2 * 4
O2_SALT = 1
SKIP_SALT = 2
# Codec revision 11: a chain list codes each word it offers by its count plus a
# share of its order-0 count: p = (c / tot + b * o / O) / (1 + b), O the offered
# words' order-0 total, b = BLEND_<order> / BLEND_LIST; the order-0 counts are
# shifted so that the frequencies' total stays below 2**31.
BLEND_LIST = 5
BLEND_O2 = 1
BLEND_O1 = 1
BLEND_SKIP = 2
BLEND_BITS = 5  # 3 bits for BLEND_LIST + BLEND_<order>, plus _bucket's missing bits
# Codec revision 12: order 0 first decides whether the word is among the last
# RECENT_WORDS distinct words of the text (every token counts, those of phrases
# and matches too), in a context of the share those words hold of order 0's
# count and whether a pair prediction was made, then codes it by its order-0
# count among those words or among the others.
RECENT_WORDS = 128
NO_WORD = np.iinfo(np.int64).max  # pads the cache's sorted words
RECENT_SHARES = 16
N_RECENT_CTX = 2 * RECENT_SHARES
RECENT_BASE = SEE_ORDERS * N_SEE  # the cache decision's probabilities follow the escapes'


def word_chain_for(revision: int, pair_bits: int) -> int:
    """1 if a block codes known words through the word-context chain (which
    follows a missed pair prediction: no chain without the pair predictor), 2
    if its lists blend in order 0 (revision 11), 3 if order 0 also has the
    recency cache (revision 12), 0 without the chain."""
    if revision < 6 or pair_bits == 0:
        return 0
    return 3 if revision >= 12 else 2 if revision >= 11 else 1


def counted_bits_for(revision: int) -> int:
    """1 if a block's binary decisions adapt at rates that follow their counts."""
    return 1 if revision >= 7 else 0


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
    w2, pool2, sc2 = _lists_new(size, start, O2_CAP)
    wk, poolk, sck = _lists_new(size, start, SKIP_CAP)
    tag2 = np.zeros(size, np.uint16)
    tagk = np.zeros(size, np.uint16)
    see_p = bits_new(RECENT_BASE + N_RECENT_CTX, counted_bits)
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
    list (bw = 0: the plain counts of revisions 6-10)."""
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


@njit
def _chain_list_encode(st, out, see_p, base, where, pool, ctx, limit, sym, stamp, mark, pred_on,
                       o0_cnt, o0_total, bw):
    """Code sym in ctx's list (or its escape, when the list offers anything), the
    stamped symbols among its first limit entries excluded, and with bw > 0 the
    counts blended with the words' order-0 counts (codec revision 11);
    returns (coded, sym's slot or the list's length). On an escape those entries
    are stamped too."""
    nd, tot, mx, j, cum, cw, sh, s0, cum0, cw0 = _chain_scan(where, pool, ctx, sym, stamp, mark,
                                                            limit, o0_cnt, o0_total, bw)
    coded = False
    if nd > 0:
        sctx = _see_ctx(base, nd, tot, mx, pred_on)
        enc_bit(st, out, see_p, sctx, 0 if cw > 0 else 1)
        if cw > 0:
            a, z = _blend_scale(tot, s0, bw)
            enc_encode(st, out, cum * a + cum0 * z, cw * a + cw0 * z, tot * a + s0 * z)
            coded = True
    if not coded:
        _chain_exclude(where, pool, ctx, stamp, mark, limit)
    return coded, j


@njit
def _chain_list_decode(code, rng, pos, inp, see_p, base, where, pool, ctx, limit, stamp, mark,
                       pred_on, o0_cnt, o0_total, bw):
    """(symbol or -1 on escape, its slot or the list's length, code, range,
    position); as _chain_list_encode."""
    nd, tot, mx, j, cum, cw, sh, s0, cum0, cw0 = _chain_scan(where, pool, ctx, -1, stamp, mark,
                                                            limit, o0_cnt, o0_total, bw)
    if nd > 0:
        sctx = _see_ctx(base, nd, tot, mx, pred_on)
        esc, code, rng, pos = dec_bit(code, rng, pos, inp, see_p, sctx)
        if esc == 0:
            a, z = _blend_scale(tot, s0, bw)
            r, target = dec_target(code, rng, tot * a + s0 * z)
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
                        code, rng, pos = dec_consume(code, pos, inp, r, cum, c)
                        return np.int64(s), k, code, rng, pos
                    cum += c
                k += 1
    _chain_exclude(where, pool, ctx, stamp, mark, limit)
    return -1, _list_len(where, pool, ctx), code, rng, pos


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


@njit
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
    n = _exclude_into(ex0, n, w2, pool2, c2, O2_CAP, stamp, mark)
    n = _exclude_into(ex0, n, w1, w1pool, ctx, O0_EXCLUDED, stamp, mark)
    n = _exclude_into(ex0, n, wk, poolk, ck, SKIP_CAP, stamp, mark)
    tot = 0
    for i in range(n):
        tot += o0_cnt[ex0[i]]
    return n, tot


@njit_inline
def _merge_runs(a, n, m):
    """Merge ascending a[:n] and a[n:n + m] into a[:n + m], through the second half
    of a as scratch: a must hold at least 2 * (n + m) (ex0 does, see _chain_new)."""
    half = a.shape[0] // 2
    a[half:half + n] = a[:n]
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
def _recent_touch(rword, rlink, rslot, rsorted, w):
    """Word w, just used, becomes the recency cache's newest word; a word new to
    the cache takes the oldest slot (an empty one first, the lowest first)."""
    r = rword.shape[0]
    s = rslot[w]
    if s < 0:
        s = rlink[2 * r + 1]
        if rword[s] >= 0:
            rslot[rword[s]] = -1
            _sorted_remove(rsorted, rword[s])
        rword[s] = w
        rslot[w] = s
        _sorted_insert(rsorted, w)
    head = rlink[2 * r]
    if s != head:  # unlink s, then link it in front of the newest
        newer = rlink[2 * s]
        older = rlink[2 * s + 1]
        rlink[2 * newer + 1] = older
        if older >= 0:
            rlink[2 * older] = newer
        else:
            rlink[2 * r + 1] = newer
        rlink[2 * s] = -1
        rlink[2 * s + 1] = head
        rlink[2 * head] = s
        rlink[2 * r] = s


@njit_leaf
def _sorted_remove(a, x):
    """Remove x from ascending a (NO_WORD-padded)."""
    i = 0
    while a[i] != x:
        i += 1
    while i + 1 < a.shape[0] and a[i + 1] != NO_WORD:
        a[i] = a[i + 1]
        i += 1
    a[i] = NO_WORD


@njit_leaf
def _sorted_insert(a, x):
    """Insert x into ascending a, which has a NO_WORD left."""
    i = 0
    while a[i] < x:
        i += 1
    while x != NO_WORD:
        a[i], x = x, a[i]
        i += 1


@njit_leaf
def _recent_offer(ex0, n, rsorted, o0_cnt, stamp, gone):
    """Append the cached words not stamped gone (order 0's exclusions) to ex0[n:],
    ascending; returns (how many, their total order-0 count)."""
    m = 0
    tot = 0
    for i in range(rsorted.shape[0]):
        c = rsorted[i]
        if c == NO_WORD:
            break
        if stamp[c] != gone:
            ex0[n + m] = c
            m += 1
            tot += o0_cnt[c]
    return m, tot


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
            _hashed_ctx(_o2_key(ids, q, n_words), O2_SALT, w2, pool2, tag2),
            _hashed_ctx(_skip_key(ids, q, n_words), SKIP_SALT, wk, poolk, tagk))


@njit_leaf
def _chain_update(ch, w1, w1pool, wsc, ctx, c2, ck, sym, j2, j1, jk):
    (w2, pool2, sc2, tag2, wk, poolk, sck, tagk, see_p, stamp, ex0,
     rword, rlink, rslot, rsorted) = ch
    _list_update(w2, pool2, sc2, c2, sym, j2)
    _list_update(w1, w1pool, wsc, ctx, sym, j1)
    _list_update(wk, poolk, sck, ck, sym, jk)


@njit
def _chain_known_encode(st, out, pair_p, ptab, s, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx,
                        sym, ch, ids, q, n_words, blend):
    """Code known word sym at token q after word ctx (pair slot s, never -1; ch: the
    chain's models): the pair prediction's hit decision, then on a miss the chain.
    Not inlined: the levels without the chain keep _known_encode's lean loop."""
    pred, top, pctx = _pair_ctx(ptab, s, w1, w1pool, ctx)
    if pred >= 0:
        enc_bit(st, out, pair_p, pctx, 1 if pred == sym else 0)
    if pred != sym:  # a hit updates no other model
        _chain_encode(st, out, ch, ids, q, n_words, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot,
                      ctx, sym, pred, blend)
    _pair_learn(ptab, s, sym)


@njit_leaf
def _chain_encode(st, out, ch, ids, q, n_words, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx,
                  sym, pred, blend):
    """Code known word sym at token q (after word ctx; pred: the pair prediction
    that missed, or -1) down the chain, and update its lists; blend: 1 to blend
    the lists with order 0 (codec revision 11)."""
    (w2, pool2, sc2, tag2, wk, poolk, sck, tagk, see_p, stamp, ex0,
     rword, rlink, rslot, rsorted) = ch
    mark, pred_on, c2, ck = _chain_start(ch, ids, q, n_words, pred)
    # np.int64(): one compiled list coder for all three lists, not one per literal
    coded, j2 = _chain_list_encode(st, out, see_p, np.int64(0), w2, pool2, c2, np.int64(O2_CAP),
                                   sym, stamp, mark, pred_on, o0_cnt, o0_tot[0],
                                   np.int64(blend * BLEND_O2))
    if coded:
        j1 = _list_find(w1, w1pool, ctx, sym)
    else:
        coded, j1 = _chain_list_encode(st, out, see_p, np.int64(N_SEE), w1, w1pool, ctx,
                                       np.int64(O1_EXCLUDED), sym, stamp, mark, pred_on, o0_cnt,
                                       o0_tot[0], np.int64(blend * BLEND_O1))
    if coded:
        jk = _list_find(wk, poolk, ck, sym)
    else:
        coded, jk = _chain_list_encode(st, out, see_p, np.int64(2 * N_SEE), wk, poolk, ck,
                                       np.int64(SKIP_CAP), sym, stamp, mark, pred_on, o0_cnt,
                                       o0_tot[0], np.int64(blend * BLEND_SKIP))
    if not coded:
        n, cex = _o0_exclusions(ex0, pred, w2, pool2, c2, w1, w1pool, ctx, wk, poolk, ck, o0_cnt,
                                stamp, mark + 1)
        m, ctot = _recent_offer(ex0, n, rsorted, o0_cnt, stamp, mark + 1)
        avail = o0_tot[0] - cex
        cached = rword.shape[0] > 0 and rslot[sym] >= 0
        if 0 < ctot < avail:
            enc_bit(st, out, see_p, _recent_ctx(ctot, avail, pred_on), 1 if cached else 0)
        below = 0
        if cached:  # among the cached words
            for i in range(n, n + m):
                if ex0[i] < sym:
                    below += o0_cnt[ex0[i]]
            enc_encode(st, out, below, o0_cnt[sym], ctot)
        else:  # among the others: the cached words are excluded too
            for i in range(n + m):
                if ex0[i] < sym:
                    below += o0_cnt[ex0[i]]
            enc_encode(st, out, fw_prefix(o0_tree, 0, sym) - below, o0_cnt[sym], avail - ctot)
        _o0_add(o0_tree, o0_cnt, o0_tot, sym)
    _chain_update(ch, w1, w1pool, wsc, ctx, c2, ck, sym, j2, j1, jk)


@njit
def _chain_known_decode(code, rng, pos, inp, pair_p, ptab, s, w1, w1pool, wsc, o0_tree, o0_cnt,
                        o0_tot, ctx, ch, ids, q, n_words, blend):
    """(known word at token q, or -1 on corrupt input; code, range, position): the
    inverse of _chain_known_encode."""
    pred, top, pctx = _pair_ctx(ptab, s, w1, w1pool, ctx)
    hit = 0
    if pred >= 0:
        hit, code, rng, pos = dec_bit(code, rng, pos, inp, pair_p, pctx)
    sym = pred
    if not hit:
        sym, code, rng, pos = _chain_decode(code, rng, pos, inp, ch, ids, q, n_words, w1,
                                            w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, pred,
                                            blend)
        if sym < 0:
            return -1, code, rng, pos
    _pair_learn(ptab, s, sym)
    return sym, code, rng, pos


@njit_inline
def _chain_decode(code, rng, pos, inp, ch, ids, q, n_words, w1, w1pool, wsc, o0_tree, o0_cnt,
                  o0_tot, ctx, pred, blend):
    """(known word at token q, or -1 on corrupt input; code, range, position)."""
    (w2, pool2, sc2, tag2, wk, poolk, sck, tagk, see_p, stamp, ex0,
     rword, rlink, rslot, rsorted) = ch
    mark, pred_on, c2, ck = _chain_start(ch, ids, q, n_words, pred)
    sym, j2, code, rng, pos = _chain_list_decode(code, rng, pos, inp, see_p, np.int64(0), w2,
                                                 pool2, c2, np.int64(O2_CAP), stamp, mark,
                                                 pred_on, o0_cnt, o0_tot[0],
                                                 np.int64(blend * BLEND_O2))
    if sym >= 0:
        j1 = _list_find(w1, w1pool, ctx, sym)
    else:
        sym, j1, code, rng, pos = _chain_list_decode(code, rng, pos, inp, see_p, np.int64(N_SEE),
                                                     w1, w1pool, ctx, np.int64(O1_EXCLUDED),
                                                     stamp, mark, pred_on, o0_cnt, o0_tot[0],
                                                     np.int64(blend * BLEND_O1))
    if sym >= 0:
        jk = _list_find(wk, poolk, ck, sym)
    else:
        sym, jk, code, rng, pos = _chain_list_decode(code, rng, pos, inp, see_p,
                                                     np.int64(2 * N_SEE), wk, poolk, ck,
                                                     np.int64(SKIP_CAP), stamp, mark, pred_on,
                                                     o0_cnt, o0_tot[0],
                                                     np.int64(blend * BLEND_SKIP))
    if sym < 0:
        n, cex = _o0_exclusions(ex0, pred, w2, pool2, c2, w1, w1pool, ctx, wk, poolk, ck, o0_cnt,
                                stamp, mark + 1)
        m, ctot = _recent_offer(ex0, n, rsorted, o0_cnt, stamp, mark + 1)
        avail = o0_tot[0] - cex
        if avail <= 0:
            return -1, code, rng, pos
        cached = 1 if ctot == avail else 0
        if 0 < ctot < avail:
            cached, code, rng, pos = dec_bit(code, rng, pos, inp, see_p,
                                             _recent_ctx(ctot, avail, pred_on))
        if cached:  # among the cached words, ascending in ex0[n:n + m]
            r, target = dec_target(code, rng, ctot)
            cum = 0
            i = n
            while cum + o0_cnt[ex0[i]] <= target:
                cum += o0_cnt[ex0[i]]
                i += 1
            sym = ex0[i]
            code, rng, pos = dec_consume(code, pos, inp, r, cum, o0_cnt[sym])
        else:  # among the others: skip the excluded and cached words' intervals
            for i in range(n, n + m):
                stamp[ex0[i]] = mark + 1
            ex0[:n].sort()
            _merge_runs(ex0, n, m)
            if avail - ctot <= 0:
                return -1, code, rng, pos
            r, target = dec_target(code, rng, avail - ctot)
            adj = 0
            for i in range(n + m):
                if fw_prefix(o0_tree, 0, ex0[i]) - adj > target:
                    break
                adj += o0_cnt[ex0[i]]
            sym, cum = fw_find(o0_tree, 0, o0_tree.shape[0], target + adj)
            if sym >= o0_cnt.shape[0] or o0_cnt[sym] == 0 or stamp[sym] == mark + 1:
                return -1, code, rng, pos
            code, rng, pos = dec_consume(code, pos, inp, r, cum - adj, o0_cnt[sym])
        _o0_add(o0_tree, o0_cnt, o0_tot, sym)
    _chain_update(ch, w1, w1pool, wsc, ctx, c2, ck, sym, j2, j1, jk)
    return sym, code, rng, pos


@njit_leaf
def _known_encode(st, out, pair_p, ptab, s, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, sym):
    """Code known word sym after word ctx (pair slot s, -1 without the predictor)."""
    pred, top, pctx = _pair_ctx(ptab, s, w1, w1pool, ctx)
    if pred >= 0:
        enc_bit(st, out, pair_p, pctx, 1 if pred == sym else 0)
    if pred != sym:  # a hit updates no other model
        _word_encode(st, out, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, sym, pred, top)
    _pair_learn(ptab, s, sym)


@njit_leaf
def _known_decode(code, rng, pos, inp, pair_p, ptab, s, w1, w1pool, wsc, o0_tree, o0_cnt,
                  o0_tot, ctx):
    """(known word id, or -1 on corrupt input; code, range, position)."""
    pred, top, pctx = _pair_ctx(ptab, s, w1, w1pool, ctx)
    hit = 0
    if pred >= 0:
        hit, code, rng, pos = dec_bit(code, rng, pos, inp, pair_p, pctx)
    if hit:
        sym = pred
    else:
        sym, code, rng, pos = _word_decode(code, rng, pos, inp, w1, w1pool, wsc, o0_tree,
                                           o0_cnt, o0_tot, ctx, pred, top)
        if sym < 0:
            return -1, code, rng, pos
    _pair_learn(ptab, s, sym)
    return sym, code, rng, pos


@njit_leaf
def _new_word_update(w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, sym):
    _list_update(w1, w1pool, wsc, ctx, sym, _list_len(w1, w1pool, ctx))
    _o0_add(o0_tree, o0_cnt, o0_tot, sym)


# ---------------------------------------------------------------------------
# Phrase choice contexts: (first word, level) -> context number, on demand.

@njit_leaf
def _choice_slot(ctab, ckey, word, lev):
    key = word * 16 + lev
    mask = ctab.shape[0] - 1
    s = (key * 0x9E3779B1) & mask
    while ctab[s] >= 0 and ckey[ctab[s]] != key:
        s = (s + 1) & mask
    return s


# ---------------------------------------------------------------------------
# Levels: "a word?" and "a new word?" are binary decisions coded in the side
# stream (sst/sout, together with the case flags), so that the decoder can work
# on them while the main stream is still busy; the other levels go through a
# frequency model in the main stream.

def side_ctx_for(revision: int, n_tok: int) -> int:
    """The side stream's contexts (encode_events' side_ctx) of a block."""
    if revision < 5:
        return 0
    return 2 if n_tok >= SIDE_CTX_MIN_TOKENS else 1


@njit_leaf
def _side_ctx(ctx, side_ctx, prev_cls, winfo, prev_tok):
    """Context of the binary level decisions: the two previous levels (ctx) and,
    with side_ctx 2 (codec revision 5, blocks of SIDE_CTX_MIN_TOKENS or more), the
    previous token's class and how often the previous word has been seen (0, 1,
    2-3, 4-7, ..., 32 or more times)."""
    if side_ctx < 2:
        return ctx * N_SIDE_EXTRA
    c = np.int64(winfo[prev_tok]) >> SEEN_SHIFT if prev_tok < winfo.shape[0] else 0
    b = 0
    while c > 0 and b < N_SEEN_BUCKETS - 1:
        c >>= 1
        b += 1
    return ctx * N_SIDE_EXTRA + prev_cls * N_SEEN_BUCKETS + b


@njit_leaf
def _side_encode(sst, sout, sm, side_bits, kind, kk, bctx, lv1, prev_cls, ids, q, n_words,
                 shapes, y):
    """Code decision y of kind at token q with the mixed model (decisions.py)."""
    p, wset, p0, k = side_predict(sm, side_bits, kind, kk, bctx, lv1, prev_cls, ids, q, n_words,
                                  shapes)
    enc_bit_p(sst, sout, p0, y)
    side_update(sm, kind, ids, q, n_words, p, wset, k, y)


@njit_leaf
def _side_decode(code, rng, pos, inp, sm, side_bits, kind, kk, bctx, lv1, prev_cls, ids, q,
                 n_words, shapes):
    """(decision, code, range, position): inverse of _side_encode."""
    p, wset, p0, k = side_predict(sm, side_bits, kind, kk, bctx, lv1, prev_cls, ids, q, n_words,
                                  shapes)
    y, code, rng, pos = dec_bit_p(code, rng, pos, inp, p0)
    side_update(sm, kind, ids, q, n_words, p, wset, k, y)
    return y, code, rng, pos


@njit_leaf
def _mixed_level_encode(sst, sout, sm, side_bits, bctx, lv1, lv2, ids, q, n_words, shapes,
                        sym):
    """Code sym (a level less 2) of the event at token q in the side stream: "is it
    LEVEL_ORDER[i]?" for i = 0, 1, ... until yes (the last is implied), each with the
    mixed model (decisions.level_predict)."""
    for i in range(LEVEL_ORDER.shape[0] - 1):
        y = 1 if sym == LEVEL_ORDER[i] else 0
        p, wset, p0, k = level_predict(sm, side_bits, i + 1, bctx, lv1, lv2, ids, q, n_words,
                                       shapes)
        enc_bit_p(sst, sout, p0, y)
        side_update(sm, KIND_LEVEL, ids, q, n_words, p, wset, k, y)
        if y:
            break


@njit_leaf
def _mixed_level_decode(code, rng, pos, inp, sm, side_bits, bctx, lv1, lv2, ids, q, n_words,
                        shapes):
    """(sym, code, range, position): inverse of _mixed_level_encode."""
    n = LEVEL_ORDER.shape[0]
    for i in range(n - 1):
        p, wset, p0, k = level_predict(sm, side_bits, i + 1, bctx, lv1, lv2, ids, q, n_words,
                                       shapes)
        y, code, rng, pos = dec_bit_p(code, rng, pos, inp, p0)
        side_update(sm, KIND_LEVEL, ids, q, n_words, p, wset, k, y)
        if y:
            return LEVEL_ORDER[i], code, rng, pos
    return LEVEL_ORDER[n - 1], code, rng, pos


@njit_leaf
def _level_encode(st, out, sst, sout, lev_p, lev_c, lev_t, ctx, bctx, lev, sm, side_bits,
                  mixed_levels, prev_cls, ids, q, n_words, shapes):
    """Code level lev of the event at token q: its binary decisions in context bctx
    (side_bits 0) or with the mixed model, the others in ctx (or, with mixed_levels,
    in the side stream with the mixed model)."""
    other = 1 if lev > LEVEL_WORD else 0
    if side_bits:
        lv1 = ctx // N_LEVELS
        _side_encode(sst, sout, sm, side_bits, KIND_OTHER, 0, bctx, lv1, prev_cls, ids, q,
                     n_words, shapes, other)
        if other and mixed_levels:
            _mixed_level_encode(sst, sout, sm, side_bits, bctx, lv1, ctx % N_LEVELS, ids, q,
                                n_words, shapes, lev - 2)
        side_level(sm, lev if other else 0)
        if not other:
            _side_encode(sst, sout, sm, side_bits, KIND_NEW, 0, bctx, lv1, prev_cls, ids, q,
                         n_words, shapes, 1 if lev == LEVEL_NEW else 0)
    else:
        enc_bit(sst, sout, lev_p, 2 * bctx, other)
        if not other:
            enc_bit(sst, sout, lev_p, 2 * bctx + 1, 1 if lev == LEVEL_NEW else 0)
    if other and not mixed_levels:
        small_encode(st, out, lev_c, lev_t, ctx, lev - 2)
        small_update(lev_c, lev_t, ctx, lev - 2, SMALL_INC, SMALL_LIMIT)


# ---------------------------------------------------------------------------
# Case flags and small helpers

@njit_leaf
def _flag_ctx(info, prev_flag, prev_cls):
    """Context of a word's case flag: its last flag and, from codec revision 5,
    the one before (both from its info, see tokens.word_info; 3: none), the
    previous flag and the previous token's class."""
    return (((((info >> 5) & 3) * 4 + ((info >> 7) & 3)) * 3 + prev_flag) * 8 + prev_cls) * 2


@njit_leaf
def _word_seen(info, f, side_ctx):
    """A word's info after one of its tokens: case flag f (-1: none coded) becomes
    its last (with side_ctx > 0 the last becomes the one before), and with
    side_ctx > 1 its count of tokens goes up (it stops at SEEN_MAX)."""
    if f >= 0:
        if side_ctx > 0:
            info = (info & ~(3 << 7)) | (((info >> 5) & 3) << 7)
        info = (info & ~(3 << 5)) | (f << 5)
    if side_ctx > 1 and (info >> SEEN_SHIFT) < SEEN_MAX:
        info += 1 << SEEN_SHIFT
    return info


@njit_leaf
def _bucket(v):
    """Number of bits of v >= 1, minus one."""
    b = 0
    while (v >> (b + 1)) > 0:
        b += 1
    return b


@njit_leaf
def _event_key(e_lev, e_val, e):
    """What LZ matching compares of event e: its level (a new word counts as a
    word) and value."""
    lev = e_lev[e]
    if lev == LEVEL_NEW:
        lev = LEVEL_WORD
    return (np.uint64(lev) << np.uint64(56)) ^ np.uint64(e_val[e])


@njit_leaf
def _match_hash(e_lev, e_val, e):
    x = _event_key(e_lev, e_val, e) * np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ _event_key(e_lev, e_val, e + 1)) * np.uint64(0xC2B2AE3D27D4EB4F)
    x = (x ^ _event_key(e_lev, e_val, e + 2)) * np.uint64(0x165667B19E3779F9)
    return np.int64(x >> np.uint64(64 - MATCH_HASH_BITS))


@njit
def _entry_bases(n_entries):
    base = np.zeros(N_LEVELS + 1, np.int64)
    for lev in range(N_LEVELS):
        base[lev + 1] = base[lev] + n_entries[lev]
    return base


@njit
def _table_size(n):
    size = 16
    while size < 2 * n:
        size *= 2
    return size


@njit
def _models_new(n_words, n_entries, o1_cap, o0_inc, o0_limit, pair_bits, counted_bits):
    """Every adaptive model, fresh; encoder and decoder start from the same state."""
    lev_c, lev_t = small_new(N_LEVELS * N_LEVELS, N_LEVELS - 2)
    lev_p = bits_new(2 * N_LEVELS * N_LEVELS * N_SIDE_EXTRA, counted_bits)
    mlen_c, mlen_t = small_new(1, 32)
    mdist_c, mdist_t = small_new(1, 48)
    flag_p = bits_new(N_FLAG_CTX * 2, counted_bits)
    newword_p = bits_new(4, counted_bits)
    w1, w1pool, wsc = _lists_new(n_words + 1, 4 * n_words + 1024, o1_cap)
    o0_tree = np.zeros(fw_size(n_words), np.int32)
    o0_cnt = np.zeros(n_words, np.int32)
    o0_tot = np.zeros(3, np.int64)
    o0_tot[1] = o0_inc
    o0_tot[2] = o0_limit
    ebase = _entry_bases(n_entries)
    n_ent = ebase[N_LEVELS]
    c1, c1pool, csc = _lists_new(n_ent + 1, 2 * n_ent + 1024, CHOICE_CAP)
    ctab = np.full(_table_size(n_ent), -1, np.int32)
    ckey = np.zeros(n_ent + 1, np.int64)
    defined = np.zeros(N_LEVELS, np.int64)
    ptab = np.full(1 << pair_bits if pair_bits > 0 else 1, -1, np.int32)
    pair_p = bits_new(N_PAIR_CTX, counted_bits)
    return (lev_c, lev_t, lev_p, mlen_c, mlen_t, mdist_c, mdist_t, flag_p, newword_p,
            w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ebase, n_ent, c1, c1pool, csc,
            ctab, ckey, defined, ptab, pair_p)


# ---------------------------------------------------------------------------
# Encoder

@njit
def encode_events(ids, flags, first, winfo, e_pos, e_lev, e_val, n_entries,
                  n_words, o1_cap, min_match, o0_inc, o0_limit, pair_bits, side_ctx, word_chain,
                  counted_bits, side_bits, mixed_levels, shapes, position):
    """Code the events and case flags; returns the two range-coded streams
    (main, side). o0_inc, o0_limit: the order-0 word counts' increment and the
    total above which they halve; pair_bits: log2 of the pair predictor's table
    (0: no predictor, as in codec revisions 1-3; words < 2**27 if not 0); side_ctx:
    the side stream's contexts: 0 as in revisions 1-4, 1 with the case flag before a
    word's last (_flag_ctx), 2 also richer level decisions (_side_ctx); revision 5
    uses side_ctx_for(n_tok); word_chain: 1 to code known words through the
    word-context chain (revision 6, word_chain_for), 2 with its lists blended with
    order 0 (revision 11), 3 also with order 0's recency cache (revision 12), 0 as
    in revisions 4 and 5;
    counted_bits: 1 for binary decisions whose rates follow their counts (revision 7,
    coder.bits_new), 0 for the fixed rate of revisions 1-6; side_bits: log2 of the
    mixed side model's buckets (revision 14, decisions.py), 0 for the side stream's
    adaptive bits in context (bctx) of revisions 1-13; mixed_levels: 1 to code the
    level of an event other than a word in the side stream with the mixed model
    (revision 15, needs side_bits), 0 in the main stream in context ctx; shapes:
    decisions.side_shapes (read with side_bits > 0). winfo (tokens.word_info:
    each word's last case flags and token count) is updated in place: pass a fresh
    one per call. position[0]: the tokens coded so far, written every PROGRESS_STEP
    tokens for a progress display (progress.Meter)."""
    n_ev = e_pos.shape[0]
    n_tok = ids.shape[0]
    out = np.empty(64 + 16 * n_tok + 24 * n_ev, np.uint8)
    st = enc_new()
    fout = np.empty(64 + 12 * n_tok, np.uint8)  # the side stream: a coder of its own
    fst = enc_new()
    (lev_c, lev_t, lev_p, mlen_c, mlen_t, mdist_c, mdist_t, flag_p, newword_p,
     w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ebase, n_ent, c1, c1pool, csc,
     ctab, ckey, defined, ptab, pair_p) = _models_new(n_words, n_entries, o1_cap, o0_inc,
                                                      o0_limit, pair_bits, counted_bits)
    (w2, pool2, sc2, tag2, wk, poolk, sck, tagk, see_p, stamp, ex0, rword, rlink,
     rslot, rsorted) = _chain_new(n_words, pair_bits, word_chain, counted_bits)
    blend = 1 if word_chain >= 2 else 0
    sm = side_new(n_words, side_bits)
    n_ctx = 0

    mtab = np.full(1 << MATCH_HASH_BITS, -1, np.int32)
    lengths = PHRASE_LENGTHS
    prev_tok = n_words
    lv1 = 0
    lv2 = 0
    prev_flag = 0
    prev_cls = 6
    report = 0
    e = 0
    while e < n_ev:
        if e_pos[e] >= report:
            position[0] = e_pos[e]
            report = e_pos[e] + PROGRESS_STEP
        mlen = 0
        if min_match > 0 and e + 3 <= n_ev:
            hsh = _match_hash(e_lev, e_val, e)
            c = mtab[hsh]
            mtab[hsh] = e
            if c >= 0:
                ln = 0
                while (e + ln < n_ev and _event_key(e_lev, e_val, c + ln)
                       == _event_key(e_lev, e_val, e + ln)):
                    ln += 1
                if ln >= min_match:
                    mlen = ln
                    ctx = lv1 * N_LEVELS + lv2
                    bctx = _side_ctx(ctx, side_ctx, prev_cls, winfo, prev_tok)
                    _level_encode(st, out, fst, fout, lev_p, lev_c, lev_t, ctx, bctx,
                                  LEVEL_MATCH, sm, side_bits, mixed_levels, prev_cls, ids,
                                  e_pos[e], n_words, shapes)
                    v = mlen - min_match + 1
                    b = _bucket(v)
                    small_encode(st, out, mlen_c, mlen_t, 0, b)
                    small_update(mlen_c, mlen_t, 0, b, SMALL_INC, SMALL_LIMIT)
                    enc_bits(st, out, v, b)
                    dist = e - c
                    b = _bucket(dist)
                    small_encode(st, out, mdist_c, mdist_t, 0, b)
                    small_update(mdist_c, mdist_t, 0, b, SMALL_INC, SMALL_LIMIT)
                    enc_bits(st, out, dist, b)
                    lv2 = lv1
                    lv1 = LEVEL_MATCH
        n_coded = mlen if mlen > 0 else 1
        for i in range(n_coded):
            ee = e + i
            if i > 0 and ee + 3 <= n_ev:
                mtab[_match_hash(e_lev, e_val, ee)] = ee
            lev = np.int64(e_lev[ee])
            val = e_val[ee]
            p = e_pos[ee]
            n = lengths[lev]
            if mlen == 0:
                w1pool = _pool_room(w1pool, wsc, wsc[1], n)
                if word_chain:
                    pool2 = _pool_room(pool2, sc2, O2_CAP, n)
                    poolk = _pool_room(poolk, sck, SKIP_CAP, n)
                ctx = lv1 * N_LEVELS + lv2
                bctx = _side_ctx(ctx, side_ctx, prev_cls, winfo, prev_tok)
                _level_encode(st, out, fst, fout, lev_p, lev_c, lev_t, ctx, bctx, lev, sm,
                              side_bits, mixed_levels, prev_cls, ids, p, n_words, shapes)
                lv2 = lv1
                lv1 = lev
                # one-word events run the phrase loop's single word: each model is
                # compiled in once (its code inlined at one place)
                phrase = lev > LEVEL_WORD
                is_new = not phrase or val == defined[lev]
                pw = prev_tok
                for k in range(n if is_new else 1):
                    w = np.int64(ids[p + k])
                    if phrase:
                        nw = 1 if first[w] == p + k else 0
                        if side_bits:
                            _side_encode(fst, fout, sm, side_bits,
                                         KIND_FIRST if k == 0 else KIND_INNER,
                                         lev if k == 0 else k, 0, lv1, prev_cls, ids, p + k,
                                         n_words, shapes, nw)
                        else:
                            enc_bit(fst, fout, newword_p,
                                    NEWWORD_FIRST if k == 0 else NEWWORD_INNER, nw)
                    else:
                        nw = 1 if lev == LEVEL_NEW else 0
                    ps = _pair_slot(ids, p + k, n_words, pair_bits)
                    if nw:
                        _new_word_update(w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, pw, w)
                        _pair_learn(ptab, ps, w)
                    elif word_chain:
                        _chain_known_encode(st, out, pair_p, ptab, ps, w1, w1pool, wsc, o0_tree,
                                            o0_cnt, o0_tot, pw, w,
                                            (w2, pool2, sc2, tag2, wk, poolk, sck, tagk, see_p,
                                             stamp, ex0, rword, rlink, rslot, rsorted), ids,
                                            np.int64(p + k), n_words, blend)
                    else:
                        _known_encode(st, out, pair_p, ptab, ps, w1, w1pool, wsc, o0_tree,
                                      o0_cnt, o0_tot, pw, w)
                    if phrase and k == 0:
                        s = _choice_slot(ctab, ckey, w, lev)
                        cctx = ctab[s]
                        if cctx < 0:
                            cctx = n_ctx
                            ckey[cctx] = w * 16 + lev
                            ctab[s] = cctx
                            n_ctx += 1
                        j = _list_encode(st, out, c1, c1pool, cctx, val, 0)
                        need = csc[0] + HDR + 4 * _list_cap(c1, c1pool, cctx) + 8
                        if need > c1pool.shape[0]:
                            c1pool = _grow_pool(c1pool, csc, need)
                        _list_update(c1, c1pool, csc, cctx, val, j)
                    pw = w
                if phrase and is_new:
                    defined[lev] += 1
            for k in range(n):
                w = np.int64(ids[p + k])
                info = np.int64(winfo[w])
                f = -1
                if info & 1:
                    f = np.int64(flags[p + k])
                    fctx = _flag_ctx(info, prev_flag, prev_cls)
                    enc_bit(fst, fout, flag_p, fctx, 1 if f else 0)
                    if f:
                        enc_bit(fst, fout, flag_p, fctx + 1, f - 1)
                    prev_flag = f
                prev_cls = (info >> 1) & 7
                winfo[w] = _word_seen(info, f, side_ctx)
                if rword.shape[0] > 0:
                    _recent_touch(rword, rlink, rslot, rsorted, w)
            prev_tok = np.int64(ids[p + n - 1])
        e += n_coded
    size = enc_finish(st, out)
    fsize = enc_finish(fst, fout)
    return out[:size].copy(), fout[:fsize].copy()


# ---------------------------------------------------------------------------
# Decoder

@njit
def decode_events(inp, finp, n_tok, n_words, winfo, n_entries, o1_cap, min_match, o0_inc,
                  o0_limit, pair_bits, side_ctx, word_chain, counted_bits, side_bits,
                  mixed_levels, shapes, position):
    """Inverse of encode_events (inp: main stream, finp: side stream; position as
    there: the tokens decoded so far).

    Returns (ids, flags, ok): the vocabulary id and case flag of every token;
    ok is False on corrupt input, at the latest a few events after a stream
    has been read past its end (so a false token count costs no more time than
    the streams' length allows)."""
    ids = np.empty(n_tok, np.int32)
    flags = np.zeros(n_tok, np.uint8)
    ev_lev = np.empty(n_tok, np.int8)
    ev_val = np.empty(n_tok, np.int32)
    code, rng, ipos = dec_new(inp)
    fcode, frng, fpos = dec_new(finp)
    (lev_c, lev_t, lev_p, mlen_c, mlen_t, mdist_c, mdist_t, flag_p, newword_p,
     w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ebase, n_ent, c1, c1pool, csc,
     ctab, ckey, defined, ptab, pair_p) = _models_new(n_words, n_entries, o1_cap, o0_inc,
                                                      o0_limit, pair_bits, counted_bits)
    (w2, pool2, sc2, tag2, wk, poolk, sck, tagk, see_p, stamp, ex0, rword, rlink,
     rslot, rsorted) = _chain_new(n_words, pair_bits, word_chain, counted_bits)
    blend = 1 if word_chain >= 2 else 0
    sm = side_new(n_words, side_bits)
    n_ctx = 0
    entry_pos = np.zeros(n_ent + 1, np.int32)
    lengths = PHRASE_LENGTHS
    prev_tok = n_words
    lv1 = 0
    lv2 = 0
    prev_flag = 0
    prev_cls = 6
    next_new = 0
    report = 0
    t = 0
    e = 0
    while t < n_tok:
        if t >= report:
            position[0] = t
            report = t + PROGRESS_STEP
        if ipos > inp.shape[0] + 8 or fpos > finp.shape[0] + 8:
            return ids, flags, False  # read past the end: corrupt (or a false token count)
        ctx = lv1 * N_LEVELS + lv2
        bctx = _side_ctx(ctx, side_ctx, prev_cls, winfo, prev_tok)
        if side_bits:
            other, fcode, frng, fpos = _side_decode(fcode, frng, fpos, finp, sm, side_bits,
                                                    KIND_OTHER, 0, bctx, lv1, prev_cls, ids, t,
                                                    n_words, shapes)
        else:
            other, fcode, frng, fpos = dec_bit(fcode, frng, fpos, finp, lev_p, 2 * bctx)
        if other == 0:
            if side_bits:
                side_level(sm, 0)
                nw, fcode, frng, fpos = _side_decode(fcode, frng, fpos, finp, sm, side_bits,
                                                     KIND_NEW, 0, bctx, lv1, prev_cls, ids, t,
                                                     n_words, shapes)
            else:
                nw, fcode, frng, fpos = dec_bit(fcode, frng, fpos, finp, lev_p, 2 * bctx + 1)
            lev0 = LEVEL_NEW if nw else LEVEL_WORD
        else:
            if mixed_levels:
                lev0, fcode, frng, fpos = _mixed_level_decode(fcode, frng, fpos, finp, sm,
                                                              side_bits, bctx, lv1, lv2, ids, t,
                                                              n_words, shapes)
            else:
                lev0, code, rng, ipos = small_decode(code, rng, ipos, inp, lev_c, lev_t, ctx)
                small_update(lev_c, lev_t, ctx, lev0, SMALL_INC, SMALL_LIMIT)
            lev0 += 2
            if side_bits:
                side_level(sm, lev0)
        lv2 = lv1
        lv1 = lev0
        n_copy = 1
        src = 0
        if lev0 == LEVEL_MATCH:
            if min_match <= 0:
                return ids, flags, False
            b, code, rng, ipos = small_decode(code, rng, ipos, inp, mlen_c, mlen_t, 0)
            small_update(mlen_c, mlen_t, 0, b, SMALL_INC, SMALL_LIMIT)
            low_bits, code, rng, ipos = dec_bits(code, rng, ipos, inp, b)
            n_copy = ((1 << b) | low_bits) + min_match - 1
            b, code, rng, ipos = small_decode(code, rng, ipos, inp, mdist_c, mdist_t, 0)
            small_update(mdist_c, mdist_t, 0, b, SMALL_INC, SMALL_LIMIT)
            if b > 40:
                return ids, flags, False
            low_bits, code, rng, ipos = dec_bits(code, rng, ipos, inp, b)
            dist = (1 << b) | low_bits
            if dist > e or n_copy > n_tok - t:
                return ids, flags, False
            src = e - dist
        for i in range(n_copy):
            if lev0 == LEVEL_MATCH:
                lev = np.int64(ev_lev[src + i])
                val = ev_val[src + i]
            else:
                lev = np.int64(lev0)
                val = 0
            n = lengths[lev]
            if t + n > n_tok:
                return ids, flags, False
            if lev0 == LEVEL_MATCH:
                if lev <= LEVEL_WORD:
                    ids[t] = val
                else:
                    q = entry_pos[ebase[lev] + val]
                    for k in range(n):
                        ids[t + k] = ids[q + k]
            else:
                w1pool = _pool_room(w1pool, wsc, wsc[1], n)
                if word_chain:
                    pool2 = _pool_room(pool2, sc2, O2_CAP, n)
                    poolk = _pool_room(poolk, sck, SKIP_CAP, n)
                # as in the encoder, a one-word event is the phrase loop's single word
                phrase = lev > LEVEL_WORD
                if phrase and n_entries[lev] == 0:
                    return ids, flags, False
                pw = prev_tok
                k = 0
                is_new = True
                while k < n and (k == 0 or is_new):
                    if phrase and side_bits:
                        nw, fcode, frng, fpos = _side_decode(
                            fcode, frng, fpos, finp, sm, side_bits,
                            KIND_FIRST if k == 0 else KIND_INNER, lev if k == 0 else k, 0, lv1,
                            prev_cls, ids, t + k, n_words, shapes)
                    elif phrase:
                        nw, fcode, frng, fpos = dec_bit(fcode, frng, fpos, finp, newword_p,
                                                        NEWWORD_FIRST if k == 0 else NEWWORD_INNER)
                    else:
                        nw = 1 if lev == LEVEL_NEW else 0
                    ps = _pair_slot(ids, t + k, n_words, pair_bits)
                    if nw:
                        if next_new >= n_words:
                            return ids, flags, False
                        w = next_new
                        next_new += 1
                        _new_word_update(w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, pw, w)
                        _pair_learn(ptab, ps, w)
                    else:
                        if word_chain:
                            w, code, rng, ipos = _chain_known_decode(
                                code, rng, ipos, inp, pair_p, ptab, ps, w1, w1pool, wsc,
                                o0_tree, o0_cnt, o0_tot, pw,
                                (w2, pool2, sc2, tag2, wk, poolk, sck, tagk, see_p, stamp,
                                 ex0, rword, rlink, rslot, rsorted), ids, np.int64(t + k),
                                n_words, blend)
                        else:
                            w, code, rng, ipos = _known_decode(
                                code, rng, ipos, inp, pair_p, ptab, ps, w1, w1pool, wsc,
                                o0_tree, o0_cnt, o0_tot, pw)
                        if w < 0:
                            return ids, flags, False
                    ids[t + k] = w
                    if not phrase:
                        val = w
                    elif k == 0:
                        s = _choice_slot(ctab, ckey, w, lev)
                        cctx = ctab[s]
                        if cctx < 0:
                            if n_ctx >= n_ent:
                                return ids, flags, False
                            cctx = n_ctx
                            ckey[cctx] = w * 16 + lev
                            ctab[s] = cctx
                            n_ctx += 1
                        j, code, rng, ipos = _list_decode(code, rng, ipos, inp, c1, c1pool,
                                                          cctx, 0)
                        if j < _list_len(c1, c1pool, cctx):
                            is_new = False
                            val = _list_sym(c1, c1pool, cctx, j)
                        else:
                            if defined[lev] >= n_entries[lev]:
                                return ids, flags, False
                            val = defined[lev]
                            defined[lev] += 1
                            entry_pos[ebase[lev] + val] = t
                        need = csc[0] + HDR + 4 * _list_cap(c1, c1pool, cctx) + 8
                        if need > c1pool.shape[0]:
                            c1pool = _grow_pool(c1pool, csc, need)
                        _list_update(c1, c1pool, csc, cctx, val, j)
                    pw = w
                    k += 1
                if not is_new:
                    q = entry_pos[ebase[lev] + val]
                    for k in range(1, n):
                        ids[t + k] = ids[q + k]
            ev_lev[e] = lev if lev != LEVEL_NEW else LEVEL_WORD
            ev_val[e] = val
            e += 1
            for k in range(n):
                w = np.int64(ids[t + k])
                info = np.int64(winfo[w])
                f = 0
                if info & 1:
                    fctx = _flag_ctx(info, prev_flag, prev_cls)
                    f, fcode, frng, fpos = dec_bit(fcode, frng, fpos, finp, flag_p, fctx)
                    if f:
                        f2, fcode, frng, fpos = dec_bit(fcode, frng, fpos, finp, flag_p, fctx + 1)
                        f += f2
                    prev_flag = f
                winfo[w] = _word_seen(info, f if info & 1 else -1, side_ctx)
                prev_cls = (info >> 1) & 7
                flags[t + k] = f
                if rword.shape[0] > 0:
                    _recent_touch(rword, rlink, rslot, rsorted, w)
            t += n
            prev_tok = np.int64(ids[t - 1])
    return ids, flags, True
