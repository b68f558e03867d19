"""What a compression did: bytes per stream, events, phrase hits and codebook entries per level.

``analyze(data, tiling=..., level=...)`` compresses exactly as ``quasi.compress`` does (same
blocks, same frame, same bytes) and reports:

* bytes per stream, summing to the compressed size: each section of the coded blocks under its
  name (``quasi/codec/config.py``, by codec revision), ``lzma`` (payloads of blocks LZMA2 coded
  smaller, ``quasi/codec/fallback.py``), ``stored`` (raw bytes of blocks stored because no coding
  paid) and ``container`` (frame header, block headers and checksums, end mark, index,
  footer). The usual categories of a compressor's output map as follows:
  payload = ``events (main)`` (levels, word ids, phrase choices, LZ matches) and
  ``whitespace``; case = ``side: decisions + case`` (the case flags share one range coder with
  the word / new-word decisions, so they cannot be told apart), or ``case``
  at levels 8-9 (and ``side: decisions + case (levels 1-7)``, decisions only there);
  escapes = ``vocabulary`` and ``whitespace vocabulary`` (every distinct word spelled once);
  codebook = none of its own: a phrase entry travels in-band, spelled as words inside the
  events stream at its first use, so its bytes cannot be told apart from the references to it;
* from the parse of every coded block: tokens, distinct words, events per event level, phrase
  hits per phrase length, phrase entries per level and how many were used.

The parse is counted before the coder runs, so LZ matches (chosen by the coder over events) are
not among the events. Importing this module compiles nothing.
"""
from dataclasses import asdict, dataclass, field

from .codec.container import BLOCK_CODED, BLOCK_LZMA, BLOCK_RAW, FrameWriter
from .options import DEFAULT_TILING, check_block_size, level_params
from .codec.config import stream_sizes

KINDS = {BLOCK_RAW: "stored", BLOCK_CODED: "coded", BLOCK_LZMA: "lzma"}
"""The kind of each block record type, as ``Analysis.blocks`` names it."""

PHRASE_WORDS = (3, 5, 8, 13, 21, 34, 55, 89, 144)
"""Words per phrase of event levels 3..11."""
EVENT_LEVELS = ("new word", "word", "bigram") + tuple(f"{n} words" for n in PHRASE_WORDS) \
    + ("LZ match",)
"""Names of the event levels 0..12 (quasi/text/parse.py)."""
WORDS_PER_EVENT = (1, 1, 2) + PHRASE_WORDS
"""Tokens one event of level 0..11 covers (an LZ match covers a varying number)."""


@dataclass
class Analysis:
    """What one compression did; see the module docstring. Per-level lists are indexed by event
    level 0..12 (``EVENT_LEVELS``); they, ``n_tokens`` and ``n_words`` (distinct words, the
    vocabulary) are summed over the coded blocks. ``entries`` are the phrase entries the
    blocks define (their meta), ``entries_used`` the distinct entries the parse used: with
    in-band codebooks an entry is defined at its first use, so the two agree; the candidate
    tables the parse chose from are not reported by the codec. ``blocks`` holds each block's
    raw size, its ``kind`` ("coded", "lzma" or "stored"; ``stored`` is kind == "stored") and,
    when coded, its section sizes and its parse."""

    tiling: str
    level: int
    input_size: int
    compressed_size: int
    streams: dict
    n_tokens: int = 0
    n_words: int = 0
    events: list = field(default_factory=lambda: [0] * len(EVENT_LEVELS))
    entries: list = field(default_factory=lambda: [0] * len(EVENT_LEVELS))
    entries_used: list = field(default_factory=lambda: [0] * len(EVENT_LEVELS))
    blocks: list = field(default_factory=list)

    @property
    def tokens_per_level(self) -> list:
        """Tokens covered by the events of each level 0..11."""
        return [e * w for e, w in zip(self.events, WORDS_PER_EVENT)]

    @property
    def phrase_hits(self) -> dict:
        """{phrase length in words: events} for phrases of 3..144 words."""
        return dict(zip(PHRASE_WORDS, self.events[3:12]))

    def as_dict(self) -> dict:
        """Plain data (JSON-ready), with tokens per level and phrase hits."""
        out = asdict(self)
        out["tokens_per_level"] = self.tokens_per_level
        out["phrase_hits"] = {str(k): v for k, v in self.phrase_hits.items()}
        return out


def compress_analyzed(data, level=None, *, tiling=DEFAULT_TILING, block_size=None, lzma=True):
    """(compressed bytes, Analysis): the bytes are those of ``quasi.compress`` with the same
    arguments (checksum on, one frame). ``lzma=False``: no block is LZMA2 coded (quasi's
    own coding alone, e.g. to compare tilings; the bytes may then differ from compress)."""
    from .codec.fallback import encode_record
    from .text.tiling import parse_spec

    view = memoryview(data).cast("B")
    level, params = level_params(level)
    spec = parse_spec(tiling)
    block_size = check_block_size(block_size, level)
    writer = FrameWriter(level, spec.canonical, block_size)
    out = [writer.header()]
    report = Analysis(spec.canonical, level, len(view), 0, {})
    container = len(out[0])
    for start in range(0, len(view), block_size):
        raw = view[start:start + block_size]
        stats = {}
        btype, sections = encode_record(raw, spec, params, stats, try_lzma=lzma)
        out.append(writer.block(raw, sections, btype))
        btype = out[-1][0]
        if btype == BLOCK_RAW:
            sections = [raw]
        sizes = stream_sizes(btype, sections)
        container += len(out[-1]) - sum(sizes.values())
        _add_block(report, btype, sizes, stats, len(raw))
    out.append(writer.finish())
    container += len(out[-1])
    report.streams["container"] = container
    packed = b"".join(out)
    report.compressed_size = len(packed)
    return packed, report


def analyze(data, *, tiling=DEFAULT_TILING, level=None, block_size=None, lzma=True) -> Analysis:
    """What ``quasi.compress(data, level, tiling=tiling, block_size=block_size)`` does: bytes
    per stream (summing to its size), events, phrase hits and entries per level (``lzma``:
    see compress_analyzed)."""
    return compress_analyzed(data, level, tiling=tiling, block_size=block_size, lzma=lzma)[1]


def _add_block(report: Analysis, btype: int, sizes: dict, stats: dict, raw_size: int) -> None:
    """Count one block's streams and, if quasi coded it, its parse."""
    kind = KINDS[btype]
    entry = {"raw_size": raw_size, "kind": kind, "stored": btype == BLOCK_RAW}
    report.blocks.append(entry)
    for name, size in sizes.items():
        report.streams[name] = report.streams.get(name, 0) + size
    if btype != BLOCK_CODED:
        return
    entry.update(sections=sizes, parse=stats)
    report.n_tokens += stats["n_tokens"]
    report.n_words += stats["n_words"]
    for total, key in ((report.events, "events_per_level"), (report.entries, "entries_per_level"),
                       (report.entries_used, "entries_used_per_level")):
        for lev, count in enumerate(stats[key]):
            total[lev] += count
