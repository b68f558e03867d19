"""quasi.open() and QuasiFile: .qz files as file objects (like lzma.open / LZMAFile).

Reading decodes one block at a time (memory bounded by the block size), or with
``threads`` > 1 that many blocks at once in worker threads on a seekable file, and
handles concatenated frames; on a seekable file, seek() jumps to the block that holds
the target through the frames' indexes instead of decoding everything before it.
Writing compresses through a QuasiCompressor; close() ends the frame."""
from __future__ import annotations

import errno
import io
import os
from typing import BinaryIO

from .codec.container import FrameParser, read_stream_index
from .errors import QuasiError
from .options import DEFAULT_TILING, check_threads
from .stream import FLUSH_FRAME, BlockDecoder, BytesLike, QuasiCompressor, as_bytes

__all__ = ["QuasiFile", "open", "write_all"]

_READ_CHUNK = 1 << 20          # compressed bytes read from the file at a time
_MODE_READ, _MODE_WRITE, _MODE_CLOSED = 1, 2, 0


def write_all(fp: BinaryIO, data: BytesLike) -> None:
    """Write every byte of ``data`` to the binary file object ``fp`` or raise OSError.

    A file object's ``write`` may return a short count instead of raising: a
    BufferedWriter over a file system that fills part-way through a write does, and
    the next write then fails with the system's error (ENOSPC). A ``write`` that
    returns ``None`` is taken as complete: file-like objects that do not count their
    bytes return it (a non-blocking raw file, whose ``None`` means nothing was
    written, is not supported)."""
    view = memoryview(data).cast("B")
    while view.nbytes:
        n = fp.write(view)
        if n is None:
            return
        if not 0 < n <= view.nbytes:
            raise OSError(errno.EIO, f"write returned {n} of {view.nbytes} bytes")
        view = view[n:]


class QuasiFile(io.BufferedIOBase):
    """A file object for a .qz file (an io.BufferedIOBase, used like LZMAFile).

    ``file``: a file name (str, bytes or os.PathLike) or a binary file object (which
    must have ``read`` or ``write``; a non-seekable pipe works). ``mode``: "r"/"rb"
    read, "w"/"wb" write (truncating), "x"/"xb" create exclusively, "a"/"ab" append
    a new frame (concatenated frames read back as one stream).

    Reading: ``read``, ``read1``, ``readinto``, ``readline``, ``peek``, iteration over
    lines, and ``seek``/``tell`` in uncompressed positions when ``file`` is seekable
    (seeking uses the frames' indexes; the blocks skipped are not checked).
    ``max_output_size`` refuses (QuasiError) to read past that many uncompressed bytes.
    ``threads`` > 1 (0: one per CPU) decodes that many blocks at once in worker threads
    when ``file`` is seekable and its frames' indexes are sound (else one at a time),
    holding at most ``threads`` + 1 decoded blocks; the bytes read are the same.

    Writing: ``level``, ``tiling``, ``block_size``, ``checksum`` and ``threads`` as for
    ``QuasiCompressor`` (ValueError if the first four are given when reading, as is
    ``max_output_size`` when writing); ``flush()`` flushes ``file`` and keeps the data
    of the unfinished block buffered, ``flush(FLUSH_BLOCK)`` codes it as a block first
    (see flush); ``close()`` ends the frame.
    """

    def __init__(self, file: str | bytes | os.PathLike | BinaryIO, mode: str = "r", *,
                 level: int | None = None, tiling: str = DEFAULT_TILING,
                 block_size: int | None = None, checksum: bool = True, threads: int = 1,
                 max_output_size: int | None = None):
        self._fp = None
        self._closefp = False
        self._mode = _MODE_CLOSED
        if mode in ("r", "rb"):
            mode_code, fmode = _MODE_READ, "rb"
            given = [name for name, value, default in (
                ("level", level, None), ("tiling", tiling, DEFAULT_TILING),
                ("block_size", block_size, None), ("checksum", checksum, True))
                if value != default]
            if given:
                raise ValueError(f"{', '.join(given)}: only when writing, not in mode {mode!r}")
        elif mode in ("w", "wb", "a", "ab", "x", "xb"):
            if max_output_size is not None:
                raise ValueError(f"max_output_size: only when reading, not in mode {mode!r}")
            mode_code, fmode = _MODE_WRITE, mode[0] + "b"
            self._compressor = QuasiCompressor(level, tiling=tiling, block_size=block_size,
                                               checksum=checksum, threads=threads)
            self._pos = 0
            self._broken = None   # the OSError of a failed write (see _write)
        else:
            raise ValueError(f"invalid mode: {mode!r}")
        if isinstance(file, (str, bytes, os.PathLike)):
            self._fp = io.open(file, fmode)
            self._closefp = True
        elif hasattr(file, "read") or hasattr(file, "write"):
            self._fp = file
        else:
            raise TypeError("file must be a str, bytes or os.PathLike object, or a file object")
        self.name = getattr(self._fp, "name", None) if not self._closefp else os.fspath(file)
        self.mode = "rb" if mode_code == _MODE_READ else "wb"
        if mode_code == _MODE_READ:
            self._buffer = io.BufferedReader(_Reader(self._fp, max_output_size,
                                                     check_threads(threads)))
        self._mode = mode_code

    # -- state

    def close(self):
        """Flush and close; ends the frame in write mode. Closes ``file`` only if this
        object opened it."""
        if self._mode == _MODE_CLOSED:
            return
        try:
            if self._mode == _MODE_READ:
                self._buffer.close()
                self._buffer = None
            elif self._mode == _MODE_WRITE:
                self._compressor, compressor = None, self._compressor
                self._write(compressor.flush(FLUSH_FRAME))
        finally:
            try:
                if self._closefp:
                    self._fp.close()
            finally:
                self._fp = None
                self._closefp = False
                self._mode = _MODE_CLOSED

    @property
    def closed(self):
        return self._mode == _MODE_CLOSED

    def fileno(self):
        self._check_open()
        return self._fp.fileno()

    def seekable(self):
        return self.readable() and self._buffer.seekable()

    def readable(self):
        self._check_open()
        return self._mode == _MODE_READ

    def writable(self):
        self._check_open()
        return self._mode == _MODE_WRITE

    def _check_open(self):
        if self._mode == _MODE_CLOSED:
            raise ValueError("I/O operation on closed file")

    def _check_mode(self, mode, what):
        self._check_open()
        if self._mode != mode:
            raise io.UnsupportedOperation(f"file not open for {what}")

    # -- reading

    def read(self, size: int | None = -1) -> bytes:
        """Up to ``size`` uncompressed bytes (all that is left if negative or None)."""
        self._check_mode(_MODE_READ, "reading")
        return self._buffer.read(size)

    def read1(self, size=-1):
        """Up to ``size`` bytes with at most one read of ``file``."""
        self._check_mode(_MODE_READ, "reading")
        if size < 0:
            size = io.DEFAULT_BUFFER_SIZE
        return self._buffer.read1(size)

    def readinto(self, b):
        self._check_mode(_MODE_READ, "reading")
        return self._buffer.readinto(b)

    def readline(self, size=-1):
        self._check_mode(_MODE_READ, "reading")
        return self._buffer.readline(size)

    def peek(self, size=-1):
        """Buffered bytes at the current position without advancing (at least one byte
        unless at the end of the stream; how many is not specified)."""
        self._check_mode(_MODE_READ, "reading")
        return self._buffer.peek(size)

    def seek(self, offset, whence=io.SEEK_SET):
        """Move to an uncompressed position (reading only; needs a seekable file)."""
        self._check_mode(_MODE_READ, "seeking")
        return self._buffer.seek(offset, whence)

    def tell(self):
        """The uncompressed position."""
        self._check_open()
        if self._mode == _MODE_READ:
            return self._buffer.tell()
        return self._pos

    # -- writing

    def write(self, data: BytesLike) -> int:
        """Compress and write ``data`` (bytes-like); returns its length in bytes."""
        self._check_mode(_MODE_WRITE, "writing")
        view = as_bytes(data)
        self._write(self._compressor.compress(view))
        self._pos += view.nbytes
        return view.nbytes

    def _write(self, coded):
        """Write coded bytes to ``file``. After a failed write the stream has a hole:
        every later write, flush and the frame's end are refused (OSError)."""
        if self._broken is not None:
            raise OSError(errno.EIO, f"an earlier write to the file failed ({self._broken})")
        try:
            write_all(self._fp, coded)
        except OSError as exc:
            self._broken = exc
            raise

    def flush(self, mode: int | None = None) -> None:
        """Flush ``file``. With no ``mode`` the data written since the last block
        stays buffered, so calling flush() often (a logging handler does after every
        record) costs nothing in size, as with lzma.LZMAFile; it becomes readable when
        its block fills or the file is closed. ``FLUSH_BLOCK`` codes it as a block now
        (decodable by a reader of the file so far; each block starts its models
        afresh, so frequent block flushes cost ratio); ``FLUSH_FRAME`` also ends the
        frame. Does nothing when reading."""
        if self._mode == _MODE_READ:
            return
        self._check_mode(_MODE_WRITE, "writing")
        if mode is not None:
            self._write(self._compressor.flush(mode))
        if hasattr(self._fp, "flush"):
            self._fp.flush()


class _Reader(io.RawIOBase):
    """The decoded stream of ``fp`` as a raw, optionally seekable, byte stream; with
    ``threads`` > 1 and a seekable ``fp`` whose index reads, blocks are decoded ahead
    in that many threads (parallel.AheadDecoder)."""

    def __init__(self, fp, max_output_size, threads=1):
        self._fp = fp
        self._limit = max_output_size
        self._seekable = bool(getattr(fp, "seekable", None) and fp.seekable())
        self._start = fp.tell() if self._seekable else 0   # the stream's first byte
        self._frames = None        # [(FrameHeader, FrameInfo, content start)] once needed
        self._threads = threads
        self._pool = None          # the decoding threads, when threads > 1
        self._restart(FrameParser(multi_frame=True), 0)
        if threads > 1 and self._seekable:
            try:
                self._index()
            except QuasiError:   # read from the start: the error is reported where it lies
                return
            from concurrent.futures import ThreadPoolExecutor
            self._pool = ThreadPoolExecutor(threads, thread_name_prefix="quasi-read")
            self._decode_ahead(0, 0, 0)

    def _restart(self, parser, pos):
        self._decoder = BlockDecoder(parser, self._limit, pos)
        self._pos = pos
        self._eof = False

    def _decode_ahead(self, frame, block, pos):
        """Serve the blocks from block ``block`` of frame number ``frame`` (content
        position ``pos``) on, decoded ahead in the threads."""
        from .parallel import AheadDecoder

        if isinstance(self._decoder, AheadDecoder):
            self._decoder.close()
        frames = [(hdr, info) for hdr, info, _start in self._index()]
        self._decoder = AheadDecoder(self._pool, self._threads, self._read_at, frames, frame,
                                     block, self._limit, pos)
        self._pos = pos
        self._eof = False

    def close(self):
        if self._pool is not None:
            self._decoder.close()
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        super().close()

    def readable(self):
        return True

    def seekable(self):
        return self._seekable

    def readinto(self, b):
        with memoryview(b) as view, view.cast("B") as byte_view:
            data = self.read(len(byte_view))
            byte_view[:len(data)] = data
        return len(data)

    def read(self, size=-1):
        if size < 0:
            return self.readall()
        while size and not self._eof:
            data = self._decoder.read1(size)
            if data:
                self._pos += len(data)
                return data
            if self._pool is not None:   # no more blocks ahead
                self._eof = True
                break
            chunk = self._fp.read(_READ_CHUNK)
            if chunk:
                self._decoder.parser.feed(chunk)
            else:
                self._decoder.parser.close()
                self._eof = True
        return b""

    def readall(self):
        chunks = []
        while data := self.read(_READ_CHUNK):
            chunks.append(data)
        return b"".join(chunks)

    def tell(self):
        return self._pos

    def seek(self, offset, whence=io.SEEK_SET):
        if whence == io.SEEK_CUR:
            offset += self._pos
        elif whence == io.SEEK_END:
            offset += self._content_size()
        elif whence != io.SEEK_SET:
            raise ValueError(f"invalid whence ({whence!r}, should be 0, 1 or 2)")
        target = max(offset, 0)
        if not self._pos <= target <= self._pos + self._decoder.pending:
            self._jump(target)
        while self._pos < target and self.read(min(target - self._pos, _READ_CHUNK)):
            pass
        return self._pos

    def _content_size(self):
        hdr, info, start = self._index()[-1]
        return start + info.content_size

    def _index(self):
        if self._frames is None:
            if not self.seekable():
                raise io.UnsupportedOperation("the underlying file does not support seeking")
            resume_at = self._fp.tell()   # decoding may go on from here
            try:
                end = self._fp.seek(0, io.SEEK_END)
                frames = []
                start = 0
                for hdr, info in read_stream_index(self._read_at, self._start, end):
                    frames.append((hdr, info, start))
                    start += info.content_size
            finally:
                self._fp.seek(resume_at)
            self._frames = frames
        return self._frames

    def _read_at(self, offset, size):
        self._fp.seek(offset)
        data = self._fp.read(size)
        if len(data) != size:
            raise OSError(f"short read at offset {offset} of the compressed file")
        return data

    def _jump(self, target):
        """Restart decoding at the block holding ``target`` (at the end if beyond it)."""
        frames = self._index()
        for frame, (hdr, info, start) in enumerate(frames):
            if target < start + info.content_size:
                block, block_start = 0, start
                while block_start + info.blocks[block][1] <= target:
                    block_start += info.blocks[block][1]
                    block += 1
                if self._pool is not None:
                    self._decode_ahead(frame, block, block_start)
                    return
                parser = FrameParser(multi_frame=True)
                parser.resume(hdr, info, block)
                self._fp.seek(hdr.offset + info.blocks[block][0])
                self._restart(parser, block_start)
                return
        if self._pool is not None:
            self._decode_ahead(len(frames), 0, self._content_size())
            self._eof = True
            return
        self._fp.seek(0, io.SEEK_END)
        self._restart(FrameParser(multi_frame=True), self._content_size())
        self._eof = True


def open(file: str | bytes | os.PathLike | BinaryIO, mode: str = "rb", *,
         level: int | None = None, tiling: str = DEFAULT_TILING, block_size: int | None = None,
         checksum: bool = True, threads: int = 1, max_output_size: int | None = None,
         encoding: str | None = None, errors: str | None = None,
         newline: str | None = None) -> QuasiFile | io.TextIOWrapper:
    """Open a .qz file in binary or text mode; returns a QuasiFile or an io.TextIOWrapper.

    ``mode``: "r", "rb", "w", "wb", "x", "xb", "a" or "ab" for binary (the default
    "rb"), or "rt", "wt", "xt", "at" for text, where ``encoding``, ``errors`` and
    ``newline`` are those of io.TextIOWrapper. ``level``, ``tiling``, ``block_size``
    and ``checksum`` apply when writing (see QuasiCompressor), ``max_output_size`` when
    reading (see QuasiFile); ValueError in the other mode. ``threads``: blocks coded
    or decoded at once."""
    if "t" in mode:
        if "b" in mode:
            raise ValueError(f"invalid mode: {mode!r}")
    else:
        for name, value in (("encoding", encoding), ("errors", errors), ("newline", newline)):
            if value is not None:
                raise ValueError(f"argument {name!r} not supported in binary mode")
    binary = QuasiFile(file, mode.replace("t", ""), level=level, tiling=tiling,
                       block_size=block_size, checksum=checksum, threads=threads,
                       max_output_size=max_output_size)
    if "t" in mode:
        return io.TextIOWrapper(binary, io.text_encoding(encoding), errors, newline)
    return binary
