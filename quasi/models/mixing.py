"""Logistic mixing in integer arithmetic, shared by the bitwise context-mixing
coders (vocab.py, spaces.py, case.py, decisions.py): the squash and stretch tables,
adaptive counters (plain or packed), a gated linear mixer and the adaptive
probability map (APM). All arithmetic is integer, so encoder and decoder agree on
every machine.

Units: a stretched prediction d is ln(p / (1 - p)) * 256, clamped to +-2047; a
mixer's prediction squash(d) is P(bit = 1) in 1/4096; a counter holds P(bit = 1)
in 1/65536 (uint16) and how often it was updated (uint8); mixer weights are
16.16 fixed point.
"""
import numpy as np

from ._jit import njit, njit_inline
from .coder import P_EDGE, RATE


def _squash_table():
    """squash(d) = 4096 / (1 + e^(-d/256)) for d in -2047..2047, by integer
    interpolation of 33 knots, so every machine computes the same table."""
    knots = [1, 2, 3, 6, 10, 16, 27, 45, 73, 120, 194, 310, 488, 747, 1101, 1546, 2047,
             2549, 2994, 3348, 3607, 3785, 3901, 3975, 4022, 4050, 4068, 4079, 4085, 4089,
             4092, 4093, 4094]
    out = np.empty(4095, np.int64)
    for d in range(-2047, 2048):
        w = d & 127
        k = (d >> 7) + 16
        out[d + 2047] = (knots[k] * (128 - w) + knots[k + 1] * w + 64) >> 7
    return out


def _stretch_table(squash):
    """stretch(p) for p in 0..4095: the inverse of squash."""
    out = np.empty(4096, np.int64)
    p_prev = 0
    for d in range(-2047, 2048):
        v = int(squash[d + 2047])
        out[p_prev:v + 1] = d
        p_prev = max(p_prev, v + 1)
    out[p_prev:] = 2047
    return out


SQUASH = _squash_table()
STRETCH = _stretch_table(SQUASH)


@njit_inline
def squash(d):
    if d > 2047:
        d = 2047
    if d < -2047:
        d = -2047
    return SQUASH[d + 2047]


@njit_inline
def hash_pair(a, b):
    """A 64-bit hash of two int64s (its high bits are the best mixed)."""
    return (a * np.int64(-7046029254386353131) + b + 1) * np.int64(0x2545F4914F6CDD1D)


@njit_inline
def stretches(prob, idx, n, slot, stv):
    """Every model's prediction (counter idx[i] + slot), stretched, then the bias input."""
    for i in range(n):
        stv[i] = STRETCH[prob[idx[i] + slot] >> 4]
    stv[n] = 256


@njit_inline
def mixer_dot(stv, n, w, wbase):
    """The mixer's stretched prediction: weight set wbase dotted with the inputs."""
    dot = np.int64(0)
    for i in range(n + 1):
        dot += w[wbase + i] * stv[i]
    d = dot >> 16
    if d > 2047:
        return 2047
    if d < -2047:
        return -2047
    return d


@njit_inline
def mixer_update(w, wbase, n, stv, p, y, rate):
    """Move weight set wbase against the error of its prediction p (1/4096)."""
    err = ((y << 12) - p) * rate
    for i in range(n + 1):
        w[wbase + i] += (stv[i] * err) >> 16


@njit_inline
def counts_update(prob, cnt, idx, n, slot, y, limit):
    """Move every model's counter towards bit y at the rate its count gives;
    counts stop at limit (<= MAX_COUNT), so the rate ends at 2 / (2 limit + 3)."""
    for i in range(n):
        counter_update(prob, cnt, idx[i] + slot, y, limit)


@njit_inline
def _moved(q, c, y):
    """P(1) q (1/65536) of a counter updated c times, moved towards bit y."""
    return q + ((((y << 16) - q) * RATE[c]) >> 16)


@njit_inline
def counter_update(prob, cnt, j, y, limit):
    """Move counter j towards bit y (see counts_update)."""
    c = cnt[j]
    prob[j] = _moved(np.int64(prob[j]), c, y)
    if c < limit:
        cnt[j] = c + 1


@njit_inline
def packed_stretch(table, j):
    """The stretched prediction of packed counter j: one uint32 holding P(1) in
    1/65536 in its low half and its count above, so one cache line serves both."""
    return STRETCH[(np.int64(table[j]) & 0xFFFF) >> 4]


@njit_inline
def packed_update(table, j, y, limit):
    """counter_update for packed counter j."""
    e = np.int64(table[j])
    c = e >> 16
    table[j] = _moved(e & 0xFFFF, c, y) | ((c + 1 if c < limit else c) << 16)


@njit_inline
def clamp_p(p, edge):
    """p (in 1/65536) kept within [edge, 65536 - edge]."""
    if p < edge:
        return edge
    if p > 65536 - edge:
        return 65536 - edge
    return p


@njit_inline
def blend_p0(p, a, apm_quarters):
    """The P(bit = 0) to code, in 1/65536, of a mixer's P(1) p (1/4096) refined by an
    APM's P(1) a (1/65536) that weighs apm_quarters / 4, kept P_EDGE off the edges."""
    return 65536 - clamp_p(((4 - apm_quarters) * (p << 4) + apm_quarters * a) >> 2, P_EDGE)


@njit
def apm_new(n_rows):
    """n_rows APM rows of 33 knots, each row mapping a stretch to its own squash."""
    table = np.empty(n_rows * 33, np.int64)
    for r in range(n_rows):
        for j in range(33):
            table[r * 33 + j] = squash((j - 16) * 128) << 4
    return table


@njit_inline
def apm_predict(table, row, d):
    """(P(bit = 1) in 1/65536 interpolated between the knots around stretch d of
    the row, the nearer knot's index: the one the decision updates)."""
    x = d + 2048
    j = row * 33 + (x >> 7)
    wt = x & 127
    return (table[j] * (128 - wt) + table[j + 1] * wt) >> 7, j + (wt >> 6)


@njit_inline
def apm_update(table, j, y, rate):
    """Move knot j (apm_predict's second answer) towards bit y by 1/2**rate."""
    table[j] += ((y << 16) - table[j]) >> rate
