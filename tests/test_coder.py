"""Range coder, binary models and Fenwick trees against exact Python twins."""
import numpy as np
from hypothesis import given, settings, strategies as st

from quasi.models._jit import njit
from coder_twin import PyRangeDecoder, PyRangeEncoder
from quasi.models.coder import (COUNTED, DECODE, ENCODE, P_EDGE, PROB_MASK, PROB_ONE, bits_new,
                                code_bit, code_bits, code_interval, code_small, code_target,
                                coder_finish, coder_new, coder_ok, fw_add, fw_find, fw_prefix,
                                fw_size, small_new, small_update)


@njit
def _code_ops(direction, buf, ops, counted):
    """One driver for both directions, as every model is written. ops rows: (kind, a,
    b, c): kind 0 = frequency (start, size, total); kind 1 = adaptive bit (prob slot,
    bit, -); kind 2 = raw bits (value, nbits, -); kind 3 = a symbol of a small model
    (symbol < 5, context < 3, -). Returns (what was coded, the bytes an encoder
    wrote, whether a decoder stayed within its input, the adaptive bits' state)."""
    st = coder_new(direction, buf)
    probs = bits_new(4, counted)
    counts, totals = small_new(3, 5)
    got = np.zeros(ops.shape[0], np.int64)
    for i in range(ops.shape[0]):
        kind, a, b, c = ops[i, 0], ops[i, 1], ops[i, 2], ops[i, 3]
        if kind == 0:
            got[i], st = code_target(st, buf, c)
            st = code_interval(st, buf, a, b, c)
        elif kind == 1:
            got[i], st = code_bit(st, buf, probs, a, b)
        elif kind == 2:
            got[i], st = code_bits(st, buf, a, b)
        else:
            got[i], st = code_small(st, buf, counts, totals, b, a)
            small_update(counts, totals, b, got[i], 24, 1 << 16)
    return got, coder_finish(st, buf) if direction == ENCODE else 0, coder_ok(st, buf), probs


def _encode_ops(ops, counted):
    """(the bytes, the adaptive bits' state)."""
    out = np.zeros(64 + 16 * ops.shape[0], np.uint8)
    _got, n, _ok, probs = _code_ops(ENCODE, out, ops, counted)
    return out[:n].copy(), probs


def _decode_ops(data, ops, counted):
    got, _n, ok, _probs = _code_ops(DECODE, np.array(data, np.uint8), ops, counted)
    assert ok
    return got


op = st.one_of(
    st.integers(1, 2**32).flatmap(lambda total: st.tuples(
        st.just(0), st.integers(0, total - 1).flatmap(
            lambda start: st.tuples(st.just(start), st.integers(1, total - start))),
        st.just(total)).map(lambda t: (0, t[1][0], t[1][1], t[2]))),
    st.tuples(st.just(1), st.integers(0, 3), st.integers(0, 1), st.just(0)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(op, max_size=300), st.sampled_from((0, 1)))
def test_coder_matches_big_integer_twin(ops_list, counted):
    """counted: 1 for bits with count-based rates (codec revision 7), 0 fixed rates."""
    ops = np.array(ops_list or [(1, 0, 0, 0)], np.int64)
    data = _encode_ops(ops, counted)[0].tobytes()
    enc = PyRangeEncoder()
    first = (1 << 15) + (COUNTED if counted else 0)
    probs = [first] * 4
    for kind, a, b, c in ops.tolist():
        if kind == 0:
            enc.encode(a, b, c)
        else:
            enc.encode_bit(probs, a, b)
    assert enc.finish() == data
    got = _decode_ops(np.frombuffer(data, np.uint8), ops, counted)
    dec = PyRangeDecoder(data)
    probs = [first] * 4
    for i, (kind, a, b, c) in enumerate(ops.tolist()):
        if kind == 0:
            v = dec.target(c)
            assert a <= v < a + b and got[i] == v
            dec.consume(a, b)
        else:
            assert dec.decode_bit(probs, a) == b == got[i]


extra_op = st.one_of(
    op,
    st.integers(0, 40).flatmap(lambda n: st.tuples(st.just(2), st.integers(0, 2**n - 1),
                                                   st.just(n), st.just(0))),
    st.tuples(st.just(3), st.integers(0, 4), st.integers(0, 2), st.just(0)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(extra_op, max_size=300), st.sampled_from((0, 1)))
def test_one_driver_codes_both_ways(ops_list, counted):
    """The coder of either direction (coder_new, code_*): a driver written once
    decodes every value it encoded, raw bits and small models included."""
    ops = np.array(ops_list or [(1, 0, 0, 0)], np.int64)
    got = _decode_ops(_encode_ops(ops, counted)[0], ops, counted)
    for i, (kind, a, b, c) in enumerate(ops.tolist()):
        if kind == 0:
            assert a <= got[i] < a + b
        elif kind == 1:
            assert got[i] == b
        else:
            assert got[i] == a


def test_a_decoder_past_its_input_says_so():
    ops = np.array([(2, 0, 16, 0)] * 100, np.int64)  # 200 bytes from a 3-byte input
    assert not _code_ops(DECODE, np.zeros(3, np.uint8), ops, 0)[2]


def test_counted_bits_learn_fast_and_stay_codable():
    """A counted entry jumps towards its first decisions and, after thousands of equal
    ones, leaves the other bit under 0.5%, but at least P_EDGE / 65536."""
    for bit in (0, 1):
        ops = np.array([(1, 0, bit, 0)] * 5000, np.int64)
        data, probs = _encode_ops(ops, 1)
        p_other = PROB_ONE - (int(probs[0]) & PROB_MASK) if bit == 0 else int(probs[0]) & PROB_MASK
        assert P_EDGE <= p_other < PROB_ONE // 200
        assert _decode_ops(data, ops, 1).tolist() == [bit] * 5000
        _data, fixed = _encode_ops(ops[:3], 0)
        _data, counted = _encode_ops(ops[:3], 1)
        gain = lambda v: abs((int(v) & PROB_MASK) - PROB_ONE // 2)  # noqa: E731
        assert gain(counted[0]) > 4 * gain(fixed[0])


@njit
def _fenwick_run(counts_ops, size):
    tree = np.zeros(size, np.int64)
    prefixes = np.zeros(counts_ops.shape[0], np.int64)
    finds = np.zeros(counts_ops.shape[0], np.int64)
    for i in range(counts_ops.shape[0]):
        fw_add(tree, 0, size, counts_ops[i, 0], counts_ops[i, 1])
        prefixes[i] = fw_prefix(tree, 0, counts_ops[i, 2])
        finds[i] = fw_find(tree, 0, size, counts_ops[i, 3])[0]
    return prefixes, finds


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.lists(
    st.tuples(st.integers(0, n - 1), st.integers(1, 5), st.integers(0, n), st.integers(0, 10**6)),
    min_size=1, max_size=60))))
def test_fenwick_matches_plain_counts(case):
    n, ops = case
    counts = [0] * n
    rows = []
    for sym, delta, q, target in ops:
        counts[sym] += delta
        rows.append((sym, delta, q, target % sum(counts)))
    prefixes, finds = _fenwick_run(np.array(rows, np.int64), fw_size(n))
    counts = [0] * n
    for i, (sym, delta, q, target) in enumerate(rows):
        counts[sym] += delta
        assert prefixes[i] == sum(counts[:q])
        cum, s = 0, 0
        while cum + counts[s] <= target:
            cum += counts[s]
            s += 1
        assert finds[i] == s
