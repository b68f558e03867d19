"""Vocabulary coder: a block's distinct words, spelled by a bitwise
context-mixing model over their bytes (numba).

Words come in first-occurrence order. Each byte is coded as 8 binary
decisions, high bit first, and after each byte one more decision says whether
the word ends there. Every decision is predicted by a set of adaptive context
models, each hashing the last `order` bytes of the word (and, for some, the
position in the word); their predictions are mixed in the logistic domain by a
gated linear mixer whose weight set is chosen by the decision's place in the
byte and the class of the last byte. A context owns two 16-slot buckets per
byte, one for each nibble, so a byte touches two cache lines per model. All
arithmetic is integer, so encoder and decoder agree on every machine.

Three model sets: LIGHT (3 models, fast), FULL (7 models, smaller output) and
STRONG (FULL's models, a second mixer whose weight set is
chosen by the partial byte, and two adaptive probability maps (APM) that refine
the mixed prediction in the contexts of the partial byte and of a hash of the
last two bytes with it; their average with the mixer's has 16-bit precision).
Before a block's words the model learns a fixed dictionary of common words
(quasi/data/dictionary.txt), so the first words of a small file already meet
a trained model. The block meta records the model set and the dictionary.

The decoder writes the words back to back into a buffer of the size the block
meta declares and returns their offsets; corrupt input makes it stop with
ok = False, never write out of bounds.
"""
import functools
from pathlib import Path

import numpy as np

from ..codec.config import DICTIONARIES
from ._jit import njit, njit_inline, njit_leaf
from .coder import DECODE, ENCODE, P_EDGE, code_bit_p, coder_finish, coder_new, coder_ok
from .mixing import (apm_new, apm_predict, apm_update, clamp_p, counts_update, mixer_dot,
                     mixer_update, squash, stretches)

# (order, with position in the word) of every model, by model set
_FULL_MODELS = np.array([[1, 0], [2, 0], [3, 0], [4, 0], [6, 0], [1, 1], [0, 0]], np.int64)
MODEL_SETS = (np.array([[2, 0], [1, 1], [4, 0]], np.int64), _FULL_MODELS, _FULL_MODELS)
REFINED = (0, 0, 1)  # by model set: 1 with the second mixer and the APM stages
N_SETS = 9 * 4  # (end decision or bit 0..7) x class of the last byte
N_SETS2 = 256 + 32  # second mixer: partial byte 1..255, or 256 + position for the end
APM_ROWS1 = N_SETS2  # the first APM's contexts: as the second mixer's weight sets
APM_BITS2 = 12  # log2 of the second APM's contexts (hashed)
APM_RATE = 5
COUNT_LIMIT = 255
MIX_RATE = 14
W_INIT = 20000  # about 0.3 in 16.16 fixed point
END_SLOT = 0  # slot 0 of a context's first bucket: the end-of-word decision


@functools.lru_cache(maxsize=None)
def priming_words(dictionary: int):
    """(bytes, offsets) of the words the model learns before a block's own:
    dictionary 1 is quasi/data/dictionary.txt (see make_dictionary.py)."""
    words = []
    if DICTIONARIES[dictionary]:
        path = Path(__file__).resolve().parent.parent / "data" / DICTIONARIES[dictionary]
        words = path.read_bytes().split()
    offs = np.zeros(len(words) + 1, np.int64)
    np.cumsum([len(w) for w in words], out=offs[1:])
    # a writable array, as the block's own words are: one compiled coder serves both
    return np.frombuffer(b"".join(words) + bytes(8), np.uint8).copy(), offs


@njit
def _table_bits(n_bytes, order, with_pos, max_bits):
    """log2 of the buckets of one model: enough for the data and the order, at
    most max_bits."""
    bits = 6
    while bits < max_bits and (1 << bits) < n_bytes // 2:
        bits += 1
    cap = 5 + 9 * order + 5 * with_pos
    return bits if bits < cap else cap


@njit
def _model_new(n_bytes, models, refined, max_bits):
    """(prob, cnt, w, base, bits, apm): the counters, the mixers' weights (the
    second mixer's after the first's when refined), every model's first slot and
    log2 of its buckets, and the APM knots (none unless refined)."""
    n = models.shape[0]
    base = np.zeros(n + 1, np.int64)
    bits = np.zeros(n, np.int64)
    for m in range(n):
        bits[m] = _table_bits(n_bytes, models[m, 0], models[m, 1], max_bits)
        base[m + 1] = base[m] + (16 << bits[m])
    prob = np.full(base[n], 32768, np.uint16)
    cnt = np.zeros(base[n], np.uint8)
    n_sets = N_SETS + (N_SETS2 if refined else 0)
    w = np.full(n_sets * (n + 1), W_INIT, np.int64)
    for s in range(n_sets):
        w[s * (n + 1) + n] = 0
    return prob, cnt, w, base, bits, apm_new(APM_ROWS1 + (1 << APM_BITS2) if refined else 0)


@njit_inline
def _class(b):
    """0 word start, 1 letter, 2 whitespace, 3 other (b is byte + 1, 0 = none)."""
    if b == 0:
        return 0
    c = b - 1
    if (c | 32) >= 97 and (c | 32) <= 122 or c >= 128:
        return 1
    if c == 32 or c == 10 or c == 13 or c == 9:
        return 2
    return 3


@njit_inline
def _bucket(h, bits):
    return ((h * np.int64(-7046029254386353131)) >> np.int64(40)) & ((np.int64(1) << bits) - 1)


@njit_inline
def _byte_contexts(hashes, idx, models, n, base, bits, hist, pos):
    """Hash of every model's context for the next byte, and its first bucket."""
    for m in range(n):
        h = np.int64(m + 1)
        for k in range(models[m, 0]):
            h = (h + hist[k] + 1) * np.int64(0x2F0B3A5)
        if models[m, 1]:
            h = (h + (pos if pos < 24 else 24) + 977) * np.int64(0x2F0B3A5)
        hashes[m] = h
        idx[m] = base[m] + (_bucket(h, bits[m]) << 4)


@njit_inline
def _low_nibble_contexts(hashes, idx, n, base, bits, high):
    for m in range(n):
        idx[m] = base[m] + (_bucket(hashes[m] + high * np.int64(0x9E3779B1), bits[m]) << 4)


@njit_inline
def _predict(prob, idx, n, slot, stv, w, wbase):
    stretches(prob, idx, n, slot, stv)
    p = squash(mixer_dot(stv, n, w, wbase))
    if p < 1:
        p = 1
    if p > 4095:
        p = 4095
    return p


@njit_inline
def _update(prob, cnt, idx, n, slot, stv, w, wbase, p, y):
    mixer_update(w, wbase, n, stv, p, y, MIX_RATE)
    counts_update(prob, cnt, idx, n, slot, y, COUNT_LIMIT)


@njit_inline
def _predict_refined(prob, idx, n, slot, stv, w, wbase, wbase2, apm, row1, row2):
    """STRONG's P(bit = 1) in 1/65536: the two mixers averaged in the stretch
    domain, then (mixed + APM 1 + 2 APM 2) / 4. Returns it with what the update
    needs: each mixer's own prediction (1/4096) and the two APM knots."""
    stretches(prob, idx, n, slot, stv)
    d1 = mixer_dot(stv, n, w, wbase)
    d2 = mixer_dot(stv, n, w, wbase2)
    d = (d1 + d2) >> 1
    a1, j1 = apm_predict(apm, row1, d)
    a2, j2 = apm_predict(apm, row2, d)
    p = clamp_p(((squash(d) << 4) + a1 + 2 * a2) >> 2, P_EDGE)
    return p, squash(d1), squash(d2), j1, j2


@njit_inline
def _update_refined(prob, cnt, idx, n, slot, stv, w, wbase, wbase2, apm, p1, p2, j1, j2, y):
    mixer_update(w, wbase, n, stv, p1, y, MIX_RATE)
    mixer_update(w, wbase2, n, stv, p2, y, MIX_RATE)
    apm_update(apm, j1, y, APM_RATE)
    apm_update(apm, j2, y, APM_RATE)
    counts_update(prob, cnt, idx, n, slot, y, COUNT_LIMIT)


@njit_inline
def _apm_key(hist):
    """The second APM's context hash of the last two bytes (the partial byte is added)."""
    return (hist[0] * 263 + hist[1]) * 1031


@njit_inline
def _p0(p):
    """The coder's P(bit = 0) in 1/65536 from the model's P(bit = 1) in 1/4096."""
    return (4096 - p) << 4


@njit_inline
def _code_decision(st, buf, prob, cnt, idx, n, slot, stv, w, wbase, apm, refined, set2, key2, y):
    """Code decision y with every model and coder st; returns the decision coded.
    set2: the second mixer's weight set (and the first APM's row), key2: what the
    second APM's row is hashed from (both only when refined)."""
    if refined:
        wbase2 = (N_SETS + set2) * (n + 1)
        row2 = APM_ROWS1 + _bucket(key2, APM_BITS2)
        p, p1, p2, j1, j2 = _predict_refined(prob, idx, n, slot, stv, w, wbase, wbase2, apm, set2,
                                             row2)
        y, st = code_bit_p(st, buf, 65536 - p, y)
        _update_refined(prob, cnt, idx, n, slot, stv, w, wbase, wbase2, apm, p1, p2, j1, j2, y)
    else:
        p = _predict(prob, idx, n, slot, stv, w, wbase)
        y, st = code_bit_p(st, buf, _p0(p), y)
        _update(prob, cnt, idx, n, slot, stv, w, wbase, p, y)
    return y, st


@njit_inline
def _end_sets(hist, pos):
    """The end decision's second-mixer set (256 + position) and second APM key."""
    return 256 + (pos if pos < 31 else 31), _apm_key(hist) + 7777


@njit
def _code_words(st, buf, prob, cnt, w, base, bits, apm, models, refined, vbytes, voffs):
    """Code the words vbytes[voffs[i]:voffs[i+1]] with coder st, updating the model
    state (prob, cnt, w, apm): encoding reads them, decoding writes them (vbytes
    holds room for them and 8 bytes more). False if a decoder's words overran
    vbytes or its input, or did not fill vbytes (corrupt input)."""
    # literal model counts and refinement (MODEL_SETS, REFINED) let the compiler
    # unroll the loops and drop the branches
    n = models.shape[0]
    scratch = (np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n + 1, np.int64),
               np.zeros(6, np.int64))
    if refined:
        return _code_words_n(st, buf, prob, cnt, w, base, bits, apm, models, vbytes, voffs,
                             scratch, 7, 1)
    if n == 3:
        return _code_words_n(st, buf, prob, cnt, w, base, bits, apm, models, vbytes, voffs,
                             scratch, 3, 0)
    return _code_words_n(st, buf, prob, cnt, w, base, bits, apm, models, vbytes, voffs,
                         scratch, 7, 0)


@njit_leaf
def _code_words_n(st, buf, prob, cnt, w, base, bits, apm, models, vbytes, voffs, scratch, n,
                  refined):
    """_code_words for n = models.shape[0] models (scratch: zeroed arrays for their
    buckets, hashes and stretches and the byte history). Every byte is 8 decisions,
    high bit first, then "does the word end here?". A leaf: its loops run without
    numba's reference counting."""
    idx, hashes, stv, hist = scratch
    n_bytes = vbytes.shape[0] - 8
    i = 0
    for wd in range(voffs.shape[0] - 1):
        hist[:] = 0
        start = i
        _byte_contexts(hashes, idx, models, n, base, bits, hist, 0)
        while True:
            if i >= n_bytes or not coder_ok(st, buf):
                return False, st
            cls = _class(hist[0]) * 9
            key = _apm_key(hist)
            c = np.int64(vbytes[i])
            c0 = 1
            slot = 1  # the partial nibble with a leading 1
            for d in range(9):  # the byte's 8 bits, then the end decision
                if d < 8:
                    b = 7 - d
                    if b == 3:
                        _low_nibble_contexts(hashes, idx, n, base, bits, c0)
                        slot = 1
                    y = (c >> b) & 1
                    dslot, wbase, set2, key2 = slot, (cls + 8 - b) * (n + 1), c0, key + c0
                else:
                    c = c0 & 255
                    vbytes[i] = c
                    i += 1
                    for k in range(5, 0, -1):
                        hist[k] = hist[k - 1]
                    hist[0] = c + 1
                    _byte_contexts(hashes, idx, models, n, base, bits, hist, i - start)
                    set2, key2 = _end_sets(hist, i - start)
                    y = 1 if i == voffs[wd + 1] else 0
                    dslot, wbase = END_SLOT, _class(hist[0]) * 9 * (n + 1)
                # one call site: each model set's decision is compiled in once
                y, st = _code_decision(st, buf, prob, cnt, idx, n, dslot, stv, w, wbase, apm,
                                       refined, set2, key2, y)
                c0 = (c0 << 1) | y
                slot = (slot << 1) | y
            if y == 1:
                break
        voffs[wd + 1] = i
    return i == n_bytes, st


def _room(vbytes, voffs):
    """Copies of words to encode laid out as _code_words takes them: 8 bytes of
    slack after the bytes, int64 offsets."""
    room = np.zeros(int(voffs[-1]) + 8, np.uint8)
    room[:int(voffs[-1])] = vbytes[:int(voffs[-1])]
    return room, np.asarray(voffs, np.int64).copy()


@njit
def _primed_model(n_bytes, models, refined, max_bits, pbytes, poffs):
    """A fresh model state for n_bytes of words (tables of at most 2**max_bits
    buckets) that has learnt the priming words pbytes[poffs[i]:poffs[i+1]]."""
    prob, cnt, w, base, bits, apm = _model_new(n_bytes + poffs[-1], models, refined, max_bits)
    scratch = np.empty(poffs[-1] * 14 + 64, np.uint8)
    _code_words(coder_new(ENCODE, scratch), scratch, prob, cnt, w, base, bits, apm, models, refined,
                pbytes, poffs)
    return prob, cnt, w, base, bits, apm


_PRIMED = {}  # (model set, table sizes, priming words) -> a primed state, never mutated
_USED_ONCE = set()  # keys of the layouts primed once so far, not cached
CACHE_AT_ONCE_BYTES = 1 << 16
CACHE_MAX_BUCKETS = 1 << 19  # larger layouts (3 bytes per slot, 16 slots) are never cached


def _start_state(n_bytes, model_set, max_bits, pbytes, poffs):
    """A primed model state for n_bytes of words. Priming (12-25 ms) runs once per
    table layout (which depends on n_bytes only up to a bound) and is cached; the
    cached state is copied. Except for a vocabulary of CACHE_AT_ONCE_BYTES or more,
    where priming is a small part of the work: the first call of a layout primes a
    state of its own, so a one-block job holds one state, not a cached one and its
    copy, and the second call caches; and a layout of more than CACHE_MAX_BUCKETS
    buckets in all (level 9 on a large vocabulary: up to 216 MiB) is never cached."""
    models = MODEL_SETS[model_set]
    n_all = n_bytes + int(poffs[-1])
    layout = tuple(_table_bits(n_all, int(o), int(p), max_bits) for o, p in models)
    key = (model_set, layout, hash(pbytes[:poffs[-1]].tobytes()), poffs.shape[0])
    state = _PRIMED.get(key)
    if state is None:
        state = _primed_model(n_bytes, models, REFINED[model_set], max_bits, *_room(pbytes, poffs))
        if sum(1 << b for b in layout) > CACHE_MAX_BUCKETS:
            return state
        if key not in _USED_ONCE and n_bytes >= CACHE_AT_ONCE_BYTES:
            _USED_ONCE.add(key)
            return state
        if len(_PRIMED) >= 8:
            _PRIMED.clear()
        _PRIMED[key] = state
    prob, cnt, w, base, bits, apm = state
    return prob.copy(), cnt.copy(), w.copy(), base, bits, apm.copy()


@njit
def _encode(prob, cnt, w, base, bits, apm, models, refined, vbytes, voffs):
    out = np.empty(voffs[-1] * 14 + 64, np.uint8)  # at most 12 bits per decision; pages
    # past the coded bytes are never touched, so never resident
    _ok, st = _code_words(coder_new(ENCODE, out), out, prob, cnt, w, base, bits, apm, models,
                          refined, vbytes, voffs)
    return out[:coder_finish(st, out)].copy()


def encode_vocab(vbytes, voffs, model_set, max_bits, pbytes, poffs):
    """Range-code the words vbytes[voffs[i]:voffs[i+1]] (each at least 1 byte)
    with model set LIGHT, FULL or STRONG, its tables of at most 2**max_bits
    buckets per model, after priming it with the words pbytes[poffs[i]:
    poffs[i+1]] (none: poffs = [0])."""
    state = _start_state(int(voffs[-1]), model_set, max_bits, pbytes, poffs)
    return _encode(*state, MODEL_SETS[model_set], REFINED[model_set], *_room(vbytes, voffs))


def decode_vocab(inp, n_words, n_bytes, model_set, max_bits, pbytes, poffs):
    """(vbytes with 8 bytes of slack, voffs, ok): the inverse of encode_vocab for
    n_words words of n_bytes bytes in all."""
    state = _start_state(int(n_bytes), model_set, max_bits, pbytes, poffs)
    return _decode(*state, MODEL_SETS[model_set], REFINED[model_set], inp, n_words, n_bytes)


@njit
def _decode(prob, cnt, w, base, bits, apm, models, refined, inp, n_words, n_bytes):
    vbytes = np.zeros(n_bytes + 8, np.uint8)
    voffs = np.zeros(n_words + 1, np.int64)
    buf = inp.copy()
    ok, _st = _code_words(coder_new(DECODE, buf), buf, prob, cnt, w, base, bits, apm, models,
                          refined, vbytes, voffs)
    return vbytes, voffs, ok
