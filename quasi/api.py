"""One-shot compress() / decompress() / get_frame_info() (like zlib, lzma, bz2)."""
from __future__ import annotations

from .codec import heap
from .codec.container import FrameInfo, StreamReader, read_first_frame_info
from .errors import QuasiError
from .options import DEFAULT_TILING, check_max_output_size, check_threads
from .stream import BytesLike, QuasiCompressor, as_bytes, decode_record


def compress(data: BytesLike, level: int | None = None, *, tiling: str = DEFAULT_TILING,
             block_size: int | None = None, checksum: bool = True, threads: int = 1) -> bytes:
    """Compress bytes into one quasi frame.

    level: 1 (fastest) .. 9 (smallest), default 6. tiling: a tiling spec such as
    "multi", "fib", "period5", "period:LLSLS", "none" or "dense" (recorded in the
    header; the decoder does not need it). block_size: maximum raw bytes per
    independently decodable block (default DEFAULT_BLOCK_SIZE, at levels 7-9
    STRONG_BLOCK_SIZE). threads: blocks coded at once (0: one per CPU); the output
    is the same for any number."""
    view = as_bytes(data)
    comp = QuasiCompressor(level, tiling=tiling, block_size=block_size, checksum=checksum,
                           threads=threads)
    return comp.compress(view, QuasiCompressor.FLUSH_FRAME)


def decompress(data: BytesLike, *, max_output_size: int | None = None,
               threads: int = 1) -> bytes:
    """Decompress every concatenated quasi frame in data; QuasiError if malformed.

    max_output_size: refuse (QuasiError) a stream whose content would exceed it,
    before decoding the block that would pass it. threads: blocks decoded at once
    (0: one per CPU; see parallel.decode_in_threads); the output does not depend on it."""
    limit = check_max_output_size(max_output_size)
    threads = check_threads(threads)
    if threads > 1:
        from .parallel import decode_in_threads
        return decode_in_threads(as_bytes(data), limit, threads)
    reader = StreamReader(as_bytes(data))
    out = []
    total = 0
    for _hdr, rec in reader:
        total += rec.raw_size
        if limit is not None and total > limit:
            raise QuasiError(f"content exceeds max_output_size ({limit} bytes)")
        if out:
            heap.release_if_large(rec.raw_size)
        raw = decode_record(rec)
        reader.verify_block(rec, raw)
        out.append(raw)
    if len(out) > 1:  # the last block's pages, before the joined output takes its own
        heap.release_if_large(total)
    return b"".join(out)


def get_frame_info(data: BytesLike) -> FrameInfo:
    """What the first frame in data holds, from its headers alone (nothing is decoded):
    content_size, n_blocks, block_size, spec (tiling), level, version, checksum,
    frame_size and the (offset, raw_size) of each block. data must hold the whole
    frame; QuasiError if it is malformed or truncated."""
    return read_first_frame_info(as_bytes(data))
