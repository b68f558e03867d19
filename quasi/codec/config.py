"""The codec configuration, in one table: the sections of a coded block, the fields
of its meta section (by name, with the first codec revision that has each and
their bounds) and what the decoder runs for a block of each revision.

The encoder writes meta through ``encode_meta``, the decoder reads and checks it
through ``decode_meta`` (which gives a ``BlockConfig``: the fields by name and the
model switches they and the revision select), and ``quasi -l -v`` shows it. Pure
Python: importing it compiles nothing. FORMAT.md section 8 is the normative text.
"""
from dataclasses import dataclass
from typing import Callable

from ..errors import QuasiError
from .container import BLOCK_CODED, BLOCK_LZMA, BLOCK_RAW
from .varint import MAX_VARINT_BYTES, read_varint, varint_bytes

# The first codec revision of each change to what a coded block means.
WHITESPACE_SECTION = 2  # cores and whitespace runs in separate vocabularies and streams
LINE_CONTEXTS = 3       # the counting whitespace model's line contexts and tagged slots
PAIR_PREDICTOR = 4      # the events' pair predictor (meta: pair_bits)
SIDE_CONTEXTS = 5       # richer contexts for the side stream's decisions
WORD_CHAIN = 6          # known words down the word-context chain (with the pair predictor)
COUNTED_BITS = 7        # binary decisions adapt at rates that follow their counts
STRONG_VOCAB = 8        # vocabulary model set STRONG
MIXED_WHITESPACE = 9    # the whitespace mixing model (meta: mix_bits)
VOCAB_BITS = 10         # the vocabulary tables' bound in meta (vocab_bits)
CHAIN_BLEND = 11        # the chain's lists blend in order 0
RECENCY_CACHE = 12      # order 0 of the chain has the recency cache
CASE_SECTION = 13       # the case flags in a section of their own (meta: case_bits)
SIDE_MIXER = 14         # the side decisions' mixed model (meta: side_bits)
SIDE_LEVELS = 15        # the mixed model also codes the levels of events other than words
CODEC_REVISION = SIDE_LEVELS  # the revision quasi writes
OLDEST_REVISION = 1

N_EVENT_LEVELS = 13  # new word, known word, phrases of 2..144 words (10), bigram, LZ match

_SECTIONS_1 = ("meta", "vocabulary lengths", "vocabulary", "events (main)",
               "side: decisions + case")
_SECTIONS_2 = ("meta", "vocabulary", "whitespace vocabulary", "events (main)",
               "side: decisions + case", "whitespace")
_SECTIONS_13 = ("meta", "vocabulary", "whitespace vocabulary", "events (main)",
                "side: decisions + case (levels 1-7)", "whitespace", "case")
SECTION_NAMES = {r: (_SECTIONS_1 if r < WHITESPACE_SECTION else
                     _SECTIONS_2 if r < CASE_SECTION else _SECTIONS_13)
                 for r in range(OLDEST_REVISION, CODEC_REVISION + 1)}
"""The names of a coded block's sections, by the codec revisions this quasi reads."""

# Vocabulary model sets (meta vocab_models) and priming dictionaries (meta dictionary).
LIGHT, FULL, STRONG = 0, 1, 2
VOCAB_MODEL_NAMES = ("light", "full", "strong")
DICTIONARIES = (None, "dictionary.txt")  # files of quasi/data; 0: no priming

# Order 0 of the event stream: a count's increment and the total that halves them
# (revision 1 counted 1 and never halved).
O0_INC = 64
O0_LIMIT = 1 << 20

# Table sizes: log2 of the buckets of each model whose size meta records. The
# encoder writes what the *_bits_for rules give; a decoder refuses more, so that a
# small block cannot make it allocate a large table.
TABLE_BITS = 16          # the vocabulary tables' bound before revision 10
MIN_TABLE_BITS = 16
MAX_TABLE_BITS = 22
PAIR_MIN_BITS = 10
PAIR_MAX_BITS = 22
PAIR_MAX_WORDS = 1 << 27  # a pair table entry holds a word number times 16 in an int32
MIN_MIX_BITS = 10
MAX_MIX_BITS = 22
MIN_CASE_BITS = 12
MAX_CASE_BITS = 22
CASE_BUCKETS_PER_TOKEN = 8
MIN_SIDE_BITS = 12
MAX_SIDE_BITS = 22
SIDE_BUCKETS_PER_TOKEN = 4  # of two counters
SIDE_CTX_MIN_TOKENS = 1 << 16  # smaller blocks keep the side decisions' plain contexts


def table_bits(n: int, min_bits: int, max_bits: int) -> int:
    """log2 of a table for n items: the smallest b >= min_bits with 2**b >= n, at
    most max_bits."""
    bits = min_bits
    while bits < max_bits and (1 << bits) < n:
        bits += 1
    return bits


def pair_bits_for(n_tok: int, n_words: int) -> int:
    """The pair predictor's table for a block: two slots per token, between
    2**PAIR_MIN_BITS and 2**PAIR_MAX_BITS (0, no predictor, if the words do not fit
    its entries)."""
    if n_words >= PAIR_MAX_WORDS:
        return 0
    return max(PAIR_MIN_BITS, min(PAIR_MAX_BITS, (2 * n_tok - 1).bit_length()))


def mix_bits_for(n_tok: int, max_bits: int) -> int:
    """The whitespace mixing model's buckets per model: one per token, at least
    2**MIN_MIX_BITS and at most 2**max_bits."""
    return table_bits(n_tok, MIN_MIX_BITS, max_bits)


def case_bits_for(n_tok: int, max_bits: int) -> int:
    """The case model's buckets: CASE_BUCKETS_PER_TOKEN per token, at least
    2**MIN_CASE_BITS, at most 2**max_bits."""
    return table_bits(CASE_BUCKETS_PER_TOKEN * n_tok, MIN_CASE_BITS, max_bits)


def side_bits_for(n_tok: int, max_bits: int) -> int:
    """The side decisions' mixed model's buckets: SIDE_BUCKETS_PER_TOKEN per token, at
    least 2**MIN_SIDE_BITS, at most 2**max_bits."""
    return table_bits(SIDE_BUCKETS_PER_TOKEN * n_tok, MIN_SIDE_BITS, max_bits)


def _table(lowest, highest_for):
    """Bounds of a table field: 0 (no such model) or lowest..highest_for(fields)."""
    return lambda f, revision, raw: (lowest, highest_for(f))


@dataclass(frozen=True)
class MetaField:
    """One field of the meta section: ``count`` varints (their sum is bounded) from
    codec revision ``since`` on, ``absent`` in older revisions; ``bounds(fields so
    far, revision, raw size)`` gives (lowest, highest); ``off``: 0 is valid too (the
    model is not used)."""
    name: str
    since: int
    bounds: Callable
    absent: int = 0
    count: int = 1
    off: bool = False
    doc: str = ""


META_FIELDS = (
    MetaField("codec_revision", OLDEST_REVISION, lambda f, r, raw: (r, r),
              doc="the codec revision"),
    MetaField("n_tokens", OLDEST_REVISION, lambda f, r, raw: (1, raw),
              doc="tokens: cores with their whitespace runs"),
    MetaField("n_words", OLDEST_REVISION, lambda f, r, raw: (1, f["n_tokens"]),
              doc="distinct cores"),
    MetaField("o1_cap", OLDEST_REVISION, lambda f, r, raw: (1, 1 << 16),
              doc="words an order-1 list holds"),
    MetaField("min_match", OLDEST_REVISION, lambda f, r, raw: (0, 1 << 16),
              doc="events of the shortest LZ match"),
    MetaField("entries", OLDEST_REVISION, lambda f, r, raw: (0, f["n_tokens"]),
              count=N_EVENT_LEVELS, doc="phrase entries per event level (bound: their sum)"),
    MetaField("n_vocab_bytes", WHITESPACE_SECTION, lambda f, r, raw: (f["n_words"], raw),
              doc="bytes of the vocabulary"),
    MetaField("n_spaces", WHITESPACE_SECTION, lambda f, r, raw: (1, f["n_tokens"]),
              doc="distinct whitespace runs"),
    MetaField("vocab_models", WHITESPACE_SECTION,
              lambda f, r, raw: (LIGHT, STRONG if r >= STRONG_VOCAB else FULL),
              doc="the vocabulary's model set: 0 light, 1 full, 2 strong"),
    MetaField("dictionary", WHITESPACE_SECTION, lambda f, r, raw: (0, len(DICTIONARIES) - 1),
              doc="the priming dictionary: 0 none, 1 quasi/data/dictionary.txt"),
    MetaField("pair_bits", PAIR_PREDICTOR,
              _table(1, lambda f: pair_bits_for(f["n_tokens"], f["n_words"])), off=True,
              doc="log2 of the pair predictor's table (0: none)"),
    MetaField("mix_bits", MIXED_WHITESPACE,
              _table(MIN_MIX_BITS, lambda f: mix_bits_for(f["n_tokens"], MAX_MIX_BITS)),
              off=True, doc="log2 of the whitespace mixing model's buckets (0: counting model)"),
    MetaField("vocab_bits", VOCAB_BITS, lambda f, r, raw: (MIN_TABLE_BITS, MAX_TABLE_BITS),
              absent=TABLE_BITS, doc="log2 of the vocabulary tables' bound"),
    MetaField("case_bits", CASE_SECTION,
              _table(MIN_CASE_BITS, lambda f: case_bits_for(f["n_tokens"], MAX_CASE_BITS)),
              off=True, doc="log2 of the case model's buckets (0: flags in the side stream)"),
    MetaField("side_bits", SIDE_MIXER,
              _table(MIN_SIDE_BITS, lambda f: side_bits_for(f["n_tokens"], MAX_SIDE_BITS)),
              off=True, doc="log2 of the side decisions' mixed model (0: plain contexts)"),
)


def meta_count(revision: int) -> int:
    """How many varints the meta section of a block of ``revision`` holds."""
    return sum(m.count for m in META_FIELDS if m.since <= revision)


@dataclass(frozen=True)
class BlockConfig:
    """A coded block's meta fields by name, and the models they and its codec
    revision select (properties: what the decoder runs)."""
    codec_revision: int
    n_tokens: int
    n_words: int
    o1_cap: int
    min_match: int
    entries: tuple
    n_vocab_bytes: int
    n_spaces: int
    vocab_models: int
    dictionary: int
    pair_bits: int
    mix_bits: int
    vocab_bits: int
    case_bits: int
    side_bits: int

    @property
    def whitespace_section(self) -> bool:
        """Whitespace runs have a vocabulary and a stream of their own (else each
        vocabulary entry carries its run, and sections 1 and 2 are zstd frames)."""
        return self.codec_revision >= WHITESPACE_SECTION

    @property
    def order0(self) -> tuple:
        """Order 0's (increment, halving limit)."""
        return (O0_INC, O0_LIMIT) if self.whitespace_section else (1, 1 << 62)

    @property
    def side_ctx(self) -> int:
        """The side decisions' contexts: 0 plain, 1 richer, 2 richer and the
        previous token's class and word (blocks of SIDE_CTX_MIN_TOKENS or more)."""
        if self.codec_revision < SIDE_CONTEXTS:
            return 0
        return 2 if self.n_tokens >= SIDE_CTX_MIN_TOKENS else 1

    @property
    def word_chain(self) -> int:
        """0 without the word-context chain (it follows a missed pair prediction);
        1 with it, 2 if its lists blend in order 0, 3 if order 0 also has the
        recency cache."""
        if self.codec_revision < WORD_CHAIN or self.pair_bits == 0:
            return 0
        return (3 if self.codec_revision >= RECENCY_CACHE
                else 2 if self.codec_revision >= CHAIN_BLEND else 1)

    @property
    def counted_bits(self) -> int:
        """1 if the binary decisions adapt at rates that follow their counts."""
        return int(self.codec_revision >= COUNTED_BITS)

    @property
    def mixed_levels(self) -> int:
        """1 if the mixed side model codes the levels of events other than words."""
        return int(self.codec_revision >= SIDE_LEVELS and self.side_bits > 0)

    @property
    def line_contexts(self) -> bool:
        """The counting whitespace model's line contexts (else one shared context)."""
        return self.codec_revision >= LINE_CONTEXTS

    @property
    def section_names(self) -> tuple:
        return SECTION_NAMES[self.codec_revision]


def encode_meta(config: BlockConfig) -> bytes:
    """The meta section of a block of ``config``: its revision's fields in order."""
    values = []
    for field in META_FIELDS:
        if field.since <= config.codec_revision:
            value = getattr(config, field.name)
            values += list(value) if field.count > 1 else [value]
    return b"".join(varint_bytes(int(v)) for v in values)


def _meta_varint(meta: bytes, pos: int) -> tuple:
    """read_varint in a meta section: a malformed varint is a corrupt meta section."""
    try:
        return read_varint(meta, pos, len(meta))
    except QuasiError as exc:
        raise QuasiError(f"corrupt block meta section: {exc}") from None


def meta_values(meta: bytes) -> dict:
    """The fields of a meta section by name, as written (entries: a tuple), without
    bounds checks; QuasiError if it does not hold its revision's fields exactly."""
    revision, pos = _meta_varint(meta, 0)
    if revision is None or not OLDEST_REVISION <= revision <= CODEC_REVISION:
        raise QuasiError(f"unsupported codec revision {-1 if revision is None else revision} "
                         f"(this quasi reads {OLDEST_REVISION} to {CODEC_REVISION})")
    fields = {"codec_revision": revision}
    for field in META_FIELDS[1:]:
        if field.since > revision:
            fields[field.name] = field.absent
            continue
        values = []
        for _ in range(field.count):
            value, pos = _meta_varint(meta, pos)
            if value is None:
                raise QuasiError(f"corrupt block meta section: it ends before {field.name}")
            values.append(value)
        fields[field.name] = tuple(values) if field.count > 1 else values[0]
    if pos != len(meta):
        raise QuasiError(f"corrupt block meta section: {len(meta) - pos} bytes after its fields")
    return fields


def decode_meta(meta: bytes, raw_size: int) -> BlockConfig:
    """The BlockConfig of a meta section of a block of ``raw_size`` bytes; QuasiError
    naming the field if one is out of its bounds."""
    fields = meta_values(meta)
    revision = fields["codec_revision"]
    for field in META_FIELDS:
        if field.since > revision:
            continue
        value = fields[field.name]
        total = sum(value) if field.count > 1 else value
        lowest, highest = field.bounds(fields, revision, raw_size)
        if not (lowest <= total <= highest or (field.off and total == 0)):
            raise QuasiError(f"corrupt block meta section: {field.name} {total} "
                             f"outside {'0 or ' if field.off else ''}{lowest}..{highest}")
    return BlockConfig(**fields)


def meta_fields(meta: bytes) -> list:
    """Every varint of a meta section, in order, up to the first malformed or
    incomplete one (any revision, no bounds: for tools that edit a field by its
    place, see meta_index)."""
    out, pos = [], 0
    while pos < len(meta):
        try:
            value, pos = read_varint(meta, pos, len(meta))
        except QuasiError:
            break
        if value is None:
            break
        out.append(value)
    return out


def meta_index(name: str) -> int:
    """The place of field ``name`` (the first of its varints) in a meta section of
    any revision that has it."""
    place = 0
    for field in META_FIELDS:
        if field.name == name:
            return place
        place += field.count
    raise KeyError(name)


def codec_revision(meta: bytes) -> int:
    """The codec revision a meta section declares, or -1 if it has none."""
    fields = meta_fields(meta[:MAX_VARINT_BYTES])
    return fields[0] if fields else -1


RECORD_STREAMS = {BLOCK_RAW: "stored", BLOCK_LZMA: "lzma"}
"""The stream name of the payload of a stored or an lzma block."""


def stream_sizes(btype: int, sections) -> dict:
    """{stream name: bytes} of one block record's payload: a coded block's sections by
    name, a stored or lzma block's payload as one stream; a coded block of a codec
    revision this quasi does not know counts as one "coded (revision N)" stream."""
    if btype != BLOCK_CODED:
        return {RECORD_STREAMS[btype]: sum(len(s) for s in sections)}
    names = SECTION_NAMES.get(codec_revision(sections[0]), ())
    if len(names) != len(sections):
        return {f"coded (revision {codec_revision(sections[0])})": sum(len(s) for s in sections)}
    return {name: len(sec) for name, sec in zip(names, sections)}
