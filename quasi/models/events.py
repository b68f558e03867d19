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
word that last followed the same two words, and a miss goes down the word-context
chain (order-2, order-1 and skip-word lists, then order 0; chain.py).

A second range-coded stream, the side stream, carries the binary decisions: per
event "a word or not" and "a new word or not" (before the level's frequency model
and the word's models in the main stream), the "new word" decisions inside
phrases, and for every token that can carry case its case flag as two binary
decisions (context: the flag this word had last time, the previous flag and the
class of the previous token). A block with a side table (levels 8-9, meta
``side_bits``) predicts the word / new-word decisions by the mixed model of
decisions.py, and codes the level of an event other than a word there too ("an LZ
match? 3 words? ..." until yes, decisions of the same model) instead of in the main
stream. Two independent coders let the CPU decode both dependency chains at once.
The decoder never needs the tiling. Blocks of older codec revisions lack some of
these models: the settings of encode_events (BlockConfig's) say which run, and
FORMAT.md Appendix A what each revision has.
"""
import numpy as np

from ._jit import njit, njit_leaf
from .chain import O2_CAP, SKIP_CAP, _bucket, _chain_known_code, _chain_new
from .coder import (DECODE, ENCODE, bits_new, code_bit, code_bits, code_small, coder_finish,
                    coder_new, coder_ok, fw_size, small_new, small_update)
from .decisions import KIND_FIRST, KIND_INNER, side_new
from .levels import (N_SIDE_EXTRA, SMALL_INC, SMALL_LIMIT, _level_code, _side_code,
                     _side_ctx)
from .lists import (HDR, _grow_pool, _list_cap, _list_code, _list_len, _list_sym, _list_update,
                    _lists_new, _pool_room)
from .pair import N_PAIR_CTX, _known_code, _new_word_update, _pair_learn, _pair_slot
from .recent import _recent_touch
from ..text.parse import LEVEL_MATCH, LEVEL_NEW, LEVEL_WORD, N_LEVELS, PHRASE_LENGTHS
from ..text.tokens import (INFO_FLAG_BEFORE, INFO_LAST_FLAG, INFO_SEEN, info_caseable, info_class,
                           info_flags, info_seen)

CHOICE_CAP = 1 << 30  # phrase choice lists never evict: their escape means "new entry"
MATCH_HASH_BITS = 18
PROGRESS_STEP = 1 << 12  # tokens between two writes of the coders' position
N_FLAG_CTX = 4 * 4 * 3 * 8
SEEN_MAX = 63
NEWWORD_FIRST = 0   # binary contexts of the "is this a new word" decision
NEWWORD_INNER = 2


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
# Case flags and small helpers

@njit_leaf
def _flag_ctx(info, prev_flag, prev_cls):
    """Context of a word's case flag: its last flag and, when side_ctx > 0,
    the one before (both from its info, see tokens.word_info; 3: none), the
    previous flag and the previous token's class."""
    return ((info_flags(info) * 3 + prev_flag) * 8 + prev_cls) * 2


@njit_leaf
def _word_seen(info, f, side_ctx):
    """A word's info after one of its tokens: case flag f (-1: none coded) becomes
    its last (with side_ctx > 0 the last becomes the one before), and with
    side_ctx > 1 its count of tokens goes up (it stops at SEEN_MAX)."""
    if f >= 0:
        if side_ctx > 0:
            info = ((info & ~(3 << INFO_FLAG_BEFORE))
                    | (((info >> INFO_LAST_FLAG) & 3) << INFO_FLAG_BEFORE))
        info = (info & ~(3 << INFO_LAST_FLAG)) | (f << INFO_LAST_FLAG)
    if side_ctx > 1 and info_seen(info) < SEEN_MAX:
        info += 1 << INFO_SEEN
    return info


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
    lev_c, lev_t = small_new(np.int64(N_LEVELS * N_LEVELS), np.int64(N_LEVELS - 2))
    lev_p = bits_new(np.int64(2 * N_LEVELS * N_LEVELS * N_SIDE_EXTRA), counted_bits)
    mlen_c, mlen_t = small_new(np.int64(1), np.int64(32))
    mdist_c, mdist_t = small_new(np.int64(1), np.int64(48))
    flag_p = bits_new(np.int64(N_FLAG_CTX * 2), counted_bits)
    newword_p = bits_new(np.int64(4), counted_bits)
    w1, w1pool, wsc = _lists_new(n_words + 1, 4 * n_words + 1024, o1_cap)
    o0_tree = np.zeros(fw_size(n_words), np.int32)
    o0_cnt = np.zeros(n_words, np.int32)
    o0_tot = np.zeros(3, np.int64)
    o0_tot[1] = o0_inc
    o0_tot[2] = o0_limit
    ebase = _entry_bases(n_entries)
    n_ent = ebase[N_LEVELS]
    c1, c1pool, csc = _lists_new(n_ent + 1, 2 * n_ent + 1024, np.int64(CHOICE_CAP))
    ctab = np.full(_table_size(n_ent), -1, np.int32)
    ckey = np.zeros(n_ent + 1, np.int64)
    defined = np.zeros(N_LEVELS, np.int64)
    ptab = np.full(1 << pair_bits if pair_bits > 0 else 1, -1, np.int32)
    pair_p = bits_new(np.int64(N_PAIR_CTX), counted_bits)
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
    (main, side). The settings are config.BlockConfig's (which of them a codec
    revision has: FORMAT.md). o0_inc, o0_limit: the order-0 word counts' increment and
    the total above which they halve; pair_bits: log2 of the pair predictor's table
    (0: no predictor; words < 2**27 if not 0); side_ctx: the side stream's contexts:
    0 plain, 1 with the case flag before a word's last (_flag_ctx), 2 also richer
    level decisions (_side_ctx); word_chain: 0 codes a known word the pair prediction
    missed by order 1 and order 0 alone, 1 through the word-context chain, 2 with the
    chain's lists blended with order 0, 3 also with order 0's recency cache;
    counted_bits: 1 for binary decisions whose rates follow their counts
    (coder.bits_new), 0 for a fixed rate; side_bits: log2 of the mixed side model's
    buckets (decisions.py), 0 for the side stream's adaptive bits in context (bctx);
    mixed_levels: 1 to code the level of an event other than a word in the side stream
    with the mixed model (needs side_bits), 0 in the main stream in context ctx; shapes:
    decisions.side_shapes (read with side_bits > 0). winfo (tokens.word_info:
    each word's last case flags and token count) is updated in place: pass a fresh
    one per call. position[0]: the tokens coded so far, written every PROGRESS_STEP
    tokens for a progress display (progress.Meter)."""
    n_ev = e_pos.shape[0]
    n_tok = ids.shape[0]
    out = np.empty(64 + 16 * n_tok + 24 * n_ev, np.uint8)
    st = coder_new(ENCODE, out)
    fout = np.empty(64 + 12 * n_tok, np.uint8)  # the side stream: a coder of its own
    fst = coder_new(ENCODE, fout)
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
    prev_flag = np.int64(0)   # np.int64: the helpers compile once, not once per constant
    prev_cls = np.int64(6)
    report = 0
    e = np.int64(0)
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
        # one level per coded event: an LZ match's or the event's own
        ctx = lv1 * N_LEVELS + lv2
        bctx = _side_ctx(ctx, side_ctx, prev_cls, winfo, prev_tok)
        lev = np.int64(LEVEL_MATCH) if mlen else np.int64(e_lev[e])
        _lev, st, fst = _level_code(st, out, fst, fout, lev_p, lev_c, lev_t, ctx, bctx, lev, sm,
                                    side_bits, mixed_levels, prev_cls, ids, np.int64(e_pos[e]),
                                    n_words, shapes)
        lv2 = lv1
        lv1 = lev
        if mlen:
            v = mlen - min_match + 1
            b = _bucket(v)
            _, st = code_small(st, out, mlen_c, mlen_t, 0, b)
            small_update(mlen_c, mlen_t, 0, b, SMALL_INC, SMALL_LIMIT)
            _, st = code_bits(st, out, v, b)
            dist = e - c
            b = _bucket(dist)
            _, st = code_small(st, out, mdist_c, mdist_t, 0, b)
            small_update(mdist_c, mdist_t, 0, b, SMALL_INC, SMALL_LIMIT)
            _, st = code_bits(st, out, dist, b)
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
                            _, fst = _side_code(fst, fout, sm, side_bits,
                                                KIND_FIRST if k == 0 else KIND_INNER,
                                                lev if k == 0 else k, np.int64(0), lv1,
                                                prev_cls, ids, np.int64(p + k), n_words, shapes,
                                                nw)
                        else:
                            _, fst = code_bit(fst, fout, newword_p,
                                              NEWWORD_FIRST if k == 0 else NEWWORD_INNER, nw)
                    else:
                        nw = 1 if lev == LEVEL_NEW else 0
                    ps = _pair_slot(ids, p + k, n_words, pair_bits)
                    if nw:
                        _new_word_update(w1, w1pool, wsc, o0_tree, o0_cnt, o0_tot, pw, w)
                        _pair_learn(ptab, ps, w)
                    elif word_chain:
                        _, st = _chain_known_code(st, out, pair_p, ptab, ps, w1, w1pool, wsc,
                                                  o0_tree, o0_cnt, o0_tot, pw, w,
                                                  (w2, pool2, sc2, tag2, wk, poolk, sck, tagk,
                                                   see_p, stamp, ex0, rword, rlink, rslot, rsorted),
                                                  ids, np.int64(p + k), n_words, blend)
                    else:
                        _, st = _known_code(st, out, pair_p, ptab, ps, w1, w1pool, wsc, o0_tree,
                                            o0_cnt, o0_tot, pw, w)
                    if phrase and k == 0:
                        s = _choice_slot(ctab, ckey, w, lev)
                        cctx = ctab[s]
                        if cctx < 0:
                            cctx = n_ctx
                            ckey[cctx] = w * 16 + lev
                            ctab[s] = cctx
                            n_ctx += 1
                        j, st = _list_code(st, out, c1, c1pool, cctx, np.int64(val), np.int64(0))
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
                if info_caseable(info):
                    f = np.int64(flags[p + k])
                    fctx = _flag_ctx(info, prev_flag, prev_cls)
                    _, fst = code_bit(fst, fout, flag_p, fctx, 1 if f else 0)
                    if f:
                        _, fst = code_bit(fst, fout, flag_p, fctx + 1, f - 1)
                    prev_flag = f
                prev_cls = info_class(info)
                winfo[w] = _word_seen(info, f, side_ctx)
                if rword.shape[0] > 0:
                    _recent_touch(rword, rlink, rslot, rsorted, w)
            prev_tok = np.int64(ids[p + n - 1])
        e += n_coded
    size = coder_finish(st, out)
    fsize = coder_finish(fst, fout)
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
    buf = inp.copy()
    st = coder_new(DECODE, buf)
    fbuf = finp.copy()
    fst = coder_new(DECODE, fbuf)
    unknown = np.int64(-1)  # what a coder is given for the symbol it decodes
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
    prev_flag = np.int64(0)   # np.int64: the helpers compile once, not once per constant
    prev_cls = np.int64(6)
    next_new = 0
    report = 0
    t = 0
    e = 0
    while t < n_tok:
        if t >= report:
            position[0] = t
            report = t + PROGRESS_STEP
        if not coder_ok(st, buf) or not coder_ok(fst, fbuf):
            return ids, flags, False  # read past the end: corrupt (or a false token count)
        ctx = lv1 * N_LEVELS + lv2
        bctx = _side_ctx(ctx, side_ctx, prev_cls, winfo, prev_tok)
        lev0, st, fst = _level_code(st, buf, fst, fbuf, lev_p, lev_c, lev_t, ctx, bctx, unknown, sm,
                                    side_bits, mixed_levels, prev_cls, ids, np.int64(t), n_words,
                                    shapes)
        lv2 = lv1
        lv1 = lev0
        n_copy = 1
        src = 0
        if lev0 == LEVEL_MATCH:
            if min_match <= 0:
                return ids, flags, False
            b, st = code_small(st, buf, mlen_c, mlen_t, 0, unknown)
            small_update(mlen_c, mlen_t, 0, b, SMALL_INC, SMALL_LIMIT)
            low_bits, st = code_bits(st, buf, unknown, b)
            n_copy = ((1 << b) | low_bits) + min_match - 1
            b, st = code_small(st, buf, mdist_c, mdist_t, 0, unknown)
            small_update(mdist_c, mdist_t, 0, b, SMALL_INC, SMALL_LIMIT)
            if b > 40:
                return ids, flags, False
            low_bits, st = code_bits(st, buf, unknown, b)
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
                        nw, fst = _side_code(fst, fbuf, sm, side_bits,
                                             KIND_FIRST if k == 0 else KIND_INNER,
                                             lev if k == 0 else k, np.int64(0), lv1,
                                             prev_cls, ids, np.int64(t + k), n_words, shapes,
                                             unknown)
                    elif phrase:
                        nw, fst = code_bit(fst, fbuf, newword_p,
                                           NEWWORD_FIRST if k == 0 else NEWWORD_INNER, unknown)
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
                            w, st = _chain_known_code(st, buf, pair_p, ptab, ps, w1, w1pool, wsc,
                                                      o0_tree, o0_cnt, o0_tot, pw, unknown,
                                                      (w2, pool2, sc2, tag2, wk, poolk, sck, tagk,
                                                       see_p, stamp, ex0, rword, rlink, rslot,
                                                       rsorted), ids, np.int64(t + k), n_words,
                                                      blend)
                        else:
                            w, st = _known_code(st, buf, pair_p, ptab, ps, w1, w1pool, wsc, o0_tree,
                                                o0_cnt, o0_tot, pw, unknown)
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
                        j, st = _list_code(st, buf, c1, c1pool, cctx, unknown, np.int64(0))
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
                if info_caseable(info):
                    fctx = _flag_ctx(info, prev_flag, prev_cls)
                    f, fst = code_bit(fst, fbuf, flag_p, fctx, unknown)
                    if f:
                        f2, fst = code_bit(fst, fbuf, flag_p, fctx + 1, unknown)
                        f += f2
                    prev_flag = f
                winfo[w] = _word_seen(info, f if info_caseable(info) else -1, side_ctx)
                prev_cls = info_class(info)
                flags[t + k] = f
                if rword.shape[0] > 0:
                    _recent_touch(rword, rlink, rslot, rsorted, w)
            t += n
            prev_tok = np.int64(ids[t - 1])
    return ids, flags, True
