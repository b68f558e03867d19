"""The sections of a coded block, by codec revision (pure Python, no numba:
`quasi -l` names a file's streams without compiling anything).

A coded block's first section, meta, starts with the codec revision as a
varint (FORMAT.md section 8)."""

SECTION_NAMES = {
    1: ("meta", "vocabulary lengths", "vocabulary", "events (main)", "side: decisions + case"),
    2: ("meta", "vocabulary", "whitespace vocabulary", "events (main)",
        "side: decisions + case", "whitespace"),
}


def codec_revision(meta: bytes) -> int:
    """The codec revision a meta section declares, or -1 if it has none."""
    value, shift = 0, 0
    for b in bytes(meta[:9]):
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value
    return -1
