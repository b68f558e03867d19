"""Mixed model of the side stream's decisions (levels 8-9).

The events' side stream (events.py) carries binary decisions: per event "other than
a word?" (a phrase or an LZ match) and, for a word, "a new word?"; in a phrase, "a
new word?" for its first word and for each word of a new entry. A block whose meta
names no side table (side_bits = 0: levels 1-7) codes each with one adaptive bit per
context (the two previous levels, the previous token's class and how often the
previous word was seen: the plain context). In a block with a side table each
decision is predicted
by SIDE_MODELS adaptive counters in hashed contexts, mixed in the logistic domain
(mixing.py) by a weight set chosen by the decision's kind, the previous token's
class and how many of the last eight "new word?" decisions said yes, then refined
by an adaptive probability map with the same rows (a quarter of the final
prediction). The contexts (hashed with kind // 2: the decisions of kinds 0 and 1 at
one token find their counters side by side in one bucket): the plain context;
the previous core with the previous level (and for a phrase's words the level or the
word's place); the previous two cores; the previous core with whether an event other
than a word followed it last time and the last two levels other than a word; the
last four such levels; the core before the previous; the previous three cores; the
core three back; the shapes (side_shapes) of the previous two cores with the
previous level; the shapes of the previous three cores; the first-byte classes of
the previous four cores.

With mixed_levels the same table and mixer also code the level of an event other than
a word (level_predict, kind 4): "is it LEVEL_ORDER[i]?" for i = 0, 1, ... until yes,
each answer predicted from contexts of the same kinds, each with the question's
number, by a weight set chosen by that number and the previous level.

All state lives in one tuple (side_new) that encoder and decoder update alike.
"""
import numpy as np

from ._jit import njit, njit_leaf
from .mixing import (apm_new, apm_predict, apm_update, blend_p0, hash_pair, mixer_dot, mixer_update,
                     packed_stretch, packed_update, squash)

SIDE_MODELS = 11
SIDE_RATE = 24
SIDE_COUNT_LIMIT = 60
SIDE_W_INIT = 12000  # about 0.18 in 16.16 fixed point
APM_RATE = 5
KIND_OTHER = 0  # "other than a word?" (a phrase or an LZ match)
KIND_NEW = 1    # "a new word?" of a one-word event
KIND_FIRST = 2  # "a new word?" of a phrase's first word
KIND_INNER = 3  # "a new word?" of a new entry's later words
KIND_LEVEL = 4  # "is the level of an event other than a word ...?" (mixed_levels)
LEVEL_ORDER = np.array((10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0), np.int64)  # levels less 2, as
#   KIND_LEVEL asks for them: an LZ match, then phrases from the shortest, a bigram last
LEVEL_SELECT = 4 * 8 * 8  # weight sets of kinds 0-3: kind x the previous token's class x
#                           new words among the last 8; then KIND_LEVEL's: node x lv1
N_SELECT = LEVEL_SELECT + 16 * 16
KIND_SALT = 1000003
# the running state (an int64 array), by index
HIST_NEW, HIST_LEV = range(2)
NO_CORE_SHAPE = 1023  # the shape of the core before a block's first token


@njit
def side_shapes(vbytes, voffs):
    """The shape of every core (and NO_CORE_SHAPE after the last): the class of its
    first byte (97 a word of letters, 48 digits, else the byte itself) x 4 + its
    length bucket (1, 2, 3-4, 5 or more bytes)."""
    n = voffs.shape[0] - 1
    out = np.empty(n + 1, np.int64)
    for v in range(n):
        c = np.int64(vbytes[voffs[v]])
        head = 97 if (c | 32) >= 97 and (c | 32) <= 122 or c >= 128 else 48 if 48 <= c <= 57 else c
        length = voffs[v + 1] - voffs[v]
        out[v] = head * 4 + (0 if length == 1 else 1 if length == 2 else 2 if length <= 4 else 3)
    out[n] = NO_CORE_SHAPE
    return out


@njit
def side_new(n_words, bits):
    """(counters, mixer weights, APM, what followed each word last time (-1: nothing
    yet), running state, bucket indices, stretches): the starting state of both
    coders; bits 0 gives a placeholder for blocks without the model. Counters are
    packed (mixing.packed_update); a bucket holds two, for kinds 0 and 2 and for 1
    and 3."""
    n = np.int64(2) << bits if bits > 0 else 2
    w = np.full(N_SELECT * (SIDE_MODELS + 1), SIDE_W_INIT, np.int64)
    for k in range(N_SELECT):
        w[k * (SIDE_MODELS + 1) + SIDE_MODELS] = 0
    follow = np.full(n_words + 1 if bits > 0 else 1, -1, np.int8)
    return (np.full(n, 32768, np.uint32), w, apm_new(np.int64(N_SELECT)), follow,
            np.zeros(2, np.int64), np.zeros(SIDE_MODELS, np.int64),
            np.zeros(SIDE_MODELS + 1, np.int64))


@njit_leaf
def _core_at(ids, q, n_words):
    return np.int64(ids[q]) if q >= 0 else np.int64(n_words)


@njit_leaf
def _cores(ids, q, n_words, shapes):
    """The previous three cores of token q and the shapes of the previous four."""
    pt = _core_at(ids, q - 1, n_words)
    ppt = _core_at(ids, q - 2, n_words)
    p3 = _core_at(ids, q - 3, n_words)
    return (pt, ppt, p3, shapes[pt], shapes[ppt], shapes[p3],
            shapes[_core_at(ids, q - 4, n_words)])


@njit_leaf
def side_predict(sm, bits, kind, kk, bctx, lv1, prev_cls, ids, q, n_words, shapes):
    """(the mixer's P(1) in 1/4096, its weight set, the coded P(0) in 1/65536, the APM
    knot that learns) of a decision of kind at token q; kk: for KIND_FIRST the phrase's
    level, for KIND_INNER the word's place in it, else 0; bctx: the revision-13 context;
    shapes: side_shapes."""
    follow, state, idx = sm[3], sm[4], sm[5]
    pt, ppt, p3, s1, s2, s3, s4 = _cores(ids, q, n_words, shapes)
    hist_lev = state[HIST_LEV]
    base = (kind >> 1) * KIND_SALT  # kinds 0 and 1 at one token share their buckets
    idx[0] = hash_pair(base + 1, bctx)
    idx[1] = hash_pair(hash_pair(base + 2, pt), kk * 16 + lv1)
    idx[2] = hash_pair(hash_pair(base + 3, pt), ppt)
    idx[3] = hash_pair(hash_pair(base + 6, pt), (follow[pt] + 1) * 16 + (hist_lev & 0xFF))
    idx[4] = hash_pair(base + 7, hist_lev * 4 + min(kk, 3))
    idx[5] = hash_pair(hash_pair(base + 10, ppt), kk)
    idx[6] = hash_pair(hash_pair(hash_pair(base + 14, pt), ppt), p3 * 16 + kk)
    idx[7] = hash_pair(hash_pair(base + 16, p3), kk)
    idx[8] = hash_pair(base + 21, ((s1 * 1024 + s2) * 16 + lv1) * 16 + kk)
    idx[9] = hash_pair(base + 22, ((s1 * 1024 + s2) * 1024 + s3) * 16 + kk)
    idx[10] = hash_pair(base + 23, ((((s1 >> 2) * 256 + (s2 >> 2)) * 256 + (s3 >> 2)) * 256
                                    + (s4 >> 2)) * 16 + kk)
    recent = 0
    x = state[HIST_NEW]
    while x:
        recent += x & 1
        x >>= 1
    return _mixed(sm, bits, kind & 1, (kind * 8 + prev_cls) * 8 + min(recent, 7))


@njit_leaf
def level_predict(sm, bits, node, bctx, lv1, lv2, ids, q, n_words, shapes):
    """side_predict's answer for "is the level (less 2) of the event other than a word
    at token q LEVEL_ORDER[node - 1]?" (blocks with mixed_levels);
    bctx: the plain context; lv1, lv2: the previous two levels."""
    state, idx = sm[4], sm[5]
    pt, ppt, p3, s1, s2, s3, s4 = _cores(ids, q, n_words, shapes)
    hist_lev = state[HIST_LEV]
    base = (KIND_LEVEL >> 1) * KIND_SALT
    idx[0] = hash_pair(base + 1, bctx * 16 + node)
    idx[1] = hash_pair(hash_pair(base + 2, pt), node * 16 + lv1)
    idx[2] = hash_pair(hash_pair(hash_pair(base + 3, pt), ppt), node)
    idx[3] = hash_pair(base + 4, (lv1 * 16 + lv2) * 16 + node)
    idx[4] = hash_pair(base + 7, hist_lev * 16 + node)
    idx[5] = hash_pair(hash_pair(base + 10, ppt), node)
    idx[6] = hash_pair(hash_pair(hash_pair(base + 14, pt), ppt), p3 * 16 + node)
    idx[7] = hash_pair(hash_pair(base + 6, pt), (hist_lev & 0xFF) * 16 + node)
    idx[8] = hash_pair(base + 21, ((s1 * 1024 + s2) * 16 + lv1) * 16 + node)
    idx[9] = hash_pair(base + 22, ((s1 * 1024 + s2) * 1024 + s3) * 16 + node)
    idx[10] = hash_pair(base + 23, ((((s1 >> 2) * 256 + (s2 >> 2)) * 256 + (s3 >> 2)) * 256
                                    + (s4 >> 2)) * 16 + node)
    return _mixed(sm, bits, np.int64(0), LEVEL_SELECT + node * 16 + lv1)


@njit_leaf
def _mixed(sm, bits, slot, sel):
    """side_predict's answer from the context hashes in idx: the counters at slot of
    their buckets, mixed by weight set sel, refined by APM row sel."""
    table, w, apm, follow, state, idx, stv = sm
    mask = (np.int64(1) << bits) - 1
    for m in range(SIDE_MODELS):
        idx[m] = ((idx[m] >> np.int64(24)) & mask) * 2 + slot
        stv[m] = packed_stretch(table, idx[m])
    stv[SIDE_MODELS] = 256
    wset = sel * (SIDE_MODELS + 1)
    d = mixer_dot(stv, SIDE_MODELS, w, wset)
    a, k = apm_predict(apm, sel, d)
    p = squash(d)
    return p, wset, blend_p0(p, a, 1), k


@njit_leaf
def side_update(sm, kind, ids, q, n_words, p, wset, k, y):
    """Learn decision y (of kind, at token q) after side_predict gave p, wset and k."""
    table, w, apm, follow, state, idx, stv = sm
    mixer_update(w, wset, SIDE_MODELS, stv, p, y, SIDE_RATE)
    apm_update(apm, k, y, APM_RATE)
    for m in range(SIDE_MODELS):
        packed_update(table, idx[m], y, SIDE_COUNT_LIMIT)
    if kind == KIND_OTHER:
        follow[_core_at(ids, q - 1, n_words)] = y
    elif kind != KIND_LEVEL:
        state[HIST_NEW] = ((state[HIST_NEW] << 1) | y) & 0xFF


@njit_leaf
def side_level(sm, other_lev):
    """An event's level is known: other_lev is it if other than a word (a phrase or
    LEVEL_MATCH), else 0."""
    state = sm[4]
    state[HIST_LEV] = ((state[HIST_LEV] << 4) | other_lev) & 0xFFFF
