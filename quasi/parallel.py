"""Past one block at a time: whole files coded by blocks on any concurrent.futures
executor (threads, processes, a Dask cluster's), and blocks decoded ahead in threads.

``compress_file`` and ``decompress_file`` submit one task per block. A task carries
plain data (a path, an offset and a length, the settings, quasi's and numba's
versions), never the block's bytes: the worker reads its own range (a local path, or
a URL through fsspec when that is installed), codes or decodes it and returns the
result. Only the caller writes, in block order, to a temporary file beside the output,
renamed over it once complete. At most ``window`` tasks are in flight, so the caller's
memory stays bounded however slow one block is.

Blocks coded anywhere are framed in the caller by ``stream.Framer``, the code
QuasiCompressor frames with, so ``compress_file``'s output is byte for byte
``quasi.compress``'s. Decoding finds the blocks through the frames' indexes
(``container.read_stream_index``) and checks what a reader from the start checks:
each record's header and payload CRCs, its size against the index, its decoded size
and raw CRC (in the worker), and each frame's content CRC (in the caller).

``quasi.decompress(threads=N)`` (decode_in_threads) and ``QuasiFile(..., "rb",
threads=N)`` decode N blocks at once in threads the same way (the numba kernels release
the GIL).

dask and fsspec are optional (``pip install 'quasi[dask]'``): nothing here imports
them unless a path is a URL.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import zlib
from collections import deque
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from functools import partial
from typing import BinaryIO, Callable, Generator, Iterable, Iterator, NamedTuple

from . import api
from .codec.container import (FOOTER2_SIZE, FOOTER_SIZE, FrameHeader, FrameInfo, _check_raw,
                              _parse_block, read_stream_index)
from .errors import QuasiError
from .codec.fallback import encode_record
from .file import write_all
from .options import (DEFAULT_TILING, as_int, check_block_size, check_max_output_size, level_params)
from .stream import BlockDecoder, BytesLike, Framer, decode_record

__all__ = ["compress_file", "decompress_file", "decode_in_threads", "compress_block",
           "decompress_block", "CompressTask", "DecodeTask", "BlockSpan", "AheadDecoder", "library_versions"]

FilePath = str | bytes | os.PathLike

# --------------------------------------------------------------------------- tasks


def library_versions() -> tuple[str, str]:
    """(quasi's version, numba's version): what the bytes a worker produces depend on."""
    import numba

    from . import __version__
    return __version__, numba.__version__


def _check_versions(versions: tuple[str, str]) -> None:
    mine = library_versions()
    if tuple(versions) != mine:
        raise QuasiError(f"worker runs quasi {mine[0]} with numba {mine[1]}, the task comes from "
                         f"quasi {versions[0]} with numba {versions[1]} (a different version "
                         "could code differently)")


class CompressTask(NamedTuple):
    """One block of compress_file: where its raw bytes are and how to code them."""
    path: str
    offset: int
    length: int
    level: int
    tiling: str                  # canonical tiling spec
    number: int                  # the block's number in the file
    versions: tuple[str, str]    # library_versions() of the caller


class BlockSpan(NamedTuple):
    """One block record of a stream: its frame's header, its number in the frame, the
    record's stream offset and size (from the index), its raw size, and, on a frame's
    last block, the frame's content CRC (None elsewhere, or when the frame has none)."""
    header: FrameHeader
    number: int
    offset: int
    length: int
    raw_size: int
    content_crc: int | None


class DecodeTask(NamedTuple):
    """One block of decompress_file: the file and the record's place in it."""
    path: str
    span: BlockSpan
    versions: tuple[str, str]


def compress_block(task: CompressTask) -> tuple[int, list, int]:
    """Worker side of compress_file: read the block, code it as quasi.compress does.
    Returns (record type, sections, CRC32 of the bytes read)."""
    from .text.tiling import parse_spec

    _check_versions(task.versions)
    with _open_source(task.path) as fp:
        raw = _read_range(fp, task.offset, task.length)
    btype, sections = encode_record(raw, parse_spec(task.tiling), level_params(task.level)[1])
    return btype, [bytes(s) for s in sections], zlib.crc32(raw)


def decompress_block(task: DecodeTask):
    """Worker side of decompress_file: read one block record, decode and check it
    (see decode_span). Returns the raw bytes (a bytes object or a uint8 array)."""
    _check_versions(task.versions)
    with _open_source(task.path) as fp:
        record = _read_range(fp, task.span.offset, task.span.length)
    raw = decode_span(task.span, record)
    return raw.tobytes() if isinstance(raw, memoryview) else raw


def decode_span(span: BlockSpan, record: BytesLike):
    """The raw bytes of the block record ``record`` (the ``span.length`` bytes at
    ``span.offset``), checked: header CRC (with the block's number), payload CRC, the
    record's size against its index entry, decoded size and raw CRC."""
    rec, end = _parse_block(record, 0, span.header, span.number, span.offset)
    if end != len(record):
        raise QuasiError(f"frame at offset {span.header.offset}: block {span.number} is a "
                         f"record of {end} bytes, its index entry says {len(record)}")
    raw = decode_record(rec)
    _check_raw(rec, raw)
    return raw


# --------------------------------------------------------------------------- reading


def _open_source(path: str) -> BinaryIO:
    """A binary file object for a local path or, when fsspec is installed, a URL
    (``memory://``, ``file://``, ``s3://`` ...)."""
    if "://" not in path:
        return open(path, "rb")
    try:
        import fsspec
    except ImportError:
        raise QuasiError(f"{path}: reading a URL needs fsspec "
                         "(pip install 'quasi[dask]')") from None
    return fsspec.open(path, "rb").open()


def _read_range(fp: BinaryIO, offset: int, size: int) -> bytes:
    fp.seek(offset)
    data = fp.read(size)
    if len(data) != size:
        raise OSError(f"short read: {len(data)} of {size} bytes at offset {offset} "
                      "(did the file change?)")
    return data


def _end_offset(read_at: Callable[[int, int], bytes], info: FrameInfo) -> int:
    """Frame offset of a frame's end mark, where its last record ends, from the footer
    that read_stream_index has validated (FORMAT.md 3.5; 10.1.5 for version 1)."""
    end = info.offset + info.frame_size
    if info.version == 1:
        return int.from_bytes(read_at(end - FOOTER_SIZE, 8), "little")
    return info.frame_size - int.from_bytes(read_at(end - FOOTER2_SIZE, 4), "little")


def block_spans(read_at: Callable[[int, int], bytes], frames: list[tuple[FrameHeader, FrameInfo]],
                frame: int = 0, block: int = 0) -> Iterator[BlockSpan]:
    """Every block record of ``frames`` (read_stream_index's) from block number
    ``block`` of frame number ``frame`` on, in stream order."""
    for hdr, info in frames[frame:]:
        for i in range(block, info.n_blocks):
            offset, raw_size = info.blocks[i]
            last = i == info.n_blocks - 1
            end = _end_offset(read_at, info) if last else info.blocks[i + 1][0]
            yield BlockSpan(hdr, i, info.offset + offset, end - offset, raw_size,
                            info.content_crc if last else None)
        block = 0


class _ContentCheck:
    """Folds decoded blocks, in stream order, into their frame's content CRC and checks
    it at the frame's last block. A frame entered past its first block (after a seek)
    is not checked; every block's raw CRC still is."""

    def __init__(self):
        self._crc = None

    def add(self, span: BlockSpan, raw) -> None:
        if not span.header.checksum:
            return
        if span.number == 0:
            self._crc = 0
        if self._crc is None:
            return
        self._crc = zlib.crc32(raw, self._crc)
        if span.content_crc is not None and self._crc != span.content_crc:
            raise QuasiError(f"frame at offset {span.header.offset}: content CRC mismatch")


# --------------------------------------------------------------------------- scheduling


class _Inline(Executor):
    """executor=None: each call runs in the caller as it is submitted."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:   # raised by result(), in order, as an executor would
            future.set_exception(exc)
        return future


def _window(executor: Executor | None, window: int | None) -> int:
    """``window`` checked, or its default: 1 in the caller, else twice the executor's
    workers where they can be found (ThreadPoolExecutor, ProcessPoolExecutor, Dask's
    ClientExecutor), else 4."""
    if window is not None:
        window = as_int(window, "window")
        if window < 1:
            raise QuasiError(f"window must be a positive integer, not {window!r}")
        return window
    if executor is None:
        return 1
    workers = getattr(executor, "_max_workers", None)
    client = getattr(executor, "_client", None)
    if not workers and client is not None:
        workers = sum(client.nthreads().values())
    return 2 * workers if workers else 4


def _in_order(executor: Executor | None, fn: Callable, tasks: Iterable,
              window: int) -> Generator[tuple, None, None]:
    """(task, fn(task)) for each task, in task order, with at most ``window`` tasks
    submitted whose results have not been taken. An exception raised while producing
    the tasks is raised in its place, after the results of the tasks before it. Close
    the generator to cancel the tasks not yet started."""
    submit = (executor or _Inline()).submit
    tasks = iter(tasks)
    queue: deque = deque()
    failed = None
    try:
        while True:
            while failed is None and len(queue) < window:
                try:
                    task = next(tasks)
                except StopIteration:
                    break
                except Exception as exc:
                    failed = exc
                    break
                queue.append((task, submit(fn, task)))
            if not queue:
                if failed is not None:
                    raise failed
                return
            task, future = queue.popleft()
            yield task, future.result()
    finally:
        for _task, future in queue:
            future.cancel()


@contextmanager
def _replacing(dst: str, mode_of: str) -> Iterator[BinaryIO]:
    """A temporary file beside ``dst`` (with the permission bits of the local file
    ``mode_of``), flushed, fsynced and renamed over ``dst`` when the block ends;
    removed on any exception, KeyboardInterrupt included, leaving ``dst`` untouched.
    QuasiError if ``dst`` exists and is not a regular file (a device, a pipe)."""
    if os.path.exists(dst) and not os.path.isfile(dst):
        raise QuasiError(f"{dst}: not a regular file (the output is renamed into place)")
    directory, name = os.path.split(os.path.abspath(dst))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if "://" not in mode_of:
            shutil.copymode(mode_of, tmp)
        os.replace(tmp, dst)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _write_pieces(out: BinaryIO, pieces: list) -> int:
    """Write every piece; returns their bytes."""
    for piece in pieces:
        write_all(out, piece)
    return sum(len(piece) for piece in pieces)


# --------------------------------------------------------------------------- files


def compress_file(src: FilePath, dst: FilePath, *, level: int | None = None,
                  tiling: str = DEFAULT_TILING, block_size: int | None = None,
                  checksum: bool = True, executor: Executor | None = None,
                  window: int | None = None) -> int:
    """Compress the file ``src`` into ``dst``, coding its blocks on ``executor``.

    The output is byte for byte ``quasi.compress(<src's bytes>, level, tiling=tiling,
    block_size=block_size, checksum=checksum)`` whatever the executor: None (here, one
    block at a time), a ThreadPoolExecutor or ProcessPoolExecutor, or a Dask cluster's
    (``distributed.Client(...).get_executor()``; ``src`` must then be readable by the
    workers under the same name, or be an fsspec URL). ``window``: blocks in flight
    at most (default: twice the executor's workers, else 4). ``dst`` appears only when
    complete (with ``src``'s permission bits); on any error it is left untouched.
    The caller reads each block again to frame it (its CRCs, or the block itself when
    stored) and refuses a ``src`` that changed meanwhile. Returns the compressed size."""
    src, dst = _path(src), _path(dst)
    with _replacing(dst, src) as out:
        return compress_into(src, out, level=level, tiling=tiling, block_size=block_size,
                             checksum=checksum, executor=executor, window=window)


def compress_into(src: FilePath, out: BinaryIO, *, level: int | None = None,
                  tiling: str = DEFAULT_TILING, block_size: int | None = None,
                  checksum: bool = True, executor: Executor | None = None,
                  window: int | None = None) -> int:
    """compress_file writing into the open binary file ``out`` (any file object: the
    caller owns it and what happens to it on an error). Returns the bytes written."""
    from .text.tiling import parse_spec

    level = level_params(level)[0]
    spec = parse_spec(tiling).canonical
    block_size = check_block_size(block_size, level)
    window = _window(executor, window)
    src = _path(src)
    versions = library_versions()
    framer = Framer(level, spec, block_size, bool(checksum))
    written = 0
    with _open_source(src) as fp:
        size = fp.seek(0, os.SEEK_END)
        tasks = (CompressTask(src, offset, min(block_size, size - offset), level, spec, n,
                              versions)
                 for n, offset in enumerate(range(0, size, block_size)))
        with closing(_in_order(executor, compress_block, tasks, window)) as results:
            for task, (btype, sections, crc) in results:
                raw = _read_range(fp, task.offset, task.length)
                if zlib.crc32(raw) != crc:
                    raise QuasiError(f"{src} changed while being compressed (block {task.number})")
                pieces: list = []
                framer.block(raw, btype, sections, pieces)
                written += _write_pieces(out, pieces)
            pieces = []
            framer.end(pieces)
            return written + _write_pieces(out, pieces)


def decompress_file(src: FilePath, dst: FilePath, *, executor: Executor | None = None,
                    window: int | None = None, max_output_size: int | None = None) -> int:
    """Decompress the quasi file ``src`` (one or more frames) into ``dst``, decoding its
    blocks on ``executor`` (as for compress_file). Blocks are found through the frames'
    indexes and every block and frame checksum is checked; malformed input raises
    QuasiError. ``max_output_size``: refuse (QuasiError) a stream whose content would
    exceed it, before decoding anything. ``dst`` appears only when complete; on any
    error it is left untouched. Returns the decompressed size."""
    src, dst = _path(src), _path(dst)
    with _replacing(dst, src) as out:
        return decompress_into(src, out, executor=executor, window=window,
                               max_output_size=max_output_size)


def decompress_into(src: FilePath, out: BinaryIO, *, executor: Executor | None = None,
                    window: int | None = None, max_output_size: int | None = None) -> int:
    """decompress_file writing into the open binary file ``out`` (any file object: the
    caller owns it and what happens to it on an error; nothing is written before the
    whole index is read and checked). Returns the decompressed size."""
    limit = check_max_output_size(max_output_size)
    window = _window(executor, window)
    src = _path(src)
    versions = library_versions()
    with _open_source(src) as fp:
        read_at = partial(_read_range, fp)
        frames = read_stream_index(read_at, 0, fp.seek(0, os.SEEK_END))
        total = sum(info.content_size for _hdr, info in frames)
        if limit is not None and total > limit:
            raise QuasiError(f"content exceeds max_output_size ({limit} bytes)")
        tasks = (DecodeTask(src, span, versions) for span in block_spans(read_at, frames))
        check = _ContentCheck()
        with closing(_in_order(executor, decompress_block, tasks, window)) as results:
            for task, raw in results:
                check.add(task.span, raw)
                write_all(out, raw)
    return total


def _path(path: FilePath) -> str:
    path = os.fspath(path)
    return os.fsdecode(path) if isinstance(path, bytes) else path


# --------------------------------------------------------------------------- threads


def _decode_read(task: tuple[BlockSpan, BytesLike]):
    return decode_span(*task)


def decode_ahead(executor: Executor, window: int, read_at: Callable[[int, int], BytesLike],
                 spans: Iterable[BlockSpan]) -> Generator:
    """The checked raw bytes of each block of ``spans``, in order, up to ``window``
    decoded at once on ``executor``; records are read by ``read_at`` in the caller as
    they are submitted. Close the generator to cancel what is in flight."""
    check = _ContentCheck()
    tasks = ((span, read_at(span.offset, span.length)) for span in spans)
    with closing(_in_order(executor, _decode_read, tasks, window)) as results:
        for (span, _record), raw in results:
            check.add(span, raw)
            yield raw


def _limited(spans: Iterable[BlockSpan], limit: int, produced: int) -> Iterator[BlockSpan]:
    """``spans`` up to the one that would take the output past ``limit`` (QuasiError)."""
    for span in spans:
        produced += span.raw_size
        if produced > limit:
            raise QuasiError(f"content exceeds max_output_size ({limit} bytes)")
        yield span


class AheadDecoder(BlockDecoder):
    """The BlockDecoder QuasiFile reads through when ``threads`` > 1: serves the blocks
    of a seekable stream from block ``block`` of frame ``frame`` on (content position
    ``produced``), decoded up to ``threads`` at once in ``executor``; holds at most
    ``threads`` + 1 decoded blocks. ``close()`` cancels what is in flight."""

    def __init__(self, executor: Executor, threads: int, read_at: Callable[[int, int], bytes],
                 frames: list[tuple[FrameHeader, FrameInfo]], frame: int = 0, block: int = 0,
                 max_output_size: int | None = None, produced: int = 0):
        super().__init__(None, max_output_size, produced)
        spans = block_spans(read_at, frames, frame, block)
        if self._limit is not None:
            spans = _limited(spans, self._limit, produced)
        self._blocks = decode_ahead(executor, threads, read_at, spans)

    def _next_block(self):
        return next(self._blocks, None)

    def close(self) -> None:
        """Cancel the blocks not yet decoded."""
        self._blocks.close()


def decode_in_threads(view: memoryview, limit: int | None, threads: int) -> bytes:
    """quasi.decompress with ``threads`` > 1: the blocks, found through the frames'
    indexes, decoded that many at once. A stream whose indexes do not read is decoded
    from the start instead, which says where it goes wrong."""
    def read_at(offset, size):
        return view[offset:offset + size]

    try:
        frames = read_stream_index(read_at, 0, len(view))
    except QuasiError:
        return api.decompress(view, max_output_size=limit)
    if limit is not None and sum(info.content_size for _hdr, info in frames) > limit:
        raise QuasiError(f"content exceeds max_output_size ({limit} bytes)")
    with ThreadPoolExecutor(threads, thread_name_prefix="quasi-decode") as pool:
        return b"".join(decode_ahead(pool, threads, read_at, block_spans(read_at, frames)))
