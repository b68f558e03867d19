"""The numba event coder against its pure-Python twin (tests/event_twin.py)."""
import numpy as np
from hypothesis import given, settings, strategies as st

from quasi.models._jit import njit
from quasi.models.decisions import side_shapes
from quasi.codec.config import O0_INC, O0_LIMIT
from quasi.models.events import encode_events
from quasi.models.lists import (HDR, LIST_INITIAL_CAP, _grow_pool, _list_cap, _list_len, _list_sym,
                                _list_update, _lists_new)
from quasi.text.hierarchy import lookup_mask
from quasi.text.parse import parse
from quasi.text.tokens import build_vocab, case_split, token_starts, word_info

from conftest import word_soup
from event_twin import CountList, py_decode_events, py_encode_events
from side_twin import py_side_shapes


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
    shapes = side_shapes(vbytes, voffs)
    assert shapes.tolist() == py_side_shapes([vbytes[a:b].tobytes()
                                              for a, b in zip(voffs[:-1], voffs[1:])])
    return ids, flags, first, word_info(vbytes, voffs), events, shapes


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 1500), st.sampled_from(("multi", "dense", "none")),
       st.sampled_from((2, 6)), st.sampled_from((2, 8, 256)), st.sampled_from((0, 3, 4)),
       st.sampled_from(((1, 1 << 62), (O0_INC, O0_LIMIT), (64, 4096), (3, 200))),
       st.sampled_from((0, 10, 12)), st.sampled_from((0, 1, 2)), st.sampled_from((0, 1, 2, 3)),
       st.sampled_from((0, 1)), st.sampled_from((0, 0, 12, 14)), st.sampled_from((0, 1)))
def test_twin_writes_and_reads_the_same_stream(seed, n_words, spec, min_count, o1_cap, min_match,
                                               o0, pair_bits, side_ctx, word_chain, counted_bits,
                                               side_bits, mixed_levels):
    rng = np.random.default_rng(seed)
    data = word_soup(n_words, seed)
    if seed % 3 == 0:  # repeats, so that phrases and LZ matches occur
        cut = int(rng.integers(1, len(data)))
        data = data + data[:cut] + data[cut // 2:]
    ids, flags, first, winfo, (e_pos, e_lev, e_val, n_entries), shapes = prepared(data, spec,
                                                                                 min_count)
    n_words_v = first.shape[0]
    word_chain = word_chain if pair_bits else 0  # the chain follows a missed pair prediction
    mixed_levels = mixed_levels if side_bits else 0  # revision 15 mixes with the side model
    events, case = encode_events(ids, flags, first, winfo.copy(), e_pos, e_lev, e_val, n_entries,
                                 n_words_v, o1_cap, min_match, *o0, pair_bits, side_ctx,
                                 word_chain, counted_bits, side_bits, mixed_levels, shapes,
                                 np.zeros(1, np.int64))
    twin = py_encode_events(ids.tolist(), flags.tolist(), first.tolist(), winfo.tolist(),
                            e_pos.tolist(), e_lev.tolist(), e_val.tolist(), n_words_v, o1_cap,
                            min_match, o0, pair_bits, side_ctx, word_chain, counted_bits,
                            side_bits, mixed_levels, shapes.tolist())
    assert twin == (events.tobytes(), case.tobytes())
    got_ids, got_flags = py_decode_events(twin[0], twin[1], len(ids), n_words_v, winfo.tolist(),
                                          o1_cap, min_match, o0, pair_bits, side_ctx, word_chain,
                                          counted_bits, side_bits, mixed_levels,
                                          shapes.tolist())
    assert got_ids == ids.tolist() and got_flags == flags.tolist()


@njit
def _pool_run(ctxs, syms, n_ctx, max_cap):
    """Count syms[i] in list ctxs[i], growing the pool as the event coder does;
    returns (where, pool, pool top)."""
    where, pool, sc = _lists_new(n_ctx, 8, max_cap)
    for i in range(ctxs.shape[0]):
        ctx = ctxs[i]
        need = sc[0] + HDR + 4 * max(_list_cap(where, pool, ctx), LIST_INITIAL_CAP) + 8
        if need > pool.shape[0]:
            pool = _grow_pool(pool, sc, need)
        j = 0
        while j < _list_len(where, pool, ctx) and _list_sym(where, pool, ctx, j) != syms[i]:
            j += 1
        _list_update(where, pool, sc, ctx, syms[i], j)
    return where, pool, sc[0]


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from((1, 5, 8, 64, 1 << 30)))
def test_list_pool_reuses_blocks_and_keeps_every_list(seed, max_cap):
    """Lists that double leave their blocks to others: every list still holds
    what the twin's CountList holds, in a pool smaller than one without reuse."""
    rng = np.random.default_rng(seed)
    n_ctx = 40
    ctxs = rng.integers(0, n_ctx, 4000) if seed % 2 else (rng.zipf(1.3, 4000) - 1) % n_ctx
    syms = (rng.zipf(1.2, 4000) - 1) % 500
    where, pool, top = _pool_run(ctxs.astype(np.int64), syms.astype(np.int64), n_ctx, max_cap)
    twin = {}
    caps = {}  # ctx -> capacity of its list's block
    taken = 0  # pool slots a pool without reuse would take
    for ctx, sym in zip(ctxs.tolist(), syms.tolist()):
        lst = twin.setdefault(ctx, CountList(max(max_cap, LIST_INITIAL_CAP)))
        before = len(lst.items)
        lst.update(sym, lst.slot(sym))
        cap = caps.get(ctx, 0)
        if len(lst.items) > before and before == cap and (cap == 0 or cap < max_cap):
            caps[ctx] = LIST_INITIAL_CAP if cap == 0 else min(2 * cap, max_cap)
            taken += HDR + 2 * caps[ctx]
    for ctx in range(n_ctx):
        b = int(where[ctx])
        if ctx not in twin:
            assert b == -1
            continue
        lst = twin[ctx]
        ln = int(pool[b])
        assert ln == len(lst.items) and int(pool[b + 1]) == caps[ctx]
        assert int(pool[b + 2]) == lst.total() and int(pool[b + 3]) == lst.esc
        got = pool[b + HDR:b + HDR + 2 * ln].reshape(-1, 2).tolist()
        assert got == lst.items
    assert top < taken or max_cap <= LIST_INITIAL_CAP
