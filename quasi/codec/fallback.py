"""The coding of one block as a record: quasi's sections, or an LZMA2 payload when that
is smaller (the container itself stores a block raw when neither pays).

Rule for the lzma trial: LZMA2 at preset 9e costs about as much time as quasi, so it is
tried only where it has a chance, judged by zstd's size of the same block:

* quasi's coded size exceeds ``LZMA_TRIAL_RATIO`` (0.75) times zstd level 1's (a few
  milliseconds per MiB). On the large texts quasi's blocks are 0.49-0.65 of zstd-1 at
  levels 1, 6 and 9, on binary files 0.94-1.9 (geo, obj2, pic, kennedy.xls), and LZMA2
  is 0.45-1.0 of zstd-1 everywhere, so the trial runs on binary blocks and not on
  prose. On calgary/trans, a terminal transcript at 0.80 (level 6), LZMA2 is 4.4%
  smaller than quasi's coding, which a ratio of 0.8 missed.
* Or, from level 2 (BlockParams.long_match_trial; level 1 keeps its speed), quasi's
  size exceeds ``REPEAT_CHECK_RATIO`` (0.64) times zstd-1's and
  ``LONG_MATCH_RATIO`` (0.85) times zstd level 9's. Markup, logs and generated
  documents repeat long strings far apart, which LZMA2 and zstd-9 find and zstd-1
  does not, so zstd-1 understates what LZMA2 will do there: on single-page HTML at
  level 6 quasi's block was 0.67 of zstd-1 but 0.93 of zstd-9, and LZMA2 was 11.5%
  smaller than quasi's coding. LZMA2 came out at 0.83-0.95 of zstd-9 on the 18 texts of
  the benchmark, where quasi's blocks are at most 0.81 of zstd-9 (prose, JSON, C,
  reStructuredText) except on that HTML (0.93) and a terminal log (0.90). zstd-9
  costs 3-10% of a level-6 coding of prose, hence the first test.

An lzma payload is a raw LZMA2 stream (``lzma.FORMAT_RAW``); its dictionary size is not
recorded: both sides use ``lzma_dict_size(raw_size)``. Importing this module compiles
nothing.
"""
import lzma

import zstandard

from .container import BLOCK_CODED, BLOCK_LZMA
from ..errors import QuasiError

LZMA_TRIAL_RATIO = 0.75
PROXY_LEVEL = 1
REPEAT_CHECK_RATIO = 0.64
LONG_MATCH_RATIO = 0.85
LONG_MATCH_LEVEL = 9
LZMA_PRESET = 9 | lzma.PRESET_EXTREME


def lzma_dict_size(raw_size: int) -> int:
    """The LZMA2 dictionary of a block: its size, at least liblzma's minimum (4 KiB)."""
    return max(raw_size, 4096)


def lzma_worth_trying(raw, coded_size: int, long_matches: bool = True) -> bool:
    """True when quasi's ``coded_size`` leaves LZMA2 a chance (see the module
    docstring); ``long_matches``: also by zstd-9's size."""
    proxy = len(zstandard.ZstdCompressor(level=PROXY_LEVEL).compress(raw))
    if coded_size > LZMA_TRIAL_RATIO * proxy:
        return True
    if not long_matches or coded_size <= REPEAT_CHECK_RATIO * proxy:
        return False
    strong = len(zstandard.ZstdCompressor(level=LONG_MATCH_LEVEL).compress(raw))
    return coded_size > LONG_MATCH_RATIO * strong


def encode_lzma(raw) -> bytes:
    """A raw LZMA2 stream of ``raw`` (preset 9e, block-sized dictionary)."""
    size = memoryview(raw).nbytes
    filters = [{"id": lzma.FILTER_LZMA2, "preset": LZMA_PRESET, "dict_size": lzma_dict_size(size)}]
    return lzma.compress(raw, format=lzma.FORMAT_RAW, filters=filters)


def decode_lzma(payload, raw_size: int) -> bytes:
    """The ``raw_size`` bytes an lzma payload holds; QuasiError unless it decodes to
    exactly that many bytes and ends exactly at its end. Output is bounded by raw_size."""
    filters = [{"id": lzma.FILTER_LZMA2, "dict_size": lzma_dict_size(raw_size)}]
    dec = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=filters)
    try:
        out = dec.decompress(payload, max_length=raw_size + 1)
    except lzma.LZMAError as exc:
        raise QuasiError(f"corrupt lzma block: {exc}") from None
    if len(out) != raw_size or not dec.eof or dec.unused_data:
        raise QuasiError(f"corrupt lzma block: it does not hold exactly {raw_size} bytes")
    return out


def encode_record(raw, spec, params, stats: dict | None = None,
                  try_lzma: bool = True, threads: int = 1) -> tuple[int, list]:
    """(record type, sections) of one block: quasi's sections (BLOCK_CODED), or
    [LZMA2 payload] (BLOCK_LZMA) when the trial runs and is smaller. ``stats`` and
    ``threads`` as for block.encode_block (stats filled by quasi's coding, whichever
    wins); ``try_lzma=False``: quasi's coding only."""
    from .block import encode_block

    sections = encode_block(raw, spec, params, stats, threads)
    coded = sum(len(s) for s in sections) + len(sections)
    if try_lzma and lzma_worth_trying(raw, coded, params.long_match_trial):
        payload = encode_lzma(raw)
        if len(payload) + 1 < coded:
            return BLOCK_LZMA, [payload]
    return BLOCK_CODED, sections
