"""Valid .qz inputs of every kind and structured mutations of them (the fuzzers' input side).

Samples are built at run time with quasi's own writer (stored, coded, multi-block,
multi-frame, empty, no-checksum, every level and tiling) plus the committed golden files
of every format version. Mutators are format-agnostic (bit flips, truncation, splices,
frame-level edits, random bytes) except the ``v1-*`` ones, which take frames of format
version 1 (the version byte is checked) apart into a model and put them back together,
optionally with every CRC recomputed ("forged"), so that hostile values reach the checks
behind the CRCs and the block decoder itself.

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
from dataclasses import dataclass, field, replace
from pathlib import Path

import quasi
from quasi.container import read_frame_infos
from quasi.sections import meta_fields

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


# --------------------------------------------------------------------------- v1 model


@dataclass
class Block:
    """A v1 block record, taken apart."""
    type: int
    raw_size: int
    sections: list           # one payload for a stored block
    raw_crc: int | None


@dataclass
class Model:
    """A v1 frame, taken apart (FORMAT.md section 3); ``serialize`` puts it together."""
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
    """A v1 frame with every structural field and CRC made consistent with the model
    (raw CRCs and the content CRC are the model's: forging never touches them)."""
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
    """Edit one v1 frame as a model and write it back with every CRC recomputed:
    sections swapped or damaged (size fields kept consistent), block meta varints set to
    hostile values, blocks duplicated, dropped or reordered, a block's type or raw size
    changed, header fields changed. Raw and content CRCs stay the original ones, so a
    frame with checksums must still be refused unless the edit changes nothing."""
    v1 = [(k, parse_v1(fr.data)) for k, fr in enumerate(sample.frames)]
    v1 = [(k, m) for k, m in v1 if m is not None]
    if not v1:
        return None
    k, m = rng.choice(v1)
    blocks = m.blocks
    coded = [b for b in blocks if b.type == 1]
    ops = ["header"] + (["blocks"] if len(blocks) > 0 else []) + (
        ["section", "swap", "meta", "sections_count", "inflate"] if coded else [])
    op = rng.choice(ops)
    what = op
    if op == "header":
        m.level = rng.randrange(10)
        m.spec = rng.choice((b"none", b"x", m.spec + b"!", bytes([rng.randrange(33, 127)]) * 255))
        if blocks and rng.random() < 0.5:
            m.block_size = max(b.raw_size for b in blocks) + rng.choice((-1, 0, 1))
    elif op == "blocks":
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
    else:
        b = rng.choice(coded)
        secs = b.sections
        if op == "swap" and len(secs) > 1:
            i, j = rng.sample(range(len(secs)), 2)
            secs[i], secs[j] = secs[j], secs[i]
            what += f" {i},{j}"
        elif op == "sections_count":
            if rng.random() < 0.5 and len(secs) > 1:
                del secs[rng.randrange(len(secs))]
            else:
                secs.insert(rng.randrange(len(secs) + 1), b"")
        elif op == "meta":
            secs[0] = _meta_edit(secs[0], rng)
        elif op == "inflate":   # tokens and raw size as large as the format allows
            b.raw_size = m.block_size = 1 << rng.randrange(12, 21)
            secs[0] = _meta_set(secs[0], 1, b.raw_size)
            what += f" {b.raw_size}"
        else:
            i = rng.randrange(len(secs))
            secs[i] = _damage(secs[i], rng)
            what += f" {i}"
    frames = [fr.data for fr in sample.frames]
    frames[k] = serialize(m)
    return Mutation(b"".join(frames), sample.content, unprotected=not m.checksum, forged=True,
                    what=f"model {what} (frame {k})")


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


def _meta_edit(meta: bytes, rng: random.Random) -> bytes:
    """Set one LEB128 varint of a meta section to a hostile value (0, 1, huge, off by
    one, 2^63-1, 2^64 and more) and re-encode the rest unchanged."""
    vals = meta_fields(meta)
    if not vals:
        return meta
    i = rng.randrange(len(vals))
    return _meta_set(meta, i, rng.choice((0, 1, vals[i] + 1, max(0, vals[i] - 1), 1 << 40,
                                          (1 << 63) - 1, (1 << 64) - 1, 1 << 70)))


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


MUTATORS = ("flip", "truncate", "splice", "random", "frames", "field", "model", "records")


def mutate(sample: Sample, rng: random.Random, kind: str, donor: bytes = b"") -> Mutation:
    """One mutation of ``kind`` (one of MUTATORS); falls back to a splice when the kind
    does not apply to the sample (v1-only mutators on other versions)."""
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
        m = set_field(sample, rng)
    elif kind == "model":
        m = model_edit(sample, rng)
    elif kind == "records":
        m = move_records(sample, rng)
    return m or splice(sample, rng, donor)
