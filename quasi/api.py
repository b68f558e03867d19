"""One-shot compress() / decompress() over the container (like zlib, lzma, bz2)."""
from .container import BLOCK_RAW, FrameWriter, StreamReader
from .errors import QuasiError

DEFAULT_LEVEL = 6
DEFAULT_BLOCK_SIZE = 32 << 20
DEFAULT_TILING = "multi"


def _level_params(level):
    """(level, BlockParams) for a level 1..9 or None (the default).

    Levels differ in the length of the word-context lists: 64 entries at 1-3
    (fastest), 256 at 4-6, 1024 at 7-9 (smallest)."""
    from .block import BlockParams

    if level is None:
        level = DEFAULT_LEVEL
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 9:
        raise QuasiError(f"level must be an integer from 1 to 9, not {level!r}")
    return level, BlockParams(o1_cap=64 if level <= 3 else 256 if level <= 6 else 1024)


def _as_bytes(data, what="data"):
    try:
        return memoryview(data).cast("B")
    except TypeError:
        raise TypeError(f"{what} must be a bytes-like object, not {type(data).__name__}") from None


def compress(data, level=None, *, tiling=DEFAULT_TILING, block_size=None, checksum=True) -> bytes:
    """Compress bytes into one quasi frame.

    level: 1 (fastest) .. 9 (smallest), default 6. tiling: a tiling spec such as
    "multi", "fib", "period5", "period:LLSLS", "none" or "dense" (recorded in the
    header; the decoder does not need it). block_size: maximum raw bytes per
    independently decodable block (default 32 MiB)."""
    from .block import encode_block
    from .tiling import parse_spec

    view = _as_bytes(data)
    level, params = _level_params(level)
    spec = parse_spec(tiling)
    if block_size is None:
        block_size = DEFAULT_BLOCK_SIZE
    writer = FrameWriter(level, spec.canonical, block_size, checksum=checksum)
    out = [writer.header()]
    for start in range(0, len(view), block_size):
        raw = view[start:start + block_size].tobytes()
        out.append(writer.block(raw, encode_block(raw, spec, params)))
    out.append(writer.finish())
    return b"".join(out)


def decompress(data, *, max_output_size=None) -> bytes:
    """Decompress every concatenated quasi frame in data; QuasiError if malformed.

    max_output_size: refuse (QuasiError) a stream whose content would exceed it."""
    from .block import decode_block

    view = _as_bytes(data)
    reader = StreamReader(view)
    out = []
    total = 0
    for _hdr, rec in reader:
        total += rec.raw_size
        if max_output_size is not None and total > max_output_size:
            raise QuasiError(f"content exceeds max_output_size ({max_output_size} bytes)")
        if rec.type == BLOCK_RAW:
            raw = rec.sections[0]
        else:
            raw = decode_block(rec.sections, rec.raw_size)
        reader.verify_block(rec, raw)
        out.append(raw)
    return b"".join(out)
