"""Codebook counting and the greedy parse against a pure-Python twin."""
import numpy as np
from hypothesis import given, settings, strategies as st

from quasi.text.codebook import frequent_ngrams, prefix_hashes, py_count_ngrams
from quasi.text.hierarchy import lookup_mask, lookup_starts
from quasi.text.parse import (LEVEL_BIGRAM, LEVEL_NEW, LEVEL_WORD, PHRASE_LENGTHS, count_phrases,
                              parse)
from quasi.text.tiling import FIB_LENGTHS

SPECS = ("multi", "fib", "period5", "none", "dense", "period:LLS")


def py_parse(ids, starts_by_level, use_bigrams, min_count):
    """Twin of parse.parse, with n-grams as tuples."""
    n_tok = len(ids)
    books = {}
    for k in range(9, 0, -1):
        n = FIB_LENGTHS[k]
        if len(starts_by_level[k]) == 0 or n > n_tok:
            continue
        counted = py_count_ngrams(ids, starts_by_level[k], n, [True] * n_tok)
        chosen = sorted((key for key, (c, f) in counted.items() if c >= min_count),
                        key=lambda key: (-counted[key][0], counted[key][1]))
        if chosen:
            books[k] = chosen
    for rnd in range(2):
        covered = [False] * n_tok
        at = {}
        for k in sorted(books, reverse=True):
            n = FIB_LENGTHS[k]
            entries = {key: i for i, key in enumerate(books[k])}
            for p in starts_by_level[k]:
                key = tuple(ids[p:p + n])
                if p + n <= n_tok and key in entries and not any(covered[p:p + n]):
                    covered[p:p + n] = [True] * n
                    at[p] = (k + 2, key)
        if use_bigrams and n_tok >= 2:
            counted = py_count_ngrams(ids, range(n_tok - 1), 2, [not c for c in covered])
            pairs = {key for key, (c, f) in counted.items() if c >= min_count}
            for p in range(n_tok - 1):
                key = tuple(ids[p:p + 2])
                if key in pairs and not covered[p] and not covered[p + 1]:
                    covered[p] = covered[p + 1] = True
                    at[p] = (LEVEL_BIGRAM, key)
        if rnd == 1:
            break
        uses = {}
        for lev, key in at.values():
            uses[(lev, key)] = uses.get((lev, key), 0) + 1
        books = {k: [key for key in keys if uses.get((k + 2, key), 0) >= 2]
                 for k, keys in books.items()}
        books = {k: v for k, v in books.items() if v}
    events, seen_words, numbering = [], set(), {}
    p = 0
    while p < n_tok:
        if p in at:
            lev, key = at[p]
            num = numbering.setdefault(lev, {})
            events.append((p, lev, num.setdefault(key, len(num))))
            p += PHRASE_LENGTHS[lev]
        else:
            w = ids[p]
            events.append((p, LEVEL_WORD if w in seen_words else LEVEL_NEW, w))
            p += 1
        seen_words.update(ids[events[-1][0]:p])
    return events


def _first(ids):
    first = {}
    for i, w in enumerate(ids):
        first.setdefault(w, i)
    return np.array([first[w] for w in range(len(first))], np.int64)


repetitive = st.integers(0, 2**31).flatmap(lambda seed: st.integers(0, 600).map(
    lambda n: np.random.default_rng(seed).integers(0, 1 + seed % 12, n).astype(np.int32)))


@settings(max_examples=120, deadline=None)
@given(repetitive, st.sampled_from(SPECS), st.booleans(), st.sampled_from((2, 3)))
def test_parse_matches_twin(ids, spec, use_bigrams, min_count):
    # renumber to first-occurrence order, as the vocabulary does
    order = {}
    ids = np.array([order.setdefault(int(w), len(order)) for w in ids], np.int32)
    starts = lookup_starts(spec, len(ids))
    e_pos, e_lev, e_val, n_entries = parse(ids, _first(ids), lookup_mask(spec, len(ids)),
                                           use_bigrams=use_bigrams, min_count=min_count)
    twin = py_parse(ids.tolist(), [s.tolist() for s in starts], use_bigrams, min_count)
    assert list(zip(e_pos.tolist(), e_lev.tolist(), e_val.tolist())) == twin
    for lev in range(len(n_entries)):
        assert n_entries[lev] == len({v for _, lv, v in twin if lv == lev}) or lev < 2


@settings(max_examples=60, deadline=None)
@given(repetitive, st.integers(1, 6), st.sampled_from(SPECS))
def test_counts_of_the_levels_skip_only_rare_ngrams(ids, min_count, spec):
    """count_phrases counts each level only where the level below left frequent
    n-grams: what it finds is what counting every lookup start finds."""
    mask = lookup_mask(spec, len(ids))
    counts = count_phrases(ids, mask, min_count)
    h = prefix_hashes(ids)
    for k in range(1, len(FIB_LENGTHS)):
        n = FIB_LENGTHS[k]
        if n > len(ids):
            assert k not in counts.levels
            continue
        every = _covering_ok(np.ones(len(ids), np.bool_), n)
        full = frequent_ngrams(h, mask, k, n, every, (n + 1) // 2, min_count)[:3]
        for a, b in zip(counts.levels[k], full):
            assert np.array_equal(a, b), (k, n)


def _covering_ok(usable, n):
    """frequent_ngrams' ok for n-grams of usable words: 1 where the (n + 1) // 2
    words from there are all usable."""
    half = (n + 1) // 2
    run = np.concatenate([[0], np.cumsum(usable)])
    ok = np.zeros(len(usable) + 1, np.uint8)
    if len(usable) >= half:
        ok[:len(usable) - half + 1] = (run[half:] - run[:-half]) == half
    return ok


@settings(max_examples=100, deadline=None)
@given(repetitive, st.integers(2, 13), st.integers(1, 4), st.booleans())
def test_frequent_ngrams_matches_twin(ids, n, min_count, everywhere):
    if len(ids) < n:
        return
    rng = np.random.default_rng(len(ids))
    mask = (rng.random(len(ids)) < 0.5).astype(np.uint16) << 3
    positions = range(len(ids) - n + 1) if everywhere else np.flatnonzero(mask).tolist()
    usable = rng.random(len(ids)) < 0.9
    hs, cs, ps, _ = frequent_ngrams(prefix_hashes(ids), mask, -1 if everywhere else 3, n,
                                    _covering_ok(usable, n), (n + 1) // 2, min_count)
    twin = py_count_ngrams(ids.tolist(), [p for p in positions if p + n <= len(ids)], n,
                           usable.tolist())
    assert hs.tolist() == sorted(set(hs.tolist()))  # distinct, in hash order
    assert sorted(zip(cs.tolist(), ps.tolist())) == sorted(v for v in twin.values()
                                                          if v[0] >= min_count)


def test_frequent_ngrams_long_ngrams():
    """A 144-gram counts wherever its 144 words are usable, and not across an unusable one."""
    ids = np.tile(np.arange(300, dtype=np.int64), 4)
    usable = np.ones(ids.shape[0], np.bool_)
    usable[1000] = False
    hs, cs, ps, _ = frequent_ngrams(prefix_hashes(ids), np.zeros(ids.shape[0], np.uint16), -1,
                                    144, _covering_ok(usable, 144), 72, 2)
    twin = py_count_ngrams(ids.tolist(), range(ids.shape[0] - 143), 144, usable.tolist())
    assert sorted(zip(cs.tolist(), ps.tolist())) == sorted(v for v in twin.values()
                                                          if v[0] >= 2)
    assert cs.shape[0] == 300
