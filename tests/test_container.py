"""Tests of reading (and writing) format version 1 (FORMAT.md, section 10); version 2 is
tested in test_container_v2.py."""

import random
import struct
import time
import tracemalloc
import zlib

import pytest

from quasi.codec.container import (BLOCK_CODED, BLOCK_RAW, FOOTER_MAGIC, MAGIC, MAX_BLOCK_SIZE,
                                    MAX_SECTIONS, FrameParser, FrameWriter, StreamReader,
                                    decode_stream, read_frame_infos, read_first_frame_info,
                                    read_last_frame_from_end, read_stream_index)
from quasi.errors import QuasiError, TrailingGarbage


# ----------------------------------------------------------------- fake codecs


def zlib_sections(raw, k=1, empties=False):
    """Fake codec: zlib.compress(raw) cut into k pieces, optionally with empty sections."""
    z = zlib.compress(bytes(raw), 9)
    cuts = sorted(random.Random(len(raw)).sample(range(1, len(z)), k - 1)) if k > 1 else []
    parts = [z[a:b] for a, b in zip([0] + cuts, cuts + [len(z)])]
    if empties:
        parts = [b""] + parts + [b""]
    return parts


def fake_decode(hdr, rec):
    try:
        return zlib.decompress(b"".join(bytes(s) for s in rec.sections))
    except zlib.error as e:
        raise QuasiError(f"block {rec.index}: bad sections ({e})") from None


def make_frame(blocks, checksum=True, block_size=64, level=5, spec="w3-x2", version=1):
    """blocks: list of (raw, sections-or-None).  Returns the frame bytes."""
    w = FrameWriter(level, spec, block_size, checksum=checksum, version=version)
    out = [w.header()]
    for raw, sections in blocks:
        out.append(w.block(raw, sections))
    out.append(w.finish())
    frame = b"".join(out)
    assert w.frame_size == len(frame)
    return frame


def text(n, seed=0):
    rnd = random.Random(seed)
    words = [b"the", b"quasi", b"frame", b"block", b"index", b"footer", b"\n"]
    out = bytearray()
    while len(out) < n:
        out += rnd.choice(words) + b" "
    return bytes(out[:n])


def split(data, size):
    return [data[i:i + size] for i in range(0, len(data), size)]


def mixed_frame(checksum=True):
    """A small frame: coded blocks (1+2 empty, 3 and 1 sections), an explicitly raw
    block and an incompressible block the writer stores raw."""
    chunks = [text(128, 1), text(128, 2), text(128, 3), random.Random(7).randbytes(100),
              text(90, 4)]
    secs = [zlib_sections(chunks[0], 1, empties=True), None, zlib_sections(chunks[2], 3),
            zlib_sections(chunks[3]), zlib_sections(chunks[4])]
    frame = make_frame(list(zip(chunks, secs)), checksum=checksum, block_size=128)
    return b"".join(chunks), frame


# ----------------------------------------------------------------- independent reader


def ref_read(data):
    """Minimal reader written from FORMAT.md alone.  Returns a list of frames."""
    frames, p = [], 0
    while p < len(data):
        f0 = p
        magic, ver, flags, level, sl = struct.unpack_from("<4sBBBB", data, p)
        spec = data[p + 8:p + 8 + sl].decode()
        bs, hcrc = struct.unpack_from("<II", data, p + 8 + sl)
        assert magic == MAGIC and ver == 1 and hcrc == zlib.crc32(data[p:p + 12 + sl])
        p += 16 + sl
        blocks, content = [], b""
        while data[p] != 0xFF:
            t, rs = struct.unpack_from("<BI", data, p)
            n = data[p + 5] if t == 1 else 0
            sizes = struct.unpack_from(f"<{n}I", data, p + 6) if t == 1 else (rs,)
            h = 5 + (5 + 4 * n if t == 1 else 0)
            assert struct.unpack_from("<I", data, p + h)[0] == zlib.crc32(data[p:p + h])
            q = p + h + 4
            if t == 1:
                pcrc = struct.unpack_from("<I", data, p + 6 + 4 * n)[0]
                assert pcrc == zlib.crc32(data[q:q + sum(sizes)])
            secs = []
            for s in sizes:
                secs.append(data[q:q + s]); q += s
            raw = secs[0] if t == 0 else zlib.decompress(b"".join(secs))
            if flags & 1:
                assert struct.unpack_from("<I", data, q)[0] == zlib.crc32(raw); q += 4
            blocks.append((p - f0, rs, t, len(secs))); content += raw; p = q
        e = p
        _, nb, cs, ccrc = struct.unpack_from("<BQQI", data, p)
        index = [struct.unpack_from("<QI", data, p + 21 + 12 * i) for i in range(nb)]
        p += 21 + 12 * nb
        eo, fs, fcrc, fm = struct.unpack_from("<QQI4s", data, p)
        assert fm == FOOTER_MAGIC and fcrc == zlib.crc32(data[e:p + 16])
        p += 24
        assert index == [(o, r) for o, r, _, _ in blocks] and eo == e - f0 and fs == p - f0
        assert cs == len(content) and ccrc == (zlib.crc32(content) if flags & 1 else 0)
        frames.append(dict(flags=flags, level=level, spec=spec, block_size=bs, n_blocks=nb,
                           content_size=cs, content_crc=ccrc, frame_size=fs, offset=f0,
                           blocks=blocks, content=content))
    return frames


def check_agrees(stream, expected_content):
    ref = ref_read(stream)
    infos = read_frame_infos(stream)
    assert b"".join(f["content"] for f in ref) == expected_content
    assert decode_stream(stream, fake_decode) == expected_content
    assert len(infos) == len(ref)
    for fi, r in zip(infos, ref):
        assert fi.version == 1
        for k in ("flags", "level", "spec", "block_size", "n_blocks", "content_size",
                  "content_crc", "frame_size", "offset"):
            assert getattr(fi, k) == r[k], k
        assert fi.blocks == [(o, s) for o, s, _, _ in r["blocks"]]
        assert fi.checksum == bool(r["flags"] & 1)
    last = read_last_frame_from_end(stream)
    assert last == infos[-1]
    # the streaming reader's records agree on types and section counts
    reader = StreamReader(stream)
    recs = []
    for hdr, rec in reader:
        raw = rec.sections[0] if rec.type == BLOCK_RAW else fake_decode(hdr, rec)
        reader.verify_block(rec, raw)
        recs.append((rec.offset, rec.raw_size, rec.type, len(rec.sections)))
    assert recs == [b for r in ref for b in r["blocks"]]
    assert reader.frames == infos
    return infos


# ----------------------------------------------------------------- round trips


@pytest.mark.parametrize("checksum", [True, False])
def test_empty_content(checksum):
    f = make_frame([], checksum=checksum)
    (info,) = check_agrees(f, b"")
    assert info.n_blocks == 0 and info.content_size == 0 and info.blocks == []
    assert len(f) == 16 + 5 + 21 + 24  # header with 5-char spec, end mark, footer


@pytest.mark.parametrize("checksum", [True, False])
def test_one_raw_block(checksum):
    f = make_frame([(b"hello", None)], checksum=checksum)
    (info,) = check_agrees(f, b"hello")
    assert info.n_blocks == 1 and info.blocks == [(21, 5)]


@pytest.mark.parametrize("checksum", [True, False])
def test_many_coded_blocks(checksum):
    data = text(5000, 3)
    f = make_frame([(c, zlib_sections(c, 2)) for c in split(data, 256)], checksum=checksum,
                   block_size=256)
    (info,) = check_agrees(f, data)
    assert info.n_blocks == len(split(data, 256))
    assert all(t == BLOCK_CODED for t in [r[2] for r in ref_read(f)[0]["blocks"]])


@pytest.mark.parametrize("checksum", [True, False])
def test_mixed_blocks_with_empty_sections(checksum):
    data, f = mixed_frame(checksum)
    check_agrees(f, data)
    types = [b[2] for b in ref_read(f)[0]["blocks"]]
    assert BLOCK_RAW in types and BLOCK_CODED in types
    assert ref_read(f)[0]["blocks"][0][3] == 3  # 1 real + 2 empty sections


def test_max_sections():
    data = text(4000, 4)
    f = make_frame([(data, zlib_sections(data, MAX_SECTIONS))], block_size=4000)
    check_agrees(f, data)
    w = FrameWriter(1, "s", 4000, version=1)
    w.header()
    with pytest.raises(QuasiError, match="sections"):
        w.block(data, [b"x"] * (MAX_SECTIONS + 1))


def test_writer_stores_raw_when_coding_does_not_pay():
    noise = random.Random(5).randbytes(64)
    f = make_frame([(noise, zlib_sections(noise))])
    assert ref_read(f)[0]["blocks"][0][2] == BLOCK_RAW
    # boundary: sum(sizes) + 5 + 4n >= raw_size -> raw; one less -> coded
    for secs, expect in (([b"a"], BLOCK_RAW), ([b""], BLOCK_CODED)):
        w = FrameWriter(0, "s", 10, version=1)
        w.header()
        assert w.block(b"0123456789", secs)[0] == expect


def test_concatenated_frames():
    a, fa = mixed_frame(True)
    b = text(300, 9)
    fb = make_frame([(c, zlib_sections(c)) for c in split(b, 100)], checksum=False,
                    block_size=100, level=0, spec="other")
    fc = make_frame([])
    stream = fa + fb + fc + fa
    infos = check_agrees(stream, a + b + a)
    assert [i.offset for i in infos] == [0, len(fa), len(fa) + len(fb), len(fa) + len(fb) + len(fc)]
    assert infos[1].spec == "other" and infos[1].level == 0 and not infos[1].checksum
    assert read_last_frame_from_end(fa + fb).offset == len(fa)


def test_large_block_size_and_level_limits():
    f = make_frame([(b"x" * 10, None)], block_size=MAX_BLOCK_SIZE, level=9, spec="~" * 255)
    (info,) = check_agrees(f, b"x" * 10)
    assert info.block_size == MAX_BLOCK_SIZE and info.spec == "~" * 255


# ----------------------------------------------------------------- writer validation


@pytest.mark.parametrize("args", [
    (-1, "s", 10), (10, "s", 10), (True, "s", 10), (1, "", 10), (1, "a b", 10),
    (1, "é", 10), (1, "x" * 256, 10), (1, "s", 0), (1, "s", MAX_BLOCK_SIZE + 1), (1, b"s", 10),
])
def test_writer_rejects_bad_arguments(args):
    with pytest.raises(QuasiError):
        FrameWriter(*args)


def test_writer_rejects_bad_blocks_and_order():
    w = FrameWriter(1, "s", 8)
    with pytest.raises(QuasiError):
        w.block(b"x", None)           # before header
    w.header()
    with pytest.raises(QuasiError):
        w.header()
    for raw, secs in ((b"", None), (b"x" * 9, None), (b"x" * 8, [])):
        with pytest.raises(QuasiError):
            w.block(raw, secs)
    w.finish()
    with pytest.raises(QuasiError):
        w.finish()
    with pytest.raises(QuasiError):
        w.block(b"x", None)


# ----------------------------------------------------------------- reader API misuse


def test_verify_block_is_mandatory_and_checked():
    data, f = mixed_frame()
    reader = StreamReader(f)
    it = iter(reader)
    next(it)
    with pytest.raises(QuasiError, match="not verified"):
        next(it)
    reader = StreamReader(f)
    for hdr, rec in reader:
        with pytest.raises(QuasiError, match="decoded size"):
            reader.verify_block(rec, b"z" * (rec.raw_size + 1))
        with pytest.raises(QuasiError, match="raw CRC mismatch"):
            reader.verify_block(rec, b"z" * rec.raw_size)
        break


def test_content_crc_mismatch_is_detected():
    # a decoder that returns wrong data with the right CRC cannot exist, so forge a frame
    # whose blocks are fine but whose end-mark content CRC is wrong (with a valid footer CRC)
    f = bytearray(make_frame([(b"abc", None), (b"def", None)]))
    e = read_frame_infos(bytes(f))[0].frame_size - 24 - 12 * 2 - 21
    f[e + 17:e + 21] = struct.pack("<I", 12345)
    fix_footer_crc(f, e)
    with pytest.raises(QuasiError, match="content CRC mismatch"):
        decode_stream(bytes(f), fake_decode)
    read_frame_infos(bytes(f))  # structure-only walk does not decode, so it passes


# ----------------------------------------------------------------- corruption


def test_every_truncation_raises():
    data, f = mixed_frame()
    for n in range(len(f)):
        cut = f[:n]
        for fn in (lambda d: decode_stream(d, fake_decode), read_frame_infos,
                   read_last_frame_from_end):
            with pytest.raises(QuasiError):
                fn(cut)
    # also a truncated second frame
    for n in range(len(f) + 1, 2 * len(f)):
        with pytest.raises(QuasiError):
            read_frame_infos((f + f)[:n])


def payload_ranges(f):
    """(start, end) of the payload bytes and raw-CRC fields of every block (ref reader)."""
    flags = f[5]
    out = []
    for off, rs, t, nsec in ref_read(f)[0]["blocks"]:
        if t == 0:
            start = off + 9
            size = rs
        else:
            n = f[off + 5]
            sizes = struct.unpack_from(f"<{n}I", f, off + 6)
            start = off + 14 + 4 * n
            size = sum(sizes)
        out.append((start, start + size + (4 if flags & 1 else 0)))
    return out


def flip_outcomes(f, data):
    """For every single-bit flip of f: 'error' (QuasiError), 'same' (decodes to the
    original content) or 'wrong' (decodes to different content)."""
    out = {}
    for i in range(len(f)):
        for bit in range(8):
            g = bytearray(f)
            g[i] ^= 1 << bit
            try:
                res = decode_stream(bytes(g), fake_decode)
            except QuasiError:
                out[i, bit] = "error"
            else:
                out[i, bit] = "same" if res == data else "wrong"
    return out


def coded_payload_ranges(f):
    return [r for r, blk in zip(payload_ranges(f), ref_read(f)[0]["blocks"])
            if blk[2] == BLOCK_CODED]


def test_every_bit_flip_raises_with_checksums():
    """Every single-bit flip anywhere in a checksummed frame is detected."""
    data, f = mixed_frame(checksum=True)
    assert decode_stream(f, fake_decode) == data
    outcomes = flip_outcomes(f, data)
    assert set(outcomes.values()) == {"error"}
    # structure alone (headers, end mark, index, footer) is caught without decoding
    payload = payload_ranges(f)
    for i in range(len(f)):
        if any(a <= i < b for a, b in payload):
            continue
        for bit in range(8):
            g = bytearray(f)
            g[i] ^= 1 << bit
            with pytest.raises(QuasiError):
                read_frame_infos(bytes(g))


def test_bit_flips_without_checksums():
    """Without checksums (flag bit 0 clear) stored payloads are unprotected: their flips
    go through undetected (wrong output); coded payloads stay covered by payload_crc."""
    data, f = mixed_frame(checksum=False)
    payload = payload_ranges(f)
    raw_payload = [(a, b) for (a, b), blk in zip(payload, ref_read(f)[0]["blocks"])
                   if blk[2] == BLOCK_RAW]
    outcomes = flip_outcomes(f, data)
    wrong = [i for (i, bit), o in outcomes.items() if o != "error"]
    assert wrong
    assert all(any(a <= i < b for a, b in raw_payload) for i in wrong)


def test_tail_flips_detected_from_end():
    data, f = mixed_frame()
    info = read_frame_infos(f)[0]
    end_offset = info.frame_size - 24 - 12 * info.n_blocks - 21
    hdr_size = 16 + len(info.spec)
    assert_flips_raise(f, list(range(hdr_size)) + list(range(end_offset, len(f))),
                       read_last_frame_from_end)


def assert_flips_raise(f, positions, fn):
    """Every single-bit flip of f at the positions makes fn raise QuasiError."""
    for i in positions:
        for bit in range(8):
            g = bytearray(f)
            g[i] ^= 1 << bit
            with pytest.raises(QuasiError):
                fn(bytes(g))


def fix_block_header_crc(f, off, hlen):
    f[off + hlen:off + hlen + 4] = struct.pack("<I", zlib.crc32(bytes(f[off:off + hlen])))


def fix_footer_crc(f, e):
    n = struct.unpack_from("<Q", f, e + 1)[0]
    fpos = e + 21 + 12 * n
    f[fpos + 16:fpos + 20] = struct.pack("<I", zlib.crc32(bytes(f[e:fpos + 16])))


def assert_fast_and_small(fn, match):
    tracemalloc.start()
    t = time.perf_counter()
    try:
        with pytest.raises(QuasiError, match=match):
            fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert time.perf_counter() - t < 0.5
    assert peak < 1 << 20


def test_huge_declared_sizes():
    data, f = mixed_frame()
    blocks = ref_read(f)[0]["blocks"]
    # raw block (block 1) with raw_size 2^32-1 and a valid block header CRC
    off = blocks[1][0]
    g = bytearray(f)
    g[off + 1:off + 5] = struct.pack("<I", 2**32 - 1)
    fix_block_header_crc(g, off, 5)
    for fn in (lambda: decode_stream(bytes(g), fake_decode), lambda: read_frame_infos(bytes(g))):
        assert_fast_and_small(fn, "raw size 4294967295 out of range")
    # same with a frame whose block_size is the maximum: raw_size 2^30 passes the range
    # check but not the remaining-bytes check
    h = bytearray(make_frame([(b"abc", None)], block_size=MAX_BLOCK_SIZE))
    off = 16 + 5
    h[off + 1:off + 5] = struct.pack("<I", MAX_BLOCK_SIZE)
    fix_block_header_crc(h, off, 5)
    assert_fast_and_small(lambda: read_frame_infos(bytes(h)), "truncated block payload")
    # coded block (block 2, 3 sections) with every section size 2^32-1
    off = blocks[2][0]
    g = bytearray(f)
    n = g[off + 5]
    g[off + 6:off + 6 + 4 * n] = struct.pack(f"<{n}I", *[2**32 - 1] * n)
    fix_block_header_crc(g, off, 10 + 4 * n)
    assert_fast_and_small(lambda: read_frame_infos(bytes(g)), "exceeds the limit")
    # a section sum within the 2*raw+64K limit but beyond the data: truncated
    g = bytearray(f)
    g[off + 6:off + 6 + 4 * n] = struct.pack(f"<{n}I", 1000, 0, 0)
    fix_block_header_crc(g, off, 10 + 4 * n)
    assert_fast_and_small(lambda: read_frame_infos(bytes(g)), "truncated block payload")
    # n_blocks 2^64-1 with a valid footer CRC, from the front and from the end
    info = read_frame_infos(f)[0]
    e = info.frame_size - 24 - 12 * info.n_blocks - 21
    g = bytearray(f)
    g[e + 1:e + 9] = struct.pack("<Q", 2**64 - 1)
    fpos = len(g) - 24
    g[fpos + 16:fpos + 20] = struct.pack("<I", zlib.crc32(bytes(g[e:fpos + 16])))
    assert_fast_and_small(lambda: read_frame_infos(bytes(g)), "declares")
    assert_fast_and_small(lambda: read_last_frame_from_end(bytes(g)), "n_blocks")
    # footer sizes 2^64-1
    g = bytearray(f)
    g[fpos:fpos + 16] = struct.pack("<QQ", 2**64 - 1, 2**64 - 1)
    g[fpos + 16:fpos + 20] = struct.pack("<I", zlib.crc32(bytes(g[e:fpos + 16])))
    assert_fast_and_small(lambda: read_last_frame_from_end(bytes(g)), "out of range")
    # n_sections out of range
    g = bytearray(f)
    g[blocks[2][0] + 5] = 17
    assert_fast_and_small(lambda: read_frame_infos(bytes(g)), "section count 17")


def test_index_disagreeing_with_blocks():
    f = bytearray(make_frame([(b"abc", None), (b"defg", None)]))
    e = read_frame_infos(bytes(f))[0].frame_size - 24 - 12 * 2 - 21
    f[e + 21 + 12 + 8:e + 21 + 12 + 12] = struct.pack("<I", 3)  # entry 1 raw_size 4 -> 3
    fix_footer_crc(f, e)
    with pytest.raises(QuasiError, match="index entry 1"):
        read_frame_infos(bytes(f))


def test_messages():
    data, f = mixed_frame()
    with pytest.raises(QuasiError, match="not a quasi stream"):
        read_frame_infos(b"")
    with pytest.raises(QuasiError, match="not a quasi stream"):
        decode_stream(b"", fake_decode)
    with pytest.raises(QuasiError, match="not a quasi stream"):
        read_last_frame_from_end(b"")
    with pytest.raises(QuasiError, match="not a quasi stream"):
        read_frame_infos(b"hello world, this is plain text" * 3)
    with pytest.raises(QuasiError, match="not a quasi stream"):
        read_frame_infos(b"\x9eQZ\n" + f[4:])  # CR mangled into LF
    with pytest.raises(QuasiError, match="unsupported format version 3"):
        read_frame_infos(f[:4] + b"\x03" + f[5:])
    with pytest.raises(QuasiError, match=f"trailing garbage after the last frame at offset {len(f)}"):
        decode_stream(f + b"xyz", fake_decode)
    with pytest.raises(QuasiError, match="trailing garbage"):
        read_frame_infos(f + b"\0" * 100)
    with pytest.raises(QuasiError, match="truncated"):
        read_frame_infos(f + MAGIC)
    g = bytearray(f)
    g[5] |= 0x02
    g[8 + g[7] + 4:8 + g[7] + 8] = struct.pack("<I", zlib.crc32(bytes(g[:8 + g[7] + 4])))
    with pytest.raises(QuasiError, match="reserved flag bits"):
        read_frame_infos(bytes(g))
    g = bytearray(f)
    g[16 + 5] = 7
    with pytest.raises(QuasiError, match="invalid block type 0x07"):
        read_frame_infos(bytes(g))
    g = bytearray(f)
    g[16 + 5 + 2] ^= 1
    with pytest.raises(QuasiError, match="block header CRC mismatch"):
        read_frame_infos(bytes(g))
    raw_blk = ref_read(f)[0]["blocks"][1]
    g = bytearray(f)
    g[raw_blk[0] + 9] ^= 0x20
    with pytest.raises(QuasiError, match="block 1: raw CRC mismatch"):
        decode_stream(bytes(g), fake_decode)


def test_format_md_example():
    w = FrameWriter(5, "w3-x2", 65536, version=1)
    f = w.header() + w.finish()
    assert f.hex() == (
        "9e515a0d010105057733 2d7832000001000dee67d8ff".replace(" ", "")
        + "00" * 20 + "1500000000000000" + "4200000000000000" + "c5e547690d5a519e")


# ----------------------------------------------------------------- incremental reader


def parse_in_pieces(stream, piece, multi_frame=True):
    """Feed stream to a FrameParser in pieces; decode with the fake codec.
    Returns (content, [(offset, raw_size, type, n_sections)], parser)."""
    p = FrameParser(multi_frame=multi_frame)
    content, recs = [], []
    for i in range(0, len(stream), piece):
        p.feed(stream[i:i + piece])
        while (rec := p.next_record()) is not None:
            raw = bytes(rec.sections[0]) if rec.type == BLOCK_RAW else fake_decode(None, rec)
            p.verify_block(rec, raw)
            content.append(raw)
            recs.append((rec.offset, rec.raw_size, rec.type, len(rec.sections)))
    p.close()
    return b"".join(content), recs, p


def concatenation():
    a, fa = mixed_frame(True)
    b = text(300, 9)
    fb = make_frame([(c, zlib_sections(c)) for c in split(b, 100)], checksum=False,
                    block_size=100, level=0, spec="other")
    return a + b, fa + fb + make_frame([]) + fa, a + b + a


@pytest.mark.parametrize("piece", [1, 2, 5, 17, 100, 10**6])
def test_frame_parser_agrees_with_stream_reader(piece):
    _, stream, content = concatenation()
    got, recs, p = parse_in_pieces(stream, piece)
    assert got == content
    assert recs == [b for r in ref_read(stream) for b in r["blocks"]]
    assert p.frames == read_frame_infos(stream)


def test_frame_parser_single_frame_leaves_the_rest():
    data, f = mixed_frame()
    p = FrameParser()
    p.feed(f + b"rest")
    out = []
    while (rec := p.next_record()) is not None:
        raw = bytes(rec.sections[0]) if rec.type == BLOCK_RAW else fake_decode(None, rec)
        p.verify_block(rec, raw)
        out.append(raw)
    assert b"".join(out) == data and p.eof and p.unused_data == b"rest"
    p.feed(b" and more")
    assert p.unused_data == b"rest and more" and p.next_record() is None
    p.close()


def test_frame_parser_truncation_messages_match_the_whole_stream_reader():
    _, stream, _ = concatenation()
    boundaries = {info.offset + info.frame_size for info in read_frame_infos(stream)}
    for cut in range(len(stream)):
        if cut in boundaries:   # a stream cut between frames is a shorter valid stream
            whole = decode_stream(stream[:cut], fake_decode)
            assert parse_in_pieces(stream[:cut], 7)[0] == whole
            continue
        with pytest.raises(QuasiError) as whole:
            decode_stream(stream[:cut], fake_decode)
        with pytest.raises(QuasiError) as pieces:
            parse_in_pieces(stream[:cut], 7)
        assert str(pieces.value) == str(whole.value), cut
        # cut within the magic of a frame after a complete one: trailing garbage
        # (gzip's rule), else a plain QuasiError (no internal exception escapes)
        short_tail = any(0 < cut - b < 4 for b in boundaries)
        assert type(pieces.value) is (TrailingGarbage if short_tail else QuasiError), cut


def test_frame_parser_detects_every_bit_flip():
    data, f = mixed_frame(checksum=True)
    for i in range(len(f)):
        for bit in range(8):
            g = bytearray(f)
            g[i] ^= 1 << bit
            with pytest.raises(QuasiError):
                parse_in_pieces(bytes(g), 64)


def test_frame_parser_refuses_unverified_records():
    _, f = mixed_frame()
    p = FrameParser()
    p.feed(f)
    rec = p.next_record()
    with pytest.raises(QuasiError, match="not verified"):
        p.next_record()
    with pytest.raises(QuasiError, match="decoded size"):
        p.verify_block(rec, b"short")


def test_frame_parser_resumes_at_any_block():
    data, f = mixed_frame()
    ((hdr, info),) = read_stream_index(lambda o, n: f[o:o + n], 0, len(f))
    starts = [0]
    for _, size in info.blocks:
        starts.append(starts[-1] + size)
    for block, (offset, _) in enumerate(info.blocks):
        p = FrameParser(multi_frame=True)
        p.resume(hdr, info, block)
        p.feed(f[offset:])
        out = []
        while (rec := p.next_record()) is not None:
            raw = bytes(rec.sections[0]) if rec.type == BLOCK_RAW else fake_decode(None, rec)
            p.verify_block(rec, raw)
            out.append(raw)
        p.close()
        assert b"".join(out) == data[starts[block]:] and p.frames == [info]


def test_read_stream_index_walks_every_frame_from_the_end():
    _, stream, _ = concatenation()
    read_at = lambda o, n: stream[o:o + n]  # noqa: E731
    frames = read_stream_index(read_at, 0, len(stream))
    assert [info for _, info in frames] == read_frame_infos(stream)
    assert [hdr.index for hdr, _ in frames] == [0, 1, 2, 3]
    assert [hdr.offset for hdr, _ in frames] == [info.offset for _, info in frames]
    prefixed = b"ab" + stream
    moved = read_stream_index(lambda o, n: prefixed[o:o + n], 2, len(prefixed))
    assert [info.offset - 2 for _, info in moved] == [info.offset for _, info in frames]
    for bad in (stream + b"x", stream[:-1], b"zz" + stream):
        with pytest.raises(QuasiError):
            read_stream_index(lambda o, n: bad[o:o + n], 0, len(bad))
    assert read_first_frame_info(stream) == frames[0][1]
