"""The numba event coder against its pure-Python twin (tests/event_twin.py)."""
import numpy as np
from hypothesis import given, settings, strategies as st

from quasi.events import O0_INC, O0_LIMIT, encode_events
from quasi.hierarchy import lookup_mask
from quasi.parse import parse
from quasi.tokens import build_vocab, case_split, token_starts, word_info

from conftest import word_soup
from event_twin import py_decode_events, py_encode_events


def prepared(data, spec, min_count):
    buf = np.frombuffer(data, np.uint8)
    starts = token_starts(buf)
    low, flags = case_split(buf, starts)
    ids, first = build_vocab(low, starts, starts[1:])
    vstart = starts[first]
    vlen = starts[first + 1] - vstart
    voffs = np.concatenate([[0], np.cumsum(vlen)]).astype(np.int64)
    vbytes = np.concatenate([low[a:a + n] for a, n in zip(vstart, vlen)])
    events = parse(ids, first, lookup_mask(spec, len(ids)), min_count=min_count)
    return ids, flags, first, word_info(vbytes, voffs), events


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 1500), st.sampled_from(("multi", "dense", "none")),
       st.sampled_from((2, 6)), st.sampled_from((8, 256)), st.sampled_from((0, 3, 4)),
       st.sampled_from(((1, 1 << 62), (O0_INC, O0_LIMIT), (64, 4096), (3, 200))),
       st.sampled_from((0, 10, 12)))
def test_twin_writes_and_reads_the_same_stream(seed, n_words, spec, min_count, o1_cap, min_match,
                                               o0, pair_bits):
    rng = np.random.default_rng(seed)
    data = word_soup(n_words, seed)
    if seed % 3 == 0:  # repeats, so that phrases and LZ matches occur
        cut = int(rng.integers(1, len(data)))
        data = data + data[:cut] + data[cut // 2:]
    ids, flags, first, winfo, (e_pos, e_lev, e_val, n_entries) = prepared(data, spec, min_count)
    n_words_v = first.shape[0]
    events, case = encode_events(ids, flags, first, winfo.copy(), e_pos, e_lev, e_val, n_entries,
                                 n_words_v, o1_cap, min_match, *o0, pair_bits)
    twin = py_encode_events(ids.tolist(), flags.tolist(), first.tolist(), winfo.tolist(),
                            e_pos.tolist(), e_lev.tolist(), e_val.tolist(), n_words_v, o1_cap,
                            min_match, o0, pair_bits)
    assert twin == (events.tobytes(), case.tobytes())
    got_ids, got_flags = py_decode_events(twin[0], twin[1], len(ids), n_words_v, winfo.tolist(),
                                          o1_cap, min_match, o0, pair_bits)
    assert got_ids == ids.tolist() and got_flags == flags.tolist()
