"""One block: raw bytes <-> the coded sections the container frames.

A token is a core (a run of letters, or any other single byte) and the
whitespace after it. Sections of a coded block (codec revisions 2 to 9), in order:
  0 meta: varints codec revision, n_tokens, n_words, o1_cap, min_match, entries
    per event level (13 values), vocabulary bytes, whitespace entries,
    vocabulary model set (vocab.LIGHT, FULL or, from revision 8, STRONG), priming
    dictionary (vocab.DICTIONARIES), pair predictor table bits (from revision 4),
    whitespace model table bits (from revision 9)
  1 vocabulary: the distinct cores in first-occurrence order, spelled by the
    context-mixing model of vocab.py
  2 whitespace vocabulary: a zstd frame of varint lengths, then the entries
    back to back
  3 events: the range-coded event stream over the cores (see events.py)
  4 side: the range-coded binary decisions (word or not, new word or not, case flags)
  5 spaces: the range-coded whitespace entry of every token (see spaces.py)

Codec revision 3 differs from 2 only in the whitespace model (spaces.py).
Codec revision 4 adds the events' pair predictor (events.py): meta ends with one
more varint, log2 of its table (0: none, which codes the events as revision 3).
Codec revision 5 gives the side stream's bits richer contexts (events.py): the
word-or-not and new-word decisions also see the previous token's class and how
often the previous word has been seen, a case flag also the word's flag before
its last.
Codec revision 6 codes a known word the pair prediction missed, in blocks with
the pair predictor (level 9), down the word-context chain of events.py: order-2,
order-1 and skip-word lists with learnt escapes and exclusion, then order 0.
Codec revision 7 lets the events' binary decisions (side stream, pair predictor,
chain escapes) adapt at rates that follow their counts (coder.bits_new).
Codec revision 8 adds the vocabulary model set STRONG (vocab.py), used at levels 7-9.
Codec revision 9 adds the whitespace mixing model (spaces.py), used from level 5 on:
meta ends with log2 of its buckets per model (0: revision 3's counting model). From
revision 9 the encoder numbers the whitespace entries by frequency.

Codec revision 13 moves the case flags of a block with a case table (levels 8-9)
out of the side stream into a seventh section, case (see case.py), coded after the
whitespace: meta ends with log2 of that table (0: the flags stay in the side stream).
Codec revision 14 predicts the side stream's decisions (other than a word, new word)
of a block with a side table (levels 8-9) by a mixed model (decisions.py): meta ends
with log2 of its buckets (0: revision 13's adaptive bits in context).
Codec revision 15 codes, in a block with a side table, the level of an event other
than a word in the side stream with that mixed model (decisions.level_predict)
instead of in the main stream (meta as in revision 14).

Codec revision 1 (still decoded) had no whitespace split: its vocabulary entries
carried their whitespace and came as two zstd frames (varint lengths, bytes), in
sections 1 and 2 of 5.
"""
from dataclasses import dataclass

import numpy as np
import zstandard

from . import heap
from .. import progress
from ..models.case import (MAX_CASE_BITS, MIN_CASE_BITS, case_bits_for, decode_case, encode_case,
                           ws_classes)
from ..models.decisions import (MAX_SIDE_BITS, MIN_SIDE_BITS, mixed_levels_for, side_bits_for,
                                side_shapes)
from ..text.hierarchy import lookup_mask
from ..errors import QuasiError
from ..models.chain import counted_bits_for, word_chain_for
from ..models.events import O0_INC, O0_LIMIT, decode_events, encode_events
from ..models.levels import side_ctx_for
from ..models.pair import pair_bits_for
from ..text.parse import N_LEVELS, count_phrases, parse
from .sections import SECTION_NAMES, codec_revision
from ..models.spaces import (MAX_MIX_BITS, MIN_MIX_BITS, core_shapes, decode_spaces, encode_spaces,
                             mix_bits_for, space_shapes)
from ..text.tokens import (build_vocab, case_split, core_ends, emit_text, gather_strings,
                           token_starts, word_info)
from .varint import decode_varints, encode_varints
from ..models.vocab import (DICTIONARIES, FULL, LIGHT, MAX_TABLE_BITS, MIN_TABLE_BITS, MODEL_SETS,
                            STRONG, TABLE_BITS, decode_vocab, encode_vocab, priming_words)
from .workers import Workers

CODEC_REVISION = 15  # bump whenever the models change what a stream means
ZSTD_LEVEL = 19
AUTO_VOCAB_MODELS = -1
FULL_VOCAB_BYTES = 1 << 18
MATCH_TRIAL_EVENTS = 1 << 16
MATCH_TRIAL_SHARE = 8
MATCH_TRIAL_MARGIN = 256
NO_SHAPES = np.zeros(1, np.int64)  # encode_events' shapes when side_bits is 0 (unread)
N_META = {1: 5 + N_LEVELS, 2: 9 + N_LEVELS, 3: 9 + N_LEVELS, 4: 10 + N_LEVELS,
          5: 10 + N_LEVELS, 6: 10 + N_LEVELS, 7: 10 + N_LEVELS, 8: 10 + N_LEVELS,
          9: 11 + N_LEVELS, 10: 12 + N_LEVELS, 11: 12 + N_LEVELS,
          12: 12 + N_LEVELS, 13: 13 + N_LEVELS, 14: 14 + N_LEVELS, 15: 14 + N_LEVELS}


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

    @classmethod
    def for_level(cls, level: int) -> "BlockParams":
        """Nine steps, each adding one model or search to the level below (README's
        levels table has what each costs; levels 2-4 differ from their neighbours by
        less than 1% in size and by about the noise in speed):

        1. light vocabulary model, word-context lists of 64 entries, LZ matches of 4
           events and more, whitespace by counting, one phrase threshold (48);
        2. lists of 96 entries; LZ matches of 3 events tried as well;
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
                   side_bits=0 if level <= 7 else MAX_SIDE_BITS)

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
    word-context chain (events.word_chain_for) the trials code without it, and
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
    side_ctx = side_ctx_for(CODEC_REVISION, n_tok)
    word_chain = word_chain_for(CODEC_REVISION, pair_bits)
    counted_bits = counted_bits_for(CODEC_REVISION)
    mask = lookup_mask(spec, n_tok)
    best = None
    min_match = None
    tried = params.min_counts(len(data))
    counts = count_phrases(ids, mask, min(tried), workers)  # one count for every trial
    # passes of the event coder: every trial at most, and the final one with the chain
    meter.start(n_tok, len(tried) + (1 if word_chain or params.side_bits else 0))

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
                                               e_lev, e_val, n_entries, pair_bits, side_ctx,
                                               counted_bits, workers)
        if coded is None:
            coded = encode_events(ids, flags, first, _event_info(winfo, case_bits),
                                  e_pos, e_lev, e_val, n_entries, n_words, params.o1_cap,
                                  min_match, O0_INC, O0_LIMIT, pair_bits, side_ctx, 0,
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
    side_bits = side_bits_for(n_tok, params.side_bits) if params.side_bits else 0
    if word_chain or side_bits:  # the trials rank the parses without either (faster)
        events, side = encode_events(ids, flags, first, _event_info(winfo, case_bits),
                                     e_pos, e_lev, e_val, n_entries, n_words, params.o1_cap,
                                     min_match, O0_INC, O0_LIMIT, pair_bits, side_ctx,
                                     word_chain, counted_bits, side_bits,
                                     mixed_levels_for(CODEC_REVISION, side_bits),
                                     side_shapes(vbytes, voffs), meter.position)
    if stats is not None:
        stats.update(_parse_stats(e_lev, e_val, n_entries, n_tok, n_words))
    del e_pos, e_lev, e_val
    meta = encode_varints(np.array([CODEC_REVISION, n_tok, n_words, params.o1_cap,
                                    min_match] + [int(x) for x in n_entries]
                                   + [vbytes.shape[0], ws_first.shape[0], vocab_models,
                                      params.dictionary, pair_bits, mix_bits,
                                      params.vocab_bits, case_bits, side_bits],
                                   np.int64)).tobytes()
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
                    pair_bits, side_ctx, counted_bits, workers):
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
                             O0_INC, O0_LIMIT, pair_bits, side_ctx, 0, counted_bits, 0, 0,
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
    revision = codec_revision(sections[0]) if sections else -1
    if revision not in SECTION_NAMES:
        raise QuasiError(f"unsupported codec revision {revision} "
                         f"(this quasi reads {sorted(SECTION_NAMES)})")
    if len(sections) != len(SECTION_NAMES[revision]):
        raise QuasiError(f"coded block has {len(sections)} sections, "
                         f"expected {len(SECTION_NAMES[revision])}")
    meta = decode_varints(np.frombuffer(sections[0], np.uint8), N_META[revision])
    if meta is None:
        raise QuasiError("corrupt block meta section")
    n_tok, n_words, o1_cap, min_match = (int(x) for x in meta[1:5])
    n_entries = meta[5:5 + N_LEVELS].astype(np.int64)   # summed in Python: no int64 wrap
    if not (1 <= n_tok <= raw_size and 1 <= n_words <= n_tok and 1 <= o1_cap <= 1 << 16
            and 0 <= min_match <= 1 << 16 and sum(int(x) for x in n_entries) <= n_tok):
        raise QuasiError("corrupt block meta section")
    meter.start(n_tok, 1)
    pair_bits = case_bits = side_bits = 0
    if revision == 1:
        vbytes, voffs = _zstd_vocab(sections[1], sections[2], n_words, raw_size)
        wbytes = np.zeros(8, np.uint8)
        woffs = np.zeros(1, np.int64)
    else:
        n_vbytes, n_ws, vocab_models, dictionary = (int(x) for x in meta[5 + N_LEVELS:9 + N_LEVELS])
        pair_bits = int(meta[9 + N_LEVELS]) if revision >= 4 else 0
        mix_bits = int(meta[10 + N_LEVELS]) if revision >= 9 else 0
        vocab_bits = int(meta[11 + N_LEVELS]) if revision >= 10 else TABLE_BITS
        case_bits = int(meta[12 + N_LEVELS]) if revision >= 13 else 0
        side_bits = int(meta[13 + N_LEVELS]) if revision >= 14 else 0
        if not (n_words <= n_vbytes <= raw_size and 1 <= n_ws <= n_tok
                and 0 <= vocab_models < (len(MODEL_SETS) if revision >= 8 else STRONG)
                and 0 <= dictionary < len(DICTIONARIES)
                # every table no bigger than the block's tokens call for (what the
                # encoder writes): 2**22 whitespace buckets in a small block would cost
                # 700 MiB to decode, the largest pair, side and case tables 24-64 MiB
                and (pair_bits == 0 or 0 < pair_bits <= pair_bits_for(n_tok, n_words))
                and (mix_bits == 0
                     or MIN_MIX_BITS <= mix_bits <= mix_bits_for(n_tok, MAX_MIX_BITS))
                and MIN_TABLE_BITS <= vocab_bits <= MAX_TABLE_BITS
                and (case_bits == 0
                     or MIN_CASE_BITS <= case_bits <= case_bits_for(n_tok, MAX_CASE_BITS))
                and (side_bits == 0
                     or MIN_SIDE_BITS <= side_bits <= side_bits_for(n_tok, MAX_SIDE_BITS))):
            raise QuasiError("corrupt block meta section")
        vbytes, voffs, ok = decode_vocab(np.frombuffer(sections[1], np.uint8), n_words, n_vbytes,
                                         vocab_models, vocab_bits, *priming_words(dictionary))
        if not ok:
            raise QuasiError("corrupt vocabulary section")
        wbytes, woffs = _ws_vocab(sections[2], n_ws, raw_size)
    winfo = word_info(vbytes, voffs)
    ids, flags, ok = decode_events(np.frombuffer(sections[3], np.uint8),
                                   np.frombuffer(sections[4], np.uint8), n_tok, n_words,
                                   _event_info(winfo, case_bits), n_entries, o1_cap, min_match,
                                   *((1, 1 << 62) if revision == 1 else (O0_INC, O0_LIMIT)),
                                   pair_bits, side_ctx_for(revision, n_tok),
                                   word_chain_for(revision, pair_bits),
                                   counted_bits_for(revision), side_bits,
                                   mixed_levels_for(revision, side_bits),
                                   side_shapes(vbytes, voffs) if side_bits else NO_SHAPES,
                                   meter.position)
    if not ok:
        raise QuasiError("corrupt event stream")
    if revision == 1:
        ws_ids = np.zeros(0, np.int32)
    else:
        ws_ids, ok = decode_spaces(np.frombuffer(sections[5], np.uint8), ids,
                                   *core_shapes(vbytes, voffs), *space_shapes(wbytes, woffs),
                                   revision, mix_bits)
        if not ok:
            raise QuasiError("corrupt whitespace stream")
    if case_bits:
        flags, ok = decode_case(np.frombuffer(sections[6], np.uint8), ids, winfo, ws_ids,
                                ws_classes(wbytes, woffs), case_bits)
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
