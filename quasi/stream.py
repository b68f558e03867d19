"""Incremental compression and decompression: QuasiCompressor and QuasiDecompressor,
shaped like lzma.LZMACompressor / LZMADecompressor and compression.zstd.

Input is coded in independent blocks of ``block_size`` bytes, so the memory either
object holds is bounded by the block size (times the number of threads), never by
the length of the input.
"""
from __future__ import annotations

from collections import deque
from contextlib import contextmanager
from typing import Union

from .codec import heap
from .codec.container import BLOCK_LZMA, BLOCK_RAW, FrameParser, FrameWriter
from .errors import QuasiError
from .options import (DEFAULT_TILING, check_block_size, check_max_output_size, check_threads,
                      level_params)

__all__ = ["QuasiCompressor", "QuasiDecompressor", "CONTINUE", "FLUSH_BLOCK", "FLUSH_FRAME"]

CONTINUE = 0
"""compress() mode: buffer the input; emit only the blocks it completes."""
FLUSH_BLOCK = 1
"""Code everything given so far as (a) block(s) and emit them; the frame stays open, so
a reader of the output so far can decode all of it (with QuasiDecompressor)."""
FLUSH_FRAME = 2
"""FLUSH_BLOCK, then end the frame (end mark, index, footer): the output so far is a
complete stream. More input starts a new frame (concatenated frames decode as one)."""


BytesLike = Union[bytes, bytearray, memoryview]   # or any object with the buffer protocol


def as_bytes(data: BytesLike, what: str = "data") -> memoryview:
    """A flat byte view of a bytes-like object; TypeError for anything else."""
    try:
        return memoryview(data).cast("B")
    except TypeError:
        raise TypeError(f"{what} must be a bytes-like object, not {type(data).__name__}") from None


class Framer:
    """Frames coded blocks, in order, into a stream: opens a frame for the first block,
    ends a frame when it is full (``FrameWriter.full``) and opens the next. What
    QuasiCompressor writes, and quasi.parallel.compress_file with it, so that both
    frame the same blocks into the same bytes."""

    def __init__(self, level: int, spec: str, block_size: int, checksum: bool):
        self._settings = (level, spec, block_size, checksum)
        self._writer: FrameWriter | None = None   # the open frame
        self._frames = 0                          # frames ended so far
        self.raw_bytes = 0                        # of the blocks framed so far

    def block(self, raw, btype: int, sections, out: list) -> None:
        """Append to ``out`` the record of one block (``encode_record``'s type and
        sections for ``raw``), preceded by a frame end and a header when needed."""
        self._open(out)
        out.append(self._writer.block(raw, sections, btype))
        self.raw_bytes += len(raw)

    def end(self, out: list) -> None:
        """Append the end of the open frame; an empty frame if none was ever opened
        (the output is then always a stream); nothing if the last frame has ended."""
        if self._writer is not None or self._frames == 0:
            self._open(out)
            out.append(self._writer.finish())
            self._writer = None
            self._frames += 1

    def _open(self, out):
        if self._writer is not None and self._writer.full:
            out.append(self._writer.finish())
            self._writer = None
            self._frames += 1
        if self._writer is None:
            level, spec, block_size, checksum = self._settings
            self._writer = FrameWriter(level, spec, block_size, checksum=checksum)
            out.append(self._writer.header())


class QuasiCompressor:
    """Compresses data incrementally into quasi frames.

    ``level`` 1 (fastest) .. 9 (smallest), default 6; ``tiling``: a tiling spec
    ("multi", "fib", "period5", "period:PATTERN", "alpha:SLOPE[@PHASE]", "none",
    "dense"); ``block_size``: raw bytes per independently coded block (default
    ``DEFAULT_BLOCK_SIZE``, at levels 7-9 ``STRONG_BLOCK_SIZE``); ``checksum``:
    store CRC32s of the raw data;
    ``threads``: code that many blocks at once in worker threads, each block's
    independent stages in as many again (0: one per CPU). The output does not
    depend on ``threads``.

    ``compress(data)`` returns the bytes of every block the input completes (often
    ``b""``); ``flush(mode)`` codes what is buffered (``FLUSH_BLOCK``) and ends the
    frame (``FLUSH_FRAME``, the default). Invalid settings raise ``QuasiError``.
    """

    CONTINUE = CONTINUE
    FLUSH_BLOCK = FLUSH_BLOCK
    FLUSH_FRAME = FLUSH_FRAME

    def __init__(self, level: int | None = None, *, tiling: str = DEFAULT_TILING,
                 block_size: int | None = None, checksum: bool = True, threads: int = 1):
        from .text.tiling import parse_spec

        self.level, self._params = level_params(level)
        self._spec = parse_spec(tiling)
        self.block_size = check_block_size(block_size, self.level)
        self.threads = check_threads(threads)
        self._checksum = bool(checksum)
        self._pending = bytearray()       # input not yet a whole block
        self._inflight = deque()          # (raw, future) coded in worker threads
        self._pool = None
        self._framer = Framer(self.level, self._spec.canonical, self.block_size, self._checksum)
        self._blocks = 0                  # blocks coded so far
        self._failed = None               # the error that left this object unusable

    def compress(self, data: BytesLike, mode: int = CONTINUE) -> bytes:
        """Add ``data``; return the compressed bytes ready so far. ``mode`` may also be
        ``FLUSH_BLOCK`` or ``FLUSH_FRAME`` (same as calling ``flush(mode)`` after)."""
        view = as_bytes(data)
        if mode not in (CONTINUE, FLUSH_BLOCK, FLUSH_FRAME):
            raise QuasiError(f"invalid compress mode {mode!r}")
        out = []
        with self._guard():
            size = self.block_size
            pos = 0
            if self._pending:
                pos = min(size - len(self._pending), len(view))
                self._pending += view[:pos]
                if len(self._pending) == size:
                    self._code(bytes(self._pending), out)
                    self._pending.clear()
            while len(view) - pos >= size:
                block = view[pos:pos + size]
                self._code(block.tobytes() if self.threads > 1 else block, out)
                pos += size
            self._pending += view[pos:]
            if mode != CONTINUE:
                self._flush(mode, out)
        return b"".join(out)

    @property
    def bytes_coded(self) -> int:
        """Input bytes whose blocks are in the output returned so far (a progress
        display adds progress.bytes_done() for the blocks being coded)."""
        return self._framer.raw_bytes

    def flush(self, mode: int = FLUSH_FRAME) -> bytes:
        """Code the buffered input and return the bytes: ``FLUSH_BLOCK`` keeps the frame
        open, ``FLUSH_FRAME`` (default) ends it. A compressor that never emitted a
        frame emits an empty one on ``FLUSH_FRAME``, so its output is always a stream."""
        if mode not in (FLUSH_BLOCK, FLUSH_FRAME):
            raise QuasiError(f"invalid flush mode {mode!r} (FLUSH_BLOCK or FLUSH_FRAME)")
        out = []
        with self._guard():
            self._flush(mode, out)
        return b"".join(out)

    def _flush(self, mode, out):
        if self._pending:
            self._code(bytes(self._pending), out)
            self._pending.clear()
        while self._inflight:
            self._write_oldest(out)
        if mode == FLUSH_FRAME:
            self._framer.end(out)

    def _code(self, raw, out):
        """Code one whole block: at once, or in a worker (keeping ``threads`` busy)."""
        from .codec.fallback import encode_record

        if self._blocks:
            heap.release_if_large(len(raw))
        self._blocks += 1
        if self.threads == 1:
            btype, sections = encode_record(raw, self._spec, self._params)
            self._framer.block(raw, btype, sections, out)
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor
            self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="quasi")
        self._inflight.append((raw, self._pool.submit(encode_record, raw, self._spec,
                                                      self._params, None, True, self.threads)))
        while len(self._inflight) > self.threads:
            self._write_oldest(out)

    def _write_oldest(self, out):
        raw, future = self._inflight.popleft()
        btype, sections = future.result()
        self._framer.block(raw, btype, sections, out)

    @contextmanager
    def _guard(self):
        """Marks the compressor unusable when an exception escapes (its state is partial)."""
        if self._failed is not None:
            raise QuasiError(f"compressor unusable after an earlier error ({self._failed!r})")
        try:
            yield
        except BaseException as exc:
            self._failed = exc
            for _raw, future in self._inflight:
                future.cancel()
            self._inflight.clear()
            raise


def decode_record(record):
    """The raw bytes of one block record (a stored payload, or the codec's output)."""
    if record.type == BLOCK_RAW:
        return record.sections[0]
    if record.type == BLOCK_LZMA:
        from .codec.fallback import decode_lzma
        return decode_lzma(record.sections[0], record.raw_size)
    from .codec.block import decode_block
    return decode_block(record.sections, record.raw_size)


class BlockDecoder:
    """Decoded output of a FrameParser, served in pieces of any size.

    Holds one decoded block at a time. ``max_output_size``: refuse (QuasiError) a block
    that would take the output past it, as soon as that block's header is read,
    before its payload is buffered or anything is allocated for it. ``produced``: output
    already counted (a reader that resumed mid-stream). ``parser`` is None in a
    subclass that finds its blocks otherwise (its own ``_next_block``)."""

    def __init__(self, parser: FrameParser | None, max_output_size=None, produced=0):
        self.parser = parser
        self._limit = check_max_output_size(max_output_size)
        self._produced = produced
        self._out = memoryview(b"")
        self._pos = 0

    @property
    def pending(self) -> int:
        """Decoded bytes not yet returned."""
        return len(self._out) - self._pos

    def read(self, max_length=-1) -> bytes:
        """Up to ``max_length`` (all if negative) bytes decodable from the input so far."""
        pieces = []
        want = max_length if max_length >= 0 else 1 << 62
        while want > 0:
            if self._pos == len(self._out) and not self._decode_next():
                break
            take = min(want, len(self._out) - self._pos)
            pieces.append(self._out[self._pos:self._pos + take])
            self._pos += take
            want -= take
        if not self.pending:
            self._out = memoryview(b"")
            self._pos = 0
        return b"".join(pieces)

    def read1(self, max_length) -> bytes:
        """Up to ``max_length`` (> 0) bytes of one block, decoding a block only if none
        is pending (a short read: what a raw file's read returns)."""
        if self._pos == len(self._out) and not self._decode_next():
            return b""
        piece = self._out[self._pos:self._pos + max_length].tobytes()
        self._pos += len(piece)
        if not self.pending:
            self._out = memoryview(b"")
            self._pos = 0
        return piece

    def ready(self) -> bool:
        """True when output can be produced without more input."""
        return self.pending > 0 or self.parser.record_ready()

    def _decode_next(self) -> bool:
        raw = self._next_block()
        if raw is None:
            return False
        self._out = memoryview(raw).cast("B")
        self._pos = 0
        return True

    def _next_block(self):
        """The next block's decoded bytes, checked; None when the input so far has no
        further complete block."""
        parser = self.parser
        if self._limit is not None:
            size = parser.next_block_size()
            if size is not None and self._produced + size > self._limit:
                raise QuasiError(f"content exceeds max_output_size ({self._limit} bytes)")
        record = parser.next_record()
        if record is None:
            return None
        if self._produced:
            heap.release_if_large(record.raw_size)
        raw = decode_record(record)
        parser.verify_block(record, raw)
        self._produced += record.raw_size
        return raw


class QuasiDecompressor:
    """Decompresses one quasi frame from input given in pieces of any size.

    ``decompress(data, max_length=-1)`` returns what the input so far decodes to, at
    most ``max_length`` bytes if that is not negative (call again with ``b""`` for the
    rest while ``needs_input`` is False). Memory is bounded by one block: the input
    of the record being read plus one decoded block. ``eof`` turns True once the frame
    has ended and all its output was returned; bytes after the frame are in
    ``unused_data`` (start a new decompressor on them for the next frame, or use
    ``quasi.decompress`` / ``quasi.open``, which handle concatenated frames).
    ``max_output_size`` refuses a frame whose content would exceed it. Malformed
    input raises ``QuasiError``; input after the end of the frame, ``EOFError``.
    """

    def __init__(self, *, max_output_size: int | None = None):
        self._decoder = BlockDecoder(FrameParser(), max_output_size)

    def decompress(self, data: BytesLike, max_length: int = -1) -> bytes:
        view = as_bytes(data)
        if self.eof:
            raise EOFError("end of the frame already reached")
        self._decoder.parser.feed(view)
        out = self._decoder.read(max_length)
        if not self._decoder.pending:
            self._decoder.ready()   # take in a complete frame end, so eof is current
        return out

    @property
    def eof(self) -> bool:
        """True when the end of the frame was reached and all output returned."""
        return self._decoder.parser.eof and not self._decoder.pending

    @property
    def unused_data(self) -> bytes:
        """Input found after the end of the frame."""
        return self._decoder.parser.unused_data

    @property
    def needs_input(self) -> bool:
        """False if decompress() can return more output before it is given more input."""
        return not self.eof and not self._decoder.ready()
