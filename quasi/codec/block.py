"""One block: raw bytes <-> the coded sections the container frames.

A token is a core (a run of letters, a run of digits, or any other single byte)
and the whitespace run after it. The encoder splits a block into tokens, numbers the
distinct cores and whitespace runs, parses the core numbers into events (words,
phrases of the Fibonacci hierarchy, LZ matches; parse.py) and codes seven
sections: meta (config.py: the fields and what they select), the vocabulary
(vocab.py), the whitespace vocabulary (a zstd frame), the event and side
streams (events.py), the whitespace stream (spaces.py) and the case stream
(case.py). ``BlockParams`` is what a compression level chooses; the decoder
needs none of it, reading everything from meta. FORMAT.md section 8 defines the
sections; CHANGELOG.md lists what each codec revision changed.
"""
from dataclasses import dataclass, replace

import numpy as np
import zstandard

from . import heap
from .. import progress
from ..errors import QuasiError
from ..models.case import decode_case, encode_case, ws_classes
from ..models.decisions import side_shapes
from ..models.events import decode_events, encode_events
from ..models.spaces import core_shapes, decode_spaces, encode_spaces, space_shapes
from ..models.vocab import decode_vocab, encode_vocab, priming_words
from ..text.hierarchy import lookup_mask
from ..text.parse import N_LEVELS, count_phrases, parse
from ..text.tokens import (build_vocab, case_split, core_ends, emit_text, gather_strings,
                           token_starts, word_info)
from .config import (CODEC_REVISION, FULL, LIGHT, MAX_CASE_BITS, MAX_SIDE_BITS, STRONG,
                     TABLE_BITS, BlockConfig, case_bits_for, decode_meta, encode_meta,
                     mix_bits_for, pair_bits_for, side_bits_for)
from .varint import decode_varints, encode_varints
from .workers import Workers

ZSTD_LEVEL = 19
AUTO_VOCAB_MODELS = -1
FULL_VOCAB_BYTES = 1 << 18
MATCH_TRIAL_EVENTS = 1 << 16
MATCH_TRIAL_SHARE = 8
MATCH_TRIAL_MARGIN = 256
NO_SHAPES = np.zeros(1, np.int64)  # encode_events' shapes when side_bits is 0 (unread)


@dataclass(frozen=True)
class BlockParams:
    """Encoder choices that a level selects (the decoder reads them from meta)."""

    o1_cap: int = 256
    min_matches: tuple = (4,)
    use_bigrams: bool = False
    thresholds: tuple = ((48, 0),)
    vocab_models: int = AUTO_VOCAB_MODELS
    dictionary: int = 1
    pair_predictor: bool = False
    space_bits: int = 0
    vocab_bits: int = TABLE_BITS
    case_bits: int = 0
    side_bits: int = 0
    long_match_trial: bool = True

    @classmethod
    def for_level(cls, level: int) -> "BlockParams":
        """Nine steps, each adding one model or search to the level below (README's
        levels table has what each costs; levels 2-4 differ from their neighbours by
        less than 1% in size and by about the noise in speed):

        1. light vocabulary model, word-context lists of 64 entries, LZ matches of 4
           events and more, whitespace by counting, one phrase threshold (48); the
           LZMA2 trial only by zstd-1's size (fallback.lzma_worth_trying);
        2. lists of 96 entries; LZ matches of 3 events tried as well; the LZMA2 trial
           also where zstd-9 finds long matches;
        3. lists of 128 entries;
        4. lists of 192 entries; the full vocabulary model on vocabularies up to
           FULL_VOCAB_BYTES;
        5. the mixing whitespace model (at most 2**16 buckets per model);
        6. (default) lists of 256 entries; phrase threshold 8 tried on blocks up to
           256 KiB;
        7. lists of 4096 entries; the strong vocabulary model and 2**20 buckets for
           it and the whitespace model; thresholds 8, 24 and 96 tried on blocks up to
           8 MiB; 64 MiB blocks (options.STRONG_LEVEL);
        8. case flags in the case stream and the mixed side model (at most 2**22
           buckets each);
        9. the events' pair predictor and its word-context chain (decoding time).
        """
        if level <= 5:
            thresholds = ((48, 0),)
        elif level == 6:
            thresholds = ((48, 0), (8, 1 << 18))
        else:
            thresholds = ((48, 0), (8, 8 << 20), (24, 8 << 20), (96, 8 << 20))
        return cls(o1_cap=(64, 96, 128, 192, 192, 256, 4096, 4096, 4096)[level - 1],
                   min_matches=(4,) if level == 1 else (4, 3),
                   pair_predictor=level >= 9,
                   vocab_models=(LIGHT if level <= 3 else STRONG if level >= 7
                                 else AUTO_VOCAB_MODELS),
                   thresholds=thresholds,
                   space_bits=0 if level <= 4 else 16 if level <= 6 else 20,
                   vocab_bits=TABLE_BITS if level <= 6 else 20,
                   case_bits=0 if level <= 7 else MAX_CASE_BITS,
                   side_bits=0 if level <= 7 else MAX_SIDE_BITS,
                   long_match_trial=level >= 2)

    def min_counts(self, n_bytes: int) -> list:
        """The phrase thresholds that may be tried on a block of n_bytes: the first
        always, each other one (min_count, max_bytes) if the block has at most
        max_bytes."""
        return [self.thresholds[0][0]] + [m for m, most in self.thresholds[1:] if n_bytes <= most]


def encode_block(data: bytes, spec, params: BlockParams, stats: dict | None = None,
                 threads: int = 1) -> list:
    """Code one block of raw bytes into its sections.

    The parse keeps a phrase entry only if it occurs min_count times: every
    threshold params.min_counts(len(data)) names is tried and the smallest event
    streams win (the decoder needs no word of it); in a block that uses the
    word-context chain (config.BlockConfig.word_chain) the trials code without it, and
    the winner is coded once more with it.

    stats: if a dict, it receives what the parse did: n_tokens, n_words,
    events_per_level and entries_used_per_level (lists indexed by event level,
    see parse.py) and entries_per_level (codebook sizes). threads: worker
    threads for the block's independent stages (the output does not change)."""
    with Workers(threads) as workers, progress.metering(len(data)) as meter:
        return _encode_block(data, spec, params, stats, workers, meter)


def _encode_block(data, spec, params, stats, workers, meter):
    buf = np.frombuffer(data, np.uint8)
    starts = token_starts(buf)
    ends = core_ends(buf, starts)
    low, flags = case_split(buf, starts)
    ids, first = build_vocab(low, starts, ends)
    ws_ids, ws_first = _by_frequency(*build_vocab(low, ends, starts[1:]))
    n_tok = ids.shape[0]
    n_words = first.shape[0]
    vbytes, voffs = gather_strings(low, starts, ends, first)
    wbytes, woffs = gather_strings(low, ends, starts[1:], ws_first)
    del buf, starts, ends, low  # the parse and the coders need only ids and vocabularies
    heap.release_if_large(len(data))  # their pages, before the vocabulary model takes its own
    vocab_models = params.vocab_models
    if vocab_models == AUTO_VOCAB_MODELS:
        vocab_models = FULL if vbytes.shape[0] <= FULL_VOCAB_BYTES else LIGHT
    # the vocabulary and whitespace coders do not depend on the parse
    vocab = workers.submit(encode_vocab, vbytes, voffs, vocab_models, params.vocab_bits,
                           *priming_words(params.dictionary))
    mix_bits = mix_bits_for(n_tok, params.space_bits) if params.space_bits else 0
    spaces = workers.submit(encode_spaces, ids, ws_ids, *core_shapes(vbytes, voffs),
                            *space_shapes(wbytes, woffs), mix_bits)
    ws_section = workers.submit(_zstd, encode_varints(np.diff(woffs)).tobytes() + wbytes.tobytes())
    winfo = word_info(vbytes, voffs)  # read by the case coder; each event coder takes a copy
    case_bits = case_bits_for(n_tok, params.case_bits) if params.case_bits else 0
    case = workers.submit(encode_case, ids, flags, winfo, ws_ids, ws_classes(wbytes, woffs),
                          case_bits) if case_bits else None
    del ws_ids  # the coders' own references keep it while they run
    pair_bits = pair_bits_for(n_tok, n_words) if params.pair_predictor else 0
    side_bits = side_bits_for(n_tok, params.side_bits) if params.side_bits else 0
    # min_match and the entries are set once the parse is chosen
    config = BlockConfig(CODEC_REVISION, n_tok, n_words, params.o1_cap, 0, (), vbytes.shape[0],
                         ws_first.shape[0], vocab_models, params.dictionary, pair_bits,
                         mix_bits, params.vocab_bits, case_bits, side_bits)
    side_ctx, word_chain, counted_bits = config.side_ctx, config.word_chain, config.counted_bits
    mask = lookup_mask(spec, n_tok)
    best = None
    min_match = None
    tried = params.min_counts(len(data))
    counts = count_phrases(ids, mask, min(tried))  # one count for every trial
    # passes of the event coder: every trial at most, and the final one with the chain
    meter.start(n_tok, len(tried) + (1 if word_chain or side_bits else 0))

    def trial(min_count, last):
        """Parse with min_count, code the events without the chain and keep the
        smallest; last: no parse follows (the mask and counts can go). True if it won."""
        nonlocal best, mask, counts, min_match
        e_pos, e_lev, e_val, n_entries = parse(ids, first, mask, use_bigrams=params.use_bigrams,
                                               min_count=min_count, counts=counts)
        if last:
            mask = counts = None  # the event coders read neither
        coded = None
        if best is None:  # the first parse picks the shortest match for all
            min_match, coded = _pick_min_match(params, ids, flags, first,
                                               _event_info(winfo, case_bits), e_pos,
                                               e_lev, e_val, n_entries, config.order0,
                                               pair_bits, side_ctx, counted_bits, workers)
        if coded is None:
            coded = encode_events(ids, flags, first, _event_info(winfo, case_bits),
                                  e_pos, e_lev, e_val, n_entries, n_words, params.o1_cap,
                                  min_match, *config.order0, pair_bits, side_ctx, 0,
                                  counted_bits, 0, 0, NO_SHAPES, meter.position)
        meter.next_pass()
        events, side = coded
        if best is None or events.shape[0] + side.shape[0] < best[0]:
            best = (events.shape[0] + side.shape[0], events, side, (e_pos, e_lev, e_val, n_entries))
            return True
        return False

    _walk_thresholds(tried, trial)
    mask = counts = None
    _size, events, side, (e_pos, e_lev, e_val, n_entries) = best
    del best
    if word_chain or side_bits:  # the trials rank the parses without either (faster)
        events, side = encode_events(ids, flags, first, _event_info(winfo, case_bits),
                                     e_pos, e_lev, e_val, n_entries, n_words, params.o1_cap,
                                     min_match, *config.order0, pair_bits, side_ctx,
                                     word_chain, counted_bits, side_bits, config.mixed_levels,
                                     side_shapes(vbytes, voffs), meter.position)
    if stats is not None:
        stats.update(_parse_stats(e_lev, e_val, n_entries, n_tok, n_words))
    del e_pos, e_lev, e_val
    meta = encode_meta(replace(config, min_match=min_match,
                               entries=tuple(int(x) for x in n_entries)))
    decode_meta(meta, len(data))  # what the decoder will check: refuse to write otherwise
    return [meta, vocab.result().tobytes(), ws_section.result(), events.tobytes(),
            side.tobytes(), spaces.result().tobytes(),
            case.result().tobytes() if case_bits else b""]


def _walk_thresholds(tried, trial):
    """Call trial(min_count, last) on phrase thresholds from tried, assuming the
    coded size is unimodal in the threshold: the first of tried, then down the
    sorted thresholds while each one wins; if the first step down loses (or there
    is none), up from the first while each one wins. last: no call follows for
    certain. Level 9 (48, then 24, then 8 or 96) needs three parses instead of
    four; on the 14 texts of bench/results/texts it picks what trying all four
    picks on 12, and loses 11 bytes on asyoulik and 15 on lcet10."""
    order = sorted(set(tried))
    at = order.index(tried[0])
    down, up = order[:at][::-1], order[at + 1:]
    trial(tried[0], not down and not up)
    went_down = False
    for k, min_count in enumerate(down):
        if not trial(min_count, k + 1 == len(down) and (went_down or not up)):
            break
        went_down = True
    if went_down:
        return
    for k, min_count in enumerate(up):
        if not trial(min_count, k + 1 == len(up)):
            return


def _event_info(winfo, case_bits):
    """A copy of winfo (tokens.word_info) for an event coder, which updates it in
    place; with a case stream (case_bits > 0) no word is marked as carrying a flag,
    so the side stream codes none."""
    return winfo & np.uint16(0xFFFE) if case_bits else winfo.copy()


def _by_frequency(ws_ids, ws_first):
    """(ws_ids, ws_first) renumbered from the most frequent whitespace entry down
    (ties: first occurrence first), so the whitespace coder meets its common
    entries first. Any order decodes: the section lists the entries."""
    order = np.argsort(-np.bincount(ws_ids, minlength=ws_first.shape[0]), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    return rank[ws_ids].astype(ws_ids.dtype), ws_first[order]


def _zstd(blob: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(blob)


def _pick_min_match(params, ids, flags, first, winfo, e_pos, e_lev, e_val, n_entries,
                    order0, pair_bits, side_ctx, counted_bits, workers):
    """The shortest LZ match over events among params.min_matches whose events
    and side streams (coded without the word-context chain) come out smallest on
    the first MATCH_TRIAL_EVENTS events
    (or 1/MATCH_TRIAL_SHARE of them, if more). The first (the default) keeps its
    place unless another beats it by more than 1/MATCH_TRIAL_MARGIN: the trial
    sees a sample (on world192 the first eighth favours 3, the whole block 4).

    Returns (min_match, its (events, side) streams if the trial coded every
    event, else None)."""
    if len(params.min_matches) == 1:
        return params.min_matches[0], None
    n_ev = e_pos.shape[0]
    n = n_ev if n_ev <= MATCH_TRIAL_EVENTS else max(MATCH_TRIAL_EVENTS, n_ev // MATCH_TRIAL_SHARE)

    def trial(min_match):
        return encode_events(ids, flags, first, winfo.copy(), e_pos[:n], e_lev[:n],
                             e_val[:n], n_entries, first.shape[0], params.o1_cap, min_match,
                             *order0, pair_bits, side_ctx, 0, counted_bits, 0, 0,
                             NO_SHAPES, np.zeros(1, np.int64))   # sampled: not metered

    trials = workers.map(trial, params.min_matches)
    sizes = [events.shape[0] + side.shape[0] for events, side in trials]
    sizes[0] -= sizes[0] // MATCH_TRIAL_MARGIN
    pick = sizes.index(min(sizes))
    return params.min_matches[pick], trials[pick] if n == n_ev else None


def decode_block(sections, raw_size: int) -> np.ndarray:
    """Inverse of encode_block (a uint8 array); raises QuasiError on any inconsistency."""
    with progress.metering(raw_size) as meter:
        return _decode_block(sections, raw_size, meter)


def _decode_block(sections, raw_size, meter):
    config = decode_meta(sections[0] if sections else b"", raw_size)
    if len(sections) != len(config.section_names):
        raise QuasiError(f"coded block has {len(sections)} sections, "
                         f"expected {len(config.section_names)}")
    n_tok, n_words = config.n_tokens, config.n_words
    meter.start(n_tok, 1)
    if not config.whitespace_section:
        vbytes, voffs = _zstd_vocab(sections[1], sections[2], n_words, raw_size)
        wbytes = np.zeros(8, np.uint8)
        woffs = np.zeros(1, np.int64)
    else:
        vbytes, voffs, ok = decode_vocab(np.frombuffer(sections[1], np.uint8), n_words,
                                         config.n_vocab_bytes, config.vocab_models,
                                         config.vocab_bits, *priming_words(config.dictionary))
        if not ok:
            raise QuasiError("corrupt vocabulary section")
        wbytes, woffs = _ws_vocab(sections[2], config.n_spaces, raw_size)
    winfo = word_info(vbytes, voffs)
    side_bits = config.side_bits
    ids, flags, ok = decode_events(np.frombuffer(sections[3], np.uint8),
                                   np.frombuffer(sections[4], np.uint8), n_tok, n_words,
                                   _event_info(winfo, config.case_bits),
                                   np.array(config.entries, np.int64), config.o1_cap,
                                   config.min_match, *config.order0, config.pair_bits,
                                   config.side_ctx, config.word_chain, config.counted_bits,
                                   side_bits, config.mixed_levels,
                                   side_shapes(vbytes, voffs) if side_bits else NO_SHAPES,
                                   meter.position)
    if not ok:
        raise QuasiError("corrupt event stream")
    if not config.whitespace_section:
        ws_ids = np.zeros(0, np.int32)
    else:
        ws_ids, ok = decode_spaces(np.frombuffer(sections[5], np.uint8), ids,
                                   *core_shapes(vbytes, voffs), *space_shapes(wbytes, woffs),
                                   config.line_contexts, config.mix_bits)
        if not ok:
            raise QuasiError("corrupt whitespace stream")
    if config.case_bits:
        flags, ok = decode_case(np.frombuffer(sections[6], np.uint8), ids, winfo, ws_ids,
                                ws_classes(wbytes, woffs), config.case_bits)
        if not ok:
            raise QuasiError("corrupt case stream")
    elif len(sections) > 6 and len(sections[6]):
        raise QuasiError("corrupt case stream")
    out, ok = emit_text(ids, flags, ws_ids, vbytes, voffs, wbytes, woffs, raw_size)
    if not ok:
        raise QuasiError("decoded block does not have its declared size")
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


def _zstd_vocab(lengths_blob, bytes_blob, n_words: int, raw_size: int):
    """Codec revision 1's vocabulary: (bytes with 8 bytes of slack, offsets)."""
    vlen = decode_varints(np.frombuffer(_unzstd(lengths_blob, 10 * n_words, "vocabulary lengths"),
                                        np.uint8), n_words)
    if vlen is None or (vlen < 1).any():
        raise QuasiError("corrupt vocabulary lengths")
    vocab = _unzstd(bytes_blob, raw_size, "vocabulary")
    return _with_offsets(vocab, vlen, "vocabulary")


def _ws_vocab(blob, n_ws: int, raw_size: int):
    """The whitespace vocabulary section: (bytes with 8 bytes of slack, offsets)."""
    view = np.frombuffer(_unzstd(blob, raw_size + 10 * n_ws, "whitespace vocabulary"), np.uint8)
    wlen, used = decode_varints(view, n_ws, with_size=True)
    if wlen is None or (wlen > raw_size).any():
        raise QuasiError("corrupt whitespace vocabulary")
    return _with_offsets(bytes(view[used:]), wlen, "whitespace vocabulary")


def _with_offsets(data: bytes, lengths, what: str):
    offs = np.zeros(lengths.shape[0] + 1, np.int64)
    np.cumsum(lengths, out=offs[1:])
    if offs[-1] != len(data):
        raise QuasiError(f"{what} lengths do not match its bytes")
    out = np.zeros(len(data) + 8, np.uint8)  # slack for 8-byte moves
    out[:len(data)] = np.frombuffer(data, np.uint8)
    return out, offs


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
