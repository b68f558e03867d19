"""The sections of a coded block, by codec revision (pure Python, no numba:
`quasi -l` names a file's streams without compiling anything).

A coded block's first section, meta, starts with the codec revision as a
varint (FORMAT.md section 8)."""
from .container import BLOCK_CODED, BLOCK_LZMA, BLOCK_RAW

SECTION_NAMES = {
    1: ("meta", "vocabulary lengths", "vocabulary", "events (main)", "side: decisions + case"),
    2: ("meta", "vocabulary", "whitespace vocabulary", "events (main)",
        "side: decisions + case", "whitespace"),
}
SECTION_NAMES[3] = SECTION_NAMES[2]  # revision 3 changed the whitespace model only
SECTION_NAMES[4] = SECTION_NAMES[2]  # revision 4 added the pair predictor to the events
SECTION_NAMES[5] = SECTION_NAMES[2]  # revision 5 richer contexts for the side stream's bits
SECTION_NAMES[6] = SECTION_NAMES[2]  # revision 6 the events' word-context chain
SECTION_NAMES[7] = SECTION_NAMES[2]  # revision 7 count-based rates of the events' bits
SECTION_NAMES[8] = SECTION_NAMES[2]  # revision 8 the vocabulary model set STRONG
SECTION_NAMES[9] = SECTION_NAMES[2]  # revision 9 the whitespace mixing model
SECTION_NAMES[10] = SECTION_NAMES[2]  # revision 10 vocabulary tables up to 2**22 buckets (meta)
SECTION_NAMES[11] = SECTION_NAMES[2]  # revision 11 the word chain's lists blend in order 0
SECTION_NAMES[12] = SECTION_NAMES[2]  # revision 12 order 0's recency cache in the word chain
# revision 13: a case stream of its own at levels 7-9 (empty at 1-6, whose flags stay in side)
SECTION_NAMES[13] = ("meta", "vocabulary", "whitespace vocabulary", "events (main)",
                     "side: decisions + case (levels 1-6)", "whitespace", "case")
SECTION_NAMES[14] = SECTION_NAMES[13]  # revision 14 the side decisions' mixed model (7-9)
SECTION_NAMES[15] = SECTION_NAMES[13]  # revision 15 the levels in the side stream (7-9)


def meta_fields(meta) -> list:
    """Every complete LEB128 varint of a meta section, in order (any size)."""
    out, value, shift = [], 0, 0
    for b in bytes(meta):
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            out.append(value)
            value, shift = 0, 0
    return out


def codec_revision(meta: bytes) -> int:
    """The codec revision a meta section declares, or -1 if it has none."""
    fields = meta_fields(meta[:9])
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
