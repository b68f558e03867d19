"""One block: raw bytes <-> the coded sections the container frames.

Sections of a coded block, in order:
  0 meta: varints codec revision (1), n_tokens, n_words, o1_cap, min_match, then
    entries per event level (13 values)
  1 vocabulary lengths: zstd frame of one varint per word, first-occurrence order
  2 vocabulary bytes: zstd frame of the words back to back
  3 events: the range-coded event stream (see events.py)
  4 side: the range-coded binary decisions (word or not, new word or not, case flags)
"""
from dataclasses import dataclass

import numpy as np
import zstandard

from .hierarchy import lookup_starts
from .errors import QuasiError
from .events import decode_events, encode_events
from .parse import N_LEVELS, parse
from .tokens import build_vocab, case_split, token_starts, word_info
from .varint import decode_varints, encode_varints

N_SECTIONS = 5
CODEC_REVISION = 1  # bump whenever the models change what a stream means
ZSTD_LEVEL = 19


@dataclass(frozen=True)
class BlockParams:
    """Encoder choices that a level selects (the decoder reads them from meta)."""

    o1_cap: int = 256
    min_match: int = 4
    use_bigrams: bool = False
    min_count: int = 24


def encode_block(data: bytes, spec, params: BlockParams, stats: dict | None = None) -> list:
    """Code one block of raw bytes into its sections.

    stats: if a dict, it receives what the parse did: n_tokens, n_words,
    events_per_level and entries_used_per_level (lists indexed by event level,
    see parse.py) and entries_per_level (codebook sizes)."""
    buf = np.frombuffer(data, np.uint8)
    starts = token_starts(buf)
    low, flags = case_split(buf, starts)
    ids, first = build_vocab(low, starts)
    n_tok = ids.shape[0]
    n_words = first.shape[0]
    lookup = lookup_starts(spec, n_tok)
    e_pos, e_lev, e_val, n_entries = parse(ids, first, lookup, use_bigrams=params.use_bigrams,
                                          min_count=params.min_count)
    if stats is not None:
        stats.update(_parse_stats(e_lev, e_val, n_entries, n_tok, n_words))
    vstart = starts[first]
    vlen = starts[first + 1] - vstart
    voffs = np.zeros(n_words + 1, np.int64)
    np.cumsum(vlen, out=voffs[1:])
    vbytes = _gather(low, vstart, vlen, voffs)
    events, case = encode_events(ids, flags, first, word_info(vbytes, voffs), e_pos, e_lev,
                                 e_val, n_entries, n_words, params.o1_cap, params.min_match)
    meta = encode_varints(np.array([CODEC_REVISION, n_tok, n_words, params.o1_cap,
                                    params.min_match]
                                   + [int(x) for x in n_entries], np.int64)).tobytes()
    zc = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    return [meta, zc.compress(encode_varints(vlen).tobytes()), zc.compress(vbytes.tobytes()),
            events.tobytes(), case.tobytes()]


def decode_block(sections, raw_size: int) -> np.ndarray:
    """Inverse of encode_block (a uint8 array); raises QuasiError on any inconsistency."""
    if len(sections) != N_SECTIONS:
        raise QuasiError(f"coded block has {len(sections)} sections, expected {N_SECTIONS}")
    meta = decode_varints(np.frombuffer(sections[0], np.uint8), 5 + N_LEVELS)
    if meta is None:
        raise QuasiError("corrupt block meta section")
    if meta[0] != CODEC_REVISION:
        raise QuasiError(f"unsupported codec revision {meta[0]} "
                         f"(this quasi reads {CODEC_REVISION})")
    n_tok, n_words, o1_cap, min_match = (int(x) for x in meta[1:5])
    n_entries = meta[5:].astype(np.int64)
    if not (1 <= n_tok <= raw_size and 1 <= n_words <= n_tok and 1 <= o1_cap <= 1 << 16
            and 0 <= min_match <= 1 << 16 and int(n_entries.sum()) <= n_tok):
        raise QuasiError("corrupt block meta section")
    vlen_raw = _unzstd(sections[1], 10 * n_words, "vocabulary lengths")
    vlen = decode_varints(np.frombuffer(vlen_raw, np.uint8), n_words)
    if vlen is None or (vlen < 1).any():
        raise QuasiError("corrupt vocabulary lengths")
    vocab = _unzstd(sections[2], raw_size, "vocabulary")
    vbytes = np.zeros(len(vocab) + 8, np.uint8)  # slack for 8-byte moves
    vbytes[: len(vocab)] = np.frombuffer(vocab, np.uint8)
    voffs = np.zeros(n_words + 1, np.int64)
    np.cumsum(vlen, out=voffs[1:])
    if voffs[-1] != len(vocab):
        raise QuasiError("vocabulary lengths do not match the vocabulary")
    out, ok = decode_events(np.frombuffer(sections[3], np.uint8),
                            np.frombuffer(sections[4], np.uint8), n_tok, n_words,
                            word_info(vbytes, voffs), n_entries, o1_cap, min_match,
                            vbytes, voffs, raw_size)
    if not ok:
        raise QuasiError("corrupt event stream")
    return out


def _parse_stats(e_lev, e_val, n_entries, n_tok, n_words) -> dict:
    events = np.bincount(e_lev, minlength=N_LEVELS)
    used = [0] * N_LEVELS
    for lev in range(2, N_LEVELS):
        used[lev] = int(np.unique(e_val[e_lev == lev]).shape[0])
    return {"n_tokens": int(n_tok), "n_words": int(n_words),
            "events_per_level": [int(x) for x in events],
            "entries_per_level": [int(x) for x in n_entries],
            "entries_used_per_level": used}


def _gather(src, starts, lengths, offs):
    out = np.empty(int(offs[-1]), np.uint8)
    idx = np.repeat(starts - offs[:-1], lengths) + np.arange(out.shape[0])
    out[:] = src[idx]
    return out


def _unzstd(blob, limit: int, what: str) -> bytes:
    try:
        size = zstandard.frame_content_size(blob)
    except zstandard.ZstdError as exc:
        raise QuasiError(f"corrupt {what} section: {exc}") from None
    if size < 0 or size > limit:
        raise QuasiError(f"corrupt {what} section: declared size {size}")
    try:
        return zstandard.ZstdDecompressor().decompress(blob, max_output_size=size)
    except zstandard.ZstdError as exc:
        raise QuasiError(f"corrupt {what} section: {exc}") from None
