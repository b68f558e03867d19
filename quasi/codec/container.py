"""The quasi container: frames, block records, end mark, index and footer (format version 2;
version 1 is still read, and written on request for tests).

The container only *frames* already-encoded blocks.  The block codec (another module)
turns one block's raw bytes into a list of "sections" (byte strings) and back; the
container never looks inside a section.  FORMAT.md (repository root) is the normative
byte-level description of everything written and checked here.

Writing::

    w = FrameWriter(level, spec, block_size)          # checksum=True by default
    out = [w.header()]
    for raw in blocks_of(data, block_size):           # every block: 1 .. block_size bytes
        out.append(w.block(raw, codec.encode(raw)))   # sections=None -> stored raw
    out.append(w.finish())

``w.block(raw, [payload], BLOCK_LZMA)`` frames an LZMA2 payload (version 2 only).

Reading (decoding)::

    reader = StreamReader(data)
    for header, rec in reader:                        # FrameHeader, BlockRecord
        raw = rec.sections[0] if rec.type == BLOCK_RAW else codec.decode(header, rec)
        reader.verify_block(rec, raw)                 # mandatory: length + raw CRC
        sink.write(raw)
    # frame ends (index, footer, content CRC) are validated as iteration passes them;
    # reader.frames holds the FrameInfo of every completed frame.

or simply ``decode_stream(data, decode_block)``.  Input that arrives in pieces (a pipe, a
file read in chunks) goes through ``FrameParser`` instead: ``feed(piece)``, then
``next_record()`` until it returns None, and ``close()`` at the end of input.

Listing and seeking: ``read_frame_infos(data)`` (walks block headers, skips payloads),
``read_first_frame_info(data)``, ``read_last_frame_from_end(data)`` and
``read_stream_index(read_at, start, end)`` (footers, indexes and frame headers only).

Every malformed, truncated or inconsistent input raises ``QuasiError``.  Every size
read from the input is checked against the bytes actually present and against the
format limits before anything is sliced; ``StreamReader`` hands out payloads as
zero-copy ``memoryview`` slices of the input, so the caller must keep the input alive
(and unmodified) while it uses them.
"""

from __future__ import annotations

import struct
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

from ..errors import QuasiError, TrailingGarbage
from .varint import MAX_VARINT_BYTES, read_varint, varint_bytes

__all__ = [
    "MAGIC", "FOOTER_MAGIC", "FORMAT_VERSION", "MAX_BLOCK_SIZE", "MAX_SECTIONS",
    "BLOCK_RAW", "BLOCK_CODED", "BLOCK_LZMA", "BLOCK_END", "READ_VERSIONS", "FLAG_CHECKSUM", "MAX_SECTION_SLACK",
    "FOOTER_SIZE", "FrameWriter", "FrameHeader", "BlockRecord", "FrameInfo",
    "StreamReader", "FrameParser", "decode_stream", "iter_decoded", "read_frame_infos",
    "read_first_frame_info", "read_last_frame_from_end", "read_stream_index",
    "max_coded_size",
]

MAGIC = b"\x9eQZ\r"            # 9E 51 5A 0D
FOOTER_MAGIC = b"\rZQ\x9e"     # 0D 5A 51 9E (version 1)
FOOTER2_MAGIC = b"Z\x9e"       # 5A 9E (version 2)
FORMAT_VERSION = 2
READ_VERSIONS = (1, 2)
MAX_BLOCK_SIZE = 1 << 30
MAX_SECTIONS = 16
MAX_SPEC_LEN = 255
MAX_LEVEL = 9
BLOCK_RAW = 0
BLOCK_CODED = 1
BLOCK_LZMA = 2                 # version 2 only
BLOCK_END = 0xFF
FLAG_CHECKSUM = 0x01
RESERVED_FLAGS = 0xFE
RESERVED_FLAGS2 = 0x0E         # version 2: bits 4..7 hold the level
MAX_BLOCKS_PER_FRAME = 1 << 28  # version 2: keeps the tail under 2^32 bytes
MAX_SECTION_SLACK = 1 << 16    # sum(section sizes) <= 2 * raw_size + MAX_SECTION_SLACK

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_END = struct.Struct("<BQQI")          # type, n_blocks, content_size, content_crc
_INDEX_ENTRY = struct.Struct("<QI")    # block_offset, raw_size
_FOOTER = struct.Struct("<QQI4s")      # end_offset, frame_size, footer_crc, footer magic
_FIXED_HEADER = struct.Struct("<4sBBBB")  # magic, version, flags, level, spec_len

END_MARK_SIZE = _END.size              # 21
INDEX_ENTRY_SIZE = _INDEX_ENTRY.size   # 12
FOOTER_SIZE = _FOOTER.size             # 24
MIN_HEADER_SIZE = _FIXED_HEADER.size + 1 + 4 + 4   # spec of 1 byte: 17
MAX_HEADER_SIZE = _FIXED_HEADER.size + MAX_SPEC_LEN + 4 + 4   # 271
_MIN_RECORD = 1 + 4 + 4 + 1                        # stored 1-byte block, no raw CRC
_FOOTER2 = struct.Struct("<II2s")      # tail_size, footer_crc, footer magic
FOOTER2_SIZE = _FOOTER2.size           # 10
_MIN_HEADER2 = 7 + 1 + 1 + 4           # spec of 1 byte, 1-byte block_size
_MIN_TAIL2 = 4 + FOOTER2_SIZE          # end mark of an empty frame, footer
_MIN_RECORD2 = 1 + 1 + 4 + 4 + 1       # stored 1-byte block


def block_header_crc_v2(head, number: int) -> int:
    """A version-2 block record's header CRC: CRC32 of its number in the frame (u32, the
    first block is 0) followed by its header bytes, so a record moved to another place
    in its frame fails its check."""
    return zlib.crc32(head, zlib.crc32(_U32.pack(number)))


def max_coded_size(raw_size: int) -> int:
    """Largest sum of section sizes a coded block of ``raw_size`` raw bytes may declare."""
    return 2 * raw_size + MAX_SECTION_SLACK


def _is_printable_ascii(b: bytes) -> bool:
    return all(0x21 <= x <= 0x7E for x in b)


def _read_varint(buf, pos: int, end: int, truncated: str) -> tuple[int, int]:
    """varint.read_varint, with ``_Truncated(truncated)`` where the varint runs past ``end``."""
    value, after = read_varint(buf, pos, end)
    if value is None:
        raise _Truncated(truncated)
    return value, after


# --------------------------------------------------------------------------- writer


class FrameWriter:
    """Produces the bytes of one frame, piece by piece.

    Call ``header()`` once, then ``block(raw, sections)`` for each block in order, then
    ``finish()`` once; concatenate the returned byte strings.  The writer computes every
    CRC itself, tracks block offsets for the index and the running content CRC.

    ``level``: 0..9 (0 = not recorded); ``spec``: the tiling spec, 1..255 printable ASCII
    characters (0x21..0x7E); ``block_size``: maximum raw bytes per block, 1..2**30;
    ``checksum``: store CRC32s of the raw data (flag bit 0); ``version``: the format
    version to write (1 only to produce files for readers of version 1).  Invalid
    arguments or out-of-order calls raise ``QuasiError``.
    """

    def __init__(self, level: int, spec: str, block_size: int, checksum: bool = True,
                 version: int = FORMAT_VERSION):
        if not isinstance(level, int) or isinstance(level, bool) or not 0 <= level <= MAX_LEVEL:
            raise QuasiError(f"level must be an integer 0..{MAX_LEVEL}, got {level!r}")
        if not isinstance(spec, str):
            raise QuasiError(f"spec must be a str, got {type(spec).__name__}")
        try:
            spec_b = spec.encode("ascii")
        except UnicodeEncodeError:
            raise QuasiError(f"spec must be printable ASCII, got {spec!r}") from None
        if not 1 <= len(spec_b) <= MAX_SPEC_LEN:
            raise QuasiError(f"spec must be 1..{MAX_SPEC_LEN} characters, got {len(spec_b)}")
        if not _is_printable_ascii(spec_b):
            raise QuasiError(f"spec must be printable ASCII (0x21..0x7E, no spaces), got {spec!r}")
        if (not isinstance(block_size, int) or isinstance(block_size, bool)
                or not 1 <= block_size <= MAX_BLOCK_SIZE):
            raise QuasiError(f"block_size must be 1..{MAX_BLOCK_SIZE}, got {block_size!r}")
        if version not in READ_VERSIONS:
            raise QuasiError(f"cannot write format version {version!r}")
        self.level = level
        self.spec = spec
        self.block_size = block_size
        self.checksum = bool(checksum)
        self.version = version
        flags = FLAG_CHECKSUM if self.checksum else 0
        if version == 1:
            head = (_FIXED_HEADER.pack(MAGIC, 1, flags, level, len(spec_b))
                    + spec_b + _U32.pack(block_size))
        else:
            head = (MAGIC + bytes((2, flags | level << 4, len(spec_b))) + spec_b
                    + varint_bytes(block_size))
        self._header = head + _U32.pack(zlib.crc32(head))
        self._state = 0            # 0: header not yet returned, 1: blocks, 2: finished
        self._pos = 0              # bytes of this frame emitted so far
        self._index: list[tuple[int, int]] = []
        self._content_size = 0
        self._content_crc = 0

    def header(self) -> bytes:
        """The frame header.  Must be called first, exactly once."""
        if self._state != 0:
            raise QuasiError("FrameWriter.header() called twice")
        self._state = 1
        self._pos = len(self._header)
        return self._header

    @property
    def full(self) -> bool:
        """True when the frame holds as many blocks as a frame may (finish it)."""
        return len(self._index) >= MAX_BLOCKS_PER_FRAME

    def block(self, raw, sections: Sequence | None, btype: int = BLOCK_CODED) -> bytes:
        """One block record for ``raw`` (1..block_size bytes).

        ``sections`` is the codec's output (``BLOCK_CODED``: 1..16 bytes-like objects,
        possibly empty ones; ``BLOCK_LZMA``: one LZMA2 payload) or None for a stored
        block.  A stored block is written instead whenever the record would not be
        smaller than the stored one.
        """
        if self._state != 1:
            raise QuasiError("FrameWriter.block() called "
                             + ("before header()" if self._state == 0 else "after finish()"))
        if self.full:
            raise QuasiError(f"a frame holds at most {MAX_BLOCKS_PER_FRAME} blocks")
        raw = memoryview(raw).cast("B")
        raw_size = raw.nbytes
        if not 1 <= raw_size <= self.block_size:
            raise QuasiError(f"block raw size must be 1..{self.block_size}, got {raw_size}")
        rec = None
        if sections is not None:
            sections = [memoryview(s).cast("B") for s in sections]
            n = len(sections)
            if btype == BLOCK_LZMA and (n != 1 or self.version == 1):
                raise QuasiError("an lzma block needs one payload (format version 2)")
            if btype not in (BLOCK_CODED, BLOCK_LZMA) or not 1 <= n <= MAX_SECTIONS:
                raise QuasiError(f"a coded block needs 1..{MAX_SECTIONS} sections, got {n}")
            rec = (self._coded_v1 if self.version == 1 else self._coded_v2)(raw, sections, btype)
        stored = (self._stored_v1 if self.version == 1 else self._stored_v2)(raw)
        if rec is None or len(rec) >= len(stored):
            rec = stored
        if self.checksum:
            self._content_crc = zlib.crc32(raw, self._content_crc)
        self._index.append((self._pos, raw_size))
        self._pos += len(rec)
        self._content_size += raw_size
        return rec

    def _raw_crc(self, raw) -> bytes:
        return _U32.pack(zlib.crc32(raw)) if self.checksum else b""

    def _stored_v1(self, raw) -> bytes:
        head = bytes((BLOCK_RAW,)) + _U32.pack(raw.nbytes)
        return b"".join((head, _U32.pack(zlib.crc32(head)), raw, self._raw_crc(raw)))

    def _coded_v1(self, raw, sections, btype) -> bytes:
        sizes = [s.nbytes for s in sections]
        if sum(sizes) + 5 + 4 * len(sizes) >= raw.nbytes:
            return None
        head = (bytes((BLOCK_CODED,)) + _U32.pack(raw.nbytes) + bytes((len(sizes),))
                + struct.pack(f"<{len(sizes)}I", *sizes) + _U32.pack(_crc_all(sections)))
        return b"".join((head, _U32.pack(zlib.crc32(head)), *sections, self._raw_crc(raw)))

    def _stored_v2(self, raw) -> bytes:
        head = bytes((BLOCK_RAW,)) + varint_bytes(raw.nbytes) + _U32.pack(zlib.crc32(raw))
        return b"".join((head, _U32.pack(block_header_crc_v2(head, len(self._index))), raw))

    def _coded_v2(self, raw, sections, btype) -> bytes:
        head = bytearray((btype,)) + varint_bytes(raw.nbytes)
        if btype == BLOCK_CODED:
            head.append(len(sections))
            for sec in sections:
                head += varint_bytes(sec.nbytes)
        else:
            head += varint_bytes(sections[0].nbytes)
        head += _U32.pack(_crc_all(sections))
        return b"".join((head, _U32.pack(block_header_crc_v2(head, len(self._index))), *sections,
                         self._raw_crc(raw)))

    def finish(self) -> bytes:
        """End mark + index + footer.  Must be called last, exactly once."""
        if self._state != 1:
            raise QuasiError("FrameWriter.finish() called "
                             + ("before header()" if self._state == 0 else "twice"))
        self._state = 2
        tail = self._tail_v1() if self.version == 1 else self._tail_v2()
        self._pos += len(tail)
        return tail

    def _tail_v1(self) -> bytes:
        n = len(self._index)
        body = [_END.pack(BLOCK_END, n, self._content_size,
                          self._content_crc if self.checksum else 0)]
        body.extend(_INDEX_ENTRY.pack(off, size) for off, size in self._index)
        end_offset = self._pos
        frame_size = end_offset + END_MARK_SIZE + n * INDEX_ENTRY_SIZE + FOOTER_SIZE
        body.append(_U64.pack(end_offset) + _U64.pack(frame_size))
        blob = b"".join(body)
        return blob + _U32.pack(zlib.crc32(blob)) + FOOTER_MAGIC

    def _tail_v2(self) -> bytes:
        n = len(self._index)
        body = [bytes((BLOCK_END,)), varint_bytes(n), varint_bytes(self._content_size),
                varint_bytes(self._pos)]
        if self.checksum and n >= 2:
            body.append(_U32.pack(self._content_crc))
        offsets = [off for off, _ in self._index] + [self._pos]
        for i, (off, size) in enumerate(self._index):
            body.append(varint_bytes(offsets[i + 1] - off) + varint_bytes(size))
        blob = b"".join(body)
        blob += _U32.pack(len(blob) + FOOTER2_SIZE)
        return blob + _U32.pack(zlib.crc32(blob)) + FOOTER2_MAGIC

    @property
    def frame_size(self) -> int:
        """Bytes of this frame returned so far (the whole frame once finished)."""
        return self._pos


def _crc_all(pieces) -> int:
    crc = 0
    for piece in pieces:
        crc = zlib.crc32(piece, crc)
    return crc


# --------------------------------------------------------------------------- records


@dataclass
class FrameHeader:
    """A validated frame header.  ``offset`` is the frame's position in the stream."""
    version: int
    flags: int
    level: int
    spec: str
    block_size: int
    checksum: bool
    offset: int
    header_size: int
    index: int = 0          # frame number in the stream (0-based)


@dataclass
class BlockRecord:
    """One block record.  ``sections`` are zero-copy views into the input: for a raw
    block the single payload, for a coded block the codec's sections.  ``raw_crc`` is
    None when the frame carries no checksums.  ``index`` is the block number within its
    frame, ``offset`` its position relative to the frame's first byte."""
    index: int
    type: int
    raw_size: int
    sections: list
    raw_crc: int | None
    offset: int


@dataclass
class FrameInfo:
    """Everything known about one complete, validated frame.  ``content_crc`` is None when
    the frame does not carry one (version 2 with fewer than 2 blocks or no checksums)."""
    version: int
    flags: int
    level: int
    spec: str
    block_size: int
    n_blocks: int
    content_size: int
    content_crc: int | None
    frame_size: int
    offset: int
    blocks: list = field(default_factory=list)   # [(block_offset, raw_size)] from the index
    checksum: bool = True
    # record type of each block (BLOCK_RAW, BLOCK_CODED, BLOCK_LZMA) when the records were
    # read; None when the frame was read from its end (the index does not hold them)
    block_types: list | None = field(default=None, compare=False)


# --------------------------------------------------------------------------- parsing
#
# The parse functions read ``buf`` from index ``pos``; ``base`` is the stream offset of
# ``buf[0]`` (nonzero when ``buf`` holds only a piece of the stream), so that every
# offset in a message or a FrameHeader/BlockRecord is a stream offset.


class _Truncated(QuasiError):
    """The input ends inside a structure (an incremental reader waits for more)."""


@contextmanager
def _public_errors():
    """Truncation reaches callers as a plain QuasiError."""
    try:
        yield
    except _Truncated as exc:
        raise QuasiError(str(exc)) from None


def _parse_header(buf, pos: int, frame_no: int, base: int = 0) -> FrameHeader:
    """Parse and validate the frame header at ``pos`` (either version)."""
    avail = len(buf) - pos
    at = base + pos
    head4 = bytes(buf[pos:pos + 4])
    if head4 != MAGIC[:len(head4)]:
        if frame_no == 0:
            raise QuasiError("not a quasi stream (bad magic)")
        raise TrailingGarbage(at)
    if avail < 5:
        raise _Truncated(f"truncated frame header at offset {at}")
    version = buf[pos + 4]
    if version not in READ_VERSIONS:
        raise QuasiError(f"unsupported format version {version}")
    if version == 1:
        if avail < _FIXED_HEADER.size:
            raise _Truncated(f"truncated frame header at offset {at}")
        _, _, flags, level, spec_len = _FIXED_HEADER.unpack_from(buf, pos)
        p = pos + _FIXED_HEADER.size + spec_len
        size = _FIXED_HEADER.size + spec_len + 8
        if avail < size:
            raise _Truncated(f"truncated frame header at offset {at}")
        (block_size,) = _U32.unpack_from(buf, p)
        reserved = flags & RESERVED_FLAGS
    else:
        if avail < 7:
            raise _Truncated(f"truncated frame header at offset {at}")
        flags, spec_len = buf[pos + 5], buf[pos + 6]
        p = pos + 7 + spec_len
        block_size, q = _read_varint(buf, p, pos + avail, f"truncated frame header at offset {at}")
        size = q + 4 - pos
        if avail < size:
            raise _Truncated(f"truncated frame header at offset {at}")
        flags, level, reserved = flags & 0x0F, flags >> 4, flags & RESERVED_FLAGS2
    (stored_crc,) = _U32.unpack_from(buf, pos + size - 4)
    if zlib.crc32(buf[pos:pos + size - 4]) != stored_crc:
        raise QuasiError(f"frame header CRC mismatch at offset {at}")
    if reserved:
        raise QuasiError(f"frame at offset {at}: reserved flag bits set (flags 0x{flags:02x})")
    if level > MAX_LEVEL:
        raise QuasiError(f"frame at offset {at}: invalid level {level}")
    if spec_len == 0:
        raise QuasiError(f"frame at offset {at}: empty tiling spec")
    spec_b = bytes(buf[p - spec_len:p])
    if not _is_printable_ascii(spec_b):
        raise QuasiError(f"frame at offset {at}: tiling spec is not printable ASCII")
    if not 1 <= block_size <= MAX_BLOCK_SIZE:
        raise QuasiError(f"frame at offset {at}: block size {block_size} out of range "
                         f"1..{MAX_BLOCK_SIZE}")
    return FrameHeader(version=version, flags=flags, level=level, spec=spec_b.decode("ascii"),
                       block_size=block_size, checksum=bool(flags & FLAG_CHECKSUM),
                       offset=at, header_size=size, index=frame_no)


@dataclass
class _BlockHead:
    """A validated block header: what a reader needs before the payload arrives."""
    type: int
    raw_size: int
    sizes: list            # section sizes (coded and lzma blocks)
    payload_crc: int       # every version 2 block, version 1 coded blocks
    head_size: int         # bytes up to and including block_header_crc
    payload_size: int
    record_size: int       # the whole record, raw_crc included


_MAX_BLOCK_HEAD = 1 + MAX_VARINT_BYTES + 1 + MAX_VARINT_BYTES * MAX_SECTIONS + 4 + 4


def _parse_block_head(buf, pos: int, hdr: FrameHeader, index: int, base: int = 0) -> _BlockHead:
    """Parse and validate the header of the block record at ``pos`` (its type byte is
    known not to be the end mark): FORMAT.md 3.2, validation steps 1-5."""
    end = len(buf)
    at = base + pos
    btype = buf[pos]
    if btype not in ((BLOCK_RAW, BLOCK_CODED) if hdr.version == 1 else
                     (BLOCK_RAW, BLOCK_CODED, BLOCK_LZMA)):
        raise QuasiError(f"block {index}: invalid block type 0x{btype:02x} at offset {at}")
    truncated = f"truncated block header at offset {at}"
    if hdr.version == 1:
        if end - pos < 5:
            raise _Truncated(truncated)
        (raw_size,) = _U32.unpack_from(buf, pos + 1)
        p = pos + 5
    else:
        raw_size, p = _read_varint(buf, pos + 1, end, truncated)
    sizes: list[int] = [raw_size]
    if btype == BLOCK_CODED:
        if end - p < 1:
            raise _Truncated(truncated)
        n = buf[p]
        p += 1
        if not 1 <= n <= MAX_SECTIONS:
            raise QuasiError(f"block {index}: invalid section count {n} at offset {at} "
                             f"(must be 1..{MAX_SECTIONS})")
        if hdr.version == 1:
            if end - p < 4 * n:
                raise _Truncated(truncated)
            sizes = list(struct.unpack_from(f"<{n}I", buf, p))
            p += 4 * n
        else:
            sizes = []
            for _ in range(n):
                size, p = _read_varint(buf, p, end, truncated)
                sizes.append(size)
    elif btype == BLOCK_LZMA:
        size, p = _read_varint(buf, p, end, truncated)
        sizes = [size]
    payload_crc = 0
    if btype != BLOCK_RAW or hdr.version == 2:
        if end - p < 4:
            raise _Truncated(truncated)
        (payload_crc,) = _U32.unpack_from(buf, p)
        p += 4
    if end - p < 4:
        raise _Truncated(truncated)
    (stored_crc,) = _U32.unpack_from(buf, p)
    if hdr.version == 1 and zlib.crc32(buf[pos:p]) != stored_crc:
        raise QuasiError(f"block {index}: block header CRC mismatch at offset {at}")
    if hdr.version == 2 and block_header_crc_v2(buf[pos:p], index) != stored_crc:
        raise QuasiError(f"block {index}: block header CRC mismatch at offset {at} (a damaged "
                         f"record, or a record out of its place)")
    p += 4
    if not 1 <= raw_size <= hdr.block_size:
        raise QuasiError(f"block {index}: raw size {raw_size} out of range 1..{hdr.block_size} "
                         f"at offset {at}")
    payload_size = sum(sizes)
    if btype != BLOCK_RAW and payload_size > max_coded_size(raw_size):
        raise QuasiError(f"block {index}: coded size {payload_size} exceeds the limit "
                         f"{max_coded_size(raw_size)} for raw size {raw_size} at offset {at}")
    head_size = p - pos
    has_raw_crc = hdr.checksum and (btype != BLOCK_RAW or hdr.version == 1)
    record_size = head_size + payload_size + (4 if has_raw_crc else 0)
    return _BlockHead(btype, raw_size, sizes, payload_crc, head_size, payload_size, record_size)


def _parse_block(buf, pos: int, hdr: FrameHeader, index: int,
                 base: int = 0) -> tuple[BlockRecord, int]:
    """Parse the block record at ``pos`` (type byte known not to be the end mark).
    Returns the record (sections are views of ``buf``) and the index just after it."""
    head = _parse_block_head(buf, pos, hdr, index, base)
    start = pos
    pos += head.head_size
    if len(buf) - start < head.record_size:
        raise _Truncated(f"truncated block payload at offset {base + pos} (block {index}: needs "
                         f"{head.record_size - head.head_size} bytes, {len(buf) - pos} left)")
    if head.type != BLOCK_RAW or hdr.version == 2:
        if zlib.crc32(buf[pos:pos + head.payload_size]) != head.payload_crc:
            raise QuasiError(f"block {index}: payload CRC mismatch at offset {base + start}")
    sections = []
    for s in head.sizes:
        sections.append(buf[pos:pos + s])
        pos += s
    raw_crc = None
    if hdr.checksum:
        if head.type == BLOCK_RAW and hdr.version == 2:
            raw_crc = head.payload_crc
        else:
            (raw_crc,) = _U32.unpack_from(buf, pos)
            pos += 4
    rec = BlockRecord(index=index, type=head.type, raw_size=head.raw_size, sections=sections,
                      raw_crc=raw_crc, offset=base + start - hdr.offset)
    return rec, pos


def _frame_info(hdr: FrameHeader, n_blocks: int, content_size: int, content_crc,
                frame_size: int, blocks: list) -> FrameInfo:
    """FrameInfo of a validated frame; ``blocks``: (offset, raw_size, type or None)."""
    types = [t for _, _, t in blocks]
    return FrameInfo(version=hdr.version, flags=hdr.flags, level=hdr.level, spec=hdr.spec,
                     block_size=hdr.block_size, n_blocks=n_blocks, content_size=content_size,
                     content_crc=content_crc, frame_size=frame_size, offset=hdr.offset,
                     blocks=[(o, s) for o, s, _ in blocks], checksum=hdr.checksum,
                     block_types=None if None in types else types)


def _max_tail(hdr: FrameHeader, n_blocks: int) -> int:
    """An upper bound on the size of the end mark, index and footer of a frame."""
    if hdr.version == 1:
        return END_MARK_SIZE + n_blocks * INDEX_ENTRY_SIZE + FOOTER_SIZE
    return 1 + 3 * MAX_VARINT_BYTES + 4 + 2 * MAX_VARINT_BYTES * n_blocks + FOOTER2_SIZE


def _parse_end(buf, pos: int, hdr: FrameHeader, blocks: list, base: int = 0):
    """Parse and cross-check end mark + index + footer at ``pos`` against the blocks
    actually read, (offset, raw_size, type) each.  Returns the FrameInfo and the index
    just after the footer."""
    if hdr.version == 2:
        return _parse_end_v2(buf, pos, hdr, blocks, base)
    end = len(buf)
    fo = hdr.offset
    at = base + pos
    if end - pos < END_MARK_SIZE:
        raise _Truncated(f"truncated end mark at offset {at}")
    _, n_blocks, content_size, content_crc = _END.unpack_from(buf, pos)
    n_read = len(blocks)
    if n_blocks != n_read:
        raise QuasiError(f"frame at offset {fo}: end mark declares {n_blocks} blocks "
                         f"but {n_read} were read")
    tail_size = END_MARK_SIZE + n_read * INDEX_ENTRY_SIZE + FOOTER_SIZE
    if end - pos < tail_size:
        raise _Truncated(f"truncated index/footer at offset {at} (needs {tail_size} bytes, "
                         f"{end - pos} left)")
    fpos = pos + tail_size - FOOTER_SIZE
    end_offset, frame_size, footer_crc, fmagic = _FOOTER.unpack_from(buf, fpos)
    if fmagic != FOOTER_MAGIC:
        raise QuasiError(f"frame at offset {fo}: bad footer magic at offset {base + fpos + 20}")
    if zlib.crc32(buf[pos:fpos + 16]) != footer_crc:
        raise QuasiError(f"frame at offset {fo}: footer CRC mismatch")
    _check_end(hdr, at, end_offset, frame_size, at + tail_size - fo, content_size, blocks)
    if not hdr.checksum and content_crc != 0:
        raise QuasiError(f"frame at offset {fo}: nonzero content CRC in a frame without checksums")
    p = pos + END_MARK_SIZE
    for i, (off, size, _) in enumerate(blocks):
        _check_entry(hdr, i, _INDEX_ENTRY.unpack_from(buf, p), (off, size))
        p += INDEX_ENTRY_SIZE
    return _frame_info(hdr, n_blocks, content_size, content_crc, frame_size, blocks), \
        pos + tail_size


def _parse_end_v2(buf, pos: int, hdr: FrameHeader, blocks: list, base: int):
    end = len(buf)
    fo = hdr.offset
    at = base + pos
    truncated = f"truncated end mark at offset {at}"
    n_blocks, p = _read_varint(buf, pos + 1, end, truncated)
    n_read = len(blocks)
    if n_blocks != n_read:
        raise QuasiError(f"frame at offset {fo}: end mark declares {n_blocks} blocks "
                         f"but {n_read} were read")
    content_size, p = _read_varint(buf, p, end, truncated)
    end_offset, p = _read_varint(buf, p, end, truncated)
    content_crc = None
    if hdr.checksum and n_read >= 2:
        if end - p < 4:
            raise _Truncated(truncated)
        (content_crc,) = _U32.unpack_from(buf, p)
        p += 4
    ends = [off for off, _, _ in blocks[1:]] + [at - fo]
    index = b"".join(varint_bytes(e - off) + varint_bytes(size)
                     for e, (off, size, _) in zip(ends, blocks))
    tail_size = p - pos + len(index) + FOOTER2_SIZE
    if end - pos < tail_size:
        raise _Truncated(f"truncated index/footer at offset {at} (needs {tail_size} bytes, "
                         f"{end - pos} left)")
    fpos = pos + tail_size - FOOTER2_SIZE
    stored_tail, footer_crc, fmagic = _FOOTER2.unpack_from(buf, fpos)
    if fmagic != FOOTER2_MAGIC:
        raise QuasiError(f"frame at offset {fo}: bad footer magic at offset {base + fpos + 8}")
    if zlib.crc32(buf[pos:fpos + 4]) != footer_crc:
        raise QuasiError(f"frame at offset {fo}: footer CRC mismatch")
    if stored_tail != tail_size:
        raise QuasiError(f"frame at offset {fo}: footer tail_size {stored_tail} disagrees "
                         f"with the actual size {tail_size}")
    _check_end(hdr, at, end_offset, at - fo + tail_size, at - fo + tail_size, content_size,
               blocks)
    if bytes(buf[p:fpos]) != index:
        try:
            for i, (e, (off, size, _)) in enumerate(zip(ends, blocks)):
                rec_size, p = _read_varint(buf, p, fpos, "")
                isize, p = _read_varint(buf, p, fpos, "")
                _check_entry(hdr, i, (rec_size, isize), (e - off, size))
        except _Truncated:
            pass
        raise QuasiError(f"frame at offset {fo}: the index disagrees with the blocks")
    return _frame_info(hdr, n_blocks, content_size, content_crc, at - fo + tail_size,
                       blocks), pos + tail_size


def _check_end(hdr: FrameHeader, at: int, end_offset: int, frame_size: int, actual_size: int,
               content_size: int, blocks: list) -> None:
    """The end mark's and footer's sizes against the frame actually read."""
    fo = hdr.offset
    if end_offset != at - fo:
        raise QuasiError(f"frame at offset {fo}: footer end_offset {end_offset} disagrees "
                         f"with the end mark's position {at - fo}")
    if frame_size != actual_size:
        raise QuasiError(f"frame at offset {fo}: footer frame_size {frame_size} disagrees "
                         f"with the actual size {actual_size}")
    total = sum(size for _, size, _ in blocks)
    if content_size != total:
        raise QuasiError(f"frame at offset {fo}: content size {content_size} disagrees with "
                         f"the sum of block sizes {total}")


def _check_entry(hdr: FrameHeader, i: int, entry: tuple, actual: tuple) -> None:
    if tuple(entry) != actual:
        raise QuasiError(f"frame at offset {hdr.offset}: index entry {i} {tuple(entry)} "
                         f"disagrees with block {i} {actual}")


def _check_raw(record: BlockRecord, raw) -> None:
    """Decoded bytes against their record: length, and raw CRC when the frame has one."""
    n = memoryview(raw).nbytes
    if n != record.raw_size:
        raise QuasiError(f"block {record.index}: decoded size {n} != raw size {record.raw_size}")
    if record.raw_crc is not None and zlib.crc32(raw) != record.raw_crc:
        raise QuasiError(f"block {record.index}: raw CRC mismatch")


# --------------------------------------------------------------------------- whole-stream reader


class StreamReader:
    """Walks a whole stream (one or more frames, all in memory) block by block.

    Iterating yields ``(FrameHeader, BlockRecord)`` for every block of every frame, in
    stream order; sections are zero-copy views of the input.  With ``verify=True`` (the
    default) the caller must, for every record, decode it and call
    ``verify_block(record, raw)`` before asking for the next one; the reader checks the
    raw length and raw CRC there and accumulates the frame's content CRC, which it checks
    (together with the end mark, index and footer) when iteration reaches the frame's
    end.  With ``verify=False`` records need not be verified and the content CRC is not
    checked (structure only: what ``read_frame_infos`` uses).

    ``frames`` lists the ``FrameInfo`` of every frame completed so far.  The stream is
    fully validated only once iteration has finished without raising.  Iterate a
    reader once.
    """

    def __init__(self, data, verify: bool = True):
        self._buf = memoryview(data).cast("B")
        self.verify = verify
        self.frames: list[FrameInfo] = []
        self._pending: BlockRecord | None = None   # yielded, not yet verified
        self._content_crc = 0

    def __iter__(self) -> Iterator[tuple[FrameHeader, BlockRecord]]:
        with _public_errors():
            yield from self._walk()

    def _walk(self) -> Iterator[tuple[FrameHeader, BlockRecord]]:
        buf = self._buf
        end = len(buf)
        if end == 0:
            raise QuasiError("not a quasi stream (empty input)")
        pos = 0
        frame_no = 0
        while pos < end:
            if frame_no and end - pos < len(MAGIC):   # too short to be a frame (close())
                raise TrailingGarbage(pos)
            hdr = _parse_header(buf, pos, frame_no)
            pos += hdr.header_size
            blocks: list[tuple[int, int, int]] = []
            self._content_crc = 0
            while True:
                if pos >= end:
                    raise QuasiError(f"truncated frame: block header or end mark expected "
                                     f"at offset {pos}")
                if buf[pos] == BLOCK_END:
                    break
                rec, pos = _parse_block(buf, pos, hdr, len(blocks))
                blocks.append((rec.offset, rec.raw_size, rec.type))
                self._pending = rec
                yield hdr, rec
                if self.verify and self._pending is not None:
                    raise QuasiError(f"frame {frame_no} block {rec.index} was not verified "
                                     "(call verify_block before continuing)")
                self._pending = None
            info, pos = _parse_end(buf, pos, hdr, blocks)
            if self.verify and info.content_crc is not None and self._content_crc != info.content_crc:
                raise QuasiError(f"frame at offset {hdr.offset}: content CRC mismatch")
            self.frames.append(info)
            frame_no += 1

    def verify_block(self, record: BlockRecord, raw) -> None:
        """Check a decoded block against its record (raw size, raw CRC) and fold it into
        the current frame's content CRC.  Must be called once per yielded record, for
        the record just yielded."""
        if record is not self._pending:
            raise QuasiError(f"verify_block: block {record.index} is not the block just read")
        _check_raw(record, raw)
        if record.raw_crc is not None:
            self._content_crc = zlib.crc32(raw, self._content_crc)
        self._pending = None


def iter_decoded(data, decode_block: Callable[[FrameHeader, BlockRecord], bytes]) -> Iterator:
    """Yield the raw bytes of each block of the stream, fully verified.

    ``decode_block(header, record)`` is called for coded blocks only and must return the
    block's raw bytes (it should raise ``QuasiError`` on malformed sections); stored
    blocks are yielded as views of the input.  The last chunk is followed by the
    validation of the last frame's end, so consume the generator to the end.
    """
    reader = StreamReader(data, verify=True)
    for hdr, rec in reader:
        raw = rec.sections[0] if rec.type == BLOCK_RAW else decode_block(hdr, rec)
        reader.verify_block(rec, raw)
        yield raw


def decode_stream(data, decode_block: Callable[[FrameHeader, BlockRecord], bytes]) -> bytes:
    """Decode and fully verify a whole stream; returns the content (see iter_decoded)."""
    return b"".join(iter_decoded(data, decode_block))


def read_frame_infos(data) -> list[FrameInfo]:
    """Validate the structure of every frame (headers, block headers, end marks, indexes,
    footers, all header/footer CRCs and their consistency) without decoding payloads
    or checking raw CRCs, and return one FrameInfo per frame."""
    reader = StreamReader(data, verify=False)
    for _ in reader:
        pass
    return reader.frames


def read_first_frame_info(data) -> FrameInfo:
    """The FrameInfo of the first frame in ``data`` (which must hold that whole frame;
    anything after it is ignored), validated like ``read_frame_infos``."""
    buf = memoryview(data).cast("B")
    if len(buf) == 0:
        raise QuasiError("not a quasi stream (empty input)")
    with _public_errors():
        hdr = _parse_header(buf, 0, 0)
        pos = hdr.header_size
        blocks: list[tuple[int, int, int]] = []
        while True:
            if pos >= len(buf):
                raise QuasiError(f"truncated frame: block header or end mark expected at "
                                 f"offset {pos}")
            if buf[pos] == BLOCK_END:
                return _parse_end(buf, pos, hdr, blocks)[0]
            rec, pos = _parse_block(buf, pos, hdr, len(blocks))
            blocks.append((rec.offset, rec.raw_size, rec.type))


# --------------------------------------------------------------------------- incremental reader


class FrameParser:
    """Reads frames from input fed in pieces of any size (``feed``), one block record
    at a time, holding no more unparsed input than was fed.

    ``next_record()`` returns the next complete ``BlockRecord`` (its sections are views
    of a private copy of that record) or None when it needs more input or the stream
    has ended (``eof``).  Each record must be decoded and passed to ``verify_block``
    before the next one is asked for, as with ``StreamReader``.  Every header is
    validated as soon as its bytes are there, before any payload is waited for.

    ``multi_frame``: go on with the next frame after one ends (a whole stream);
    otherwise stop after one frame (``eof``) and leave what follows in ``unused_data``.
    ``offset``: stream offset of the first byte fed (for messages and frame offsets).
    Call ``close()`` when the input has ended: it raises ``QuasiError`` if the input
    stopped inside a frame (or, with ``multi_frame``, before any frame).
    """

    def __init__(self, *, multi_frame: bool = False, offset: int = 0):
        self.multi_frame = multi_frame
        self.frames: list[FrameInfo] = []
        self.eof = False
        self._buf = bytearray()
        self._offset = offset            # stream offset of self._buf[0]
        self._hdr: FrameHeader | None = None
        self._frame_no = 0
        self._blocks: list[tuple[int, int, int | None]] = []
        self._content_crc: int | None = 0   # None: not checkable (resumed mid-frame)
        self._pending: BlockRecord | None = None
        self._head: _BlockHead | None = None   # header of the block being waited for

    def feed(self, data) -> None:
        """Append input (after ``eof``, it only adds to ``unused_data``)."""
        self._buf += data

    @property
    def unused_data(self) -> bytes:
        """Input after the end of the frame (single-frame mode, once ``eof``)."""
        return bytes(self._buf) if self.eof else b""

    def resume(self, hdr: FrameHeader, info: FrameInfo, block: int) -> None:
        """Continue a frame known from its index at block number ``block`` (< n_blocks;
        the next byte fed is that block's record).  The frame's content CRC cannot be
        checked; every block's raw CRC still is."""
        self._buf.clear()
        self._hdr = hdr
        self._frame_no = hdr.index
        types = info.block_types or [None] * info.n_blocks
        self._blocks = [(off, size, t) for (off, size), t in zip(info.blocks[:block], types)]
        self._content_crc = None
        self._pending = None
        self._head = None
        self._offset = hdr.offset + info.blocks[block][0]

    def next_block_size(self) -> int | None:
        """raw_size of the next block as soon as its header is in (and valid), else None."""
        head = self._advance()
        return None if head is None else head.raw_size

    def record_ready(self) -> bool:
        """True if the next block record is complete in the input fed so far."""
        head = self._advance()
        return head is not None and len(self._buf) >= head.record_size

    def next_record(self) -> BlockRecord | None:
        """The next complete block record, or None (more input needed, or ``eof``)."""
        head = self._advance()
        if head is None or len(self._buf) < head.record_size:
            return None
        chunk = self._take(head.record_size)
        rec, _ = _parse_block(chunk, 0, self._hdr, len(self._blocks), self._offset - len(chunk))
        self._blocks.append((rec.offset, rec.raw_size, rec.type))
        self._head = None
        self._pending = rec
        return rec

    def verify_block(self, record: BlockRecord, raw) -> None:
        """As ``StreamReader.verify_block``."""
        if record is not self._pending:
            raise QuasiError(f"verify_block: block {record.index} is not the block just read")
        _check_raw(record, raw)
        if record.raw_crc is not None and self._content_crc is not None:
            self._content_crc = zlib.crc32(raw, self._content_crc)
        self._pending = None

    def close(self) -> None:
        """Declare the end of input; QuasiError if it ends inside a frame."""
        if self.eof:
            return
        if self._hdr is None and not self._buf:
            if self.frames:
                return
            raise QuasiError("not a quasi stream (empty input)")
        tail = bytes(self._buf)
        if self._hdr is None and self.frames and len(tail) < len(MAGIC):
            # what follows a complete frame is too short to be one: trailing garbage
            # (gzip's rule), even where it starts like the magic
            raise TrailingGarbage(self._offset)
        with _public_errors():
            if self._hdr is None:
                _parse_header(tail, 0, self._frame_no, self._offset)
            elif not tail:
                raise QuasiError(f"truncated frame: block header or end mark expected at "
                                 f"offset {self._offset}")
            elif tail[0] == BLOCK_END:
                _parse_end(tail, 0, self._hdr, self._blocks, self._offset)
            else:
                _parse_block(tail, 0, self._hdr, len(self._blocks), self._offset)
        raise QuasiError(f"truncated stream at offset {self._offset + len(tail)}")

    # -- internals

    def _take(self, n: int) -> bytes:
        with memoryview(self._buf) as view:
            chunk = view[:n].tobytes()
        del self._buf[:n]
        self._offset += n
        return chunk

    def _advance(self) -> _BlockHead | None:
        """Take in every complete frame header and frame end; return the next block's
        validated header once it is in."""
        if self._pending is not None:
            raise QuasiError(f"block {self._pending.index} was not verified "
                             "(call verify_block before continuing)")
        while not self.eof:
            if self._hdr is None:
                if not self._start_frame():
                    return None
            elif not self._buf:
                return None
            elif self._buf[0] == BLOCK_END:
                if not self._end_frame():
                    return None
            else:
                if self._head is None:
                    try:
                        self._head = _parse_block_head(bytes(self._buf[:_MAX_BLOCK_HEAD]), 0,
                                                       self._hdr, len(self._blocks),
                                                       self._offset)
                    except _Truncated:
                        pass
                return self._head
        return None

    def _start_frame(self) -> bool:
        if not self._buf:
            return False
        try:
            hdr = _parse_header(bytes(self._buf[:MAX_HEADER_SIZE]), 0, self._frame_no,
                                self._offset)
        except _Truncated:
            return False
        self._take(hdr.header_size)
        self._hdr = hdr
        self._blocks = []
        self._content_crc = 0
        return True

    def _end_frame(self) -> bool:
        hdr = self._hdr
        try:
            info, size = _parse_end(bytes(self._buf[:_max_tail(hdr, len(self._blocks))]), 0, hdr,
                                    self._blocks, self._offset)
        except _Truncated:
            return False
        self._take(size)
        if (info.content_crc is not None and self._content_crc is not None
                and self._content_crc != info.content_crc):
            raise QuasiError(f"frame at offset {hdr.offset}: content CRC mismatch")
        self.frames.append(info)
        self._hdr = None
        self._frame_no += 1
        self.eof = not self.multi_frame
        return True


# --------------------------------------------------------------------------- reading from the end


def _frame_from_end(read_at: Callable[[int, int], bytes], start: int,
                    end: int) -> tuple[FrameHeader, FrameInfo]:
    """Header and FrameInfo of the frame that ends at stream offset ``end`` (and starts at
    or after ``start``), from its footer, end mark, index and header only."""
    with _public_errors():
        return _read_frame_from_end(read_at, start, end)


def _read_frame_from_end(read_at, start, end):
    if end - start < _MIN_HEADER2 + _MIN_TAIL2:
        raise QuasiError(f"truncated stream ({end - start} bytes)")
    if bytes(read_at(end - 4, 4)) == FOOTER_MAGIC:
        return _read_v1_from_end(read_at, start, end)
    if bytes(read_at(end - 2, 2)) != FOOTER2_MAGIC:
        raise QuasiError("bad footer magic at end of stream (truncated or not a quasi stream)")
    total = end - start
    tail_size, footer_crc, _ = _FOOTER2.unpack(read_at(end - FOOTER2_SIZE, FOOTER2_SIZE))
    if not _MIN_TAIL2 <= tail_size <= total - _MIN_HEADER2:
        raise QuasiError(f"footer sizes out of range (tail_size {tail_size}, "
                         f"stream {total} bytes)")
    epos = end - tail_size
    tail = read_at(epos, tail_size)
    if zlib.crc32(tail[:tail_size - 6]) != footer_crc:
        raise QuasiError(f"frame ending at offset {end}: footer CRC mismatch")
    if tail[0] != BLOCK_END:
        raise QuasiError(f"frame ending at offset {end}: no end mark at offset {epos}")
    stop = tail_size - FOOTER2_SIZE
    bad = f"frame ending at offset {end}: malformed end mark or index"
    n_blocks, p = _read_varint(tail, 1, stop, bad)
    content_size, p = _read_varint(tail, p, stop, bad)
    end_offset, p = _read_varint(tail, p, stop, bad)
    if not _MIN_HEADER2 <= end_offset <= total - tail_size:
        raise QuasiError(f"end mark end_offset {end_offset} out of range (stream {total} bytes)")
    fo = epos - end_offset
    hdr = _header_at(read_at, fo, end_offset, 2)
    content_crc = None
    if hdr.checksum and n_blocks >= 2:
        if stop - p < 4:
            raise QuasiError(bad)
        (content_crc,) = _U32.unpack_from(tail, p)
        p += 4
    if 2 * n_blocks > stop - p:
        raise QuasiError(f"frame at offset {fo}: n_blocks {n_blocks} disagrees with the "
                         f"index size {stop - p}")
    blocks = []
    off = hdr.header_size
    for i in range(n_blocks):
        rec_size, p = _read_varint(tail, p, stop, bad)
        size, p = _read_varint(tail, p, stop, bad)
        if rec_size < _MIN_RECORD2 or off + rec_size > end_offset:
            raise QuasiError(f"frame at offset {fo}: index entry {i} record size {rec_size} "
                             "out of range")
        if not 1 <= size <= hdr.block_size:
            raise QuasiError(f"frame at offset {fo}: index entry {i} raw size {size} out of "
                             f"range 1..{hdr.block_size}")
        blocks.append((off, size, None))
        off += rec_size
    if p != stop or off != end_offset:
        raise QuasiError(f"frame at offset {fo}: the index does not add up to the end mark")
    total = sum(size for _, size, _ in blocks)
    if total != content_size:
        raise QuasiError(f"frame at offset {fo}: content size {content_size} disagrees with "
                         f"the index total {total}")
    return hdr, _frame_info(hdr, n_blocks, content_size, content_crc, end_offset + tail_size,
                            blocks)


def _read_v1_from_end(read_at, start, end):
    if end - start < MIN_HEADER_SIZE + END_MARK_SIZE + FOOTER_SIZE:
        raise QuasiError(f"truncated stream ({end - start} bytes)")
    fpos = end - FOOTER_SIZE
    end_offset, frame_size, footer_crc, fmagic = _FOOTER.unpack(read_at(fpos, FOOTER_SIZE))
    if fmagic != FOOTER_MAGIC:
        raise QuasiError("bad footer magic at end of stream (truncated or not a quasi stream)")
    min_tail = END_MARK_SIZE + FOOTER_SIZE
    if not (MIN_HEADER_SIZE + min_tail <= frame_size <= end - start
            and MIN_HEADER_SIZE <= end_offset <= frame_size - min_tail):
        raise QuasiError(f"footer sizes out of range (end_offset {end_offset}, "
                         f"frame_size {frame_size}, stream {end - start} bytes)")
    fo = end - frame_size
    epos = fo + end_offset
    tail = read_at(epos, end - epos)
    if zlib.crc32(tail[:len(tail) - 8]) != footer_crc:
        raise QuasiError(f"frame at offset {fo}: footer CRC mismatch")
    btype, n_blocks, content_size, content_crc = _END.unpack_from(tail, 0)
    if btype != BLOCK_END:
        raise QuasiError(f"frame at offset {fo}: no end mark at offset {epos}")
    if n_blocks * INDEX_ENTRY_SIZE != frame_size - end_offset - min_tail:
        raise QuasiError(f"frame at offset {fo}: n_blocks {n_blocks} disagrees with the "
                         f"index size {frame_size - end_offset - min_tail}")
    hdr = _header_at(read_at, fo, end_offset, 1)
    if not hdr.checksum and content_crc != 0:
        raise QuasiError(f"frame at offset {fo}: nonzero content CRC in a frame without checksums")
    blocks = []
    prev = 0
    total = 0
    for i in range(n_blocks):
        off, size = _INDEX_ENTRY.unpack_from(tail, END_MARK_SIZE + INDEX_ENTRY_SIZE * i)
        # records are contiguous from the end of the header; the smallest possible one
        # (stored, 1 byte, no CRC) is _MIN_RECORD bytes long
        if i == 0 and off != hdr.header_size:
            raise QuasiError(f"frame at offset {fo}: index entry 0 offset {off} != header "
                             f"size {hdr.header_size}")
        if (i > 0 and off < prev + _MIN_RECORD) or off + _MIN_RECORD > end_offset:
            raise QuasiError(f"frame at offset {fo}: index entry {i} offset {off} out of order "
                             "or out of range")
        if not 1 <= size <= hdr.block_size:
            raise QuasiError(f"frame at offset {fo}: index entry {i} raw size {size} out of "
                             f"range 1..{hdr.block_size}")
        blocks.append((off, size, None))
        prev = off
        total += size
    if n_blocks == 0 and end_offset != hdr.header_size:
        raise QuasiError(f"frame at offset {fo}: empty frame with end_offset {end_offset} != "
                         f"header size {hdr.header_size}")
    if total != content_size:
        raise QuasiError(f"frame at offset {fo}: content size {content_size} disagrees with "
                         f"the index total {total}")
    return hdr, _frame_info(hdr, n_blocks, content_size, content_crc, frame_size, blocks)


def _header_at(read_at, fo: int, end_offset: int, version: int) -> FrameHeader:
    """The header of the frame at ``fo`` a footer of ``version`` points to."""
    head = read_at(fo, min(MAX_HEADER_SIZE, end_offset))
    if head[:4] != MAGIC:
        raise QuasiError(f"frame at offset {fo}: bad magic (footer points to a non-frame)")
    hdr = _parse_header(head, 0, 0, fo)
    if hdr.version != version:
        raise QuasiError(f"frame at offset {fo}: version {hdr.version} header with a version "
                         f"{version} footer")
    return hdr


def read_last_frame_from_end(data) -> FrameInfo:
    """Read the last frame's FrameInfo from the end of the stream: footer, end mark,
    index and that frame's header only (no block record is read).  Validates the
    footer, header CRCs and the index's internal consistency."""
    buf = memoryview(data).cast("B")
    if len(buf) == 0:
        raise QuasiError("not a quasi stream (empty input)")
    return _frame_from_end(lambda off, n: buf[off:off + n], 0, len(buf))[1]


def read_stream_index(read_at: Callable[[int, int], bytes], start: int,
                      end: int) -> list[tuple[FrameHeader, FrameInfo]]:
    """Header and FrameInfo of every frame of the stream occupying stream offsets
    ``start`` .. ``end``, walking back from the last footer; ``read_at(offset, size)``
    returns that many bytes.  Reads only footers, end marks, indexes and headers, so a
    reader can seek to any block.  Frame numbers (``FrameHeader.index``) count from 0."""
    if end <= start:
        raise QuasiError("not a quasi stream (empty input)")
    frames = []
    while end > start:
        hdr, info = _frame_from_end(read_at, start, end)
        frames.append((hdr, info))
        end = info.offset
    frames.reverse()
    for i, (hdr, info) in enumerate(frames):
        hdr.index = i
    return frames
