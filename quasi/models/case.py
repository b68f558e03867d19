"""Case stream (levels 8-9): every token's case flag, coded
once the cores and the whitespace are known, so that its contexts look both ways.

A flag (tokens.FLAG_LOWER, FLAG_TITLE or FLAG_UPPER) is coded for every token
whose core can carry case (tokens.word_info bit 0) as up to two binary
decisions: "not lower case?", then "all caps?". Each decision is predicted by
CASE_MODELS adaptive counters in hashed contexts, mixed in the logistic domain
(mixing.py) by a weight set chosen by the word's last two flags, the previous
flag and the previous token's class, and refined by an adaptive probability map
chosen by the first two. The contexts: the word; its last two flags with the
previous flag, the previous token's class and the whitespace before the word
(ws_classes); the previous core with that whitespace and the previous flag; the
word after the previous core; the word before the next core; the word with the
whitespace before it; the previous core and flag with the last flagged word and
its flag; the word's last two flags with the next core; the two previous cores
with the whitespace; the token's place in its line with the line's first core;
the words since the last '.', '!' or '?' with the previous flag, class and the
whitespace; the next two cores.

A block whose meta names no case table (case_bits = 0: levels 1-7, and every block
of codec revisions 1-12) codes the flags in the events' side stream instead
(events.py).
"""
import numpy as np

from ._jit import njit, njit_inline, njit_leaf
from .coder import DECODE, ENCODE, code_bit_p, coder_finish, coder_new, coder_ok
from ..text.tokens import info_caseable, info_class, info_flags
from .mixing import (apm_new, apm_predict, apm_update, blend_p0, counts_update, hash_pair,
                     mixer_dot, mixer_update, squash, stretches)

CASE_MODELS = 12
CASE_RATE = 32
CASE_COUNT_LIMIT = 30
CASE_W_INIT = 20000  # about 0.3 in 16.16 fixed point
APM_RATE = 5
N_APM_ROWS = 16 * 3  # the word's last two flags (4 x 4, 3: none yet) x the previous flag
N_SELECT = N_APM_ROWS * 8  # ... x the previous token's class
WS_START = 4  # the whitespace class before a block's first token: a line start


@njit
def ws_classes(wbytes, woffs):
    """The class of every whitespace entry: its line feeds (0, 1, 2 or more) x the
    length of the run after the last one (0, 1, 2-3, 4 or more bytes)."""
    n = woffs.shape[0] - 1
    out = np.empty(n, np.int64)
    for s in range(n):
        n_lf = 0
        tail = 0
        for i in range(woffs[s], woffs[s + 1]):
            if wbytes[i] == 10:
                n_lf += 1
                tail = 0
            else:
                tail += 1
        out[s] = min(n_lf, 2) * 4 + (0 if tail == 0 else 1 if tail == 1 else 2 if tail < 4 else 3)
    return out


@njit
def _case_new(winfo, bits):
    """(table counters, their counts, mixer weights, APM, each word's last two
    flags, bucket indices, stretches): the starting state of both coders."""
    prob = np.full(np.int64(2) << bits, 32768, np.uint16)
    cnt = np.zeros(np.int64(2) << bits, np.uint8)
    w = np.full(N_SELECT * 2 * (CASE_MODELS + 1), CASE_W_INIT, np.int64)
    for k in range(N_SELECT * 2):
        w[k * (CASE_MODELS + 1) + CASE_MODELS] = 0
    hist = np.empty(winfo.shape[0], np.int64)
    for v in range(winfo.shape[0]):
        hist[v] = info_flags(np.int64(winfo[v]))
    return (prob, cnt, w, apm_new(np.int64(N_APM_ROWS * 2)), hist, np.zeros(CASE_MODELS, np.int64),
            np.zeros(CASE_MODELS + 1, np.int64))


# The running state of both coders (an int64 array), by index.
PREV_FLAG, PREV_CLS, PREV_ID, PPREV_ID, LAST_WORD, LAST_FLAG, LINE_POS, LINE_FIRST, \
    SINCE_STOP = range(9)


@njit
def _state_new(n_words):
    """No flag yet (0), a line start before the block (class 6), no cores (n_words)."""
    state = np.zeros(9, np.int64)
    state[PREV_CLS] = 6
    state[PREV_ID] = state[PPREV_ID] = state[LAST_WORD] = state[LINE_FIRST] = n_words
    return state


@njit_inline
def _case_buckets(idx, bits, ids, t, n_words, w, hw, wsb, state):
    """Every model's bucket (the index of its first counter) for the flag of token
    t, word w (hw: its last two flags; wsb: the class of the whitespace before it)."""
    n_tok = ids.shape[0]
    nxt = np.int64(ids[t + 1]) if t + 1 < n_tok else n_words
    nxt2 = np.int64(ids[t + 2]) if t + 2 < n_tok else n_words
    prev_flag = state[PREV_FLAG]
    prev_cls = state[PREV_CLS]
    prev_id = state[PREV_ID]
    mask = (np.int64(1) << bits) - 1
    idx[0] = hash_pair(1, w)
    idx[1] = hash_pair(2 + (hw * 3 + prev_flag) * 8 + prev_cls, wsb)
    idx[2] = hash_pair(hash_pair(3, prev_id), wsb * 3 + prev_flag)
    idx[3] = hash_pair(hash_pair(4, w), prev_id)
    idx[4] = hash_pair(hash_pair(5, w), nxt)
    idx[5] = hash_pair(hash_pair(6, w), wsb * 3 + prev_flag)
    idx[6] = hash_pair(hash_pair(7, prev_id * 3 + prev_flag),
                       state[LAST_WORD] * 3 + state[LAST_FLAG])
    idx[7] = hash_pair(hash_pair(8, hw), nxt)
    idx[8] = hash_pair(hash_pair(9, prev_id), state[PPREV_ID] * 16 + wsb)
    idx[9] = hash_pair(hash_pair(10, min(state[LINE_POS], 7)), state[LINE_FIRST] * 16 + wsb)
    idx[10] = hash_pair(hash_pair(11, min(state[SINCE_STOP], 3) * 3 + prev_flag),
                        wsb * 8 + prev_cls)
    idx[11] = hash_pair(hash_pair(12, nxt), nxt2)
    for m in range(CASE_MODELS):
        idx[m] = ((idx[m] >> np.int64(24)) & mask) * 2


@njit_inline
def _case_before(idx, bits, ids, t, winfo, hist, ws_ids, ws_cls, state):
    """Token t's weight-set selector with idx set to its buckets, or -1 if its core
    carries no flag."""
    v = np.int64(ids[t])
    wsb = ws_cls[ws_ids[t - 1]] if t > 0 else WS_START
    if wsb >= 4:  # a line feed before the token
        state[LINE_POS] = 0
        state[LINE_FIRST] = v
    if not info_caseable(np.int64(winfo[v])):
        return -1
    hw = hist[v]
    _case_buckets(idx, bits, ids, t, winfo.shape[0], v, hw, wsb, state)
    return (hw * 3 + state[PREV_FLAG]) * 8 + state[PREV_CLS]


@njit_inline
def _case_after(ids, t, winfo, hist, state, f):
    """The state after token t, whose flag is f (if its core carries one)."""
    v = np.int64(ids[t])
    info = np.int64(winfo[v])
    if info_caseable(info):
        hist[v] = f * 4 + (hist[v] >> 2)
        state[PREV_FLAG] = f
        state[LAST_WORD] = v
        state[LAST_FLAG] = f
        state[SINCE_STOP] += 1
    state[PREV_CLS] = info_class(info)
    if state[PREV_CLS] >> 1 == 1:  # '.', '!' or '?'
        state[SINCE_STOP] = 0
    state[PPREV_ID] = state[PREV_ID]
    state[PREV_ID] = v
    state[LINE_POS] += 1


@njit_inline
def _case_decision(prob, idx, stv, w, apm, sel, j):
    """(the mixer's P(decision j = 1) in 1/4096, its weight set, the coded P(decision
    j = 0) in 1/65536, the APM knot that learns)."""
    wset = (sel * 2 + j) * (CASE_MODELS + 1)
    stretches(prob, idx, CASE_MODELS, j, stv)
    d = mixer_dot(stv, CASE_MODELS, w, wset)
    a, k = apm_predict(apm, (sel >> 3) * 2 + j, d)
    p = squash(d)
    return p, wset, blend_p0(p, a, 3), k


@njit_inline
def _case_update(prob, cnt, idx, stv, w, apm, wset, j, p, k, y):
    mixer_update(w, wset, CASE_MODELS, stv, p, y, CASE_RATE)
    apm_update(apm, k, y, APM_RATE)
    counts_update(prob, cnt, idx, CASE_MODELS, j, y, CASE_COUNT_LIMIT)


@njit_leaf
def _code_case(st, buf, ids, flags, winfo, ws_ids, ws_cls, bits, model, state):
    """Code the case flags of a block's tokens with coder st and the model (_case_new's)
    and running state (_state_new's): encoding reads them from flags, decoding writes
    them there. False once a decoder has read past the end of its input. A leaf: its
    loop runs without numba's reference counting."""
    n_tok = ids.shape[0]
    prob, cnt, w, apm, hist, idx, stv = model
    for t in range(n_tok):
        if not coder_ok(st, buf):
            return False, st
        f = np.int64(flags[t])
        sel = _case_before(idx, bits, ids, t, winfo, hist, ws_ids, ws_cls, state)
        if sel >= 0:
            coded = 0
            for j in range(2):  # "not lower case?", then "all caps?"
                y = (1 if f != 0 else 0) if j == 0 else (1 if f == 2 else 0)
                p, wset, p0, k = _case_decision(prob, idx, stv, w, apm, sel, j)
                y, st = code_bit_p(st, buf, p0, y)
                _case_update(prob, cnt, idx, stv, w, apm, wset, j, p, k, y)
                coded += y
                if y == 0:
                    break
            f = coded
            flags[t] = f
        _case_after(ids, t, winfo, hist, state, f)
    return coder_ok(st, buf), st


@njit
def encode_case(ids, flags, winfo, ws_ids, ws_cls, bits):
    """The range-coded case flags of a block's tokens (winfo: tokens.word_info;
    ws_cls: ws_classes of the whitespace vocabulary that ws_ids number)."""
    out = np.empty(64 + 4 * ids.shape[0], np.uint8)
    _ok, st = _code_case(coder_new(ENCODE, out), out, ids, flags.copy(), winfo, ws_ids, ws_cls,
                         bits, _case_new(winfo, bits), _state_new(winfo.shape[0]))
    return out[:coder_finish(st, out)].copy()


@njit
def decode_case(inp, ids, winfo, ws_ids, ws_cls, bits):
    """Inverse of encode_case: (flags, ok); ok is False once the stream has been
    read past its end."""
    flags = np.zeros(ids.shape[0], np.uint8)
    buf = inp.copy()
    ok, _st = _code_case(coder_new(DECODE, buf), buf, ids, flags, winfo, ws_ids, ws_cls, bits,
                         _case_new(winfo, bits), _state_new(winfo.shape[0]))
    return flags, ok
