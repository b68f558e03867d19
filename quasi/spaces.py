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
indentation), scaled to a total of INHERIT. A context's counts, total and tag
share one 64-byte row, so a token costs two cache lines (context and low-order
context). Revision 2 (decoded only) shares a slot between colliding contexts and
starts every context flat.

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
def _context_r2(last_prev, head_next, prev_ws, col, n_next, mask):
    return (_hash(_context_key(last_prev, head_next, prev_ws, col, n_next)) >> 16) & mask


@njit_inline
def _token_context_r2(ids, t, last_core, head, length, prev_ws, col, mask):
    """Context of token t's whitespace: (the end of its core, the next core or
    257 at the end of the block, the previous whitespace, the column)."""
    if t + 1 < ids.shape[0]:
        nxt = ids[t + 1]
        return _context_r2(last_core, head[nxt], prev_ws, col, length[nxt], mask)
    return _context_r2(last_core, 257, prev_ws, col, 0, mask)


@njit_inline
def _advance(col, s, ws_len, ws_tail):
    if ws_tail[s] >= 0:
        return ws_tail[s]
    return col + ws_len[s]


@njit_inline
def _entry(sym, code, rng, pos, inp, n_ws):
    """(whitespace entry, code, range, position) of a decoded symbol: an escape
    reads the entry, uniform over those from DIRECT on; -1 for an entry that
    cannot be, or once the input has run out."""
    s = sym
    if sym == ESCAPE:
        if n_ws <= DIRECT:
            return -1, code, rng, pos
        r, v = dec_target(code, rng, n_ws - DIRECT)
        code, rng, pos = dec_consume(code, pos, inp, r, v, 1)
        s = v + DIRECT
    if s >= n_ws or pos > inp.shape[0] + 8:
        return -1, code, rng, pos
    return s, code, rng, pos


@njit
def _decode_spaces_r2(inp, ids, head, last, length, ws_len, ws_tail):
    """decode_spaces for codec revision 2."""
    n_tok = ids.shape[0]
    n_ws = ws_len.shape[0]
    n_ctx = _n_ctx(n_tok)
    counts, totals = small_new(n_ctx, DIRECT + 1)
    ws_ids = np.zeros(n_tok, np.int32)
    code, rng, pos = dec_new(inp)
    col = 0
    prev = 0
    for t in range(n_tok):
        w = ids[t]
        col += length[w]
        ctx = _token_context_r2(ids, t, last[w], head, length, prev, col, n_ctx - 1)
        sym, code, rng, pos = small_decode(code, rng, pos, inp, counts, totals, ctx)
        small_update(counts, totals, ctx, sym, INC, LIMIT)
        s, code, rng, pos = _entry(sym, code, rng, pos, inp, n_ws)
        if s < 0:
            return ws_ids, False
        ws_ids[t] = s
        col = _advance(col, s, ws_len, ws_tail)
        prev = s
    return ws_ids, True


# ---------------------------------------------------------------------------
# Codec revision 3

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


@njit
def encode_spaces(ids, ws_ids, head, last, length, ws_len, ws_tail):
    """Range-code ws_ids (one whitespace entry per token) given the cores ids
    (codec revision 3)."""
    n_tok = ids.shape[0]
    n_ws = ws_len.shape[0]
    rows = _rows_new(_n_ctx(n_tok))
    out = np.empty(64 + 4 * n_tok, np.uint8)
    st = enc_new()
    col = 0
    prev = 0
    indent = 0
    for t in range(n_tok):
        w = ids[t]
        col += length[w]
        ctx, low = _contexts(rows, ids, t, last[w], head, length, prev, col, indent)
        s = np.int64(ws_ids[t])
        sym = s if s < DIRECT else ESCAPE
        cum = 0
        for k in range(sym):
            cum += np.int64(rows[ctx, k])
        enc_encode(st, out, cum, np.int64(rows[ctx, sym]), np.int64(rows[ctx, TOTAL]))
        _learn(rows, ctx, sym)
        _learn(rows, low, sym)
        if sym == ESCAPE:
            enc_encode(st, out, s - DIRECT, 1, n_ws - DIRECT)
        col = _advance(col, s, ws_len, ws_tail)
        if ws_tail[s] >= 0:
            indent = ws_tail[s]
        prev = s
    n = enc_finish(st, out)
    return out[:n].copy()


@njit
def _decode_spaces_r3(inp, ids, head, last, length, ws_len, ws_tail):
    """decode_spaces for codec revision 3."""
    n_tok = ids.shape[0]
    n_ws = ws_len.shape[0]
    rows = _rows_new(_n_ctx(n_tok))
    ws_ids = np.zeros(n_tok, np.int32)
    code, rng, pos = dec_new(inp)
    col = 0
    prev = 0
    indent = 0
    for t in range(n_tok):
        w = ids[t]
        col += length[w]
        ctx, low = _contexts(rows, ids, t, last[w], head, length, prev, col, indent)
        r, target = dec_target(code, rng, np.int64(rows[ctx, TOTAL]))
        cum = 0
        sym = 0
        while sym < DIRECT and cum + np.int64(rows[ctx, sym]) <= target:
            cum += np.int64(rows[ctx, sym])
            sym += 1
        code, rng, pos = dec_consume(code, pos, inp, r, cum, np.int64(rows[ctx, sym]))
        _learn(rows, ctx, sym)
        _learn(rows, low, sym)
        s, code, rng, pos = _entry(sym, code, rng, pos, inp, n_ws)
        if s < 0:
            return ws_ids, False
        ws_ids[t] = s
        col = _advance(col, s, ws_len, ws_tail)
        if ws_tail[s] >= 0:
            indent = ws_tail[s]
        prev = s
    return ws_ids, True


def decode_spaces(inp, ids, head, last, length, ws_len, ws_tail, revision: int):
    """(ws_ids, ok): the inverse of encode_spaces, or of revision 2's coder."""
    decode = _decode_spaces_r2 if revision == 2 else _decode_spaces_r3
    return decode(inp, ids, head, last, length, ws_len, ws_tail)
