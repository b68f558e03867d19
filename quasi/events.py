"""Event stream coding: models shared by encoder and decoder (numba).

One range-coded stream carries, in text order, for every event:

* its level, with an order-2 context on the two previous levels;
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

After every token its case flag follows when the token can carry case, as two
binary decisions (context: the flag this word had last time, the previous flag
and the class of the previous token). The decoder never needs the tiling.
"""
import numpy as np

from ._jit import njit, njit_inline
from .coder import (bits_new, dec_bit, dec_bits, dec_consume, dec_new, dec_target, enc_bit,
                    enc_bits, enc_encode, enc_finish, enc_new, fw_add, fw_find, fw_prefix,
                    fw_size, small_decode, small_encode, small_new, small_update)
from .parse import LEVEL_MATCH, LEVEL_NEW, LEVEL_WORD, N_LEVELS, PHRASE_LENGTHS

SMALL_INC = 24
SMALL_LIMIT = 1 << 16
LIST_LIMIT = 1 << 16
LIST_INITIAL_CAP = 4
CHOICE_CAP = 1 << 30  # phrase choice lists never evict: their escape means "new entry"
O0_INC = 1
MATCH_HASH_BITS = 18
N_FLAG_CTX = 4 * 3 * 8
NEWWORD_FIRST = 0   # binary contexts of the "is this a new word" decision
NEWWORD_INNER = 2


# ---------------------------------------------------------------------------
# Self-organising count lists, one per context: lst[ctx] = [start, length,
# capacity, total, escape] into the pools lsym/lcnt; sc = [pool top, max cap].

@njit
def _lists_new(n_ctx, pool, max_cap):
    lst = np.zeros((n_ctx, 5), np.int32)
    lst[:, 0] = -1
    sc = np.zeros(2, np.int64)
    sc[1] = max_cap
    return lst, np.zeros(2 * pool, np.int32), sc


@njit
def _grow_pool(lpool, need):
    """A larger copy of a list pool with room for at least need entries."""
    size = max(need, lpool.shape[0] // 2 * 3 // 2)
    grown = np.zeros(2 * size, np.int32)
    grown[: lpool.shape[0]] = lpool
    return grown


@njit_inline
def _list_update(lst, lpool, sc, ctx, sym, j):
    """Count sym in ctx's list (found at slot j, or j == length when absent).
    The pool must have room for one list growth (sc[1] entries)."""
    start = lst[ctx, 0]
    ln = lst[ctx, 1]
    if j < ln:
        i = start + j
        lpool[2 * i + 1] += 2
        lst[ctx, 3] += 2
        while i > start and lpool[2 * i + 1] > lpool[2 * (i - 1) + 1]:
            s = lpool[2 * i]
            c = lpool[2 * i + 1]
            lpool[2 * i] = lpool[2 * (i - 1)]
            lpool[2 * i + 1] = lpool[2 * (i - 1) + 1]
            lpool[2 * (i - 1)] = s
            lpool[2 * (i - 1) + 1] = c
            i -= 1
    else:
        cap = lst[ctx, 2]
        if ln == cap and cap < sc[1]:
            ncap = LIST_INITIAL_CAP if cap == 0 else min(cap * 2, sc[1])
            top = sc[0]
            for k in range(ln):
                lpool[2 * (top + k)] = lpool[2 * (start + k)]
                lpool[2 * (top + k) + 1] = lpool[2 * (start + k) + 1]
            lst[ctx, 0] = top
            lst[ctx, 2] = ncap
            sc[0] = top + ncap
            start = top
            cap = ncap
        if ln < cap:
            lpool[2 * (start + ln)] = sym
            lpool[2 * (start + ln) + 1] = 1
            lst[ctx, 1] = ln + 1
        else:  # full: the last (least counted) entry gives way
            lst[ctx, 3] -= lpool[2 * (start + ln - 1) + 1]
            lpool[2 * (start + ln - 1)] = sym
            lpool[2 * (start + ln - 1) + 1] = 1
        lst[ctx, 3] += 1
        lst[ctx, 4] += 1
    if lst[ctx, 3] > LIST_LIMIT:
        t = 0
        for k in range(lst[ctx, 1]):
            c = (lpool[2 * (start + k) + 1] + 1) >> 1
            lpool[2 * (start + k) + 1] = c
            t += c
        lst[ctx, 3] = t
        lst[ctx, 4] = (lst[ctx, 4] + 1) >> 1


@njit_inline
def _list_encode(st, out, lst, lpool, ctx, sym):
    """Code sym in ctx's list, or the escape; returns its slot (length if absent)."""
    start = lst[ctx, 0]
    ln = lst[ctx, 1]
    j = 0
    cum = 0
    while j < ln and lpool[2 * (start + j)] != sym:
        cum += lpool[2 * (start + j) + 1]
        j += 1
    if ln > 0:
        total = lst[ctx, 3] + lst[ctx, 4]
        if j < ln:
            enc_encode(st, out, cum, lpool[2 * (start + j) + 1], total)
        else:
            enc_encode(st, out, lst[ctx, 3], lst[ctx, 4], total)
    return j


@njit_inline
def _list_decode(st, inp, lst, lpool, ctx):
    """Slot of the coded symbol in ctx's list, or the length on escape."""
    start = lst[ctx, 0]
    ln = lst[ctx, 1]
    if ln == 0:
        return 0
    tot = lst[ctx, 3]
    target = dec_target(st, tot + lst[ctx, 4])
    if target >= tot:
        dec_consume(st, inp, tot, lst[ctx, 4])
        return ln
    cum = 0
    j = 0
    while cum + lpool[2 * (start + j) + 1] <= target:
        cum += lpool[2 * (start + j) + 1]
        j += 1
    dec_consume(st, inp, cum, lpool[2 * (start + j) + 1])
    return j


# ---------------------------------------------------------------------------
# Words: order-1 lists (context = previous word) over an order-0 Fenwick model.
# o0 = [tree..., ] with total in o0_tot[0].

@njit_inline
def _o0_add(o0_tree, o0_cnt, o0_tot, sym):
    o0_cnt[sym] += O0_INC
    o0_tot[0] += O0_INC
    fw_add(o0_tree, 0, o0_tree.shape[0], sym, O0_INC)


@njit_inline
def _word_encode(st, out, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, sym):
    j = _list_encode(st, out, w1, w1pool, ctx, sym)
    if j == w1[ctx, 1]:
        enc_encode(st, out, fw_prefix(o0_tree, 0, sym), o0_cnt[sym], o0_tot[0])
        _o0_add(o0_tree, o0_cnt, o0_tot, sym)
    _list_update(w1, w1pool, wsc, ctx, sym, j)


@njit_inline
def _word_decode(st, inp, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx):
    """The word id, or -1 on corrupt input."""
    j = _list_decode(st, inp, w1, w1pool, ctx)
    if j < w1[ctx, 1]:
        sym = np.int64(w1pool[2 * (w1[ctx, 0] + j)])
    else:
        if o0_tot[0] <= 0:
            return -1
        target = dec_target(st, o0_tot[0])
        sym, cum = fw_find(o0_tree, 0, o0_tree.shape[0], target)
        if sym >= o0_cnt.shape[0] or o0_cnt[sym] == 0:
            return -1
        dec_consume(st, inp, cum, o0_cnt[sym])
        _o0_add(o0_tree, o0_cnt, o0_tot, sym)
    _list_update(w1, w1pool, wsc, ctx, sym, j)
    return sym


@njit_inline
def _new_word_update(w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ctx, sym):
    _list_update(w1, w1pool, wsc, ctx, sym, w1[ctx, 1])
    _o0_add(o0_tree, o0_cnt, o0_tot, sym)


# ---------------------------------------------------------------------------
# Phrase choice contexts: (first word, level) -> context number, on demand.

@njit_inline
def _choice_slot(ctab, ckey, word, lev):
    key = word * 16 + lev
    mask = ctab.shape[0] - 1
    s = (key * 0x9E3779B1) & mask
    while ctab[s] >= 0 and ckey[ctab[s]] != key:
        s = (s + 1) & mask
    return s


# ---------------------------------------------------------------------------
# Case flags and small helpers

@njit_inline
def _flag_ctx(last_flag, word, prev_flag, prev_cls):
    return ((np.int64(last_flag[word]) * 3 + prev_flag) * 8 + prev_cls) * 2


@njit_inline
def _bucket(v):
    """Number of bits of v >= 1, minus one."""
    b = 0
    while (v >> (b + 1)) > 0:
        b += 1
    return b


@njit_inline
def _event_key(lev, val):
    if lev == LEVEL_NEW:
        lev = LEVEL_WORD
    return (np.uint64(lev) << np.uint64(56)) ^ np.uint64(val)


@njit_inline
def _match_hash(keys, e):
    x = keys[e] * np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ keys[e + 1]) * np.uint64(0xC2B2AE3D27D4EB4F)
    x = (x ^ keys[e + 2]) * np.uint64(0x165667B19E3779F9)
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
def _models_new(n_words, n_entries, o1_cap):
    """Every adaptive model, fresh; encoder and decoder start from the same state."""
    lev_c, lev_t = small_new(N_LEVELS * N_LEVELS, N_LEVELS)
    mlen_c, mlen_t = small_new(1, 32)
    mdist_c, mdist_t = small_new(1, 48)
    flag_p = bits_new(N_FLAG_CTX * 2)
    newword_p = bits_new(4)
    last_flag = np.full(n_words, 3, np.uint8)
    w1, w1pool, wsc = _lists_new(n_words + 1, 4 * n_words + 1024, o1_cap)
    o0_tree = np.zeros(fw_size(n_words), np.int64)
    o0_cnt = np.zeros(n_words, np.int64)
    o0_tot = np.zeros(1, np.int64)
    ebase = _entry_bases(n_entries)
    n_ent = ebase[N_LEVELS]
    c1, c1pool, csc = _lists_new(n_ent + 1, 2 * n_ent + 1024, CHOICE_CAP)
    ctab = np.full(_table_size(n_ent), -1, np.int64)
    ckey = np.zeros(n_ent + 1, np.int64)
    defined = np.zeros(N_LEVELS, np.int64)
    return (lev_c, lev_t, mlen_c, mlen_t, mdist_c, mdist_t, flag_p, newword_p, last_flag,
            w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ebase, n_ent, c1, c1pool, csc,
            ctab, ckey, defined)


# ---------------------------------------------------------------------------
# Encoder

@njit
def encode_events(ids, flags, first, can_case, cls, e_pos, e_lev, e_val, n_entries,
                  n_words, o1_cap, min_match):
    """Code the events and case flags; returns the range-coded bytes."""
    n_ev = e_pos.shape[0]
    n_tok = ids.shape[0]
    out = np.empty(64 + 16 * n_tok + 24 * n_ev, np.uint8)
    st = enc_new()
    (lev_c, lev_t, mlen_c, mlen_t, mdist_c, mdist_t, flag_p, newword_p, last_flag,
     w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ebase, n_ent, c1, c1pool, csc,
     ctab, ckey, defined) = _models_new(n_words, n_entries, o1_cap)
    n_ctx = 0

    keys = np.empty(n_ev, np.uint64)
    for e in range(n_ev):
        keys[e] = _event_key(e_lev[e], e_val[e])
    mtab = np.full(1 << MATCH_HASH_BITS, -1, np.int64)
    lengths = PHRASE_LENGTHS
    prev_tok = n_words
    lv1 = 0
    lv2 = 0
    prev_flag = 0
    prev_cls = 6
    e = 0
    while e < n_ev:
        mlen = 0
        if min_match > 0 and e + 3 <= n_ev:
            hsh = _match_hash(keys, e)
            c = mtab[hsh]
            mtab[hsh] = e
            if c >= 0:
                ln = 0
                while e + ln < n_ev and keys[c + ln] == keys[e + ln]:
                    ln += 1
                if ln >= min_match:
                    mlen = ln
                    ctx = lv1 * N_LEVELS + lv2
                    small_encode(st, out, lev_c, lev_t, ctx, LEVEL_MATCH)
                    small_update(lev_c, lev_t, ctx, LEVEL_MATCH, SMALL_INC, SMALL_LIMIT)
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
                mtab[_match_hash(keys, ee)] = ee
            lev = np.int64(e_lev[ee])
            val = e_val[ee]
            p = e_pos[ee]
            n = lengths[lev]
            if mlen == 0:
                if wsc[0] + 2 * wsc[1] * n + 8 > w1pool.shape[0] // 2:
                    w1pool = _grow_pool(w1pool, wsc[0] + 2 * wsc[1] * n + 8)
                ctx = lv1 * N_LEVELS + lv2
                small_encode(st, out, lev_c, lev_t, ctx, lev)
                small_update(lev_c, lev_t, ctx, lev, SMALL_INC, SMALL_LIMIT)
                lv2 = lv1
                lv1 = lev
                if lev == LEVEL_NEW:
                    _new_word_update(w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, prev_tok, val)
                elif lev == LEVEL_WORD:
                    _word_encode(st, out, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot,
                                 prev_tok, val)
                else:
                    is_new = val == defined[lev]
                    pw = prev_tok
                    for k in range(n if is_new else 1):
                        w = np.int64(ids[p + k])
                        nw = 1 if first[w] == p + k else 0
                        enc_bit(st, out, newword_p, NEWWORD_FIRST if k == 0 else NEWWORD_INNER, nw)
                        if nw:
                            _new_word_update(w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, pw, w)
                        else:
                            _word_encode(st, out, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot,
                                         pw, w)
                        if k == 0:
                            s = _choice_slot(ctab, ckey, w, lev)
                            cctx = ctab[s]
                            if cctx < 0:
                                cctx = n_ctx
                                ckey[cctx] = w * 16 + lev
                                ctab[s] = cctx
                                n_ctx += 1
                            j = _list_encode(st, out, c1, c1pool, cctx, val)
                            if csc[0] + 2 * c1[cctx, 2] + 8 > c1pool.shape[0] // 2:
                                c1pool = _grow_pool(c1pool, csc[0] + 2 * c1[cctx, 2] + 8)
                            _list_update(c1, c1pool, csc, cctx, val, j)
                        pw = w
                    if is_new:
                        defined[lev] += 1
            for k in range(n):
                w = np.int64(ids[p + k])
                if can_case[w]:
                    f = np.int64(flags[p + k])
                    fctx = _flag_ctx(last_flag, w, prev_flag, prev_cls)
                    enc_bit(st, out, flag_p, fctx, 1 if f else 0)
                    if f:
                        enc_bit(st, out, flag_p, fctx + 1, f - 1)
                    last_flag[w] = f
                    prev_flag = f
                prev_cls = np.int64(cls[w])
            prev_tok = np.int64(ids[p + n - 1])
        e += n_coded
    size = enc_finish(st, out)
    return out[:size].copy()


# ---------------------------------------------------------------------------
# Decoder

@njit
def decode_events(inp, n_tok, n_words, can_case, cls, n_entries, o1_cap, min_match):
    """Inverse of encode_events; returns (ids, flags, ok)."""
    ids = np.empty(n_tok, np.int32)
    flags = np.zeros(n_tok, np.uint8)
    ev_lev = np.empty(n_tok, np.int8)
    ev_val = np.empty(n_tok, np.int64)
    st = dec_new(inp)
    (lev_c, lev_t, mlen_c, mlen_t, mdist_c, mdist_t, flag_p, newword_p, last_flag,
     w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, ebase, n_ent, c1, c1pool, csc,
     ctab, ckey, defined) = _models_new(n_words, n_entries, o1_cap)
    n_ctx = 0
    entry_pos = np.zeros(n_ent + 1, np.int64)
    lengths = PHRASE_LENGTHS
    prev_tok = n_words
    lv1 = 0
    lv2 = 0
    prev_flag = 0
    prev_cls = 6
    next_new = 0
    t = 0
    e = 0
    while t < n_tok:
        ctx = lv1 * N_LEVELS + lv2
        lev0 = small_decode(st, inp, lev_c, lev_t, ctx)
        small_update(lev_c, lev_t, ctx, lev0, SMALL_INC, SMALL_LIMIT)
        lv2 = lv1
        lv1 = lev0
        n_copy = 1
        src = 0
        if lev0 == LEVEL_MATCH:
            if min_match <= 0:
                return ids, flags, False
            b = small_decode(st, inp, mlen_c, mlen_t, 0)
            small_update(mlen_c, mlen_t, 0, b, SMALL_INC, SMALL_LIMIT)
            n_copy = ((1 << b) | dec_bits(st, inp, b)) + min_match - 1
            b = small_decode(st, inp, mdist_c, mdist_t, 0)
            small_update(mdist_c, mdist_t, 0, b, SMALL_INC, SMALL_LIMIT)
            if b > 40:
                return ids, flags, False
            dist = (1 << b) | dec_bits(st, inp, b)
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
                if wsc[0] + 2 * wsc[1] * n + 8 > w1pool.shape[0] // 2:
                    w1pool = _grow_pool(w1pool, wsc[0] + 2 * wsc[1] * n + 8)
                if lev == LEVEL_NEW:
                    if next_new >= n_words:
                        return ids, flags, False
                    val = next_new
                    next_new += 1
                    _new_word_update(w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, prev_tok, val)
                    ids[t] = val
                elif lev == LEVEL_WORD:
                    val = _word_decode(st, inp, w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot,
                                       prev_tok)
                    if val < 0:
                        return ids, flags, False
                    ids[t] = val
                else:
                    if n_entries[lev] == 0:
                        return ids, flags, False
                    pw = prev_tok
                    k = 0
                    is_new = True
                    while k < n and (k == 0 or is_new):
                        nw = dec_bit(st, inp, newword_p, NEWWORD_FIRST if k == 0 else NEWWORD_INNER)
                        if nw:
                            if next_new >= n_words:
                                return ids, flags, False
                            w = next_new
                            next_new += 1
                            _new_word_update(w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, pw, w)
                        else:
                            w = _word_decode(st, inp, w1, w1pool, wsc, o0_tree, o0_cnt,
                                             o0_tot, pw)
                            if w < 0:
                                return ids, flags, False
                        ids[t + k] = w
                        if k == 0:
                            s = _choice_slot(ctab, ckey, w, lev)
                            cctx = ctab[s]
                            if cctx < 0:
                                if n_ctx >= n_ent:
                                    return ids, flags, False
                                cctx = n_ctx
                                ckey[cctx] = w * 16 + lev
                                ctab[s] = cctx
                                n_ctx += 1
                            j = _list_decode(st, inp, c1, c1pool, cctx)
                            if j < c1[cctx, 1]:
                                is_new = False
                                val = np.int64(c1pool[2 * (c1[cctx, 0] + j)])
                            else:
                                if defined[lev] >= n_entries[lev]:
                                    return ids, flags, False
                                val = defined[lev]
                                defined[lev] += 1
                                entry_pos[ebase[lev] + val] = t
                            if csc[0] + 2 * c1[cctx, 2] + 8 > c1pool.shape[0] // 2:
                                c1pool = _grow_pool(c1pool, csc[0] + 2 * c1[cctx, 2] + 8)
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
                if can_case[w]:
                    fctx = _flag_ctx(last_flag, w, prev_flag, prev_cls)
                    f = dec_bit(st, inp, flag_p, fctx)
                    if f:
                        f += dec_bit(st, inp, flag_p, fctx + 1)
                    flags[t + k] = f
                    last_flag[w] = f
                    prev_flag = f
                prev_cls = np.int64(cls[w])
            t += n
            prev_tok = np.int64(ids[t - 1])
    return ids, flags, True
