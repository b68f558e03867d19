"""Whitespace stream: the run of whitespace after every token (numba).

Tokens are coded by their cores (events.py); what follows each core (nothing,
one space, a line feed, an indentation, ...) is an entry of a small whitespace
vocabulary, coded here once the cores are known, so that its context can look
both ways: the last byte of this core and the first of the next (a space
rarely comes before ',' and often before '('), the previous token's
whitespace, and the column the next core would end at (where a line is
wrapped); codec revision 3 adds the indentation of the current line (the
whitespace after the last line feed: the next line's is most often the same).

Revision 3 also keeps contexts apart and lets new ones learn from old ones: a
hash slot remembers which context owns it (a 16-bit tag), a slot claimed by
another context starts afresh, and a fresh context starts from the counts of a
low-order context (the two cores and the previous whitespace, no column, no
indentation), scaled to a total of INHERIT. Revision 2 shares a slot between
colliding contexts and starts every context flat.

Entries 0..DIRECT-1 are coded directly; later ones escape and are coded
uniformly.
"""
import numpy as np

from ._jit import njit, njit_inline
from .coder import (dec_consume, dec_new, dec_target, enc_encode, enc_finish, enc_new,
                    small_decode, small_encode, small_new, small_update)

DIRECT = 15
ESCAPE = DIRECT
INC = 48
LIMIT = 1 << 13
MAX_COLUMN_BUCKET = 23
INDENT_BUCKET = np.array([0, 1, 2, 3, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7] + [8] * 8 + [9] * 8, np.int64)
INHERIT = 128


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
def _hash(h):
    return (h * np.int64(-7046029254386353131)) >> np.int64(16)


@njit_inline
def _context(last_prev, head_next, prev_ws, col, n_next, indent, revision):
    """Hash of the full context (revision 2: without the indentation)."""
    cb = (col + 1 + n_next) >> 2
    if cb > MAX_COLUMN_BUCKET:
        cb = MAX_COLUMN_BUCKET
    pw = prev_ws if prev_ws < 3 else 3
    h = ((last_prev * 263 + head_next) * 4 + pw) * 24 + cb
    if revision >= 3:
        h = h * 10 + INDENT_BUCKET[indent if indent < 32 else 31]
    return _hash(h)


@njit_inline
def _claim(counts, totals, tags, h, mask):
    """The slot of context hash h (revision 3): a slot last used by another
    context starts afresh."""
    ctx = (h >> 16) & mask
    tag = (h >> 32) & 0xFFFF
    if tags[ctx] != tag:
        tags[ctx] = tag
        counts[ctx, :] = 1
        totals[ctx] = counts.shape[1]
    return ctx


@njit_inline
def _inherit(counts, totals, ctx, low):
    """A context seen for the first time starts from the low-order context's
    distribution, scaled to a total of about INHERIT."""
    n_sym = counts.shape[1]
    if totals[ctx] != n_sym or totals[low] == n_sym:
        return
    t = 0
    for s in range(n_sym):
        c = 1 + counts[low, s] * INHERIT // totals[low]
        counts[ctx, s] = c
        t += c
    totals[ctx] = t  # above n_sym: the context is no longer fresh


@njit_inline
def _token_contexts(ids, t, last_core, head, length, prev_ws, col, indent, counts, totals, tags,
                    revision):
    """(context, low-order context or -1) of token t's whitespace, ready to code.
    Context: the end of its core, the next core (257 at the end of the block),
    the previous whitespace, the column and (revision 3) the line's indentation;
    revision 3's low-order context drops the column and the indentation."""
    mask = totals.shape[0] - 1
    nxt_head = 257
    nxt_len = 0
    if t + 1 < ids.shape[0]:
        nxt_head = head[ids[t + 1]]
        nxt_len = length[ids[t + 1]]
    h = _context(last_core, nxt_head, prev_ws, col, nxt_len, indent, revision)
    if revision < 3:
        return (h >> 16) & mask, -1
    pw = prev_ws if prev_ws < 3 else 3
    low = _claim(counts, totals, tags, _hash(((last_core * 263 + nxt_head) * 4 + pw) * 7 + 5),
                 mask)
    ctx = _claim(counts, totals, tags, h, mask)
    _inherit(counts, totals, ctx, low)
    return ctx, low


@njit_inline
def _advance(col, s, ws_len, ws_tail):
    if ws_tail[s] >= 0:
        return ws_tail[s]
    return col + ws_len[s]


@njit_inline
def _learn(counts, totals, ctx, low, sym):
    small_update(counts, totals, ctx, sym, INC, LIMIT)
    if low >= 0:
        small_update(counts, totals, low, sym, INC, LIMIT)


@njit
def encode_spaces(ids, ws_ids, head, last, length, ws_len, ws_tail, revision):
    """Range-code ws_ids (one whitespace entry per token) given the cores ids,
    with the model of codec revision 2 or 3."""
    n_tok = ids.shape[0]
    n_ws = ws_len.shape[0]
    n_ctx = _n_ctx(n_tok)
    counts, totals = small_new(n_ctx, DIRECT + 1)
    tags = np.zeros(n_ctx if revision >= 3 else 1, np.int64)  # revision 3's slot owners
    out = np.empty(64 + 4 * n_tok, np.uint8)
    st = enc_new()
    col = 0
    prev = 0
    indent = 0
    for t in range(n_tok):
        w = ids[t]
        col += length[w]
        ctx, low = _token_contexts(ids, t, last[w], head, length, prev, col, indent, counts,
                                   totals, tags, revision)
        s = np.int64(ws_ids[t])
        sym = s if s < DIRECT else ESCAPE
        small_encode(st, out, counts, totals, ctx, sym)
        _learn(counts, totals, ctx, low, sym)
        if sym == ESCAPE:
            enc_encode(st, out, s - DIRECT, 1, n_ws - DIRECT)
        col = _advance(col, s, ws_len, ws_tail)
        if ws_tail[s] >= 0:
            indent = ws_tail[s]
        prev = s
    n = enc_finish(st, out)
    return out[:n].copy()


@njit
def decode_spaces(inp, ids, head, last, length, ws_len, ws_tail, revision):
    """(ws_ids, ok): the inverse of encode_spaces."""
    n_tok = ids.shape[0]
    n_ws = ws_len.shape[0]
    n_ctx = _n_ctx(n_tok)
    counts, totals = small_new(n_ctx, DIRECT + 1)
    tags = np.zeros(n_ctx if revision >= 3 else 1, np.int64)  # revision 3's slot owners
    ws_ids = np.zeros(n_tok, np.int32)
    code, rng, pos = dec_new(inp)
    col = 0
    prev = 0
    indent = 0
    for t in range(n_tok):
        w = ids[t]
        col += length[w]
        ctx, low = _token_contexts(ids, t, last[w], head, length, prev, col, indent, counts,
                                   totals, tags, revision)
        sym, code, rng, pos = small_decode(code, rng, pos, inp, counts, totals, ctx)
        _learn(counts, totals, ctx, low, sym)
        s = sym
        if sym == ESCAPE:
            if n_ws <= DIRECT:
                return ws_ids, False
            r, v = dec_target(code, rng, n_ws - DIRECT)
            code, rng, pos = dec_consume(code, pos, inp, r, v, 1)
            s = v + DIRECT
        if s >= n_ws or pos > inp.shape[0] + 8:
            return ws_ids, False
        ws_ids[t] = s
        col = _advance(col, s, ws_len, ws_tail)
        if ws_tail[s] >= 0:
            indent = ws_tail[s]
        prev = s
    return ws_ids, True
