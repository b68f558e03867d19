"""Range coder and adaptive frequency models (numba).

The coder is a byte-oriented range coder with a 64-bit low end and a range kept
in [2**56, 2**64): frequencies with totals up to 2**32 are coded with a
precision loss below 2**-24. A carry is propagated straight into the output
buffer. The decoder tracks ``code - low`` and never reads past its input (bytes
past the end read as zero), so corrupt input decodes to garbage that the block
checksum rejects, never to an out-of-bounds access.

Every model codes through the coder of either direction at the end of this module
(coder_new, code_bit_p, code_target / code_interval, ...): its state is a tuple of
integers that each step takes and hands back, so that it stays in registers; the
decoding steps at the top (dec_new, dec_target, dec_consume) are its decoding half.
"""
import numpy as np

from ._jit import njit, njit_inline

TOP = np.uint64(1) << np.uint64(56)
MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
SHIFT = np.uint64(56)
EIGHT = np.uint64(8)


@njit
def dec_new(inp):
    """Decoder state (code, range, input position) after the first 8 bytes."""
    code = np.uint64(0)
    n = inp.shape[0]
    for i in range(8):
        b = np.uint64(inp[i]) if i < n else np.uint64(0)
        code = (code << EIGHT) | b
    return code, MASK64, np.int64(8)


@njit_inline
def dec_target(code, rng, total):
    """(r, v): the scale for dec_consume and the cumulative frequency the next
    symbol covers (always < total)."""
    r = rng // np.uint64(total)
    v = code // r
    t = np.uint64(total) - np.uint64(1)
    if v > t:
        v = t
    return r, np.int64(v)


@njit_inline
def _dec_norm(code, rng, pos, inp):
    """Shift in bytes (zero past the end of the input) until the range is wide."""
    n = inp.shape[0]
    while rng < TOP:
        b = np.uint64(inp[pos]) if pos < n else np.uint64(0)
        pos += 1
        code = (code << EIGHT) | b
        rng = rng << EIGHT
    return code, rng, pos


@njit_inline
def dec_consume(code, pos, inp, r, start, size):
    """Remove the symbol [start, start+size) found via dec_target; returns the
    new (code, range, position)."""
    return _dec_norm(code - r * np.uint64(start), r * np.uint64(size), pos, inp)


# ---------------------------------------------------------------------------
# Adaptive binary decisions (no division): the low 16 bits of probs[i] are
# P(bit = 0) in 1/65536. An array made by bits_new(n, counted=1) (the
# counted_bits setting) also counts the decisions each entry has seen (bits 16-23) and
# marks every entry with COUNTED: its rate starts at 2/3 and falls as
# 2 / (2n + 3) until COUNT_LIMIT decisions, so a fresh context learns from its
# first decisions at once and an old one averages over many. The entries of
# other arrays move by 1/32 of the distance, always.

PROB_ONE = 1 << 16
PROB_MASK = PROB_ONE - 1
PROB_SHIFT = 5
COUNTED = 1 << 40
COUNT_LIMIT = 127
P_EDGE = 32  # a counted entry, and every mixed prediction coded (mixing.blend_p0), stays
#              in [P_EDGE, PROB_ONE - P_EDGE]
MAX_COUNT = 255  # the largest count a counter's uint8 can hold
# Adaptation rate of an entry or counter seen n times: 2 / (2n + 3) in 1/65536.
RATE = np.array([(2 << 16) // (2 * n + 3) for n in range(MAX_COUNT + 1)], np.int64)


@njit
def bits_new(n, counted=0):
    return np.full(n, PROB_ONE // 2 + (COUNTED if counted else 0), np.int64)


@njit_inline
def _bit_update(probs, i, bit):
    v = probs[i]
    if v < COUNTED:
        probs[i] = v + ((PROB_ONE - v) >> PROB_SHIFT) if bit == 0 else v - (v >> PROB_SHIFT)
        return
    p = v & PROB_MASK
    c = (v >> 16) & 255
    if bit == 0:
        p += ((PROB_ONE - p) * RATE[c]) >> 16
    else:
        p -= (p * RATE[c]) >> 16
    if p < P_EDGE:
        p = P_EDGE
    if p > PROB_ONE - P_EDGE:
        p = PROB_ONE - P_EDGE
    probs[i] = COUNTED + ((c + 1 if c < COUNT_LIMIT else c) << 16) + p


# ---------------------------------------------------------------------------
# Small adaptive model: counts[ctx, sym], totals[ctx]; linear search.

@njit
def small_new(n_ctx, n_sym):
    counts = np.ones((n_ctx, n_sym), np.int32)
    totals = np.full(n_ctx, n_sym, np.int64)
    return counts, totals


@njit_inline
def small_update(counts, totals, ctx, sym, inc, limit):
    counts[ctx, sym] += inc
    totals[ctx] += inc
    if totals[ctx] > limit:
        t = 0
        for s in range(counts.shape[1]):
            c = (counts[ctx, s] + 1) >> 1
            counts[ctx, s] = c
            t += c
        totals[ctx] = t


# ---------------------------------------------------------------------------
# Fenwick-tree model over a large alphabet. One model occupies
# tree[base : base + size] where size is a power of two greater than the number
# of symbols; the counts themselves are kept by the caller.

@njit
def fw_size(n_sym):
    """Tree size (a power of two) for n_sym symbols."""
    size = 2
    while size <= n_sym:
        size *= 2
    return size


@njit_inline
def fw_add(tree, base, size, sym, delta):
    i = sym + 1
    while i < size:
        tree[base + i] += delta
        i += i & (-i)


@njit_inline
def fw_prefix(tree, base, sym):
    """Sum of counts of symbols [0, sym)."""
    s = 0
    i = sym
    while i > 0:
        s += tree[base + i]
        i -= i & (-i)
    return s


@njit_inline
def fw_find(tree, base, size, target):
    """(sym, cum) with cum <= target < cum + count(sym); branch-free descent."""
    pos = 0
    cum = 0
    step = size >> 1
    while step > 0:
        t = tree[base + pos + step]
        take = cum + t <= target
        pos += step if take else 0
        cum += t if take else 0
        step >>= 1
    return pos, cum


# ---------------------------------------------------------------------------
# Coding in either direction. Each model is written once: its coding step hands
# the coder the bit, value or symbol interval it would encode and gets back what
# was coded, which is the same when encoding and what the input holds when
# decoding. A coder is a tuple of five uint64 (COD_* below), passed in and handed
# back by every step so that it stays in registers, with its buffer: the output
# when encoding, a writable copy of the input when decoding, so that every model
# compiles to one function for both directions. A frequency coded in either
# direction takes two steps: code_target (where the coded symbol falls, decoding
# only), then code_interval with the symbol's interval.

ENCODE = 0
DECODE = 1
COD_LOW = 0        # encoding: the low end; decoding: code - low
COD_RANGE = 1
COD_POS = 2        # the next byte of buf to write or read
COD_DIRECTION = 3
COD_SCALE = 4      # decoding: range // total of the last code_target


@njit
def coder_new(direction, buf):
    """A coder in direction ENCODE (buf: room for the output) or DECODE (buf: the
    input, which is never read past its end: bytes past it read as zero)."""
    if direction == DECODE:
        code, _rng, pos = dec_new(buf)
        return (code, MASK64, np.uint64(pos), np.uint64(DECODE), np.uint64(1))
    return (np.uint64(0), MASK64, np.uint64(0), np.uint64(ENCODE), np.uint64(1))


@njit_inline
def decoding(cs):
    return cs[COD_DIRECTION] == DECODE


@njit_inline
def coder_ok(cs, buf):
    """False once a decoder has read more than 8 bytes past the end of its input
    (the input was corrupt, or its declared sizes false)."""
    return cs[COD_DIRECTION] == ENCODE or np.int64(cs[COD_POS]) <= buf.shape[0] + 8


@njit_inline
def coder_finish(cs, buf):
    """Flush an encoder; returns the number of bytes written to buf."""
    pos = np.int64(cs[COD_POS])
    low = cs[COD_LOW]
    for _ in range(8):
        buf[pos] = np.uint8(low >> SHIFT)
        pos += 1
        low = low << EIGHT
    return pos


@njit_inline
def _enc_step(cs, buf, add, rng):
    """An encoder's cs with low moved up by add (a carry goes into the bytes already
    written) and the range narrowed to rng, settled bytes shifted out into buf."""
    low = cs[COD_LOW]
    nl = low + add
    pos = np.int64(cs[COD_POS])
    if nl < low:
        i = pos - 1
        while buf[i] == 255:
            buf[i] = 0
            i -= 1
        buf[i] += 1
    while rng < TOP:
        buf[pos] = np.uint8(nl >> SHIFT)
        pos += 1
        nl = nl << EIGHT
        rng = rng << EIGHT
    return (nl, rng, np.uint64(pos), cs[COD_DIRECTION], cs[COD_SCALE])


@njit_inline
def code_bit_p(cs, buf, p0, bit):
    """Code a bit whose P(0) is p0 in 1/65536; returns (the bit coded, the coder)."""
    rng = cs[COD_RANGE]
    bound = (rng >> np.uint64(16)) * np.uint64(p0)
    if cs[COD_DIRECTION] == ENCODE:
        if bit == 0:
            return np.int64(0), _enc_step(cs, buf, np.uint64(0), bound)
        return np.int64(1), _enc_step(cs, buf, bound, rng - bound)
    code = cs[COD_LOW]
    y = 0 if code < bound else 1
    if y == 0:
        code, rng, pos = _dec_norm(code, bound, np.int64(cs[COD_POS]), buf)
    else:
        code, rng, pos = _dec_norm(code - bound, rng - bound, np.int64(cs[COD_POS]), buf)
    return np.int64(y), (code, rng, np.uint64(pos), cs[COD_DIRECTION], cs[COD_SCALE])


@njit_inline
def code_bit(cs, buf, probs, i, bit):
    """Code a bit with adaptive probability probs[i] (bits_new), then adapt it;
    returns (the bit coded, the coder)."""
    bit, cs = code_bit_p(cs, buf, probs[i] & PROB_MASK, bit)
    _bit_update(probs, i, bit)
    return bit, cs


@njit_inline
def code_target(cs, buf, total):
    """Decoding: (the cumulative frequency (< total) the next symbol covers, the
    coder), to be followed by code_interval with that symbol's interval. Encoding:
    (0, the coder)."""
    if cs[COD_DIRECTION] == ENCODE:
        return np.int64(0), cs
    r, v = dec_target(cs[COD_LOW], cs[COD_RANGE], total)
    return v, (cs[COD_LOW], cs[COD_RANGE], cs[COD_POS], cs[COD_DIRECTION], r)


@njit_inline
def code_interval(cs, buf, start, size, total):
    """Code the interval [start, start+size) out of total (total <= 2**32); when
    decoding, the one that holds code_target's answer. Returns the coder."""
    if cs[COD_DIRECTION] == ENCODE:
        r = cs[COD_RANGE] // np.uint64(total)
        return _enc_step(cs, buf, r * np.uint64(start), r * np.uint64(size))
    code, rng, pos = dec_consume(cs[COD_LOW], np.int64(cs[COD_POS]), buf, cs[COD_SCALE],
                                 start, size)
    return (code, rng, np.uint64(pos), cs[COD_DIRECTION], cs[COD_SCALE])


@njit_inline
def code_bits(cs, buf, value, nbits):
    """Code nbits raw bits of value (uniform, up to 16 at a time); returns (the
    value, the coder)."""
    out = 0
    while nbits > 0:
        k = 16 if nbits > 16 else nbits
        nbits -= k
        v, cs = code_target(cs, buf, 1 << k)
        if cs[COD_DIRECTION] == ENCODE:
            v = (value >> nbits) & ((1 << k) - 1)
        cs = code_interval(cs, buf, v, 1, 1 << k)
        out = (out << k) | v
    return out, cs


@njit_inline
def code_small(cs, buf, counts, totals, ctx, sym):
    """Code sym with the small model's counts in ctx (small_new); returns (it, the
    coder)."""
    total = totals[ctx]
    target, cs = code_target(cs, buf, total)
    cum = 0
    if cs[COD_DIRECTION] == ENCODE:
        for s in range(sym):
            cum += counts[ctx, s]
    else:
        sym = 0
        n_sym = counts.shape[1]
        while sym < n_sym - 1 and cum + counts[ctx, sym] <= target:
            cum += counts[ctx, sym]
            sym += 1
    return sym, code_interval(cs, buf, cum, counts[ctx, sym], total)
