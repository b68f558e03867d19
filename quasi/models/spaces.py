"""Whitespace stream: the run of whitespace after every token (numba).

Tokens are coded by their cores (events.py); what follows each core (nothing,
one space, a line feed, an indentation, ...) is an entry of a small whitespace
vocabulary, coded here once the cores are known, so that its context can look
both ways: the last byte of this core and the first of the next (a space
rarely comes before ',' and often before '('), the previous token's
whitespace, the column the next core would end at (where a line is wrapped)
and the indentation of the current line (the whitespace after the last line
feed: the next line's is most often the same).

Two models code the entries; the block meta chooses (``mix_bits``: 0 for the
counting model, else the mixing model's table size).

The counting model keeps frequency counts per hashed context. Contexts are kept
apart and new ones learn from old ones: a hash slot remembers which context owns
it (a 16-bit tag), a slot claimed by another context starts afresh, and a fresh
context starts from the counts of a low-order context (the two cores and the
previous whitespace, no column, no indentation), scaled to a total of INHERIT. A
context's counts, total and tag share one 64-byte row, so a token costs two cache
lines (context and low-order context). Blocks of codec revision 2 (decoded only,
``BlockConfig.line_contexts`` false) use a simpler form: no indentation, colliding
contexts share a slot, and every context starts flat.

Entries 0..DIRECT-1 are coded directly; later ones escape and are coded
uniformly.

The mixing model codes an entry as binary decisions "is it entry k?"
for k = 0, 1, ... (the encoder numbers entries by frequency, so most tokens
need one or two); each decision is predicted by MIX_MODELS adaptive counters in
hashed contexts (the cores around the token, up to two behind and three ahead;
the previous two entries; the column the next core would end at and the
indentation of this line and the one before; the token's place in its line and
the line's first core; the entry that followed this word last time), mixed in the
logistic domain (mixing.py) by a weight set chosen by k, the previous entry and
whether the next core is a word, then refined by an adaptive probability map in
the context of the two cores' edge bytes. A context's counters for BUCKET
consecutive decisions share a bucket, so a token touches one bucket per model. Entries
past the first 15 (31 in blocks of LARGE_BLOCK_TOKENS tokens or more) escape:
their rank past those is coded as an Elias-gamma number with adaptive bits.
"""
import numpy as np

from ._jit import njit, njit_inline, njit_leaf
from .coder import (DECODE, ENCODE, P_EDGE, code_bit_p, code_interval, code_small, code_target,
                    coder_finish, coder_new, coder_ok, decoding, small_new, small_update)
from .mixing import (apm_new, apm_predict, apm_update, blend_p0, clamp_p, counter_update,
                     counts_update, hash_pair, mixer_dot, mixer_update, squash, stretches)

DIRECT = 15
ESCAPE = DIRECT
INC = 48
LIMIT = 1 << 13
MAX_COLUMN_BUCKET = 23
INDENT_BUCKET = np.array([0, 1, 2, 3, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7] + [8] * 8 + [9] * 8,
                         np.int64)
INHERIT = 128
ROW = 32  # uint16 slots of a context's row: DIRECT + 1 counts, the total, the tag
TOTAL = DIRECT + 1
TAG = DIRECT + 2


@njit
def space_shapes(wbytes, woffs):
    """(length, column after) of every whitespace entry: the column is -1 when
    the entry holds no line feed (the column moves on by its length)."""
    n = woffs.shape[0] - 1
    length = np.zeros(n, np.int64)
    tail = np.full(n, -1, np.int64)
    for s in range(n):
        length[s] = woffs[s + 1] - woffs[s]
        for i in range(woffs[s], woffs[s + 1]):
            if wbytes[i] == 10:
                tail[s] = woffs[s + 1] - i - 1
    return length, tail


@njit
def core_shapes(vbytes, voffs):
    """(context byte at the start, at the end, length) of every core: the byte
    itself for a core that is not a word of letters, 256 for a word."""
    n = voffs.shape[0] - 1
    head = np.zeros(n, np.int64)
    last = np.zeros(n, np.int64)
    length = np.zeros(n, np.int64)
    for w in range(n):
        a = voffs[w]
        b = voffs[w + 1]
        length[w] = b - a
        c = np.int64(vbytes[a])
        head[w] = 256 if (c | 32) >= 97 and (c | 32) <= 122 or c >= 128 else c
        c = np.int64(vbytes[b - 1])
        last[w] = 256 if (c | 32) >= 97 and (c | 32) <= 122 or c >= 128 else c
    return head, last, length


@njit
def _n_ctx(n_tok):
    bits = 8
    while bits < 16 and (1 << bits) < n_tok // 4:
        bits += 1
    return 1 << bits


@njit_inline
def _cores_key(last_prev, head_next, prev_ws):
    """The two cores and the previous whitespace, before hashing."""
    pw = prev_ws if prev_ws < 3 else 3
    return (last_prev * 263 + head_next) * 4 + pw


@njit_inline
def _context_key(last_prev, head_next, prev_ws, col, n_next):
    """The context before hashing: _cores_key and the column the next core
    would end at."""
    cb = (col + 1 + n_next) >> 2
    if cb > MAX_COLUMN_BUCKET:
        cb = MAX_COLUMN_BUCKET
    return _cores_key(last_prev, head_next, prev_ws) * 24 + cb


@njit_inline
def _hash(h):
    return (h * np.int64(-7046029254386353131)) >> np.int64(16)


@njit_inline
def _shared_context(last_prev, head_next, prev_ws, col, n_next, mask):
    return (_hash(_context_key(last_prev, head_next, prev_ws, col, n_next)) >> 16) & mask


@njit_inline
def _token_shared_context(ids, t, last_core, head, length, prev_ws, col, mask):
    """Context of token t's whitespace: (the end of its core, the next core or
    257 at the end of the block, the previous whitespace, the column)."""
    if t + 1 < ids.shape[0]:
        nxt = ids[t + 1]
        return _shared_context(last_core, head[nxt], prev_ws, col, length[nxt], mask)
    return _shared_context(last_core, 257, prev_ws, col, 0, mask)


@njit_inline
def _advance(col, s, ws_len, ws_tail):
    if ws_tail[s] >= 0:
        return ws_tail[s]
    return col + ws_len[s]


@njit_inline
def _escaped(st, buf, s, n_ws):
    """(whitespace entry, the coder) after the counting models' escape: entry s
    (encoding; decoding reads it), uniform over those from DIRECT on; -1 if there
    are none."""
    if n_ws <= DIRECT:
        return -1, st
    v, st = code_target(st, buf, n_ws - DIRECT)
    if not decoding(st):
        v = s - DIRECT
    return v + DIRECT, code_interval(st, buf, v, 1, n_ws - DIRECT)


@njit
def _decode_shared(inp, ids, head, last, length, ws_len, ws_tail):
    """decode_spaces by the counting model without line contexts, its colliding
    contexts sharing slots (codec revision 2)."""
    n_tok = ids.shape[0]
    n_ws = ws_len.shape[0]
    n_ctx = _n_ctx(n_tok)
    counts, totals = small_new(n_ctx, np.int64(DIRECT + 1))
    ws_ids = np.zeros(n_tok, np.int32)
    buf = inp.copy()
    st = coder_new(DECODE, buf)
    unknown = np.int64(-1)  # what a coder is given for the symbol it decodes
    col = 0
    prev = 0
    for t in range(n_tok):
        w = ids[t]
        col += length[w]
        ctx = _token_shared_context(ids, t, last[w], head, length, prev, col, n_ctx - 1)
        sym, st = code_small(st, buf, counts, totals, ctx, unknown)
        small_update(counts, totals, ctx, sym, INC, LIMIT)
        s = sym
        if sym == ESCAPE:
            s, st = _escaped(st, buf, unknown, n_ws)
        if s < 0 or s >= n_ws or not coder_ok(st, buf):
            return ws_ids, False
        ws_ids[t] = s
        col = _advance(col, s, ws_len, ws_tail)
        prev = s
    return ws_ids, True


# ---------------------------------------------------------------------------
# The counting model

@njit_inline
def _context(last_prev, head_next, prev_ws, col, n_next, indent):
    h = _context_key(last_prev, head_next, prev_ws, col, n_next)
    return _hash(h * 10 + INDENT_BUCKET[indent if indent < 32 else 31])


@njit_inline
def _token_context(ids, t, last_core, head, length, prev_ws, col, indent):
    """Hash of token t's context: the end of its core, the next core (257 at the
    end of the block), the previous whitespace, the column, the line's indentation."""
    if t + 1 < ids.shape[0]:
        nxt = ids[t + 1]
        return _context(last_core, head[nxt], prev_ws, col, length[nxt], indent)
    return _context(last_core, 257, prev_ws, col, 0, indent)


@njit_inline
def _low_context(ids, t, last_core, head, prev_ws):
    """Hash of the low-order context: _cores_key (salted apart from _context)."""
    if t + 1 < ids.shape[0]:
        return _hash(_cores_key(last_core, head[ids[t + 1]], prev_ws) * 7 + 5)
    return _hash(_cores_key(last_core, 257, prev_ws) * 7 + 5)


@njit
def _rows_new(n_ctx):
    """n_ctx fresh rows (flat counts, no owner), each 64-byte aligned."""
    flat = np.ones(n_ctx * ROW + ROW, np.uint16)
    skip = ((-flat.ctypes.data) % 64) // 2
    rows = flat[skip:skip + n_ctx * ROW].reshape(n_ctx, ROW)
    for c in range(n_ctx):
        rows[c, TOTAL] = DIRECT + 1
        rows[c, TAG] = 0
    return rows


@njit_inline
def _claim(rows, h):
    """The row of context hash h; a row last used by another context starts afresh."""
    r = (h >> 16) & (rows.shape[0] - 1)
    tag = (h >> 32) & 0xFFFF
    if rows[r, TAG] != tag:
        for s in range(DIRECT + 1):
            rows[r, s] = 1
        rows[r, TOTAL] = DIRECT + 1
        rows[r, TAG] = tag
    return r


@njit_inline
def _contexts(rows, ids, t, last_core, head, length, prev_ws, col, indent):
    """(row of the context, row of the low-order context) of token t's whitespace;
    a fresh context starts from the low-order context's counts."""
    low = _claim(rows, _low_context(ids, t, last_core, head, prev_ws))
    ctx = _claim(rows, _token_context(ids, t, last_core, head, length, prev_ws, col, indent))
    total = np.int64(rows[low, TOTAL])
    if rows[ctx, TOTAL] == DIRECT + 1 and total != DIRECT + 1:
        t_new = 0
        for s in range(DIRECT + 1):
            c = 1 + np.int64(rows[low, s]) * INHERIT // total
            rows[ctx, s] = c
            t_new += c
        rows[ctx, TOTAL] = t_new  # above DIRECT + 1: no longer fresh
    return ctx, low


@njit_inline
def _learn(rows, r, sym):
    """Count sym in row r; halve the row's counts above LIMIT."""
    rows[r, sym] += INC
    total = np.int64(rows[r, TOTAL]) + INC
    if total > LIMIT:
        total = 0
        for s in range(DIRECT + 1):
            c = (np.int64(rows[r, s]) + 1) >> 1
            rows[r, s] = c
            total += c
    rows[r, TOTAL] = total


def encode_spaces(ids, ws_ids, head, last, length, ws_len, ws_tail, mix_bits: int):
    """Range-code ws_ids (one whitespace entry per token) given the cores ids, by
    the mixing model with 2**mix_bits counters per model, or by the counting model
    when mix_bits is 0."""
    if mix_bits:
        return _encode_mixed(ids, ws_ids, head.shape[0], head, last, length, ws_len, ws_tail,
                             mix_bits)
    return _encode_counted(ids, ws_ids, head, last, length, ws_len, ws_tail)


@njit_leaf
def _code_counted(st, buf, ids, ws_ids, head, last, length, ws_len, ws_tail, rows):
    """Code every token's whitespace entry with the counting model (its context
    rows: _rows_new's) and coder st: encoding reads them from ws_ids, decoding writes
    them there. An entry below DIRECT is a symbol of its context's
    counts, any other the escape and then the entry, uniform over those from DIRECT
    on. False if a decoder met an entry that cannot be, or ran out of input. A leaf:
    its loop runs without numba's reference counting."""
    dec = decoding(st)
    n_tok = ids.shape[0]
    n_ws = ws_len.shape[0]
    col = 0
    prev = 0
    indent = 0
    for t in range(n_tok):
        w = ids[t]
        col += length[w]
        ctx, low = _contexts(rows, ids, t, last[w], head, length, prev, col, indent)
        s = np.int64(ws_ids[t])
        sym = s if s < DIRECT else ESCAPE
        total = np.int64(rows[ctx, TOTAL])
        target, st = code_target(st, buf, total)
        cum = 0
        if dec:
            sym = 0
            while sym < DIRECT and cum + np.int64(rows[ctx, sym]) <= target:
                cum += np.int64(rows[ctx, sym])
                sym += 1
        else:
            for k in range(sym):
                cum += np.int64(rows[ctx, k])
        st = code_interval(st, buf, cum, np.int64(rows[ctx, sym]), total)
        _learn(rows, ctx, sym)
        _learn(rows, low, sym)
        if sym == ESCAPE:
            sym, st = _escaped(st, buf, s, n_ws)
        s = sym
        if s < 0 or s >= n_ws or not coder_ok(st, buf):
            return False, st
        ws_ids[t] = s
        col = _advance(col, s, ws_len, ws_tail)
        if ws_tail[s] >= 0:
            indent = ws_tail[s]
        prev = s
    return True, st


@njit
def _encode_counted(ids, ws_ids, head, last, length, ws_len, ws_tail):
    """encode_spaces by the counting model."""
    out = np.empty(64 + 4 * ids.shape[0], np.uint8)
    _ok, st = _code_counted(coder_new(ENCODE, out), out, ids, ws_ids.astype(np.int32), head, last,
                            length, ws_len, ws_tail, _rows_new(_n_ctx(ids.shape[0])))
    return out[:coder_finish(st, out)].copy()


@njit
def _decode_counted(inp, ids, head, last, length, ws_len, ws_tail):
    """decode_spaces by the counting model."""
    ws_ids = np.zeros(ids.shape[0], np.int32)
    buf = inp.copy()
    ok, _st = _code_counted(coder_new(DECODE, buf), buf, ids, ws_ids, head, last, length, ws_len,
                            ws_tail, _rows_new(_n_ctx(ids.shape[0])))
    return ws_ids, ok


# ---------------------------------------------------------------------------
# The mixing model

MIX_MODELS = 11
MIX_RATE = 80
MIX_COUNT_LIMIT = 30
MIX_W_INIT = 20000  # about 0.3 in 16.16 fixed point
MIX_DIRECT_SMALL = 15  # entries coded by the mixed decisions, on small blocks
MIX_DIRECT_LARGE = 31  # ... and from LARGE_BLOCK_TOKENS tokens on
LARGE_BLOCK_TOKENS = 1 << 18
BUCKET = 4  # decisions per bucket
ESC_EXP = 32  # escape counters: the length of the escaped rank's binary form,
ESC_BODY = 1 << 13  # ... then its bits below the leading one, by the bits above them
APM_ROWS = 1 << 12
APM_RATE = 6


@njit_inline
def _direct(n_tok, n_ws):
    """How many entries the mixed decisions code (the rest escape); the last
    entry of a small whitespace vocabulary needs no decision."""
    d = MIX_DIRECT_LARGE if n_tok >= LARGE_BLOCK_TOKENS else MIX_DIRECT_SMALL
    return d if d < n_ws - 1 else n_ws - 1


@njit
def _mix_new(n_words, bits):
    """(table, esc_prob, esc_cnt, w, last_ws): every model's 2**bits buckets, the
    escape's counters, the mixer's weight sets (by decision and previous entry)
    and the entry that last followed every word. A bucket holds the counters of
    BUCKET decisions of one context: their probabilities, then their counts."""
    table = np.full((MIX_MODELS << bits) * 2 * BUCKET, 32768, np.uint16)
    for b in range(MIX_MODELS << bits):
        table[b * 2 * BUCKET + BUCKET:(b + 1) * 2 * BUCKET] = 0
    esc_prob = np.full(ESC_EXP + ESC_BODY, 32768, np.uint16)
    esc_cnt = np.zeros(ESC_EXP + ESC_BODY, np.uint8)
    n_sets = (MIX_DIRECT_LARGE + 1) * 8  # by decision, previous entry (0-3), next core a word
    w = np.full(n_sets * (MIX_MODELS + 1), MIX_W_INIT, np.int64)
    for k in range(n_sets):
        w[k * (MIX_MODELS + 1) + MIX_MODELS] = 0
    return table, esc_prob, esc_cnt, w, apm_new(np.int64(APM_ROWS)), np.zeros(n_words + 1, np.int64)


@njit_inline
def _mix_contexts(hashes, ids, t, n_words, head, last, length, last_ws, prev, prev2, col,
                  indent, line_pos, prev_indent):
    """Hashes of the contexts of token t's whitespace: the cores around it (up to
    two behind and three ahead), the previous two entries, the column the next core
    would end at, the indentation of this line and of the one before, the token's
    place in its line and the line's first core, and the entry that followed this
    word last time; then the APM's context. Returns the mixer's weight-set selector:
    the previous entry (up to 3) and whether the next core is a word of letters."""
    n_tok = ids.shape[0]
    w = np.int64(ids[t])
    pt = np.int64(ids[t - 1]) if t >= 1 else n_words
    nx = np.int64(ids[t + 1]) if t + 1 < n_tok else n_words
    nx2 = np.int64(ids[t + 2]) if t + 2 < n_tok else n_words
    nx3 = np.int64(ids[t + 3]) if t + 3 < n_tok else n_words
    hn = head[nx] if nx < n_words else 257
    end = col + 1 + (length[nx] if nx < n_words else 0)
    pw = prev if prev < 3 else 3
    cb = (end >> 2) if end < 4 * MAX_COLUMN_BUCKET else MAX_COLUMN_BUCKET
    hashes[0] = hash_pair(((last[w] * 263 + hn) * 4 + pw) * 24 + cb, indent if indent < 32 else 31)
    hashes[1] = hash_pair(hash_pair(nx, nx2), prev)
    hashes[2] = hash_pair(hash_pair(w, last_ws[w]), hn)
    hashes[3] = hash_pair(end, indent * 64 + prev)
    hashes[4] = hash_pair(hash_pair(prev, prev2), last[w] * 300 + hn)
    hashes[5] = hash_pair(line_pos, hash_pair(hn, prev))
    hashes[6] = hash_pair(hash_pair(pt, w), nx)
    hashes[7] = hash_pair(hash_pair(nx, nx2), nx3)
    hashes[8] = hash_pair(hash_pair(w, nx), nx2)
    hashes[9] = hash_pair(hash_pair(np.int64(ids[t - line_pos]), indent), hn * 4 + pw)
    hashes[10] = hash_pair(hash_pair(indent, prev_indent), hash_pair(hn, prev))
    hashes[MIX_MODELS] = (last[w] * 263 + hn) * 4 + pw  # the APM's row, with the decision
    return pw + (4 if hn == 256 else 0)


@njit_inline
def _mix_buckets(idx, hashes, group, bits):
    """Every model's bucket for decisions group * BUCKET .. group * BUCKET + BUCKET - 1."""
    mask = (np.int64(1) << bits) - 1
    for m in range(MIX_MODELS):
        h = hash_pair(hashes[m] + m, group)
        idx[m] = ((np.int64(m) << bits) + ((h >> np.int64(24)) & mask)) * (2 * BUCKET)


@njit_inline
def _mix_decision(table, idx, stv, w, apm, hashes, k, sel):
    """(the mixer's P(decision k = 1) in 1/4096, its weight set, the coded P(decision
    k = 0) in 1/65536, the APM knot that learns)."""
    wset = (k * 8 + sel) * (MIX_MODELS + 1)
    stretches(table, idx, MIX_MODELS, k % BUCKET, stv)
    d = mixer_dot(stv, MIX_MODELS, w, wset)
    row = (hash_pair(hashes[MIX_MODELS], k) >> np.int64(24)) & (APM_ROWS - 1)
    a, j = apm_predict(apm, row, d)
    p = squash(d)
    return p, wset, blend_p0(p, a, 3), j


@njit_inline
def _mix_update(table, idx, stv, w, apm, wset, k, p, j, y):
    mixer_update(w, wset, MIX_MODELS, stv, p, y, MIX_RATE)
    apm_update(apm, j, y, APM_RATE)
    counts_update(table, table[BUCKET:], idx, MIX_MODELS, k % BUCKET, y, MIX_COUNT_LIMIT)


@njit_inline
def _esc_p0(prob, j):
    """An escape counter's P(bit = 0) in 1/65536, kept off the edges."""
    return clamp_p(65536 - np.int64(prob[j]), P_EDGE)


@njit_inline
def _esc_body_slot(nb, prefix):
    """The counter of an escaped rank's next bit below the leading one, by the
    rank's length nb and its bits above (prefix < 2**nb: below ESC_BODY for
    nb < 13); longer ranks share the last counter."""
    return ESC_EXP + ((np.int64(1) << nb) + prefix if nb < 13 else ESC_BODY - 1)


@njit_inline
def _after_entry(s, wd, col, indent, prev_indent, line_pos, last_ws, ws_len, ws_tail):
    """(column, indentation of this line and of the one before, place in the line)
    after entry s follows word wd."""
    last_ws[wd] = s
    if ws_tail[s] >= 0:
        return ws_tail[s], ws_tail[s], indent, 0
    return col + ws_len[s], indent, prev_indent, line_pos + 1


@njit
def _mix_start(n_tok, n_ws, n_words, bits):
    """A coder's starting state: the decisions coded directly, the escape's longest
    unary part, _mix_new's tables, and room for hashes, buckets and stretches."""
    direct = _direct(n_tok, n_ws)
    top = 0  # an escaped rank's binary form is at most top + 1 bits long
    while ((n_ws - direct) >> (top + 1)) > 0:
        top += 1
    return (direct, top) + _mix_new(n_words, bits) + (
        np.zeros(MIX_MODELS + 1, np.int64), np.zeros(MIX_MODELS, np.int64),
        np.zeros(MIX_MODELS + 1, np.int64))


@njit_leaf
def _code_mixed(st, buf, ids, ws_ids, n_words, head, last, length, ws_len, ws_tail, bits, model):
    """Code every token's whitespace entry with the mixing model (model: _mix_start's)
    and coder st: encoding reads them from ws_ids, decoding writes them there. Entry
    s is "is it k?" for k = 0, 1, ... below the block's direct count, else an escape
    and s - direct + 1 in Elias-gamma form (its length in unary, then its bits below
    the leading one), each bit by its own adaptive counter. False if a decoder met
    an entry past the vocabulary (corrupt input). A leaf: its loop runs without
    numba's reference counting."""
    dec = decoding(st)
    n_tok = ids.shape[0]
    n_ws = ws_len.shape[0]
    direct, top, table, esc_prob, esc_cnt, w, apm, last_ws, hashes, idx, stv = model
    col = 0
    prev = 0
    prev2 = 0
    indent = 0
    line_pos = 0
    prev_indent = 0
    for t in range(n_tok):
        wd = ids[t]
        col += length[wd]
        s = np.int64(ws_ids[t])
        sel = _mix_contexts(hashes, ids, t, n_words, head, last, length, last_ws, prev, prev2, col,
                            indent, line_pos, prev_indent)
        coded = direct
        for k in range(direct):
            if k % BUCKET == 0:
                _mix_buckets(idx, hashes, k // BUCKET, bits)
            p, wset, p0, j = _mix_decision(table, idx, stv, w, apm, hashes, k, sel)
            y, st = code_bit_p(st, buf, p0, 1 if s == k else 0)
            _mix_update(table, idx, stv, w, apm, wset, k, p, j, y)
            if y:
                coded = k
                break
        if coded == direct and direct < n_ws - 1:  # the escape
            v = 0 if dec else s - direct + 1
            nb = top
            if not dec:
                nb = 0
                while (v >> (nb + 1)) > 0:
                    nb += 1
            for e in range(top):
                y, st = code_bit_p(st, buf, _esc_p0(esc_prob, e), 1 if e == nb else 0)
                counter_update(esc_prob, esc_cnt, e, y, MIX_COUNT_LIMIT)
                if y:
                    nb = e
                    break
            prefix = 1
            for b in range(nb - 1, -1, -1):
                j = _esc_body_slot(nb, prefix)
                y, st = code_bit_p(st, buf, _esc_p0(esc_prob, j), (v >> b) & 1)
                counter_update(esc_prob, esc_cnt, j, y, MIX_COUNT_LIMIT)
                prefix = 2 * prefix + y
            if prefix > n_ws - direct:
                return False, st
            coded = prefix + direct - 1
        s = coded
        ws_ids[t] = s
        col, indent, prev_indent, line_pos = _after_entry(s, wd, col, indent, prev_indent, line_pos,
                                                          last_ws, ws_len, ws_tail)
        prev2 = prev
        prev = s
    return True, st


@njit
def _encode_mixed(ids, ws_ids, n_words, head, last, length, ws_len, ws_tail, bits):
    out = np.empty(64 + 4 * ids.shape[0], np.uint8)
    _ok, st = _code_mixed(coder_new(ENCODE, out), out, ids, ws_ids.astype(np.int32), n_words, head,
                          last, length, ws_len, ws_tail, bits,
                          _mix_start(ids.shape[0], ws_len.shape[0], n_words, bits))
    return out[:coder_finish(st, out)].copy()


@njit
def _decode_mixed(inp, ids, n_words, head, last, length, ws_len, ws_tail, bits):
    """Inverse of _encode_mixed: (ws_ids, ok)."""
    ws_ids = np.zeros(ids.shape[0], np.int32)
    buf = inp.copy()
    ok, _st = _code_mixed(coder_new(DECODE, buf), buf, ids, ws_ids, n_words, head, last, length,
                          ws_len, ws_tail, bits,
                          _mix_start(ids.shape[0], ws_len.shape[0], n_words, bits))
    return ws_ids, ok


def decode_spaces(inp, ids, head, last, length, ws_len, ws_tail, line_contexts: bool = True,
                  mix_bits: int = 0):
    """(ws_ids, ok): the inverse of encode_spaces; with line_contexts False, of the
    counting model without line contexts (codec revision 2, decoded only)."""
    if mix_bits:
        return _decode_mixed(inp, ids, head.shape[0], head, last, length, ws_len, ws_tail, mix_bits)
    decode = _decode_counted if line_contexts else _decode_shared
    return decode(inp, ids, head, last, length, ws_len, ws_tail)
