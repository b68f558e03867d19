"""Greedy deepest-first parse of the word stream into events (numba).

Levels are taken deepest first over the whole text: a phrase of level k is
taken at one of that level's lookup starts when the n-gram is in the level's
codebook and none of its words is covered yet. Bigrams are then taken left to
right anywhere, and every word left over becomes a word event. Entries used
only once are dropped and the parse is run again, since a phrase pays for
itself only from its second use.

Event levels: 0 new word (first occurrence), 1 known word, 2 bigram,
3..11 phrases of 3, 5, ..., 144 words; 12 is the coder's LZ match.
"""
from typing import NamedTuple

import numpy as np

from ..models._jit import njit
from .codebook import (NO_STARTS, base_power, frequent_ngrams, ngram_hash, prefix_hashes,
                       select_entries, table_build, table_find)
from .tiling import FIB_LENGTHS

LEVEL_NEW = 0
LEVEL_WORD = 1
LEVEL_BIGRAM = 2
LEVEL_MATCH = 12
N_LEVELS = 13
PHRASE_LENGTHS = np.array((1, 1) + tuple(FIB_LENGTHS), np.int64)  # by level code


@njit
def take_phrases(ids, h, n, mask, bit, cb_hash, cb_pos, slots, covered, ev_level, ev_entry,
                 level):
    """Take every codebook hit of length n at the candidate starts (the p with
    bit ``bit`` of mask[p] set; every p when bit < 0), in order."""
    pw = base_power(n)
    n_tok = ids.shape[0]
    taken = 0
    for p in range(max(n_tok - n + 1, 0)):
        if bit >= 0 and (np.int64(mask[p]) >> bit) & 1 == 0:
            continue
        if covered[p] or covered[p + n - 1]:
            continue
        e = table_find(slots, cb_hash, ngram_hash(h, pw, p, n))
        if e < 0:
            continue
        q = cb_pos[e]
        ok = True
        for i in range(n):
            if covered[p + i] or ids[p + i] != ids[q + i]:
                ok = False
                break
        if not ok:
            continue
        for i in range(n):
            covered[p + i] = True
        ev_level[p] = level
        ev_entry[p] = e
        taken += 1
    return taken


@njit
def entry_uses(ev_level, ev_entry, level, n_entries):
    uses = np.zeros(n_entries, np.int64)
    for p in range(ev_level.shape[0]):
        if ev_level[p] == level:
            uses[ev_entry[p]] += 1
    return uses


@njit
def build_events(ids, first, ev_level, ev_entry, book_sizes):
    """Event list in text order: (token position, level, value).

    For words the value is the word id; for phrases it is the entry's number in
    order of first use within its level. Also returns entries per level."""
    n_tok = ids.shape[0]
    lengths = PHRASE_LENGTHS
    e_pos = np.empty(n_tok, np.int32)
    e_lev = np.empty(n_tok, np.int8)
    e_val = np.empty(n_tok, np.int32)
    n_levels = book_sizes.shape[0]
    # one renumbering table per level: entry e of level L lives at offs[L] + e
    offs = np.zeros(n_levels + 1, np.int64)
    for lev in range(n_levels):
        offs[lev + 1] = offs[lev] + book_sizes[lev]
    renum = np.full(offs[n_levels], -1, np.int64)
    n_entries = np.zeros(n_levels, np.int64)
    m = 0
    p = 0
    while p < n_tok:
        lev = ev_level[p]
        if lev >= LEVEL_BIGRAM:
            key = offs[lev] + ev_entry[p]
            if renum[key] < 0:
                renum[key] = n_entries[lev]
                n_entries[lev] += 1
            e_pos[m] = p
            e_lev[m] = lev
            e_val[m] = renum[key]
            p += lengths[lev]
        else:
            w = ids[p]
            e_pos[m] = p
            e_lev[m] = LEVEL_NEW if first[w] == p else LEVEL_WORD
            e_val[m] = w
            p += 1
        m += 1
    # views: the untouched tails of the arrays are never resident
    return e_pos[:m], e_lev[:m], e_val[:m], n_entries


class PhraseCounts(NamedTuple):
    """What count_phrases found: the prefix hashes of the tokens, the threshold
    counted at, and per level (deep enough for the text) its n-grams seen that
    often at the level's lookup starts as (hash, count, first position)."""
    hashes: np.ndarray
    min_count: int
    levels: dict


def count_phrases(ids, mask, min_count) -> PhraseCounts:
    """Count the levels' n-grams once for parses at min_count or above (the
    encoder's threshold trials share one count)."""
    n_tok = ids.shape[0]
    h = prefix_hashes(ids)
    # Shortest first: an n-gram can be frequent only where the shorter n-grams that
    # begin and end it are (codebook.frequent_ngrams), so each level scans only the
    # starts the level below left, and the counts do not change. Bigrams start it
    # (every position; not a level of the codebooks).
    ok = np.ones(n_tok + 1, np.uint8)
    ok[n_tok] = 0
    ok = frequent_ngrams(h, mask, np.int64(NO_STARTS), np.int64(2), ok, np.int64(1),
                         np.int64(min_count))[3]
    levels = {}
    for k in range(1, len(FIB_LENGTHS)):
        if FIB_LENGTHS[k] > n_tok:
            break
        out_h, out_c, out_p, ok = frequent_ngrams(h, mask, np.int64(k), np.int64(FIB_LENGTHS[k]),
                                                  ok, np.int64(FIB_LENGTHS[k - 1]),
                                                  np.int64(min_count))
        levels[k] = (out_h, out_c, out_p)
    return PhraseCounts(h, min_count, levels)


def parse(ids, first, mask, *, use_bigrams=True, min_count=2, caps=None, counts=None):
    """Parse token ids into events; see the module docstring.

    mask: uint16 per token, bit k set where a level-k phrase may start
    (hierarchy.lookup_mask); level 0 (2 words) is not used, bigrams are taken
    anywhere. counts: count_phrases' result at min_count or below (counted here
    if None). Returns (e_pos, e_lev, e_val, n_entries per level code)."""
    if counts is None:
        counts = count_phrases(ids, mask, min_count)
    elif counts.min_count > min_count:
        raise ValueError("phrase counts taken at a higher threshold than the parse's")
    n_tok = ids.shape[0]
    h = counts.hashes
    books = {}
    for k, (hs, cs, ps) in counts.levels.items():
        cap = caps[k] if caps is not None else n_tok
        eh, ep = select_entries(hs, cs, ps, min_count, cap)
        if eh.shape[0]:
            books[k] = (eh, ep)
    del counts
    for _round in range(2):
        covered = np.zeros(n_tok, np.bool_)
        ev_level = np.full(n_tok, -1, np.int8)
        ev_entry = np.zeros(n_tok, np.int32)
        book_sizes = np.zeros(N_LEVELS, np.int64)
        for k in sorted(books, reverse=True):
            eh, ep = books[k]
            take_phrases(ids, h, FIB_LENGTHS[k], mask, k, eh, ep, table_build(eh),
                         covered, ev_level, ev_entry, k + 2)
            book_sizes[k + 2] = eh.shape[0]
        if use_bigrams and n_tok >= 2:
            free = np.zeros(n_tok + 1, np.uint8)   # uncovered words (a bigram's two)
            free[:n_tok] = ~covered
            hs, cs, ps, _ = frequent_ngrams(h, mask, np.int64(-1), np.int64(2), free, np.int64(1),
                                            np.int64(min_count))
            eh, ep = select_entries(hs, cs, ps, min_count, n_tok)
            book_sizes[LEVEL_BIGRAM] = eh.shape[0]
            if eh.shape[0]:
                take_phrases(ids, h, 2, mask, -1, eh, ep, table_build(eh),
                             covered, ev_level, ev_entry, LEVEL_BIGRAM)
        if _round == 1:
            break
        # drop entries used once and parse again
        pruned = {}
        for k, (eh, ep) in books.items():
            uses = entry_uses(ev_level, ev_entry, k + 2, eh.shape[0])
            keep = uses >= 2
            if keep.any():
                pruned[k] = (eh[keep], ep[keep])
        books = pruned
    del h, covered, books  # not needed to list the events
    return build_events(ids, first, ev_level, ev_entry, book_sizes)
