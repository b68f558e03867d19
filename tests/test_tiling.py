"""Tests for quasi.text.tiling and quasi.text.hierarchy."""
import itertools
import math
import random
from fractions import Fraction

import numpy as np
import pytest

from quasi.errors import QuasiError
from quasi.text.hierarchy import (LevelStats, _collect_starts, _FIB, level_structure, lookup_mask,
                                  lookup_starts)
from quasi.text.structure import (collapse, factor_complexity, fibonacci_word, log_phi, structure,
                                  tiling_patterns)
from quasi.text.tiling import (FIB_LENGTHS, GOLDEN_SLOPE, PHI, CutProject, Periodic,
                               _cut_project_symbol, parse_spec, tile_stream)

GOLDEN = CutProject(GOLDEN_SLOPE, 0.0)
GOLDEN_SPEC = f"alpha:{GOLDEN_SLOPE!r}"
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


# ---------------------------------------------------------------- structural facts

def test_golden_lookup_counts_exact():
    counts = [s.n_starts for s in golden_counts()]
    assert counts[1:] == [236067, 145898, 90169, 55728, 34441, 21286, 13155, 8130, 5025]
    assert counts[0] == 381966
    starts = lookup_starts(GOLDEN_SPEC, W)
    assert [len(s) for s in starts] == counts
    report = structure(GOLDEN_SPEC, W)
    assert [r.positions for r in report.levels] == counts
    assert [r.length for r in report.levels] == list(FIB_LENGTHS)


def test_golden_end_effects():
    # The last level-1 node is a lone L tile (super-S of span 2) that later merges into one
    # non-Fibonacci super-L per level 3, 5, 7: super-L counts exceed lookup starts there.
    stats = golden_counts()
    extra = [s.n_long - s.n_starts for s in stats]
    assert extra == [0, 0, 0, 1, 0, 1, 0, 1, 0, 0]
    assert sum(tile_stream(GOLDEN, W).astype(np.int64) + 1) == W


@pytest.mark.parametrize("phase", [0.0, 0.5, math.fmod(7 / PHI, 1.0)])
def test_golden_long_short_ratio_tends_to_phi(phase):
    report = structure(f"alpha:{GOLDEN_SLOPE!r}@{phase!r}", W)
    # levels 8 and 9 have only ~95k and ~59k nodes: the ratio is still converging there
    for r in report.levels[:8]:
        assert abs(r.ratio - PHI) / PHI < 0.01
        assert r.ratio == r.n_long / r.n_short
    assert [(r.n_long, r.n_short) for r in report.levels] == \
        [(s.n_long, s.n_short) for s in golden_counts(phase=phase)]


def test_golden_coverage_tends_to_phi_over_sqrt5():
    target = PHI / math.sqrt(5)
    for r in structure(GOLDEN_SPEC, W).levels:
        assert r.coverage == r.positions * r.length / W
        assert abs(r.coverage - target) / target < (0.01 if r.length >= 13 else 0.06)


def test_period5_collapses():
    counts = [s.n_starts for s in level_structure(Periodic("LLSLS"), 100_000)]
    assert all(c > 0 for c in counts[:4])       # 2, 3, 5 and also 8 words
    assert counts[4:] == [0] * 6                 # nothing at 13 words and beyond
    assert [len(s) for s in lookup_starts("period5", 100_000)] == counts
    report = structure("period5", W)
    assert [r.positions for r in report.levels[4:]] == [0] * 6
    assert report.deepest_level == 3
    assert report.factor_complexity == ((2, 3, 4, 5) + (5,) * 12,)   # a period of 5 tiles
    # 12,500 periods of 8 words in the steady state; the text's end costs one start at 5 and 8
    assert [c * 12_500 for c in collapse("LLSLS").per_period] == [37500, 25000, 12500, 12500] \
        + [0] * 6
    assert counts[:4] == [37500, 25000, 12499, 12499]


def py_factor_counts(tiles, max_len):
    """Distinct substrings of the stream, straight from the definition."""
    text = "".join(str(int(t)) for t in tiles)
    return [len({text[i:i + n] for i in range(len(text) - n + 1)}) for n in range(1, max_len + 1)]


def test_factor_complexity_matches_twin():
    rng = np.random.default_rng(8)
    for n in (0, 1, 2, 5, 17, 300):
        tiles = rng.integers(0, 2, n).astype(np.uint8)
        assert factor_complexity(tiles, 12) == py_factor_counts(tiles, 12)
    tiles = tile_stream(CutProject(0.3, 0.25), 2000)
    assert factor_complexity(tiles) == py_factor_counts(tiles, 16)
    with pytest.raises(QuasiError):
        factor_complexity(tiles, 25)


@pytest.mark.parametrize("tiling", [GOLDEN, CutProject(GOLDEN_SLOPE, 0.3)]
                         + list(parse_spec("multi").tilings[12:18]))
def test_sturmian_factor_complexity(tiling):
    tiles = tile_stream(tiling, 200_000)[:-1]   # drop the possibly shortened last tile
    assert factor_complexity(tiles, 16) == list(range(2, 18))


def test_structure_factor_complexity_per_member():
    report = structure("fib", 100_000)
    assert report.tilings == tuple(f"alpha:{t.slope!r}@{t.phase!r}"
                                   for t in parse_spec("fib").tilings)
    assert report.factor_complexity == (tuple(range(2, 18)),) * 12


# ---------------------------------------------------------------- periodic collapse

FIBONACCI_PERIODS = (5, 8, 13, 21, 34, 55)


def test_fibonacci_word():
    assert fibonacci_word(13) == "LSLLSLSLLSLLS"
    assert fibonacci_word(89)[:55] == fibonacci_word(55)
    assert fibonacci_word(5) in "LLSLS" * 2       # period5 is a rotation of its 5-prefix


@pytest.mark.parametrize("i", range(len(FIBONACCI_PERIODS)))
def test_fibonacci_prefix_collapses_at_log_phi_of_its_period(i):
    p = FIBONACCI_PERIODS[i]
    state = collapse(fibonacci_word(p))
    depth = state.deepest_level
    assert depth == math.floor(log_phi(p)) == i + 3
    assert state.period_words == FIB_LENGTHS[depth]       # one super-L spans the period
    # per period: the Fibonacci numbers down from p at levels 0..depth, then nothing
    want = [FIB_LENGTHS[depth - 2 - k] if k < depth - 1 else 1 for k in range(depth + 1)]
    assert list(state.per_period) == want + [0] * (9 - depth)


def test_no_periodic_tiling_outlives_log_phi_of_its_period():
    # exhaustive over every tiling of period p up to rotation: the Fibonacci word's prefix is
    # the only one that reaches floor(log_phi p) at a Fibonacci period
    for p in range(1, 14):
        depths = {w: collapse(w, 512).deepest_level for w in tiling_patterns(p)}
        assert max(depths.values()) <= math.floor(log_phi(p)), p
        if p in (2, 3, 5, 8, 13):
            best = [w for w, d in depths.items() if d == math.floor(log_phi(p))]
            fib = fibonacci_word(p)
            assert best == [min(fib[i:] + fib[:i] for i in range(p))], p


def test_collapse_steady_state_ignores_end_effects():
    # period:LLS leaves one 8-word start at the end of a text: the steady state has none
    assert structure("period:LLS", 100_000).levels[3].positions == 1
    assert collapse("LLS").per_period == (2, 1, 1) + (0,) * 7
    assert collapse("L").per_period == (1,) + (0,) * 9


def test_tiling_patterns():
    assert tiling_patterns(1) == ["L"]
    assert tiling_patterns(5) == ["LLLLL", "LLLLS", "LLSLS"]
    for p in range(1, 12):
        got = tiling_patterns(p)
        want = {min(w[i:] + w[:i] for i in range(p))
                for w in ("".join(t) for t in itertools.product("LS", repeat=p))
                if "L" in w and "SS" not in w + w[0]}
        assert sorted(want) == got


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


@pytest.mark.parametrize("seed", range(2))
def test_structure_matches_twins(seed):
    rng = random.Random(100 + seed)
    for case in range(25):
        spec = random_spec(rng)
        n = case if case < 4 else rng.randint(0, 400)
        report = structure(spec, n)
        parsed = parse_spec(spec)
        assert report.spec == parsed.canonical and report.n_words == n
        starts = py_lookup_starts(spec, n)
        assert [r.positions for r in report.levels] == [len(s) for s in starts], (spec, n)
        assert [r.coverage for r in report.levels] == \
            [len(s) * f / n if n else 0.0 for s, f in zip(starts, FIB_LENGTHS)]
        if parsed.tilings:
            twins = [py_level_structure(t, n) for t in parsed.tilings]
            assert [(r.n_long, r.n_short) for r in report.levels] == \
                [(sum(t[k].n_long for t in twins), sum(t[k].n_short for t in twins))
                 for k in range(10)], (spec, n)
            assert report.factor_complexity == tuple(
                tuple(py_factor_counts(py_tiles(t, n)[:-1], 16)) for t in parsed.tilings)
        else:
            assert all(r.n_long is None and r.ratio is None for r in report.levels)
            assert report.factor_complexity == ()


def test_structure_as_dict():
    d = structure("period5", 1000).as_dict()
    assert d["spec"] == "period:LLSLS" and len(d["levels"]) == 10
    assert d["levels"][0]["ratio"] == d["levels"][0]["n_long"] / d["levels"][0]["n_short"]
    assert structure("dense", 1000).as_dict()["levels"][9]["positions"] == 1000 - 144 + 1


def test_lookup_rejects_bad_arguments():
    for bad in (-1, 2.5, "10", None):
        with pytest.raises(QuasiError):
            lookup_starts("fib", bad)
    with pytest.raises(TypeError):
        lookup_starts(3, 10)
    with pytest.raises(QuasiError):
        tile_stream("fib", 10)
    for bad in (-1, 2.5):
        with pytest.raises(QuasiError):
            structure("fib", bad)
    with pytest.raises(TypeError):
        structure(3, 10)


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
    "alpha:x", "foo", "Multi", " multi", "period:" + "L" * 249,
])
def test_parse_spec_rejects(spec):
    with pytest.raises(QuasiError):
        parse_spec(spec)


@pytest.mark.parametrize("spec", [None, b"multi", 3])
def test_parse_spec_wants_a_string(spec):
    with pytest.raises(TypeError):
        parse_spec(spec)
