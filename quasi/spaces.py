"""Whitespace stream: the run of whitespace after every token (numba).

Tokens are coded by their cores (events.py); what follows each core (nothing,
one space, a line feed, an indentation, ...) is an entry of a small whitespace
vocabulary, coded here once the cores are known, so that its context can look
both ways: the last byte of this core and the first of the next (a space
rarely comes before ',' and often before '('), the previous token's
whitespace, and the column the next core would end at (where a line is
wrapped). Entries 0..DIRECT-1 are coded directly; later ones escape and are
coded uniformly.
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
def _context(last_prev, head_next, prev_ws, col, n_next, mask):
    cb = (col + 1 + n_next) >> 2
    if cb > MAX_COLUMN_BUCKET:
        cb = MAX_COLUMN_BUCKET
    pw = prev_ws if prev_ws < 3 else 3
    h = ((last_prev * 263 + head_next) * 4 + pw) * 24 + cb
    return ((h * np.int64(-7046029254386353131)) >> np.int64(32)) & mask


@njit_inline
def _token_context(ids, t, last_core, head, length, prev_ws, col, mask):
    """Context of token t's whitespace: (the end of its core, the next core or
    257 at the end of the block, the previous whitespace, the column)."""
    if t + 1 < ids.shape[0]:
        nxt = ids[t + 1]
        return _context(last_core, head[nxt], prev_ws, col, length[nxt], mask)
    return _context(last_core, 257, prev_ws, col, 0, mask)


@njit_inline
def _advance(col, s, ws_len, ws_tail):
    if ws_tail[s] >= 0:
        return ws_tail[s]
    return col + ws_len[s]


@njit
def encode_spaces(ids, ws_ids, head, last, length, ws_len, ws_tail):
    """Range-code ws_ids (one whitespace entry per token) given the cores ids."""
    n_tok = ids.shape[0]
    n_ws = ws_len.shape[0]
    n_ctx = _n_ctx(n_tok)
    counts, totals = small_new(n_ctx, DIRECT + 1)
    out = np.empty(64 + 4 * n_tok, np.uint8)
    st = enc_new()
    col = 0
    prev = 0
    for t in range(n_tok):
        w = ids[t]
        col += length[w]
        ctx = _token_context(ids, t, last[w], head, length, prev, col, n_ctx - 1)
        s = np.int64(ws_ids[t])
        sym = s if s < DIRECT else ESCAPE
        small_encode(st, out, counts, totals, ctx, sym)
        small_update(counts, totals, ctx, sym, INC, LIMIT)
        if sym == ESCAPE:
            enc_encode(st, out, s - DIRECT, 1, n_ws - DIRECT)
        col = _advance(col, s, ws_len, ws_tail)
        prev = s
    n = enc_finish(st, out)
    return out[:n].copy()


@njit
def decode_spaces(inp, ids, head, last, length, ws_len, ws_tail):
    """(ws_ids, ok): the inverse of encode_spaces."""
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
        ctx = _token_context(ids, t, last[w], head, length, prev, col, n_ctx - 1)
        sym, code, rng, pos = small_decode(code, rng, pos, inp, counts, totals, ctx)
        small_update(counts, totals, ctx, sym, INC, LIMIT)
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
        prev = s
    return ws_ids, True
