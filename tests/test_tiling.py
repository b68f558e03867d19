"""Tests for quasi.tiling and quasi.hierarchy (DESIGN section 4)."""
import math
import random
from fractions import Fraction

import numpy as np
import pytest

from quasi.errors import QuasiError
from quasi.hierarchy import (
    LevelStats,
    _collect_starts,
    _FIB,
    level_structure,
    lookup_mask,
    lookup_starts,
)
from quasi.tiling import (
    FIB_LENGTHS,
    GOLDEN_SLOPE,
    PHI,
    CutProject,
    Periodic,
    _cut_project_symbol,
    parse_spec,
    tile_stream,
)

GOLDEN = CutProject(GOLDEN_SLOPE, 0.0)
W = 1_000_000


# ---------------------------------------------------------------- slow, obviously-correct twins

def py_tiles(tiling, n_words):
    """Tile stream laid one tile at a time, straight from the definitions."""
    tiles = []
    words = 0
    k = 0
    while words < n_words:
        if isinstance(tiling, CutProject):
            a, t = tiling.slope, tiling.phase
            sym = 1 if math.floor(float(k + 1) * a + t) - math.floor(float(k) * a + t) == 1 else 0
        else:
            sym = 1 if tiling.pattern[k % len(tiling.pattern)] == "L" else 0
        if sym == 1 and n_words - words == 1:
            sym = 0
        tiles.append(sym)
        words += 1 + sym
        k += 1
    return tiles


def py_levels(tiles):
    """All 10 levels as lists of nodes (start, span, is_long)."""
    nodes = []
    pos = 0
    for t in tiles:
        nodes.append((pos, 1 + t, t == 1))
        pos += 1 + t
    levels = [nodes]
    for _ in range(1, len(FIB_LENGTHS)):
        prev, nodes, i = levels[-1], [], 0
        while i < len(prev):
            start, span, is_long = prev[i]
            if is_long and i + 1 < len(prev) and not prev[i + 1][2]:
                nodes.append((start, span + prev[i + 1][1], True))
                i += 2
            else:
                nodes.append((start, span, False))
                i += 1
        levels.append(nodes)
    return levels


def py_level_structure(tiling, n_words):
    out = []
    for k, nodes in enumerate(py_levels(py_tiles(tiling, n_words))):
        n_long = sum(1 for _, _, is_long in nodes if is_long)
        starts = sum(1 for _, span, is_long in nodes if is_long and span == FIB_LENGTHS[k])
        out.append(LevelStats(n_long, len(nodes) - n_long, starts))
    return out


def py_lookup_starts(spec, n_words):
    spec = parse_spec(spec)
    sets = [set() for _ in FIB_LENGTHS]
    if spec.kind == "dense":
        for k, f in enumerate(FIB_LENGTHS):
            sets[k] = set(range(n_words - f + 1))
    for tiling in spec.tilings:
        for k, nodes in enumerate(py_levels(py_tiles(tiling, n_words))):
            sets[k] |= {s for s, span, is_long in nodes if is_long and span == FIB_LENGTHS[k]}
    return [sorted(p for p in s if p + FIB_LENGTHS[k] <= n_words) for k, s in enumerate(sets)]


def random_spec(rng):
    choice = rng.randrange(6)
    if choice == 0:
        pattern = "".join(rng.choice("LS") for _ in range(rng.randint(1, 12)))
        return "period:" + (pattern if "L" in pattern else pattern + "L")
    if choice == 1:
        return f"alpha:{rng.uniform(0.01, 0.99)!r}@{rng.random()!r}"
    if choice == 2:
        slope = rng.choice([GOLDEN_SLOPE, 0.5, 0.6, 1 / 3, 0.502])
        return f"alpha:{slope!r}@{rng.choice([0.0, 0.5, rng.random()])!r}"
    return rng.choice(["multi", "fib", "period5", "none", "dense"])


def golden_counts(n_words=W, phase=0.0):
    return level_structure(CutProject(GOLDEN_SLOPE, phase), n_words)


# ---------------------------------------------------------------- structural facts (DESIGN 4)

def test_golden_lookup_counts_exact():
    counts = [s.n_starts for s in golden_counts()]
    assert counts[1:] == [236067, 145898, 90169, 55728, 34441, 21286, 13155, 8130, 5025]
    assert counts[0] == 381966
    starts = lookup_starts(f"alpha:{GOLDEN_SLOPE!r}", W)
    assert [len(s) for s in starts] == counts


def test_golden_end_effects():
    # The last level-1 node is a lone L tile (super-S of span 2) that later merges into one
    # non-Fibonacci super-L per level 3, 5, 7: super-L counts exceed lookup starts there.
    stats = golden_counts()
    extra = [s.n_long - s.n_starts for s in stats]
    assert extra == [0, 0, 0, 1, 0, 1, 0, 1, 0, 0]
    assert sum(tile_stream(GOLDEN, W).astype(np.int64) + 1) == W


@pytest.mark.parametrize("phase", [0.0, 0.5, math.fmod(7 / PHI, 1.0)])
def test_golden_long_short_ratio_tends_to_phi(phase):
    for s in golden_counts(phase=phase)[:8]:
        assert abs(s.n_long / s.n_short - PHI) / PHI < 0.01


def test_golden_coverage_tends_to_phi_over_sqrt5():
    target = PHI / math.sqrt(5)
    for k, s in enumerate(golden_counts()):
        coverage = s.n_starts * FIB_LENGTHS[k] / W
        assert abs(coverage - target) / target < (0.01 if FIB_LENGTHS[k] >= 13 else 0.06)


def test_period5_collapses():
    counts = [s.n_starts for s in level_structure(Periodic("LLSLS"), 100_000)]
    assert all(c > 0 for c in counts[:4])       # 2, 3, 5 and also 8 words
    assert counts[4:] == [0] * 6                 # nothing at 13 words and beyond
    assert [len(s) for s in lookup_starts("period5", 100_000)] == counts


def factor_counts(tiles, max_len):
    t = tiles.astype(np.int64)
    codes = np.zeros(len(t), np.int64)
    out = []
    for n in range(1, max_len + 1):
        codes = codes[:len(t) - n + 1] * 2 + t[n - 1:]
        out.append(len(np.unique(codes)))
    return out


@pytest.mark.parametrize("tiling", [GOLDEN, CutProject(GOLDEN_SLOPE, 0.3)]
                         + list(parse_spec("multi").tilings[12:18]))
def test_sturmian_factor_complexity(tiling):
    tiles = tile_stream(tiling, 200_000)[:-1]   # drop the possibly shortened last tile
    assert factor_counts(tiles, 16) == list(range(2, 18))


def test_no_two_adjacent_short_tiles():
    rng = random.Random(5)
    tilings = list(parse_spec("multi").tilings)
    tilings += [CutProject(GOLDEN_SLOPE, rng.random()) for _ in range(8)]
    for tiling in tilings:
        for n in (200_000, 200_001):
            # the last tile may be an L shortened to S by the end of the text: not part of it
            tiles = tile_stream(tiling, n)[:-1]
            assert not np.any((tiles[1:] == 0) & (tiles[:-1] == 0)), tiling


def test_tile_streams_cover_exactly():
    for spec in ("multi", "period:LS", "period:SSL", "alpha:0.01@0.99", "alpha:0.99"):
        for tiling in parse_spec(spec).tilings:
            for n in (0, 1, 2, 3, 1000, 1001):
                assert int(np.sum(tile_stream(tiling, n).astype(np.int64) + 1)) == n


def test_float_floors_match_exact_arithmetic_far_out():
    # Symbols at k ~ 1e9 agree with exact rational arithmetic on the same float64 slope and
    # phase, except where frac(k*a + t) is within float64 error (~1e-7) of an integer.
    rng = random.Random(11)
    for a, t in [(GOLDEN_SLOPE, 0.0), (GOLDEN_SLOPE, 0.37), (math.sqrt(13) - 3, 0.5)]:
        fa, ft = Fraction(a), Fraction(t)
        checked = 0
        for _ in range(2000):
            k = rng.randrange(10**8, 2 * 10**9)
            lo, hi = k * fa + ft, (k + 1) * fa + ft
            if min(lo % 1, 1 - lo % 1, hi % 1, 1 - hi % 1) < Fraction(1, 10**6):
                continue
            assert _cut_project_symbol(k, a, t) == math.floor(hi) - math.floor(lo)
            checked += 1
        assert checked > 1900


# ---------------------------------------------------------------- kernels == twins

@pytest.mark.parametrize("seed", range(4))
def test_kernels_match_twins(seed):
    rng = random.Random(seed)
    for case in range(60):
        spec = random_spec(rng)
        n = case if case < 4 else rng.randint(0, 400)
        for tiling in parse_spec(spec).tilings[:6]:
            assert tile_stream(tiling, n).tolist() == py_tiles(tiling, n), (tiling, n)
            assert level_structure(tiling, n) == py_level_structure(tiling, n), (tiling, n)
        got = lookup_starts(spec, n)
        assert [s.tolist() for s in got] == py_lookup_starts(spec, n), (spec, n)


def test_collect_starts_matches_flatnonzero():
    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 3, 150, 1000):
        marks = rng.integers(0, 1 << 10, n).astype(np.uint16)
        offsets, flat = _collect_starts(marks, _FIB, n)
        for k, f in enumerate(FIB_LENGTHS):
            want = np.flatnonzero(marks & (1 << k))
            assert flat[offsets[k]:offsets[k + 1]].tolist() == want[want + f <= n].tolist()


# ---------------------------------------------------------------- lookup_starts contract

@pytest.mark.parametrize("spec", ["multi", "fib", "period5", "none", "dense", "alpha:0.3@0.2"])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 200, 5000])
def test_lookup_starts_contract(spec, n):
    starts = lookup_starts(spec, n)
    assert len(starts) == 10
    for k, s in enumerate(starts):
        assert s.dtype == np.int64
        assert np.all(np.diff(s) > 0)
        assert s.size == 0 or (s[0] >= 0 and s[-1] + FIB_LENGTHS[k] <= n)
    if spec == "none" or n == 0:
        assert all(s.size == 0 for s in starts)
    if spec == "dense":
        assert [s.tolist() for s in starts] == [list(range(max(n - f + 1, 0))) for f in FIB_LENGTHS]
    mask = lookup_mask(spec, n)
    assert mask.dtype == np.uint16 and mask.shape == (n,)


def test_multi_is_union_of_members():
    n = 20_000
    union = [set() for _ in FIB_LENGTHS]
    for tiling in parse_spec("multi").tilings:
        spec = f"alpha:{tiling.slope!r}@{tiling.phase!r}"
        for k, s in enumerate(lookup_starts(spec, n)):
            union[k] |= set(s.tolist())
    assert [s.tolist() for s in lookup_starts("multi", n)] == [sorted(u) for u in union]


def test_lookup_rejects_bad_arguments():
    for bad in (-1, 2.5, "10", None):
        with pytest.raises(QuasiError):
            lookup_starts("fib", bad)
    with pytest.raises(QuasiError):
        lookup_starts(3, 10)
    with pytest.raises(QuasiError):
        tile_stream("fib", 10)


# ---------------------------------------------------------------- parse_spec

def test_parse_spec_families():
    multi = parse_spec("multi")
    assert multi.kind == "multi" and multi.canonical == "multi" and len(multi.tilings) == 36
    golden = multi.tilings[:12]
    assert all(t.slope == GOLDEN_SLOPE for t in golden)
    assert [t.phase for t in golden] == pytest.approx([(i / PHI) % 1 for i in range(12)])
    slopes = sorted({t.slope for t in multi.tilings[12:]})
    assert len(slopes) == 12 and all(0.5 < s < 0.63 for s in slopes)
    assert all(sum(t.slope == s for t in multi.tilings) == 2 for s in slopes)
    assert {t.phase for t in multi.tilings[12:]} == {0.0, 0.5}
    assert parse_spec("fib").tilings == golden
    assert parse_spec("none").tilings == () and parse_spec("dense").tilings == ()


@pytest.mark.parametrize("spec, kind, canonical", [
    ("multi", "multi", "multi"),
    ("fib", "fib", "fib"),
    ("none", "none", "none"),
    ("dense", "dense", "dense"),
    ("period5", "period", "period:LLSLS"),
    ("period:LLSLS", "period", "period:LLSLS"),
    ("period:L", "period", "period:L"),
    ("period:SSL", "period", "period:SSL"),
    ("alpha:0.3", "alpha", "alpha:0.3@0.0"),
    ("alpha:0.3@0", "alpha", "alpha:0.3@0.0"),
    ("alpha:.25@-0", "alpha", "alpha:0.25@0.0"),
    ("alpha:0.6180339887498949@0.5", "alpha", "alpha:0.6180339887498949@0.5"),
])
def test_parse_spec_canonical(spec, kind, canonical):
    parsed = parse_spec(spec)
    assert (parsed.kind, parsed.canonical) == (kind, canonical)
    assert parse_spec(parsed.canonical) == parsed
    assert parsed.canonical.isascii() and len(parsed.canonical) <= 255


@pytest.mark.parametrize("spec", [
    "", "period:", "period:LXS", "period:SSS", "period:llsls", "alpha:1.5", "alpha:0",
    "alpha:1", "alpha:0.3@1.0", "alpha:0.3@-0.1", "alpha:nan", "alpha:0.3@", "alpha:",
    "alpha:x", "foo", "Multi", " multi", "period:" + "L" * 249, None, b"multi",
])
def test_parse_spec_rejects(spec):
    with pytest.raises(QuasiError):
        parse_spec(spec)
