"""Tiling specs and level-0 tile streams.

A tiling lays tiles over the word sequence: a long tile L covers 2 words, a short tile S covers
1. Tiles are laid from word 0 until all ``n_words`` words are covered; an L that would overrun the
text (only one word left) becomes an S. Tile streams are uint8 arrays, 1 = L and 0 = S.

Two kinds of tiling exist:

* ``CutProject(slope, phase)``: symbol k is L when floor((k+1)*slope + phase) - floor(k*slope +
  phase) == 1. Floors are taken in IEEE float64 on ``float(k) * slope + phase`` (a multiply
  then an add, no fused multiply-add), the same expression for a given k wherever it appears, so
  consecutive symbols telescope consistently. The absolute error of that sum is about
  |k * slope| * 2**-53, i.e. ~1e-7 at k ~ 1e9 tiles: a symbol can differ from the exact real
  tiling only where frac(k * slope + phase) lies within that distance of an integer. The result
  is deterministic, and the decoder never needs the tiling, so this affects only which
  positions are offered as phrase starts, never correctness.
* ``Periodic(pattern)``: tile k is ``pattern[k % len(pattern)]``.

Spec strings (``parse_spec``): ``multi`` (default, 36 tilings), ``fib`` (12 golden phases),
``period:PATTERN`` (alias ``period5`` = ``period:LLSLS``), ``alpha:SLOPE[@PHASE]``, ``none``,
``dense``. What a spec offers the parse level by level (lookup positions, coverage, node
counts, factor complexity) is reported by ``quasi.text.structure``.
"""
import math
from dataclasses import dataclass

import numpy as np

from ..models._jit import njit
from ..errors import QuasiError

FIB_LENGTHS = (2, 3, 5, 8, 13, 21, 34, 55, 89, 144)
"""Phrase length in words of hierarchy level k = 0..9."""

PHI = (1.0 + math.sqrt(5.0)) / 2.0
GOLDEN_SLOPE = 1.0 / PHI
"""Slope of the golden (Fibonacci) tiling, 1/phi = 0.6180339887..."""

MAX_CANONICAL_LEN = 255
KINDS = ("multi", "fib", "period", "alpha", "none", "dense")


@dataclass(frozen=True)
class CutProject:
    """Cut-and-project tiling with slope in (0, 1) and phase in [0, 1)."""

    slope: float
    phase: float


@dataclass(frozen=True)
class Periodic:
    """Periodic tiling: ``pattern`` (a string of 'L'/'S') repeated."""

    pattern: str


@dataclass(frozen=True)
class TilingSpec:
    """A parsed tiling spec.

    ``kind`` is one of ``KINDS``; ``canonical`` is the spec string recorded in the file header;
    ``tilings`` holds the member tilings (empty for ``none`` and ``dense``, which are not
    tilings but fixed candidate sets).
    """

    kind: str
    canonical: str
    tilings: tuple = ()


def _golden_tilings():
    return tuple(CutProject(GOLDEN_SLOPE, math.fmod(i / PHI, 1.0)) for i in range(12))


def _multi_tilings():
    irrational = (math.sqrt(58.0) - 7.0,
                  62.0 * (99.0 - math.sqrt(5.0)) / 9796.0,
                  math.sqrt(13.0) - 3.0)
    rational = (0.502, 0.612, 0.614, 0.616, 0.617, 0.619, 0.620, 0.621, 0.622)
    others = tuple(CutProject(a, t) for a in irrational + rational for t in (0.0, 0.5))
    return _golden_tilings() + others


def _parse_float(text: str, what: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise QuasiError(f"tiling spec {spec!r}: {what} {text!r} is not a number") from None
    return value + 0.0  # -0.0 -> 0.0


def _parse_alpha(body: str, spec: str) -> TilingSpec:
    slope_text, sep, phase_text = body.partition("@")
    slope = _parse_float(slope_text, "slope", spec)
    phase = _parse_float(phase_text, "phase", spec) if sep else 0.0
    if not 0.0 < slope < 1.0:
        raise QuasiError(f"tiling spec {spec!r}: slope must lie in (0, 1)")
    if not 0.0 <= phase < 1.0:
        raise QuasiError(f"tiling spec {spec!r}: phase must lie in [0, 1)")
    return TilingSpec("alpha", f"alpha:{slope!r}@{phase!r}", (CutProject(slope, phase),))


def _parse_period(pattern: str, spec: str) -> TilingSpec:
    if not pattern or set(pattern) - {"L", "S"} or "L" not in pattern:
        raise QuasiError(f"tiling spec {spec!r}: pattern must be a non-empty string of 'L' and 'S' "
                         "containing at least one 'L'")
    return TilingSpec("period", "period:" + pattern, (Periodic(pattern),))


def parse_spec(spec: str) -> TilingSpec:
    """Parse a tiling spec string; QuasiError if it is invalid, TypeError if not a str."""
    if not isinstance(spec, str):
        raise TypeError(f"tiling spec must be a string, not {type(spec).__name__}")
    if spec == "multi":
        parsed = TilingSpec("multi", "multi", _multi_tilings())
    elif spec == "fib":
        parsed = TilingSpec("fib", "fib", _golden_tilings())
    elif spec in ("none", "dense"):
        parsed = TilingSpec(spec, spec)
    elif spec == "period5":
        parsed = _parse_period("LLSLS", spec)
    elif spec.startswith("period:"):
        parsed = _parse_period(spec[len("period:"):], spec)
    elif spec.startswith("alpha:"):
        parsed = _parse_alpha(spec[len("alpha:"):], spec)
    else:
        raise QuasiError(f"unknown tiling spec {spec!r}")
    if len(parsed.canonical) > MAX_CANONICAL_LEN:   # always ASCII: L/S patterns, float reprs
        raise QuasiError(f"tiling spec {spec!r}: canonical form over {MAX_CANONICAL_LEN} bytes")
    return parsed


def check_n_words(n_words) -> int:
    """Return ``n_words`` as a non-negative int or raise QuasiError."""
    try:
        n = int(n_words)
    except (TypeError, ValueError):
        raise QuasiError(f"n_words must be an integer, not {n_words!r}") from None
    if n != n_words or n < 0:
        raise QuasiError(f"n_words must be a non-negative integer, not {n_words!r}")
    return n


@njit
def _cut_project_symbol(k, slope, phase):
    """1 (L) when floor((k+1)*slope + phase) - floor(k*slope + phase) == 1, else 0 (S)."""
    step = np.floor(float(k + 1) * slope + phase) - np.floor(float(k) * slope + phase)
    return np.uint8(step == 1.0)


@njit
def _lay_cut_project(slope, phase, n_words, out):
    """Write the tiles of cut-and-project (slope, phase) covering n_words words into ``out``
    (length >= n_words); return the number of tiles.

    The symbols are computed first in a branch-free loop over a count that covers n_words in
    exact arithmetic (m tiles cover m + floor(m*slope + phase) words); the laying pass computes
    any further symbol itself, so float rounding can never leave words uncovered.
    """
    m = min(n_words, np.int64(n_words / (1.0 + slope)) + 4)
    for k in range(m):
        out[k] = _cut_project_symbol(k, slope, phase)
    words = 0
    k = np.int64(0)
    while words < n_words:
        if k >= m:
            out[k] = _cut_project_symbol(k, slope, phase)
        words += 1 + np.int64(out[k])
        k += 1
    if words > n_words:   # the last tile is an L with one word left: it becomes S
        out[k - 1] = 0
    return k


@njit
def _lay_periodic(pattern, n_words, out):
    """Write the tiles of the periodic tiling ``pattern`` (uint8, 1 = L) covering n_words words
    into ``out`` (length >= n_words); return the number of tiles."""
    period = pattern.shape[0]
    words = 0
    k = 0
    while words < n_words:
        out[k] = pattern[k % period]
        words += 1 + np.int64(out[k])
        k += 1
    if words > n_words:   # the last tile is an L with one word left: it becomes S
        out[k - 1] = 0
    return k


def pattern_array(pattern: str) -> np.ndarray:
    """A periodic pattern string as a uint8 array (1 = L, 0 = S)."""
    return (np.frombuffer(pattern.encode("ascii"), np.uint8) == ord("L")).astype(np.uint8)


def lay_tiles(tiling, n_words: int, out: np.ndarray) -> int:
    """Write the tile stream of ``tiling`` over ``n_words`` words into ``out`` (uint8, length >=
    n_words, since a tile covers at least one word); return the number of tiles."""
    if isinstance(tiling, CutProject):
        return _lay_cut_project(float(tiling.slope), float(tiling.phase), n_words, out)
    if isinstance(tiling, Periodic):
        return _lay_periodic(pattern_array(tiling.pattern), n_words, out)
    raise QuasiError(f"not a tiling: {tiling!r}")


def tile_stream(tiling, n_words: int) -> np.ndarray:
    """Level-0 tile stream (uint8, 1 = L, 0 = S) of one tiling covering ``n_words`` words."""
    n = check_n_words(n_words)
    out = np.empty(n, np.uint8)
    return out[:lay_tiles(tiling, n, out)].copy()
