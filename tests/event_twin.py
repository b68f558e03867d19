"""Pure-Python twin of quasi/models/events.py: the same models and stream, written
plainly with lists and dicts (slow; tests only). It defines the event stream
independently of the numba kernels: both must produce and accept the same bytes.
"""
from collections import OrderedDict

from coder_twin import PyRangeDecoder, PyRangeEncoder
from quasi.models.coder import COUNTED
from quasi.models.decisions import KIND_FIRST, KIND_INNER, KIND_NEW, KIND_OTHER
from quasi.models.chain import (N_SEE, O0_EXCLUDED, O1_EXCLUDED, O2_CAP, O2_SALT, SEE_ORDERS,
                                SKIP_CAP, SKIP_SALT)
from quasi.codec.config import O0_INC, O0_LIMIT
from quasi.models.events import MATCH_HASH_BITS, NEWWORD_FIRST, NEWWORD_INNER, N_FLAG_CTX
from quasi.models.levels import N_SEEN_BUCKETS, N_SIDE_EXTRA, SMALL_INC, SMALL_LIMIT
from quasi.models.lists import LIST_INITIAL_CAP, LIST_LIMIT
from quasi.models.pair import N_PAIR_CTX, PAIR_CONF_MAX
from quasi.models.chain import BLEND_BITS, BLEND_LIST, BLEND_O1, BLEND_O2, BLEND_SKIP
from quasi.models.chain import N_RECENT_CTX, RECENT_SHARES
from quasi.models.recent import RECENT_WORDS
from quasi.text.parse import LEVEL_MATCH, LEVEL_NEW, LEVEL_WORD, N_LEVELS, PHRASE_LENGTHS

from side_twin import SideMix

M64 = (1 << 64) - 1
BLENDS = (BLEND_O2, BLEND_O1, BLEND_SKIP)


class Small:
    """Frequency counts per context, linear cumulative sums."""

    def __init__(self, n_ctx, n_sym, inc=SMALL_INC, limit=SMALL_LIMIT):
        self.c = [[1] * n_sym for _ in range(n_ctx)]
        self.inc, self.limit = inc, limit

    def encode(self, enc, ctx, sym):
        c = self.c[ctx]
        enc.encode(sum(c[:sym]), c[sym], sum(c))
        self._update(ctx, sym)

    def decode(self, dec, ctx):
        c = self.c[ctx]
        v = dec.target(sum(c))
        sym, cum = 0, 0
        while sym < len(c) - 1 and cum + c[sym] <= v:
            cum += c[sym]
            sym += 1
        dec.consume(cum, c[sym])
        self._update(ctx, sym)
        return sym

    def _update(self, ctx, sym):
        c = self.c[ctx]
        c[sym] += self.inc
        if sum(c) > self.limit:
            c[:] = [(x + 1) >> 1 for x in c]


class CountList:
    """A self-organising list of [symbol, count] with a PPM escape weight."""

    def __init__(self, cap):
        self.items, self.esc, self.cap = [], 0, cap

    def total(self):
        return sum(c for _, c in self.items)

    def slot(self, sym):
        for j, (s, _) in enumerate(self.items):
            if s == sym:
                return j
        return len(self.items)

    def encode(self, enc, sym, skip_first=False):
        """Code sym (or the escape); skip_first: with the first symbol (never sym)
        excluded."""
        j = self.slot(sym)
        if self.items:
            kept = self.items[1:] if skip_first else self.items
            tot = sum(c for _, c in kept)
            if j < len(self.items):
                cum = sum(c for s, c in kept[:[s for s, _ in kept].index(sym)])
                enc.encode(cum, self.items[j][1], tot + self.esc)
            else:
                enc.encode(tot, self.esc, tot + self.esc)
        return j

    def decode(self, dec, skip_first=False):
        if not self.items:
            return 0
        kept = [(j, c) for j, (s, c) in enumerate(self.items) if j > 0 or not skip_first]
        tot = sum(c for _, c in kept)
        v = dec.target(tot + self.esc)
        if v >= tot:
            dec.consume(tot, self.esc)
            return len(self.items)
        cum, k = 0, 0
        while cum + kept[k][1] <= v:
            cum += kept[k][1]
            k += 1
        dec.consume(cum, kept[k][1])
        return kept[k][0]

    def update(self, sym, j):
        if j < len(self.items):
            self.items[j][1] += 2
            while j > 0 and self.items[j][1] > self.items[j - 1][1]:
                self.items[j - 1], self.items[j] = self.items[j], self.items[j - 1]
                j -= 1
        else:
            if len(self.items) < self.cap:
                self.items.append([sym, 1])
            else:
                self.items[-1] = [sym, 1]
            self.esc += 1
        if self.total() > LIST_LIMIT:
            for item in self.items:
                item[1] = (item[1] + 1) >> 1
            self.esc = (self.esc + 1) >> 1


def pair_slot(ids, q, n_words, pair_bits):
    """The pair predictor's slot for the word at token q (-1: no predictor)."""
    if pair_bits == 0:
        return -1
    a = ids[q - 1] if q >= 1 else n_words
    b = ids[q - 2] if q >= 2 else n_words
    h = ((b * 0x9E3779B1 + a + 1) * 0x2545F4914F6CDD1D) & M64
    return (h >> 20) & ((1 << pair_bits) - 1)


def code_counts(enc, dec, counts, w=-1):
    """Code (enc) or decode (dec) symbol w by its count among counts; returns it."""
    if enc is not None:
        enc.encode(sum(counts[:w]), counts[w], sum(counts))
        return w
    v = dec.target(sum(counts))
    w, cum = 0, 0
    while cum + counts[w] <= v:
        cum += counts[w]
        w += 1
    dec.consume(cum, counts[w])
    return w


def _signed(x):
    x &= M64
    return x - (1 << 64) if x >> 63 else x


class HashedLists:
    """Count lists of hashed contexts (codec revision 6's chain): a slot whose
    16-bit tag another context claims starts empty."""

    def __init__(self, bits, cap, salt):
        self.mask, self.cap, self.salt, self.slots = (1 << bits) - 1, cap, salt, {}

    def claim(self, key):
        h = _signed(_signed(key * 0x9E3779B97F4A7C15 + self.salt) * 0x2545F4914F6CDD1D)
        slot, tag = (h >> 20) & self.mask, (h >> 44) & 0xFFFF
        if slot not in self.slots or self.slots[slot][0] != tag:
            self.slots[slot] = (tag, CountList(self.cap))
        return self.slots[slot][1]


def see_ctx(base, offered, pred_on):
    """Context of a chain list's escape (offered: [(symbol, count)] not excluded,
    in list order: the first holds the largest count)."""
    tot = sum(c for _, c in offered)
    mx = offered[0][1]
    lt = min(max(tot.bit_length() - 1, 0), 15)
    share = min(mx * 4 // (tot + 1), 3)
    return base + ((min(len(offered), 15) * 16 + lt) * 2 + pred_on) * 4 + share


class Models:
    def __init__(self, n_words, o1_cap, winfo, o0_inc, o0_limit, pair_bits=0, side_ctx=0,
                 word_chain=0, counted_bits=0, side_bits=0, mixed_levels=0, shapes=None):
        self.level = Small(N_LEVELS * N_LEVELS, N_LEVELS - 2)
        bit = (1 << 15) + (COUNTED if counted_bits else 0)  # revision 7: coder.bits_new
        self.level_bits = [bit] * (2 * N_LEVELS * N_LEVELS * N_SIDE_EXTRA)
        self.mlen, self.mdist = Small(1, 32), Small(1, 48)
        self.flag = [bit] * (N_FLAG_CTX * 2)
        self.newword_bits = [bit] * 4
        self.o1_cap = o1_cap
        self.words = {}
        self.o0 = [0] * n_words
        self.o0_inc, self.o0_limit = o0_inc, o0_limit
        self.choices = {}
        self.defined = [0] * N_LEVELS
        self.winfo = list(winfo)
        self.pair_bits, self.pairs, self.pair_p = pair_bits, {}, [bit] * N_PAIR_CTX
        self.side_ctx = side_ctx  # 0: revisions 1-4; 1, 2: from 5 (config.BlockConfig.side_ctx)
        self.seen = [0] * n_words  # tokens of each word so far
        self.flag_before = {}  # word -> its flag before the last one (3: none)
        self.word_chain, self.n_words = word_chain, n_words
        if word_chain:
            self.o2 = HashedLists(pair_bits, O2_CAP, O2_SALT)
            self.skip = HashedLists(pair_bits, SKIP_CAP, SKIP_SALT)
            # revision 12: after the escapes' contexts, the cache decision's
            self.see = [bit] * (SEE_ORDERS * N_SEE + N_RECENT_CTX)
        self.recent = OrderedDict()  # word_chain 3: the last distinct words, oldest first
        # revision 14; shapes: side_shapes of the cores
        self.side_mix = SideMix(side_bits, n_words, shapes) if side_bits else None
        self.mixed_levels = mixed_levels  # revision 15: the levels through side_mix

    def bits_ctx(self, ctx, prev_cls, prev_tok):
        """Context of the level's binary decisions (side_ctx 2: with the previous
        token's class and log2-bucketed count of the previous word)."""
        if self.side_ctx < 2:
            return ctx * N_SIDE_EXTRA
        seen = self.seen[prev_tok] if prev_tok < len(self.seen) else 0
        return ctx * N_SIDE_EXTRA + prev_cls * N_SEEN_BUCKETS + min(seen.bit_length(),
                                                                     N_SEEN_BUCKETS - 1)

    def encode_level(self, enc, side, ctx, bctx, lev, prev_cls, ids, q):
        """Side stream: "other than a word?", then "new word?" (context bctx, or the
        mixed model); main stream: the frequency of the other levels (context ctx)."""
        other = int(lev > LEVEL_WORD)
        if self.side_mix:
            mix = self.side_mix
            mix.code(side, KIND_OTHER, 0, bctx, ctx // N_LEVELS, prev_cls, ids, q, other)
            if other and self.mixed_levels:
                mix.code_level(side, bctx, ctx // N_LEVELS, ctx % N_LEVELS, ids, q, lev - 2)
            mix.level(lev if other else 0)
            if not other:
                mix.code(side, KIND_NEW, 0, bctx, ctx // N_LEVELS, prev_cls, ids, q,
                         int(lev == LEVEL_NEW))
        else:
            side.encode_bit(self.level_bits, 2 * bctx, other)
            if not other:
                side.encode_bit(self.level_bits, 2 * bctx + 1, int(lev == LEVEL_NEW))
        if other and not self.mixed_levels:
            self.level.encode(enc, ctx, lev - 2)

    def decode_level(self, dec, side, ctx, bctx, prev_cls, ids, q):
        mix = self.side_mix
        if mix:
            other = mix.code(side, KIND_OTHER, 0, bctx, ctx // N_LEVELS, prev_cls, ids, q)
        else:
            other = side.decode_bit(self.level_bits, 2 * bctx)
        if other and self.mixed_levels:
            lev = mix.code_level(side, bctx, ctx // N_LEVELS, ctx % N_LEVELS, ids, q) + 2
            mix.level(lev)
            return lev
        if other:
            lev = self.level.decode(dec, ctx) + 2
            if mix:
                mix.level(lev)
            return lev
        if mix:
            mix.level(0)
            nw = mix.code(side, KIND_NEW, 0, bctx, ctx // N_LEVELS, prev_cls, ids, q)
        else:
            nw = side.decode_bit(self.level_bits, 2 * bctx + 1)
        return LEVEL_NEW if nw else LEVEL_WORD

    def newword(self, side, k, lev, prev_cls, ids, q, nw=None):
        """A phrase word's "new word?" (decoded when nw is None)."""
        if self.side_mix:
            return self.side_mix.code(side, KIND_FIRST if k == 0 else KIND_INNER,
                                      lev if k == 0 else k, 0, lev, prev_cls, ids, q, nw)
        ctx = NEWWORD_FIRST if k == 0 else NEWWORD_INNER
        if nw is None:
            return side.decode_bit(self.newword_bits, ctx)
        side.encode_bit(self.newword_bits, ctx, nw)
        return nw

    def word_list(self, ctx):
        # a list starts with room for LIST_INITIAL_CAP words, so it holds at least that many
        return self.words.setdefault(ctx, CountList(max(self.o1_cap, LIST_INITIAL_CAP)))

    def encode_word(self, enc, ctx, w, ex=-1):
        """Order-1 list, escaping to order 0; word ex excluded from order 0, and
        from the list if it leads it."""
        lst = self.word_list(ctx)
        j = lst.encode(enc, w, self.leads(ctx, ex))
        if j == len(lst.items):
            code_counts(enc, None, [0 if v == ex else c for v, c in enumerate(self.o0)], w)
            self.o0_add(w)
        lst.update(w, j)

    def decode_word(self, dec, ctx, ex=-1):
        lst = self.word_list(ctx)
        j = lst.decode(dec, self.leads(ctx, ex))
        if j < len(lst.items):
            w = lst.items[j][0]
        else:
            w = code_counts(None, dec, [0 if v == ex else c for v, c in enumerate(self.o0)])
            self.o0_add(w)
        lst.update(w, j)
        return w

    def leads(self, ctx, w):
        items = self.word_list(ctx).items
        return w >= 0 and bool(items) and items[0][0] == w

    def pair_guess(self, slot, ctx):
        """(predicted word or -1, context of the hit decision)."""
        if slot not in self.pairs:
            return -1, 0
        pred, conf = self.pairs[slot]
        return pred, conf * 2 + int(self.leads(ctx, pred))

    def pair_learn(self, slot, w):
        if slot < 0:
            return
        pred, conf = self.pairs.get(slot, (w, -1))
        if pred == w:
            self.pairs[slot] = (w, min(conf + 1, PAIR_CONF_MAX))
        elif conf == 0:
            self.pairs[slot] = (w, 0)
        else:
            self.pairs[slot] = (pred, conf >> 1)

    def encode_known(self, enc, ctx, w, slot, ids, q):
        """A known word (token q): the pair prediction's hit decision (a hit
        updates no other model), then on a miss the word with the prediction
        excluded, by the order-1 list and order 0, or down the chain."""
        pred, pctx = self.pair_guess(slot, ctx)
        if pred >= 0:
            enc.encode_bit(self.pair_p, pctx, int(pred == w))
        if pred != w:
            if self.word_chain:
                self.chain(enc, None, ctx, w, pred, ids, q)
            else:
                self.encode_word(enc, ctx, w, pred)
        self.pair_learn(slot, w)

    def decode_known(self, dec, ctx, slot, ids, q):
        pred, pctx = self.pair_guess(slot, ctx)
        if pred >= 0 and dec.decode_bit(self.pair_p, pctx):
            w = pred
        elif self.word_chain:
            w = self.chain(None, dec, ctx, -1, pred, ids, q)
        else:
            w = self.decode_word(dec, ctx, pred)
        self.pair_learn(slot, w)
        return w

    def chain(self, enc, dec, ctx, w, pred, ids, q):
        """Codec revision 6: code (enc) or decode (dec) known word w down the
        order-2, order-1, skip lists and order 0, each excluding what the ones
        above offered (the order-1 list only among its first O1_EXCLUDED entries,
        and only those count as offered for the lists below); every list then
        learns the word."""
        nw = self.n_words
        a = ids[q - 1] if q >= 1 else nw
        b = ids[q - 2] if q >= 2 else nw
        lists = [self.o2.claim(b * (nw + 1) + a), self.word_list(ctx), self.skip.claim(b)]
        excluded = {pred} if pred >= 0 else set()
        pred_on = int(pred >= 0)
        limits = (O2_CAP, O1_EXCLUDED, SKIP_CAP)
        for order, lst in enumerate(lists):
            limit = limits[order]
            offered = [(s, c) for k, (s, c) in enumerate(lst.items)
                       if k >= limit or s not in excluded]
            if offered:
                i = see_ctx(order * N_SEE, offered, pred_on)
                freqs = self.blended(offered, lst.total(), BLENDS[order])
                if enc is not None:
                    hit = w in [s for s, _ in offered]
                    enc.encode_bit(self.see, i, int(not hit))
                    if hit:
                        code_counts(enc, None, freqs, [s for s, _ in offered].index(w))
                        break
                elif not dec.decode_bit(self.see, i):
                    w = offered[code_counts(None, dec, freqs)][0]
                    break
            excluded |= {s for s, _ in lst.items[:limit]}
        else:  # order 0, without the prediction, the order-2 and skip lists and the
            # first O0_EXCLUDED words of the order-1 list
            gone = {pred} if pred >= 0 else set()
            for lst, limit in zip(lists, (O2_CAP, O0_EXCLUDED, SKIP_CAP)):
                gone |= {s for s, _ in lst.items[:limit]}
            w = self.order0(enc, dec, w, gone, pred_on)
            self.o0_add(w)
        for lst in lists:
            lst.update(w, lst.slot(w))
        return w

    def order0(self, enc, dec, w, gone, pred_on):
        """Order 0 without the words gone; from revision 12 (word_chain 3) first
        "among the recency cache's words?" (asked when both answers are possible;
        context: their share of the count, whether a prediction was made), then the
        count among those words or among the others."""
        avail = [0 if v in gone else c for v, c in enumerate(self.o0)]
        cached = sorted(v for v in self.recent if v not in gone)
        ctot, total = sum(self.o0[v] for v in cached), sum(avail)
        hit = ctot == total
        if 0 < ctot < total:
            share = min(RECENT_SHARES - 1, ctot * RECENT_SHARES // total)
            i = SEE_ORDERS * N_SEE + 2 * share + pred_on
            if enc is not None:
                hit = w in self.recent
                enc.encode_bit(self.see, i, int(hit))
            else:
                hit = dec.decode_bit(self.see, i)
        if hit:
            j = cached.index(w) if enc is not None else -1
            return cached[code_counts(enc, dec, [self.o0[v] for v in cached], j)]
        return code_counts(enc, dec, [0 if v in self.recent else c for v, c in enumerate(avail)],
                           w)

    def blended(self, offered, list_total, blend):
        """The frequencies a chain list codes its offered (symbol, count) with:
        the counts, or from revision 11 (word_chain 2) each count plus a share of
        the word's order-0 count (events.BLEND_*)."""
        if self.word_chain < 2:
            return [c for _, c in offered]
        o0_total = sum(self.o0)
        sh = max(0, o0_total.bit_length() + list_total.bit_length() + BLEND_BITS - 33)
        o0 = [self.o0[s] >> sh for s, _ in offered]
        tot = sum(c for _, c in offered)
        a, z = BLEND_LIST * max(sum(o0), 1), blend * tot
        return [c * a + o * z for (_, c), o in zip(offered, o0)]

    def o0_add(self, w):
        self.o0[w] += self.o0_inc
        if sum(self.o0) > self.o0_limit:
            self.o0 = [(c + 1) >> 1 for c in self.o0]

    def new_word(self, ctx, w):
        lst = self.word_list(ctx)
        lst.update(w, len(lst.items))
        self.o0_add(w)

    def flag_ctx(self, w, prev_flag, prev_cls):
        last = (self.winfo[w] >> 5) & 3
        return (((last * 4 + self.flag_before.get(w, 3)) * 3 + prev_flag) * 8 + prev_cls) * 2

    def flag_seen(self, w, f):
        """Word w's case flag f was coded."""
        if self.side_ctx > 0:
            self.flag_before[w] = (self.winfo[w] >> 5) & 3
        self.winfo[w] = (self.winfo[w] & 31) | (f << 5)

    def token_seen(self, w):
        if self.side_ctx > 1:
            self.seen[w] += 1
        if self.word_chain >= 3:
            self.recent[w] = self.recent.pop(w, None)
            if len(self.recent) > RECENT_WORDS:
                self.recent.popitem(last=False)


def _key(lev, val):
    return ((LEVEL_WORD if lev == LEVEL_NEW else lev) << 56) ^ val


def _hash3(keys, e):
    x = (keys[e] * 0x9E3779B97F4A7C15) & M64
    x = ((x ^ keys[e + 1]) * 0xC2B2AE3D27D4EB4F) & M64
    x = ((x ^ keys[e + 2]) * 0x165667B19E3779F9) & M64
    return x >> (64 - MATCH_HASH_BITS)


def _bucket(v):
    return v.bit_length() - 1


def _put_bits(enc, value, nbits):
    while nbits > 0:
        k = min(16, nbits)
        nbits -= k
        enc.encode((value >> nbits) & ((1 << k) - 1), 1, 1 << k)


def _get_bits(dec, nbits):
    value = 0
    while nbits > 0:
        k = min(16, nbits)
        nbits -= k
        v = dec.target(1 << k)
        dec.consume(v, 1)
        value = (value << k) | v
    return value


def py_encode_events(ids, flags, first, winfo, e_pos, e_lev, e_val, n_words, o1_cap,
                     min_match, o0=(O0_INC, O0_LIMIT), pair_bits=0, side_ctx=0, word_chain=0,
                     counted_bits=0, side_bits=0, mixed_levels=0, shapes=None):
    """Returns (main stream, side stream); o0: the order-0 increment and halving limit;
    pair_bits: log2 of the pair predictor's table (0: none); side_ctx, word_chain,
    counted_bits, side_bits, mixed_levels, shapes: as encode_events'."""
    enc, fenc = PyRangeEncoder(), PyRangeEncoder()
    m = Models(n_words, o1_cap, winfo, *o0, pair_bits, side_ctx, word_chain, counted_bits,
               side_bits, mixed_levels, shapes)
    n_ev = len(e_pos)
    keys = [_key(lev, val) for lev, val in zip(e_lev, e_val)]
    mtab = {}
    prev_tok, lv1, lv2, prev_flag, prev_cls = n_words, 0, 0, 0, 6
    e = 0
    while e < n_ev:
        mlen = 0
        if min_match > 0 and e + 3 <= n_ev:
            h = _hash3(keys, e)
            c = mtab.get(h, -1)
            mtab[h] = e
            if c >= 0:
                ln = 0
                while e + ln < n_ev and keys[c + ln] == keys[e + ln]:
                    ln += 1
                if ln >= min_match:
                    mlen = ln
                    ctx = lv1 * N_LEVELS + lv2
                    m.encode_level(enc, fenc, ctx, m.bits_ctx(ctx, prev_cls, prev_tok),
                                   LEVEL_MATCH, prev_cls, ids, e_pos[e])
                    v = mlen - min_match + 1
                    m.mlen.encode(enc, 0, _bucket(v))
                    _put_bits(enc, v, _bucket(v))
                    m.mdist.encode(enc, 0, _bucket(e - c))
                    _put_bits(enc, e - c, _bucket(e - c))
                    lv1, lv2 = LEVEL_MATCH, lv1
        for i in range(mlen or 1):
            ee = e + i
            if i > 0 and ee + 3 <= n_ev:
                mtab[_hash3(keys, ee)] = ee
            lev, val, p = e_lev[ee], e_val[ee], e_pos[ee]
            n = PHRASE_LENGTHS[lev]
            if mlen == 0:
                ctx = lv1 * N_LEVELS + lv2
                m.encode_level(enc, fenc, ctx, m.bits_ctx(ctx, prev_cls, prev_tok), lev,
                               prev_cls, ids, p)
                lv1, lv2 = lev, lv1
                if lev == LEVEL_NEW:
                    m.new_word(prev_tok, val)
                    m.pair_learn(pair_slot(ids, p, n_words, pair_bits), val)
                elif lev == LEVEL_WORD:
                    m.encode_known(enc, prev_tok, val, pair_slot(ids, p, n_words, pair_bits), ids,
                                   p)
                else:
                    is_new = val == m.defined[lev]
                    pw = prev_tok
                    for k in range(n if is_new else 1):
                        w = ids[p + k]
                        nw = int(first[w] == p + k)
                        m.newword(fenc, k, lev, prev_cls, ids, p + k, nw)
                        slot = pair_slot(ids, p + k, n_words, pair_bits)
                        if nw:
                            m.new_word(pw, w)
                            m.pair_learn(slot, w)
                        else:
                            m.encode_known(enc, pw, w, slot, ids, p + k)
                        if k == 0:
                            lst = m.choices.setdefault((w, lev), CountList(1 << 62))
                            lst.update(val, lst.encode(enc, val))
                        pw = w
                    if is_new:
                        m.defined[lev] += 1
            for k in range(n):
                w = ids[p + k]
                if m.winfo[w] & 1:
                    f = flags[p + k]
                    fctx = m.flag_ctx(w, prev_flag, prev_cls)
                    fenc.encode_bit(m.flag, fctx, int(f > 0))
                    if f:
                        fenc.encode_bit(m.flag, fctx + 1, f - 1)
                    m.flag_seen(w, f)
                    prev_flag = f
                prev_cls = (m.winfo[w] >> 1) & 7
                m.token_seen(w)
            prev_tok = ids[p + n - 1]
        e += mlen or 1
    return enc.finish(), fenc.finish()


def py_decode_events(data, case_data, n_tok, n_words, winfo, o1_cap, min_match,
                     o0=(O0_INC, O0_LIMIT), pair_bits=0, side_ctx=0, word_chain=0,
                     counted_bits=0, side_bits=0, mixed_levels=0, shapes=None):
    """Returns (ids, flags); raises on corrupt input."""
    dec, fdec = PyRangeDecoder(data), PyRangeDecoder(case_data)
    m = Models(n_words, o1_cap, winfo, *o0, pair_bits, side_ctx, word_chain, counted_bits,
               side_bits, mixed_levels, shapes)
    ids, flags, events, entry_pos = [], [], [], {}
    prev_tok, lv1, lv2, prev_flag, prev_cls, next_new = n_words, 0, 0, 0, 6, 0
    while len(ids) < n_tok:
        ctx = lv1 * N_LEVELS + lv2
        lev0 = m.decode_level(dec, fdec, ctx, m.bits_ctx(ctx, prev_cls, prev_tok), prev_cls, ids,
                              len(ids))
        lv1, lv2 = lev0, lv1
        if lev0 == LEVEL_MATCH:
            b = m.mlen.decode(dec, 0)
            n_copy = ((1 << b) | _get_bits(dec, b)) + min_match - 1
            b = m.mdist.decode(dec, 0)
            dist = (1 << b) | _get_bits(dec, b)
            if dist > len(events):
                raise ValueError("match before the start")
            # copies may overlap their source: extend event by event
            batch = []
            for i in range(n_copy):
                batch.append(events[len(events) - dist + i] if i < dist else batch[i - dist])
            new_events = batch
        else:
            new_events = [(lev0, None)]
        for i, (lev, val) in enumerate(new_events):
            t = len(ids)
            n = PHRASE_LENGTHS[lev]
            if lev0 == LEVEL_MATCH:
                ids.extend([val] if lev == LEVEL_WORD else
                           ids[entry_pos[lev, val]:entry_pos[lev, val] + n])
            elif lev == LEVEL_NEW:
                val = next_new
                next_new += 1
                m.new_word(prev_tok, val)
                m.pair_learn(pair_slot(ids, t, n_words, pair_bits), val)
                ids.append(val)
                lev = LEVEL_WORD
            elif lev == LEVEL_WORD:
                val = m.decode_known(dec, prev_tok, pair_slot(ids, t, n_words, pair_bits), ids, t)
                ids.append(val)
            else:
                pw, k, is_new = prev_tok, 0, True
                while k < n and (k == 0 or is_new):
                    nw = m.newword(fdec, k, lev, prev_cls, ids, t + k)
                    slot = pair_slot(ids, t + k, n_words, pair_bits)
                    if nw:
                        w = next_new
                        next_new += 1
                        m.new_word(pw, w)
                        m.pair_learn(slot, w)
                    else:
                        w = m.decode_known(dec, pw, slot, ids, t + k)
                    ids.append(w)
                    if k == 0:
                        lst = m.choices.setdefault((w, lev), CountList(1 << 62))
                        j = lst.decode(dec)
                        if j < len(lst.items):
                            is_new, val = False, lst.items[j][0]
                        else:
                            val = m.defined[lev]
                            m.defined[lev] += 1
                            entry_pos[lev, val] = t
                        lst.update(val, j)
                    pw, k = w, k + 1
                if not is_new:
                    q = entry_pos[lev, val]
                    ids.extend(ids[q + 1:q + n])
            events.append((lev, val))
            for w in ids[t:t + n]:
                f = 0
                if m.winfo[w] & 1:
                    fctx = m.flag_ctx(w, prev_flag, prev_cls)
                    f = fdec.decode_bit(m.flag, fctx)
                    if f:
                        f += fdec.decode_bit(m.flag, fctx + 1)
                    m.flag_seen(w, f)
                    prev_flag = f
                prev_cls = (m.winfo[w] >> 1) & 7
                m.token_seen(w)
                flags.append(f)
            prev_tok = ids[-1]
    return ids, flags
