"""Deflation hierarchy and lookup starts of the Fibonacci tilings.

Level 0 nodes are the tiles (span 2 for L, 1 for S). Level j+1 is made by scanning level j left
to right: an L followed by an S merge into a super-L (start of the L, span = sum of spans); any
other node becomes a super-S alone. A lookup start at level k is the start word of a level-k
super-L whose span equals ``FIB_LENGTHS[k]`` (level 0: every L tile). Nodes always tile the text
exactly, so every such start p satisfies p + FIB_LENGTHS[k] <= n_words.
"""
from typing import NamedTuple

import numpy as np

from ..models._jit import njit
from .tiling import FIB_LENGTHS, TilingSpec, check_n_words, lay_tiles, parse_spec, tile_stream

N_LEVELS = len(FIB_LENGTHS)
_FIB = np.array(FIB_LENGTHS, np.int64)


class LevelStats(NamedTuple):
    """Node counts of one hierarchy level of one tiling."""

    n_long: int     # super-L nodes (level 0: L tiles)
    n_short: int    # super-S nodes (level 0: S tiles)
    n_starts: int   # super-L nodes whose span is the level's Fibonacci length


@njit
def _walk_hierarchy(tiles, fib, marks, counts, work):
    """Build levels 0..len(fib)-1 from ``tiles`` (uint8, 1 = L).

    Writes counts[k] = (super-L, super-S, lookup starts) for every level k. When ``marks`` is
    non-empty (length = words covered by the tiles), ORs bit k into marks[p] for every level-k
    lookup start p. ``work`` (int32, length >= len(tiles) + 1) holds one level at a time, in
    place, as span * 2 + is_long; spans stay below 2 ** (levels + 1).
    """
    n = tiles.shape[0]
    mark = marks.shape[0] > 0
    n_long = 0
    pos = 0
    for i in range(n):
        t = np.int64(tiles[i])
        work[i] = np.int32(((1 + t) << 1) | t)
        if t == 1:
            n_long += 1
            if mark:
                marks[pos] |= np.uint16(1)
        pos += 1 + t
    counts[0, 0] = n_long
    counts[0, 1] = n - n_long
    counts[0, 2] = n_long   # an L tile spans fib[0] = 2 words
    for level in range(1, fib.shape[0]):
        if counts[level - 1, 0] == 0:   # no L left: every later level is all super-S
            counts[level, 0] = 0
            counts[level, 1] = n
            counts[level, 2] = 0
            continue
        bit = np.uint16(1 << level)
        target = fib[level]
        n_long = 0
        n_starts = 0
        work[n] = 1   # sentinel: the last node is never followed by an S
        pos = 0
        i = 0
        j = 0
        while i < n:
            v = np.int64(work[i])
            nxt = np.int64(work[i + 1])
            if v & 1 == 1 and nxt & 1 == 0:   # L then S: one super-L
                s = (v >> 1) + (nxt >> 1)
                work[j] = np.int32((s << 1) | 1)
                n_long += 1
                if s == target:
                    n_starts += 1
                    if mark:
                        marks[pos] |= bit
                i += 2
            else:                              # anything else: a super-S alone
                s = v >> 1
                work[j] = np.int32(s << 1)
                i += 1
            pos += s
            j += 1
        n = j
        counts[level, 0] = n_long
        counts[level, 1] = n - n_long
        counts[level, 2] = n_starts


@njit
def _collect_starts(marks, fib, n_words):
    """Per-level sorted starts from ``marks`` (bit k = level-k start) with p + fib[k] <= n_words.

    Returns (offsets, flat): level k's starts are flat[offsets[k]:offsets[k + 1]].
    """
    n_levels = fib.shape[0]
    sizes = np.zeros(n_levels, np.int64)
    for k in range(n_levels):
        c = 0
        for p in range(max(n_words - fib[k] + 1, 0)):
            c += (np.int64(marks[p]) >> k) & 1
        sizes[k] = c
    offsets = np.zeros(n_levels + 1, np.int64)
    for k in range(n_levels):
        offsets[k + 1] = offsets[k] + sizes[k]
    flat = np.empty(offsets[n_levels] + 1, np.int64)   # + 1: slack for the branch-free store
    for k in range(n_levels):
        i = offsets[k]
        for p in range(max(n_words - fib[k] + 1, 0)):
            flat[i] = p
            i += (np.int64(marks[p]) >> k) & 1
    return offsets, flat


def _new_counts() -> np.ndarray:
    return np.zeros((N_LEVELS, 3), np.int64)


def level_structure(tiling, n_words: int) -> list:
    """Per level 0..9 of one tiling over ``n_words`` words: a ``LevelStats``."""
    tiles = tile_stream(tiling, n_words)
    counts = _new_counts()
    work = np.empty(tiles.shape[0] + 1, np.int32)
    _walk_hierarchy(tiles, _FIB, np.zeros(0, np.uint16), counts, work)
    return [LevelStats(int(a), int(b), int(c)) for a, b, c in counts]


def lookup_mask(spec, n_words: int) -> np.ndarray:
    """uint16 array of length n_words: bit k of entry p is set when p is a level-k lookup start
    (union over the spec's tilings, p + FIB_LENGTHS[k] <= n_words). Compact form of
    ``lookup_starts``."""
    if isinstance(spec, str):
        spec = parse_spec(spec)
    if not isinstance(spec, TilingSpec):
        raise TypeError(f"not a tiling spec: {spec!r}")
    n = check_n_words(n_words)
    marks = np.zeros(n, np.uint16)
    if spec.kind == "dense":
        for k, f in enumerate(FIB_LENGTHS):
            marks[:max(n - f + 1, 0)] |= np.uint16(1 << k)
        return marks
    tiles = np.empty(n, np.uint8)        # a tile covers at least one word
    work = np.empty(n + 1, np.int32)
    counts = _new_counts()
    for tiling in spec.tilings:          # empty for "none"
        n_tiles = lay_tiles(tiling, n, tiles)
        _walk_hierarchy(tiles[:n_tiles], _FIB, marks, counts, work)
    return marks


def lookup_starts(spec, n_words: int) -> list:
    """Lookup starts per level k = 0..9: sorted unique int64 arrays, union over the spec's tilings.

    Only starts p with p + FIB_LENGTHS[k] <= n_words are kept. ``none`` gives empty arrays,
    ``dense`` every valid position. The arrays are views into one buffer.
    """
    marks = lookup_mask(spec, n_words)
    offsets, flat = _collect_starts(marks, _FIB, marks.shape[0])
    return [flat[offsets[k]:offsets[k + 1]] for k in range(N_LEVELS)]
