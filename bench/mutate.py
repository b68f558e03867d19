"""Valid .qz inputs of every kind and structured mutations of them (the fuzzers' input side).

Samples are built at run time with quasi's own writer (stored, coded, multi-block,
multi-frame, empty, no-checksum, every level and tiling) plus the committed golden files
of every format version. Mutators are format-agnostic (bit flips, truncation, splices,
frame-level edits, random bytes) except ``field`` and ``model``, which take frames of
either format version apart (``parse_v1``, ``parse_v2``) and put them back together
(``serialize``) with hostile values and every CRC recomputed ("forged"), so that the
values reach the checks behind the CRCs and the block decoders themselves. ``forge_block``
is the part of ``model`` aimed at the codec: one coded block's sections, section
boundaries, meta fields or codec revision changed, its payload and header CRCs
recomputed and, half the time, its raw and content CRCs set to those of whatever the
decoder makes of it, so that only the decoder's own checks stand in the way.

A ``Mutation`` says what a correct reader may do with it: ``expected`` is the content a
valid result must equal (the original content, or a new concatenation of whole original
frames), ``strict`` means the result is a valid stream that must decode, and
``unprotected`` means the change lies where the format promises no detection (a frame
without checksums, forged CRCs), so any output is allowed, but still no crash or hang.
"""
from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass, replace
from pathlib import Path

import quasi
from quasi.codec.container import (FOOTER2_MAGIC, MAGIC, BlockRecord, _read_varint,
                                   block_header_crc_v2, read_frame_infos)
from quasi.codec.config import CODEC_REVISION, META_FIELDS, SECTION_NAMES, meta_count, meta_fields
from quasi.stream import decode_record

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden"
TEXT = (b"Alice was beginning to get very tired of sitting by her sister on the bank, and of "
        b"having nothing to do: once or twice she had peeped into the book her sister was "
        b"reading, but it had no pictures or conversations in it, 'and what is the use of a "
        b"book,' thought Alice 'without pictures or conversations?'\n")


@dataclass
class Frame:
    """One frame of a sample: its bytes, its content and what get_frame_info says."""
    data: bytes
    content: bytes
    info: object


@dataclass
class Sample:
    """A valid stream, its content and its frames."""
    name: str
    data: bytes
    content: bytes
    frames: list
    unprotected: list = None     # stored_ranges(), filled on first use


@dataclass
class Mutation:
    """A mutated stream and what a reader may make of it (module docstring)."""
    data: bytes
    expected: bytes
    strict: bool = False
    unprotected: bool = False
    forged: bool = False
    moved: bool = False        # whole block records moved: QuasiFile.seek cannot tell
    what: str = ""
    target: tuple = None       # (frame, block) whose sections a forged edit changed


def make_sample(name: str, data: bytes, content: bytes) -> Sample:
    """Split a valid stream into its frames (their contents from the frames' sizes)."""
    frames, pos = [], 0
    for info in read_frame_infos(data):
        fbytes = data[info.offset:info.offset + info.frame_size]
        frames.append(Frame(fbytes, content[pos:pos + info.content_size],
                            quasi.get_frame_info(fbytes)))
        pos += info.content_size
    assert pos == len(content) and quasi.decompress(data) == content
    return Sample(name, data, content, frames)


def _text(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    words = TEXT.split(b" ")
    out = []
    while sum(map(len, out)) < n:
        w = rng.choice(words)
        out.append(w.upper() if rng.random() < 0.05 else w)
    return b" ".join(out)[:n]


def built_samples(small: bool = False) -> list:
    """Streams of every kind, built with this quasi; ``small`` keeps each under ~1 KB."""
    rng = random.Random(8)
    noise = bytes(rng.randrange(256) for _ in range(300))
    text = _text(600 if small else 3000, 1)
    mixed = _text(400, 2) + noise + _text(400, 3)
    out = [
        ("empty", quasi.compress(b""), b""),
        ("stored", quasi.compress(noise[:120]), noise[:120]),
        ("coded", quasi.compress(text[:400]), text[:400]),
        ("multi-block", quasi.compress(mixed, block_size=256), mixed),
        ("no-checksum", quasi.compress(mixed, block_size=300, checksum=False), mixed),
        ("multi-frame", quasi.compress(text[:200], 1) + quasi.compress(noise[:40])
         + quasi.compress(b"") + quasi.compress(text[200:500], 9, tiling="none"),
         text[:200] + noise[:40] + text[200:500]),
    ]
    comp = quasi.QuasiCompressor(block_size=200)
    flushed = (comp.compress(text[:150]) + comp.flush(quasi.FLUSH_BLOCK)
               + comp.compress(text[150:450]) + comp.flush())
    out.append(("flush-block", flushed, text[:450]))
    for level in (1, 9):
        out.append((f"level-{level}", quasi.compress(text, level), text))
    for tiling in ("fib", "period5", "none", "dense", "alpha:0.6@0.25"):
        out.append((f"tiling-{tiling}", quasi.compress(text, tiling=tiling), text))
    return [make_sample(*args) for args in out]


def golden_samples(max_size: int | None = None) -> list:
    """The committed golden files of every format version and codec revision."""
    out = []
    for path in sorted(GOLDEN.glob("v*/*.qz")):
        data = path.read_bytes()
        if max_size is None or len(data) <= max_size:
            out.append(make_sample(f"{path.parent.name}/{path.stem}", data,
                                   path.with_suffix(".raw").read_bytes()))
    return out


def phrase_text(n_words: int, seed: int) -> bytes:
    """Words of TEXT with four stock phrases among them, some capitalised or upper-case,
    separated by varied whitespace: every section of the codec has something to code
    (phrase entries at levels 1, 6 and 9, case flags, a whitespace vocabulary)."""
    rng = random.Random(seed)
    words = TEXT.split()
    stock = [b" ".join(rng.choices(words, k=k)) for k in (2, 3, 5, 8)]
    out = []
    for _ in range(n_words):
        r = rng.random()
        if r < 0.2:
            w = rng.choice(stock)
        else:
            w = rng.choice(words)
            w = w.upper() if r > 0.96 else w.capitalize() if r > 0.88 else w
        out.append(w + rng.choice((b" ",) * 10 + (b"  ", b"\n", b"\t", b",\n  ", b"\r\n")))
    return b"".join(out)


def forge_samples() -> list:
    """Format-2 streams whose coded blocks use every section of the codec: levels 1, 6
    and 9, four tilings, several blocks, no checksums, and coded, lzma and stored blocks
    in one frame (1.5-3 KB each)."""
    text = phrase_text(1200, 4)
    rng = random.Random(5)
    table = b"".join(struct.pack("<IhH", i * 7919, i % 97 - 48, i % 13) for i in range(400))
    mixed = text[:3000] + table + bytes(rng.randrange(256) for _ in range(3000))
    out = [(f"forge-level-{lv}", quasi.compress(text, lv), text) for lv in (1, 6, 9)]
    out += [(f"forge-{spec}", quasi.compress(text, 9 if spec == "fib" else 6, tiling=spec), text)
            for spec in ("fib", "none", "dense", "alpha:0.6@0.25")]
    out += [("forge-blocks", quasi.compress(text, 9, block_size=4000), text),
            ("forge-no-checksum", quasi.compress(text, 1, checksum=False), text),
            ("forge-kinds", quasi.compress(mixed, 6, block_size=3000), mixed)]
    return [make_sample(*args) for args in out]


# --------------------------------------------------------------------------- v1 model


@dataclass
class Block:
    """A block record, taken apart (``raw_crc``: None where the record has none)."""
    type: int
    raw_size: int
    sections: list           # one payload for a stored block
    raw_crc: int | None


@dataclass
class Model:
    """A frame of either version, taken apart (FORMAT.md sections 3 and 10; ``flags``
    without version 2's level bits); ``serialize`` puts it together."""
    flags: int
    level: int
    spec: bytes
    block_size: int
    blocks: list
    content_crc: int
    version: int = 1

    @property
    def checksum(self) -> bool:
        return bool(self.flags & 1)


def parse_v1(frame: bytes) -> Model | None:
    """The model of a valid version-1 frame, or None for any other version."""
    if len(frame) < 8 or frame[4] != 1:
        return None
    flags, level, spec_len = frame[5], frame[6], frame[7]
    spec = frame[8:8 + spec_len]
    (block_size,) = struct.unpack_from("<I", frame, 8 + spec_len)
    pos = 16 + spec_len
    blocks = []
    while frame[pos] != 0xFF:
        btype = frame[pos]
        (raw_size,) = struct.unpack_from("<I", frame, pos + 1)
        if btype == 0:
            pos += 9
            sizes = [raw_size]
        else:
            n = frame[pos + 5]
            sizes = list(struct.unpack_from(f"<{n}I", frame, pos + 6))
            pos += 14 + 4 * n
        sections = []
        for s in sizes:
            sections.append(frame[pos:pos + s])
            pos += s
        raw_crc = None
        if flags & 1:
            (raw_crc,) = struct.unpack_from("<I", frame, pos)
            pos += 4
        blocks.append(Block(btype, raw_size, sections, raw_crc))
    (content_crc,) = struct.unpack_from("<I", frame, pos + 17)
    return Model(flags, level, spec, block_size, blocks, content_crc)


def serialize(m: Model) -> bytes:
    """The frame of a model of either version, every structural field and CRC made
    consistent with it (raw CRCs and the content CRC are the model's)."""
    return _serialize_v1(m) if m.version == 1 else serialize_v2(m)[0]


def _serialize_v1(m: Model) -> bytes:
    u32 = struct.Struct("<I").pack
    head = struct.pack("<4sBBBB", b"\x9eQZ\r", m.version, m.flags, m.level,
                       len(m.spec) & 0xFF) + m.spec + u32(m.block_size & 0xFFFFFFFF)
    out = [head + u32(zlib.crc32(head))]
    pos = len(out[0])
    index = []
    for b in m.blocks:
        if b.type == 0:
            bh = bytes((0,)) + u32(b.raw_size)
        else:
            pcrc = 0
            for s in b.sections:
                pcrc = zlib.crc32(s, pcrc)
            bh = (bytes((b.type,)) + u32(b.raw_size) + bytes((len(b.sections) & 0xFF,))
                  + b"".join(u32(len(s)) for s in b.sections) + u32(pcrc))
        rec = bh + u32(zlib.crc32(bh)) + b"".join(b.sections)
        if b.raw_crc is not None:
            rec += u32(b.raw_crc)
        index.append(struct.pack("<QI", pos, b.raw_size & 0xFFFFFFFF))
        out.append(rec)
        pos += len(rec)
    n = len(m.blocks)
    content_size = sum(b.raw_size for b in m.blocks)
    tail = (struct.pack("<BQQI", 0xFF, n, content_size, m.content_crc) + b"".join(index)
            + struct.pack("<QQ", pos, pos + 21 + 12 * n + 24))
    out.append(tail + u32(zlib.crc32(tail)) + b"\rZQ\x9e")
    return b"".join(out)


@dataclass
class Field:
    """A fixed-size integer field of a v1 frame and the CRC that covers it."""
    name: str
    pos: int
    size: int
    crc: tuple        # (crc field position, covered start, covered end) or ()


def v1_fields(frame: bytes, base: int = 0) -> list:
    """Every size, count, type, offset and CRC field of a valid v1 frame (stream
    offsets from ``base``), with the CRC covering each."""
    m = parse_v1(frame)
    if m is None:
        return []
    sl = len(m.spec)
    hcrc = (base + 12 + sl, base, base + 12 + sl)
    fields = [Field("version", base + 4, 1, hcrc), Field("flags", base + 5, 1, hcrc),
              Field("level", base + 6, 1, hcrc), Field("spec_len", base + 7, 1, hcrc),
              Field("block_size", base + 8 + sl, 4, hcrc), Field("header_crc", *hcrc[:1], 4, ())]
    pos = 16 + sl
    for i, b in enumerate(m.blocks):
        at = base + pos
        h = 5 if b.type == 0 else 10 + 4 * len(b.sections)
        bcrc = (at + h, at, at + h)
        fields += [Field(f"block{i}.type", at, 1, bcrc), Field(f"block{i}.raw_size", at + 1, 4, bcrc),
                   Field(f"block{i}.header_crc", at + h, 4, ())]
        if b.type != 0:
            fields.append(Field(f"block{i}.n_sections", at + 5, 1, bcrc))
            fields += [Field(f"block{i}.section{j}", at + 6 + 4 * j, 4, bcrc)
                       for j in range(len(b.sections))]
            fields.append(Field(f"block{i}.payload_crc", at + h - 4, 4, bcrc))
        pos += h + 4 + sum(map(len, b.sections))
        if b.raw_crc is not None:
            fields.append(Field(f"block{i}.raw_crc", base + pos, 4, ()))
            pos += 4
    e = base + pos
    fpos = e + 21 + 12 * len(m.blocks)
    fcrc = (fpos + 16, e, fpos + 16)
    fields += [Field("end.type", e, 1, fcrc), Field("end.n_blocks", e + 1, 8, fcrc),
               Field("end.content_size", e + 9, 8, fcrc), Field("end.content_crc", e + 17, 4, fcrc)]
    for i in range(len(m.blocks)):
        fields += [Field(f"index{i}.offset", e + 21 + 12 * i, 8, fcrc),
                   Field(f"index{i}.raw_size", e + 29 + 12 * i, 4, fcrc)]
    fields += [Field("footer.end_offset", fpos, 8, fcrc), Field("footer.frame_size", fpos + 8, 8, fcrc),
               Field("footer.crc", fpos + 16, 4, ())]
    return fields


def stored_ranges(sample: Sample) -> list:
    """(start, end) stream offsets of the bytes no CRC covers: stored payloads of v1
    frames without checksums."""
    out, base = [], 0
    for fr in sample.frames:
        m = parse_v1(fr.data)
        if m is not None and not m.checksum:
            pos = 16 + len(m.spec)
            for b in m.blocks:
                h = 5 if b.type == 0 else 10 + 4 * len(b.sections)
                size = sum(map(len, b.sections))
                if b.type == 0:
                    out.append((base + pos + h + 4, base + pos + h + 4 + size))
                pos += h + 4 + size
        base += len(fr.data)
    return out


# --------------------------------------------------------------------------- v2 model


def _varint_at(buf: bytes, pos: int) -> tuple:
    """(value, position after it) of the LEB128 varint at ``pos`` of a valid frame."""
    return _read_varint(buf, pos, len(buf), "truncated varint")


def parse_v2(frame: bytes) -> Model | None:
    """The model of a valid version-2 frame (FORMAT.md sections 3.1-3.5), or None for any
    other version. A stored block's payload CRC is its raw CRC: its model has none."""
    if len(frame) < 8 or frame[4] != 2:
        return None
    flags, spec_len = frame[5], frame[6]
    spec = frame[7:7 + spec_len]
    block_size, pos = _varint_at(frame, 7 + spec_len)
    pos += 4
    checksum = bool(flags & 1)
    blocks = []
    while frame[pos] != 0xFF:
        btype = frame[pos]
        raw_size, pos = _varint_at(frame, pos + 1)
        sizes = [raw_size]
        if btype == 1:
            n, pos = frame[pos], pos + 1
            sizes = []
            for _ in range(n):
                size, pos = _varint_at(frame, pos)
                sizes.append(size)
        elif btype == 2:
            size, pos = _varint_at(frame, pos)
            sizes = [size]
        pos += 8                       # payload_crc, block_header_crc
        sections = []
        for size in sizes:
            sections.append(frame[pos:pos + size])
            pos += size
        raw_crc = None
        if checksum and btype != 0:
            (raw_crc,) = struct.unpack_from("<I", frame, pos)
            pos += 4
        blocks.append(Block(btype, raw_size, sections, raw_crc))
    n_blocks, pos = _varint_at(frame, pos + 1)
    for _ in range(2):                 # content_size, end_offset
        _, pos = _varint_at(frame, pos)
    content_crc = None
    if checksum and n_blocks >= 2:
        (content_crc,) = struct.unpack_from("<I", frame, pos)
    return Model(flags & 0x0F, flags >> 4, spec, block_size, blocks, content_crc, version=2)


def parse_frame(frame: bytes) -> Model:
    """The model of a valid frame of either version."""
    return parse_v1(frame) or parse_v2(frame)


_WIDTHS = {"u8": 0xFF, "u32": 0xFFFFFFFF, "varint": (1 << 64) - 1}


def _pack(width: str, value: int) -> bytes:
    """A field's bytes: u8 and u32 keep the low bits of ``value``; a varint takes any
    value, so one of 2^64 or more is a malformed varint."""
    if width == "varint":
        return leb128([max(0, value)])
    value &= _WIDTHS[width]
    return bytes((value,)) if width == "u8" else struct.pack("<I", value)


def serialize_v2(m: Model, over: dict | None = None) -> tuple:
    """(frame, {field name: value written}) of a version-2 model: every size, offset,
    count and CRC derived from the model, except the fields named in ``over``, which are
    written with the given value instead (the CRCs that cover them are computed over
    what was written, unless ``over`` names them too). Field names: v2_fields."""
    over = over or {}
    wrote = {}

    def put(name, width, value):
        wrote[name] = value = over.get(name, value)
        return _pack(width, value)

    head = (MAGIC + b"\x02" + put("header.flags", "u8", m.flags | m.level << 4)
            + put("header.spec_len", "u8", len(m.spec)) + m.spec
            + put("header.block_size", "varint", m.block_size))
    out = [head + put("header.crc", "u32", zlib.crc32(head))]
    pos = len(out[0])
    index = []
    for i, b in enumerate(m.blocks):
        p = f"block{i}."
        bh = put(p + "type", "u8", b.type) + put(p + "raw_size", "varint", b.raw_size)
        if b.type == 1:
            bh += put(p + "n_sections", "u8", len(b.sections))
        if b.type in (1, 2):
            bh += b"".join(put(f"{p}size{j}", "varint", len(sec))
                           for j, sec in enumerate(b.sections))
        payload = b"".join(b.sections)
        bh += put(p + "payload_crc", "u32", zlib.crc32(payload))
        rec = bh + put(p + "header_crc", "u32", block_header_crc_v2(bh, i)) + payload
        if m.checksum and b.type != 0:
            rec += put(p + "raw_crc", "u32", b.raw_crc or 0)
        index.append(put(f"index{i}.record_size", "varint", len(rec))
                     + put(f"index{i}.raw_size", "varint", b.raw_size))
        out.append(rec)
        pos += len(rec)
    n = len(m.blocks)
    tail = (b"\xff" + put("end.n_blocks", "varint", n)
            + put("end.content_size", "varint", sum(b.raw_size for b in m.blocks))
            + put("end.end_offset", "varint", pos))
    if m.checksum and n >= 2:
        tail += put("end.content_crc", "u32", m.content_crc or 0)
    tail += b"".join(index)
    tail += put("footer.tail_size", "u32", len(tail) + 10)
    out.append(tail + put("footer.crc", "u32", zlib.crc32(tail)) + FOOTER2_MAGIC)
    return b"".join(out), wrote


def v2_fields(m: Model) -> list:
    """(name, width) of every field serialize_v2 writes for the model."""
    out = [("header.flags", "u8"), ("header.spec_len", "u8"), ("header.block_size", "varint"),
           ("header.crc", "u32")]
    for i, b in enumerate(m.blocks):
        p = f"block{i}."
        out += [(p + "type", "u8"), (p + "raw_size", "varint")]
        if b.type == 1:
            out.append((p + "n_sections", "u8"))
        if b.type in (1, 2):
            out += [(f"{p}size{j}", "varint") for j in range(len(b.sections))]
        out += [(p + "payload_crc", "u32"), (p + "header_crc", "u32")]
        if m.checksum and b.type != 0:
            out.append((p + "raw_crc", "u32"))
    out += [("end.n_blocks", "varint"), ("end.content_size", "varint"),
            ("end.end_offset", "varint")]
    if m.checksum and len(m.blocks) >= 2:
        out.append(("end.content_crc", "u32"))
    for i in range(len(m.blocks)):
        out += [(f"index{i}.record_size", "varint"), (f"index{i}.raw_size", "varint")]
    return out + [("footer.tail_size", "u32"), ("footer.crc", "u32")]


def covering_crc(name: str) -> str | None:
    """The CRC field of a version-2 frame that covers field ``name`` (None: no CRC does,
    as for the CRCs themselves)."""
    if name in ("header.crc", "footer.crc") or name.endswith((".header_crc", ".raw_crc")):
        return None
    if name.startswith("header."):
        return "header.crc"
    return name.split(".")[0] + ".header_crc" if name.startswith("block") else "footer.crc"


def _in_place(sample: Sample, data: bytes, what: str, start: int, end: int) -> Mutation:
    """A same-length change of bytes ``start``..``end``: unprotected iff each changed
    byte is one no CRC covers."""
    if sample.unprotected is None:
        sample.unprotected = stored_ranges(sample)
    ranges = sample.unprotected
    unprotected = bool(ranges) and all(
        any(a <= i < b for a, b in ranges)
        for i in range(start, end) if data[i] != sample.data[i])
    return Mutation(data, sample.content, unprotected=unprotected, what=what)


# --------------------------------------------------------------------------- mutators


def bit_flip(sample: Sample, pos: int, bit: int) -> Mutation:
    g = bytearray(sample.data)
    g[pos] ^= 1 << bit
    return _in_place(sample, bytes(g), f"flip {pos}.{bit}", pos, pos + 1)


def truncate(sample: Sample, n: int) -> Mutation:
    """The first ``n`` bytes; at a frame boundary that is a valid shorter stream."""
    ends, pos, content = {}, 0, 0
    for fr in sample.frames:
        pos += len(fr.data)
        content += len(fr.content)
        ends[pos] = content
    if n in ends and n > 0:
        return Mutation(sample.data[:n], sample.content[:ends[n]], strict=True,
                        what=f"cut at frame end {n}")
    return Mutation(sample.data[:n], sample.content, what=f"truncate {n}")


def splice(sample: Sample, rng: random.Random, donor: bytes = b"") -> Mutation:
    """Overwrite, insert or delete a run of bytes (random, or copied from elsewhere in
    the stream or from ``donor``)."""
    d = sample.data
    a = rng.randrange(len(d) + 1)
    n = rng.choice((1, 2, 4, 8, rng.randrange(1, 64)))
    src = rng.choice((d, donor or d))
    if rng.random() < 0.5 or len(src) < n:
        piece = bytes(rng.randrange(256) for _ in range(n))
    else:
        s = rng.randrange(len(src) - n + 1)
        piece = src[s:s + n]
    op = rng.choice(("overwrite", "insert", "delete"))
    if op == "overwrite":
        g = d[:a] + piece + d[a + n:]
        if len(g) == len(d):
            return _in_place(sample, g, f"overwrite {a}+{n}", a, a + n)
    elif op == "insert":
        g = d[:a] + piece + d[a:]
    else:
        g = d[:a] + d[a + n:]
    return Mutation(g, sample.content, what=f"{op} {a}+{n}")


def random_bytes(rng: random.Random) -> Mutation:
    """Random bytes, half of them behind a valid magic number and version byte."""
    n = rng.choice((0, 1, 3, 8, 17, 62, rng.randrange(300)))
    g = bytes(rng.randrange(256) for _ in range(n))
    if rng.random() < 0.5:
        g = b"\x9eQZ\r" + bytes((rng.choice((1, 2, rng.randrange(256))),)) + g
    return Mutation(g, b"", what=f"random {len(g)}")


def frames_edit(sample: Sample, rng: random.Random) -> Mutation:
    """Duplicate, drop or reorder whole frames: a valid stream that must decode to the
    matching concatenation of contents."""
    order = list(range(len(sample.frames)))
    op = rng.choice(("duplicate", "drop", "shuffle"))
    if op == "duplicate":
        i = rng.randrange(len(order))
        order.insert(rng.randrange(len(order) + 1), i)
    elif op == "drop" and len(order) > 1:
        del order[rng.randrange(len(order))]
    else:
        rng.shuffle(order)
    fr = [sample.frames[i] for i in order]
    return Mutation(b"".join(f.data for f in fr), b"".join(f.content for f in fr), strict=True,
                    what=f"frames {op} {order}")


def set_field(sample: Sample, rng: random.Random, fld: Field | None = None,
              kind: str | None = None, reseal: bool | None = None) -> Mutation | None:
    """A v1 field set to 0, its maximum, a value past the end of the stream, off by one
    or a random value, with the covering CRC recomputed (``reseal``) or not."""
    fields = [f for base, fr in _frame_bases(sample) for f in v1_fields(fr.data, base)]
    if not fields:
        return None
    fld = fld or rng.choice(fields)
    kind = kind or rng.choice(("zero", "max", "past_end", "plus1", "minus1", "random"))
    reseal = rng.random() < 0.7 if reseal is None else reseal
    top = (1 << (8 * fld.size)) - 1
    old = int.from_bytes(sample.data[fld.pos:fld.pos + fld.size], "little")
    value = {"zero": 0, "max": top, "past_end": len(sample.data) - fld.pos + rng.randrange(1, 64),
             "plus1": old + 1, "minus1": old - 1,
             "random": rng.randrange(top + 1)}[kind] & top
    g = bytearray(sample.data)
    g[fld.pos:fld.pos + fld.size] = value.to_bytes(fld.size, "little")
    if reseal and fld.crc:
        at, a, b = fld.crc
        g[at:at + 4] = struct.pack("<I", zlib.crc32(bytes(g[a:b])))
    forged = bool(reseal and fld.crc)
    m = _in_place(sample, bytes(g), f"{fld.name}={kind}{' resealed' if forged else ''}",
                  fld.pos, fld.pos + fld.size)
    m.forged = forged
    m.unprotected = m.unprotected or (forged and _frame_at(sample, fld.pos) is not None
                                      and not _frame_at(sample, fld.pos).checksum)
    return m


FIELD_KINDS = ("zero", "one", "max", "over", "past_end", "plus1", "minus1", "random")


def set_v2_field(sample: Sample, rng: random.Random, k: int | None = None,
                 fld: tuple | None = None, kind: str | None = None,
                 reseal: bool | None = None) -> Mutation | None:
    """A field (v2_fields) of version-2 frame ``k`` set to one of FIELD_KINDS: 0, 1, its
    maximum, one past it (2^64: a malformed varint), a value past the end of the stream,
    off by one or a random value; the CRC covering it recomputed (``reseal``) or kept."""
    if k is None:
        v2 = [j for j, fr in enumerate(sample.frames) if fr.data[4] == 2]
        if not v2:
            return None
        k = rng.choice(v2)
    m = parse_v2(sample.frames[k].data)
    name, width = fld or rng.choice(v2_fields(m))
    kind = kind or rng.choice(FIELD_KINDS)
    reseal = rng.random() < 0.7 if reseal is None else reseal
    _, wrote = serialize_v2(m)
    top = _WIDTHS[width]
    value = {"zero": 0, "one": 1, "max": top, "over": top + 1, "plus1": wrote[name] + 1,
             "past_end": len(sample.data) + rng.randrange(1, 64), "minus1": wrote[name] - 1,
             "random": rng.randrange(top + 1)}[kind]
    over = {name: value}
    crc = covering_crc(name)
    if crc and not reseal:
        over[crc] = wrote[crc]
    frames = [fr.data for fr in sample.frames]
    frames[k] = serialize_v2(m, over)[0]
    forged = bool(reseal and crc)
    return Mutation(b"".join(frames), sample.content, unprotected=forged, forged=forged,
                    what=f"frame {k} {name}={kind}{' resealed' if forged else ''}")


def _frame_bases(sample: Sample):
    base = 0
    for fr in sample.frames:
        yield base, fr
        base += len(fr.data)


def _frame_at(sample: Sample, pos: int) -> Model | None:
    for base, fr in _frame_bases(sample):
        if base <= pos < base + len(fr.data):
            return parse_v1(fr.data)
    return None


def model_edit(sample: Sample, rng: random.Random) -> Mutation | None:
    """Edit one frame (either version) as a model and write it back with every CRC
    recomputed: header fields changed; blocks duplicated, dropped, reordered, retyped or
    resized; or, more than half the time, one coded or lzma block's content changed
    (forge_block). Raw and content CRCs stay the original ones unless forge_block
    reseals them, so a version-1 frame with checksums must still be refused unless the
    edit changes nothing; a version-2 frame has no content CRC with one block, so any
    output is allowed there."""
    k = rng.randrange(len(sample.frames))
    m = parse_frame(sample.frames[k].data)
    blocks = m.blocks
    if any(b.type in (1, 2) for b in blocks) and rng.random() < 0.6:
        return forge_block(sample, rng, k, m)
    op = rng.choice(["header"] + (["blocks"] if blocks else []))
    what = op
    if op == "header":
        m.level = rng.randrange(10)
        m.spec = rng.choice((b"none", b"x", m.spec + b"!", bytes([rng.randrange(33, 127)]) * 255))
        if blocks and rng.random() < 0.5:
            m.block_size = max(b.raw_size for b in blocks) + rng.choice((-1, 0, 1))
    else:
        i = rng.randrange(len(blocks))
        sub = rng.choice(("duplicate", "drop", "move", "type", "raw_size"))
        what += " " + sub
        if sub == "duplicate":
            blocks.insert(rng.randrange(len(blocks) + 1), replace(blocks[i]))
        elif sub == "drop":
            del blocks[i]
        elif sub == "move":
            b = blocks.pop(i)
            blocks.insert(rng.randrange(len(blocks) + 1), b)
        elif sub == "type":
            blocks[i].type ^= 1
        else:
            blocks[i].raw_size = max(1, blocks[i].raw_size + rng.choice((-1, 1, 7, -7)))
    return _forged(sample, k, m, f"model {what} (frame {k})")


def _forged(sample: Sample, k: int, m: Model, what: str, resealed: bool = False,
            target: tuple | None = None) -> Mutation:
    """The sample with frame ``k`` replaced by the model's frame."""
    frames = [fr.data for fr in sample.frames]
    frames[k] = serialize(m)
    return Mutation(b"".join(frames), sample.content, forged=True, what=what, target=target,
                    unprotected=not m.checksum or m.version == 2 or resealed)


CODEC_EDITS = ("damage", "boundary", "meta", "revision", "swap", "sections_count", "inflate")


def forge_block(sample: Sample, rng: random.Random, k: int | None = None,
                m: Model | None = None, edit: str | None = None) -> Mutation | None:
    """One coded or lzma block (of frame ``k``, model ``m``; by default a random one)
    changed where only its decoder can tell, one of CODEC_EDITS: a section's bytes flipped,
    overwritten, zeroed, cut short or extended; bytes moved across the boundary of two
    sections; a meta field set to a boundary value (_meta_edit); the codec revision
    changed, with meta fields and sections added or dropped to its layout; two sections
    swapped; a section added or dropped; the block's tokens and raw size inflated (an
    lzma block's payload is only damaged). Every size, payload and header CRC is
    recomputed and, half the time, the raw and content CRCs too (reseal_raw). The
    mutation's ``target`` names the block."""
    if m is None:
        frames = [(j, parse_frame(fr.data)) for j, fr in enumerate(sample.frames)]
        frames = [(j, fm) for j, fm in frames if any(b.type in (1, 2) for b in fm.blocks)]
        if not frames:
            return None
        k, m = rng.choice(frames)
    i = rng.choice([j for j, b in enumerate(m.blocks) if b.type in (1, 2)])
    b = m.blocks[i]
    secs = b.sections
    edit = "damage" if b.type == 2 else edit or rng.choice(CODEC_EDITS)
    what = edit
    if edit == "boundary" and len(secs) > 1:
        j = rng.randrange(len(secs) - 1)
        n = rng.choice((1, 2, 3, 8, rng.randrange(1, 64)))
        if rng.random() < 0.5:
            cut = max(0, len(secs[j]) - n)
            secs[j], secs[j + 1] = secs[j][:cut], secs[j][cut:] + secs[j + 1]
        else:
            secs[j], secs[j + 1] = secs[j] + secs[j + 1][:n], secs[j + 1][n:]
        what += f" {j}|{j + 1} {n}"
    elif edit == "meta":
        secs[0], change = _meta_edit(secs[0], rng, b.raw_size)
        what += " " + change
    elif edit == "revision":
        what += f" {_revise(secs, rng)}"
    elif edit == "swap" and len(secs) > 1:
        j1, j2 = rng.sample(range(len(secs)), 2)
        secs[j1], secs[j2] = secs[j2], secs[j1]
        what += f" {j1},{j2}"
    elif edit == "sections_count":
        if rng.random() < 0.5 and len(secs) > 1:
            del secs[rng.randrange(len(secs))]
        else:
            secs.insert(rng.randrange(len(secs) + 1), b"")
    elif edit == "inflate":   # tokens and raw size as large as the format allows
        b.raw_size = m.block_size = 1 << rng.randrange(12, 21)
        secs[0] = _meta_set(secs[0], 1, b.raw_size)
        what += f" {b.raw_size}"
    else:
        j = rng.randrange(len(secs))
        secs[j] = _damage(secs[j], rng)
        what = f"damage {j}"
    resealed = rng.random() < 0.5 and reseal_raw(m)
    return _forged(sample, k, m, f"forge block {i} {what}"
                   f"{', raw CRCs resealed' if resealed else ''} (frame {k})", resealed, (k, i))


def reseal_raw(m: Model) -> bool:
    """Set the raw CRC of each coded and lzma block and the content CRC of a frame with
    checksums to those of what quasi's decoders make of its blocks, so that the checks
    after decoding pass too. False, and nothing changed, when a block does not decode to
    its raw size."""
    if not m.checksum:
        return False
    raws = []
    for i, b in enumerate(m.blocks):
        if b.type == 0:
            raws.append(b"".join(b.sections))
            continue
        try:
            raw = bytes(decode_record(BlockRecord(i, b.type, b.raw_size, b.sections, None, 0)))
        except Exception:  # noqa: BLE001 - judge() meets the same exception and reports it
            return False
        if len(raw) != b.raw_size:
            return False
        raws.append(raw)
    for b, raw in zip(m.blocks, raws):
        if b.type != 0:
            b.raw_crc = zlib.crc32(raw)
    m.content_crc = zlib.crc32(b"".join(raws))
    return True


def _damage(sec: bytes, rng: random.Random) -> bytes:
    g = bytearray(sec)
    op = rng.choice(("flip", "overwrite", "truncate", "extend", "zero"))
    if op == "flip" and g:
        for _ in range(rng.choice((1, 1, 2, 8))):
            g[rng.randrange(len(g))] ^= 1 << rng.randrange(8)
    elif op == "overwrite" and g:
        a = rng.randrange(len(g))
        for i in range(a, min(len(g), a + rng.randrange(1, 16))):
            g[i] = rng.randrange(256)
    elif op == "truncate":
        del g[rng.randrange(len(g) + 1):]
    elif op == "extend":
        g += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 32)))
    else:
        g = bytearray(len(g))
    return bytes(g)


def leb128(values) -> bytes:
    out = bytearray()
    for v in values:
        while True:
            out.append((v & 0x7F) | (0x80 if v > 0x7F else 0))
            v >>= 7
            if not out[-1] & 0x80:
                break
    return bytes(out)


def _meta_set(meta: bytes, i: int, value: int) -> bytes:
    vals = meta_fields(meta)
    if i < len(vals):
        vals[i] = value
    return leb128(vals)


def meta_bounds(vals: list, raw_size: int) -> list:
    """(smallest, largest) valid value of each field of a meta section whose fields are
    ``vals``, from the codec configuration's bounds (quasi.codec.config.META_FIELDS);
    an entry count's range leaves room for the other entries. A field that is off
    (0) where its model is not used is valid at 0 as well."""
    revision = vals[0] if vals and 1 <= vals[0] <= CODEC_REVISION else CODEC_REVISION
    fields, bounds, place = {}, [], 0
    for field in META_FIELDS:
        if field.since > revision:
            fields[field.name] = field.absent
            continue
        got = vals[place:place + field.count] or [1] * field.count
        place += field.count
        fields[field.name] = tuple(got) if field.count > 1 else got[0]
        lowest, highest = field.bounds(fields, revision, raw_size)
        if field.count > 1:
            bounds += [(lowest, highest - sum(got) + v) for v in got]
        else:
            bounds.append((lowest, highest))
    return bounds[:len(vals)]


def _meta_edit(meta: bytes, rng: random.Random, raw_size: int) -> tuple:
    """(meta, what) with one LEB128 varint of a meta section set to a boundary value
    (0, 1, its smallest and largest valid values and one beyond each, off by one, 2^32,
    2^63-1, 2^64-1, 2^70) and the rest re-encoded unchanged."""
    vals = meta_fields(meta)
    if not vals:
        return meta, "none"
    i = rng.randrange(len(vals))
    bounds = meta_bounds(vals, raw_size)
    lo, hi = bounds[i] if i < len(bounds) else (0, 0)
    value = rng.choice((0, 1, max(0, lo - 1), lo, hi, hi + 1, vals[i] + 1, max(0, vals[i] - 1),
                        1 << 32, (1 << 63) - 1, (1 << 64) - 1, 1 << 70))
    return _meta_set(meta, i, value), f"[{i}]={value}"


def _revise(secs: list, rng: random.Random) -> int:
    """Give a coded block's sections another codec revision (1 to one past the newest),
    with meta fields and sections dropped or added (valid defaults, empty sections) to
    that revision's layout. Returns the revision."""
    vals = meta_fields(secs[0])
    rev = rng.choice([r for r in range(1, CODEC_REVISION + 2) if not vals or r != vals[0]])
    n = meta_count(rev) if rev <= CODEC_REVISION else len(vals)
    absent = [v for field in META_FIELDS for v in [field.absent] * field.count]
    vals = [rev] + vals[1:n] + absent[max(len(vals), 1):n]
    n_secs = len(SECTION_NAMES.get(rev, secs))
    secs[:] = ([leb128(vals)] + secs[1:] + [b""] * n_secs)[:n_secs]
    return rev


def move_records(sample: Sample, rng: random.Random) -> Mutation | None:
    """Swap two block records of one frame, or copy one over another, as bytes: no
    field or CRC changes (only the index and the content CRC can tell, so in a frame
    without checksums two records of equal length swapped go undetected)."""
    spans = []
    for info in read_frame_infos(sample.data):
        offs = [info.offset + o for o, _ in info.blocks]   # records up to the last one:
        if len(offs) > 2:                                   # no format's tail sizes needed
            spans.append((list(zip(offs, offs[1:])), info.checksum))
    if not spans:
        return None
    records, checksum = rng.choice(spans)
    (a0, a1), (b0, b1) = sorted(rng.sample(records, 2))
    d = sample.data
    if rng.random() < 0.5:
        g = d[:a0] + d[b0:b1] + d[a1:b0] + d[a0:a1] + d[b1:]
        what = f"swap records at {a0}, {b0}"
    else:
        g = d[:b0] + d[a0:a1] + d[b1:]
        what = f"record at {a0} over {b0}"
    return Mutation(g, sample.content, moved=True, unprotected=not checksum, what=what)


MUTATORS = ("flip", "truncate", "splice", "random", "frames", "field", "model", "records",
            "forge")


def mutate(sample: Sample, rng: random.Random, kind: str, donor: bytes = b"") -> Mutation:
    """One mutation of ``kind`` (one of MUTATORS); falls back to a splice when the kind
    does not apply to the sample (no block records to move, no coded block to forge)."""
    d = sample.data
    m = None
    if kind == "flip":
        m = bit_flip(sample, rng.randrange(len(d)), rng.randrange(8))
    elif kind == "truncate":
        m = truncate(sample, rng.randrange(len(d)))
    elif kind == "random":
        m = random_bytes(rng)
    elif kind == "frames":
        m = frames_edit(sample, rng)
    elif kind == "field":
        m = set_field(sample, rng) or set_v2_field(sample, rng)
    elif kind == "model":
        m = model_edit(sample, rng)
    elif kind == "records":
        m = move_records(sample, rng)
    elif kind == "forge":
        m = forge_block(sample, rng)
    return m or splice(sample, rng, donor)
