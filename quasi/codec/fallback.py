"""The coding of one block as a record: quasi's sections, or an LZMA2 payload when that
is smaller (the container itself stores a block raw when neither pays).

Rule for the lzma trial: LZMA2 at preset 9e costs about as much time as quasi, so it is
tried only when quasi's coded size exceeds ``LZMA_TRIAL_RATIO`` (0.75) times the size of
zstd level 1 on the same block (a few milliseconds per MiB). Measured (bench/results/
nontext/README.md): on the large texts quasi's blocks are 0.49-0.65 of zstd-1 at levels
1, 6 and 9 (enwik8-head, world192, bible, kernel-docs, gcide, book1, lcet10), on binary
files 0.94-1.9 (geo, obj2, pic, kennedy.xls), and LZMA2 is 0.45-1.0 of zstd-1
everywhere, so the trial runs on binary blocks and not on prose. Small files of code and
markup sit between (0.71-0.87); on calgary/trans, a terminal transcript at 0.80 (level 6),
LZMA2 is 4.4% smaller than quasi's coding, which a ratio of 0.8 missed.

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
LZMA_PRESET = 9 | lzma.PRESET_EXTREME


def lzma_dict_size(raw_size: int) -> int:
    """The LZMA2 dictionary of a block: its size, at least liblzma's minimum (4 KiB)."""
    return max(raw_size, 4096)


def lzma_worth_trying(raw, coded_size: int) -> bool:
    """True when quasi's ``coded_size`` leaves LZMA2 a chance (see the module docstring)."""
    proxy = zstandard.ZstdCompressor(level=PROXY_LEVEL).compress(raw)
    return coded_size > LZMA_TRIAL_RATIO * len(proxy)


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
    if try_lzma and lzma_worth_trying(raw, coded):
        payload = encode_lzma(raw)
        if len(payload) + 1 < coded:
            return BLOCK_LZMA, [payload]
    return BLOCK_CODED, sections
