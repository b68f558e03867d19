"""The tiling laboratory: what a tiling spec offers the parse, level by level.

``structure(spec, n_words)`` reports, for hierarchy levels 0..9 (phrases of 2..144 words), the
lookup positions of the spec (union over its tilings), their coverage, the super-L / super-S node
counts, and the factor complexity of each member tiling's level-0 tile stream.
``collapse(pattern)`` gives the steady-state lookup positions per period of a periodic tiling,
free of end effects, and so the deepest level it keeps; ``fibonacci_word`` gives the patterns
whose collapse depth grows like log_phi(period).

Everything here is numpy over the existing hierarchy kernels; nothing new is jitted.
"""
import math
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import QuasiError
from .hierarchy import N_LEVELS, level_structure, lookup_mask
from .tiling import FIB_LENGTHS, PHI, CutProject, Periodic, TilingSpec, check_n_words, \
    parse_spec, tile_stream

MAX_FACTOR_LEN = 16
"""Factor lengths n = 1..MAX_FACTOR_LEN reported by ``structure``."""


@dataclass(frozen=True)
class LevelReport:
    """One hierarchy level of a spec over n_words words.

    ``positions`` are the lookup starts (union over the spec's tilings, p + length <= n_words);
    ``n_long`` / ``n_short`` are the super-L / super-S nodes summed over the spec's tilings
    (None for ``none`` and ``dense``, which are not tilings)."""

    level: int
    length: int
    positions: int
    coverage: float
    n_long: int | None
    n_short: int | None

    @property
    def ratio(self) -> float | None:
        """n_long / n_short; None when there are no nodes or no super-S."""
        return None if not self.n_short else self.n_long / self.n_short


@dataclass(frozen=True)
class Structure:
    """What ``structure`` measured. ``tilings`` names the member tilings; ``factor_complexity``
    holds, per member, the number of distinct factors of length 1..MAX_FACTOR_LEN of its tile
    stream without the last tile (which the end of the text may shorten from L to S)."""

    spec: str
    n_words: int
    levels: tuple
    tilings: tuple
    factor_complexity: tuple

    @property
    def deepest_level(self) -> int:
        """The deepest level with any lookup position, -1 when there is none."""
        return max((r.level for r in self.levels if r.positions), default=-1)

    def as_dict(self) -> dict:
        """Plain data (JSON-ready), with each level's ratio."""
        out = asdict(self)
        for row, report in zip(out["levels"], self.levels):
            row["ratio"] = report.ratio
        return out


def describe(tiling) -> str:
    """The spec string of one member tiling (``alpha:SLOPE@PHASE`` or ``period:PATTERN``)."""
    if isinstance(tiling, CutProject):
        return f"alpha:{tiling.slope!r}@{tiling.phase!r}"
    if isinstance(tiling, Periodic):
        return "period:" + tiling.pattern
    raise QuasiError(f"not a tiling: {tiling!r}")


def factor_complexity(tiles, max_len: int = MAX_FACTOR_LEN) -> list:
    """Number of distinct factors (windows) of length 1..max_len of a 0/1 stream.

    A window of n <= 24 binary symbols is its own exact hash, an n-bit code; the codes of
    length n + 1 extend those of length n by one symbol, and a seen-table counts them."""
    if not 1 <= max_len <= 24:
        raise QuasiError(f"factor lengths must lie in 1..24, not {max_len}")
    t = np.asarray(tiles).astype(np.int64)
    codes = np.zeros(t.shape[0], np.int64)
    out = []
    for n in range(1, max_len + 1):
        if n > t.shape[0]:
            out.append(0)
            continue
        codes = codes[:t.shape[0] - n + 1] * 2 + t[n - 1:]
        seen = np.zeros(1 << n, np.bool_)
        seen[codes] = True
        out.append(int(np.count_nonzero(seen)))
    return out


def _positions_per_level(spec: TilingSpec, n: int) -> list:
    marks = lookup_mask(spec, n)
    return [int(np.count_nonzero(marks[:max(n - f + 1, 0)] & np.uint16(1 << k)))
            for k, f in enumerate(FIB_LENGTHS)]


def structure(spec, n_words: int) -> Structure:
    """Per hierarchy level 0..9 of ``spec`` (a spec string or TilingSpec) over ``n_words``
    words: positions, coverage (positions x length / n_words), super-L and super-S counts;
    and the factor complexity (n = 1..16) of each member tiling's level-0 tile stream."""
    if isinstance(spec, str):
        spec = parse_spec(spec)
    if not isinstance(spec, TilingSpec):
        raise TypeError(f"not a tiling spec: {spec!r}")
    n = check_n_words(n_words)
    positions = _positions_per_level(spec, n)
    nodes = np.zeros((N_LEVELS, 2), np.int64)
    factors = []
    for tiling in spec.tilings:
        nodes += [(s.n_long, s.n_short) for s in level_structure(tiling, n)]
        factors.append(tuple(factor_complexity(tile_stream(tiling, n)[:-1])))
    has_nodes = bool(spec.tilings)
    levels = tuple(
        LevelReport(k, f, positions[k], positions[k] * f / n if n else 0.0,
                    int(nodes[k, 0]) if has_nodes else None,
                    int(nodes[k, 1]) if has_nodes else None)
        for k, f in enumerate(FIB_LENGTHS))
    return Structure(spec.canonical, n, levels, tuple(describe(t) for t in spec.tilings),
                     tuple(factors))


def fibonacci_word(length: int) -> str:
    """The first ``length`` symbols of the Fibonacci word, the fixed point of L -> LS, S -> L.

    Its prefixes of Fibonacci length F are the substitution images of L, spanning the next
    Fibonacci number of words: repeated, they deflate like the golden tiling for as many levels
    as the substitution was applied, then collapse."""
    if length < 1:
        raise QuasiError(f"length must be at least 1, not {length}")
    word = "L"
    while len(word) < length:
        word = "".join("LS" if c == "L" else "L" for c in word)
    return word[:length]


@dataclass(frozen=True)
class Collapse:
    """Steady state of a periodic tiling: ``per_period[k]`` lookup positions at level k in
    every period of ``period_words`` words, far from the end of the text."""

    pattern: str
    period_words: int
    per_period: tuple

    @property
    def deepest_level(self) -> int:
        """The deepest level that keeps lookup positions, -1 when none does."""
        return max((k for k, c in enumerate(self.per_period) if c), default=-1)


def collapse(pattern: str, min_words: int = 4096) -> Collapse:
    """Lookup positions per period of ``period:pattern`` at every level, without end effects.

    Two texts of m and 2m whole periods (m periods >= min_words words) end at the same phase, so
    the end of the text shortens or merges the same nodes in both; the difference of their
    positions is exactly m periods' worth."""
    spec = parse_spec("period:" + pattern)
    period_words = len(pattern) + pattern.count("L")
    m = max(1, math.ceil(min_words / period_words))
    short = _positions_per_level(spec, m * period_words)
    long = _positions_per_level(spec, 2 * m * period_words)
    per_period = []
    for a, b in zip(short, long):
        q, r = divmod(b - a, m)
        if r or q < 0:   # cannot happen for a truly periodic hierarchy
            raise QuasiError(f"period:{pattern}: positions not periodic ({a} vs {b})")
        per_period.append(q)
    return Collapse(pattern, period_words, tuple(per_period))


def tiling_patterns(period: int) -> list:
    """Every periodic tiling of ``period`` tiles up to rotation, each as its least rotation:
    the L/S words with at least one L and no two S adjacent, also across the period boundary
    (a tiling never has two adjacent S tiles)."""
    if period < 1:
        raise QuasiError(f"period must be at least 1, not {period}")
    words = ["L", "S"]
    for _ in range(period - 1):
        words = [w + c for w in words for c in "LS" if not (c == "S" and w[-1] == "S")]
    out = []
    for w in words:
        if "L" in w and not (w[0] == "S" and w[-1] == "S") \
                and w == min(w[i:] + w[:i] for i in range(period)):
            out.append(w)
    return out


def log_phi(x: float) -> float:
    """Logarithm to base phi."""
    return math.log(x) / math.log(PHI)
