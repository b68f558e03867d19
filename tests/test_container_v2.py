"""Tests for quasi/codec/container.py, format version 2 (FORMAT.md), and the lzma block type."""
import lzma
import random
import struct
import zlib

import pytest

import quasi
import quasi.codec.fallback
import quasi_corpora
from quasi.codec.container import (BLOCK_CODED, BLOCK_LZMA, BLOCK_RAW, FOOTER2_MAGIC,
                                   FORMAT_VERSION, MAGIC, MAX_BLOCK_SIZE, FrameParser, FrameWriter,
                                   decode_stream, read_frame_infos,
                                   read_first_frame_info, read_last_frame_from_end,
                                   read_stream_index)
from quasi.errors import QuasiError
from quasi.codec.fallback import decode_lzma, encode_lzma

from conftest import needs_corpora, word_soup
from test_container import (assert_fast_and_small, assert_flips_raise, fix_block_header_crc,
                            make_frame, split, text, zlib_sections)


def decode(hdr, rec):
    if rec.type == BLOCK_LZMA:
        return decode_lzma(rec.sections[0], rec.raw_size)
    try:
        return zlib.decompress(b"".join(bytes(s) for s in rec.sections))
    except zlib.error as e:
        raise QuasiError(f"block {rec.index}: bad sections ({e})") from None


def frame(blocks, checksum=True, block_size=128, level=5, spec="w3-x2"):
    """blocks: (raw, sections or None, type)."""
    w = FrameWriter(level, spec, block_size, checksum=checksum)
    out = [w.header()] + [w.block(raw, secs, t) for raw, secs, t in blocks] + [w.finish()]
    f = b"".join(out)
    assert w.frame_size == len(f)
    return f


def mixed(checksum=True):
    """Coded (3 sections, 2 of them empty), stored, lzma, coded (3) and a block the writer
    stores because its coding does not pay."""
    chunks = [text(128, 1), text(128, 2), bytes(range(64)) * 2, text(128, 3),
              random.Random(7).randbytes(100)]
    blocks = [(chunks[0], zlib_sections(chunks[0], 1, empties=True), BLOCK_CODED),
              (chunks[1], None, BLOCK_CODED),
              (chunks[2], [encode_lzma(chunks[2])], BLOCK_LZMA),
              (chunks[3], zlib_sections(chunks[3], 3), BLOCK_CODED),
              (chunks[4], zlib_sections(chunks[4]), BLOCK_CODED)]
    return b"".join(chunks), frame(blocks, checksum)


# ----------------------------------------------------------------- independent reader


def varint(data, p):
    v = shift = 0
    while True:
        b = data[p]
        p += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return v, p


def ref_read(data):
    """Minimal version 2 reader written from FORMAT.md alone: a list of frames."""
    frames, p = [], 0
    while p < len(data):
        f0 = p
        assert data[p:p + 4] == MAGIC and data[p + 4] == 2
        flags, sl = data[p + 5], data[p + 6]
        spec = data[p + 7:p + 7 + sl].decode()
        bs, q = varint(data, p + 7 + sl)
        assert struct.unpack_from("<I", data, q)[0] == zlib.crc32(data[p:q])
        p = q + 4
        blocks, content = [], b""
        while data[p] != 0xFF:
            t = data[p]
            rs, q = varint(data, p + 1)
            if t == 1:
                n = data[q]
                q += 1
                sizes = []
                for _ in range(n):
                    s, q = varint(data, q)
                    sizes.append(s)
            elif t == 2:
                s, q = varint(data, q)
                sizes = [s]
            else:
                sizes = [rs]
            pcrc, hcrc = struct.unpack_from("<II", data, q)
            assert hcrc == zlib.crc32(struct.pack("<I", len(blocks)) + data[p:q + 4])
            q += 8
            payload = data[q:q + sum(sizes)]
            assert zlib.crc32(payload) == pcrc
            q += sum(sizes)
            if t == 0:
                raw = payload
            elif t == 2:
                raw = lzma.decompress(payload, lzma.FORMAT_RAW,
                                      filters=[{"id": lzma.FILTER_LZMA2, "dict_size": max(rs, 4096)}])
            else:
                raw = zlib.decompress(payload)
            if flags & 1 and t != 0:
                assert struct.unpack_from("<I", data, q)[0] == zlib.crc32(raw)
                q += 4
            assert len(raw) == rs
            blocks.append((p - f0, rs, t, len(sizes)))
            content += raw
            p = q
        e = p
        nb, q = varint(data, p + 1)
        cs, q = varint(data, q)
        eo, q = varint(data, q)
        ccrc = None
        if flags & 1 and nb >= 2:
            ccrc = struct.unpack_from("<I", data, q)[0]
            q += 4
            assert ccrc == zlib.crc32(content)
        index = []
        for _ in range(nb):
            r, q = varint(data, q)
            s, q = varint(data, q)
            index.append((r, s))
        ts, fcrc, fm = struct.unpack_from("<II2s", data, q)
        assert fm == FOOTER2_MAGIC and fcrc == zlib.crc32(data[e:q + 4])
        p = q + 10
        assert ts == p - e and eo == e - f0 and cs == len(content)
        ends = [b[0] for b in blocks[1:]] + [eo]
        assert index == [(end - b[0], b[1]) for end, b in zip(ends, blocks)]
        frames.append(dict(flags=flags & 15, level=flags >> 4, spec=spec, block_size=bs,
                           n_blocks=nb, content_size=cs, content_crc=ccrc, frame_size=p - f0,
                           offset=f0, blocks=blocks, content=content))
    return frames


def check_agrees(stream, content):
    ref = ref_read(stream)
    infos = read_frame_infos(stream)
    assert b"".join(f["content"] for f in ref) == content == decode_stream(stream, decode)
    for fi, r in zip(infos, ref, strict=True):
        assert fi.version == FORMAT_VERSION == 2
        for k in ("flags", "level", "spec", "block_size", "n_blocks", "content_size",
                  "content_crc", "frame_size", "offset"):
            assert getattr(fi, k) == r[k], k
        assert fi.blocks == [(o, s) for o, s, _, _ in r["blocks"]]
        assert fi.block_types == [t for _, _, t, _ in r["blocks"]]
    assert read_last_frame_from_end(stream) == infos[-1]
    return infos


# ----------------------------------------------------------------- layout and overhead


@pytest.mark.parametrize("checksum", [True, False])
def test_round_trips(checksum):
    data, f = mixed(checksum)
    (info,) = check_agrees(f, data)
    assert info.block_types == [BLOCK_CODED, BLOCK_RAW, BLOCK_LZMA, BLOCK_CODED, BLOCK_RAW]
    check_agrees(frame([], checksum), b"")
    check_agrees(frame([(b"x", None, 0)], checksum), b"x")
    big = frame([(b"y" * 10, None, 0)], block_size=MAX_BLOCK_SIZE, level=9, spec="~" * 255)
    assert check_agrees(big, b"y" * 10)[0].block_size == MAX_BLOCK_SIZE


def test_overhead_of_a_one_byte_input():
    """xz spends 60 bytes on a 1-byte input, version 1 spent 91: version 2 spends 46."""
    packed = quasi.compress(b"a")
    assert len(packed) - 1 <= 46
    assert len(quasi.compress(b"")) <= 34
    assert quasi.decompress(packed) == b"a"


def test_coded_block_overhead_is_smaller_than_in_version_1():
    data = text(5000, 3)
    blocks = [(c, zlib_sections(c, 6), BLOCK_CODED) for c in split(data, 1000)]
    v1 = make_frame([b[:2] for b in blocks], block_size=1000)
    v2 = frame(blocks, block_size=1000)
    assert len(v1) - len(v2) >= 5 * 20 + 40   # 6 sections: 20+ bytes a block, 40+ a frame


def test_concatenated_with_version_1_frames():
    data, f2 = mixed()
    f1 = make_frame([(b"old", None)], block_size=64)
    stream = f1 + f2 + f1
    assert decode_stream(stream, decode) == b"old" + data + b"old"
    infos = read_frame_infos(stream)
    assert [i.version for i in infos] == [1, 2, 1]
    frames = read_stream_index(lambda o, n: stream[o:o + n], 0, len(stream))
    assert [info for _, info in frames] == infos
    assert read_last_frame_from_end(f1 + f2) == infos[1]


def test_writer_checks():
    w = FrameWriter(1, "s", 100)
    w.header()
    with pytest.raises(QuasiError, match="lzma"):
        w.block(b"abc", [b"a", b"b"], BLOCK_LZMA)
    w1 = FrameWriter(1, "s", 100, version=1)
    w1.header()
    with pytest.raises(QuasiError, match="lzma"):
        w1.block(b"abc", [b"a"], BLOCK_LZMA)
    with pytest.raises(QuasiError, match="version"):
        FrameWriter(1, "s", 100, version=3)
    # a record not smaller than the stored one is stored
    assert w.block(b"abc", [encode_lzma(b"abc")], BLOCK_LZMA)[0] == BLOCK_RAW


# ----------------------------------------------------------------- corruption


def test_every_truncation_raises():
    _, f = mixed()
    for n in range(len(f)):
        for fn in (lambda d: decode_stream(d, decode), read_frame_infos,
                   read_last_frame_from_end):
            with pytest.raises(QuasiError):
                fn(f[:n])


@pytest.mark.parametrize("checksum", [True, False])
def test_every_bit_flip_raises(checksum):
    """Every payload, stored ones included, is CRC-covered even without the checksum flag
    (stored payloads by their payload CRC; only raw_crc and content_crc go)."""
    data, f = mixed(checksum)
    for i in range(len(f)):
        for bit in range(8):
            g = bytearray(f)
            g[i] ^= 1 << bit
            with pytest.raises(QuasiError):
                decode_stream(bytes(g), decode)
            with pytest.raises(QuasiError):
                parse_in_pieces(bytes(g), 37)


def test_header_and_tail_flips_detected_from_end():
    _, f = mixed()
    end = len(f) - struct.unpack_from("<I", f, len(f) - 10)[0]   # the end mark
    regions = list(range(read_first_frame_info(f).blocks[0][0])) + list(range(end, len(f)))
    assert_flips_raise(f, regions, read_last_frame_from_end)


def fix_block_crc(f, off, hlen, number):
    """Reseal the block header CRC of block ``number`` (FORMAT.md 3.2: its number, then
    its header bytes)."""
    crc = zlib.crc32(struct.pack("<I", number) + bytes(f[off:off + hlen]))
    f[off + hlen:off + hlen + 4] = struct.pack("<I", crc)


def test_huge_declared_sizes_are_refused_before_allocating():
    data, f = mixed()
    blocks = ref_read(f)[0]["blocks"]
    huge = b"\xff\xff\xff\xff\x0f"   # 2^32-1
    off = blocks[1][0]   # stored, raw_size 128 (2 bytes): type, varint, payload CRC
    g = bytearray(f[:off + 1]) + huge + f[off + 3:off + 7]
    fix_block_crc(g, off, len(g) - off, 1)
    g += f[off + 11:]
    for fn in (lambda: decode_stream(bytes(g), decode), lambda: read_frame_infos(bytes(g))):
        assert_fast_and_small(fn, "raw size 4294967295 out of range")
    off = blocks[2][0]   # lzma: type, raw_size 128, payload size, payload CRC
    _, q = varint(f, off + 1)
    _, r = varint(f, q)
    g = bytearray(f[:q]) + huge + f[r:r + 4]
    fix_block_crc(g, off, len(g) - off, 2)
    g += f[r + 8:]
    assert_fast_and_small(lambda: read_frame_infos(bytes(g)), "exceeds the limit")
    g = bytearray(f[:q]) + b"\x90\x02" + f[r:r + 4]   # 272: within the limit, beyond the data
    fix_block_crc(g, off, len(g) - off, 2)
    g += f[r + 8:]
    assert_fast_and_small(lambda: read_frame_infos(bytes(g)), "payload CRC|truncated")
    g = bytearray(f)
    g[blocks[0][0] + 3] = 17   # section count, after type and raw_size 128 (2 bytes)
    assert_fast_and_small(lambda: read_frame_infos(bytes(g)), "section count 17")
    g = bytearray(f[:off + 1]) + b"\x80" * 11   # an endless varint
    assert_fast_and_small(lambda: read_frame_infos(bytes(g)), "malformed varint")


def test_messages():
    _, f = mixed()
    with pytest.raises(QuasiError, match="unsupported format version 3"):
        read_frame_infos(f[:4] + b"\x03" + f[5:])
    with pytest.raises(QuasiError, match="trailing garbage"):
        decode_stream(f + b"xyz", decode)
    g = bytearray(f)
    g[5] |= 0x02
    fix_block_header_crc(g, 0, ref_read(f)[0]["blocks"][0][0] - 4)
    with pytest.raises(QuasiError, match="reserved flag bits"):
        read_frame_infos(bytes(g))
    g = bytearray(f)
    g[ref_read(f)[0]["blocks"][0][0]] = 3
    with pytest.raises(QuasiError, match="invalid block type 0x03"):
        read_frame_infos(bytes(g))
    w = FrameWriter(0, "s", 8)
    non_minimal = w.header()[:-5] + b"\x88\x00"   # block_size 8 in two bytes
    with pytest.raises(QuasiError, match="malformed varint"):
        read_frame_infos(non_minimal + struct.pack("<I", zlib.crc32(non_minimal)) + b"\xff")


def test_format_md_example():
    w = FrameWriter(5, "w3-x2", 65536)
    f = w.header() + w.block(b"A", None) + w.finish()
    assert f.hex(" ") == FORMAT_MD_EXAMPLE


FORMAT_MD_EXAMPLE = ("9e 51 5a 0d 02 51 05 77 33 2d 78 32 80 80 04 94 f2 61 a9 00 01 8b 9e d9 d3 "
                     "3e 18 1f 5c 41 ff 01 01 1e 0b 01 10 00 00 00 c0 c2 43 e9 5a 9e")


# ----------------------------------------------------------------- incremental reader


def parse_in_pieces(stream, piece):
    p = FrameParser(multi_frame=True)
    out = []
    for i in range(0, len(stream), piece):
        p.feed(stream[i:i + piece])
        while (rec := p.next_record()) is not None:
            raw = bytes(rec.sections[0]) if rec.type == BLOCK_RAW else decode(None, rec)
            p.verify_block(rec, raw)
            out.append(raw)
    p.close()
    return b"".join(out), p


@pytest.mark.parametrize("piece", [1, 3, 64, 10**6])
def test_frame_parser_agrees(piece):
    data, f = mixed()
    stream = f + frame([]) + make_frame([(b"v1", None)]) + f
    got, p = parse_in_pieces(stream, piece)
    assert got == data + b"v1" + data and p.frames == read_frame_infos(stream)
    assert [fi.block_types for fi in p.frames] == [fi.block_types for fi in read_frame_infos(stream)]


def test_frame_parser_truncation_messages_match():
    data, f = mixed()
    for cut in range(len(f)):
        with pytest.raises(QuasiError) as whole:
            decode_stream(f[:cut], decode)
        with pytest.raises(QuasiError) as pieces:
            parse_in_pieces(f[:cut], 5)
        assert str(pieces.value) == str(whole.value), cut


def test_frame_parser_resumes_at_any_block():
    data, f = mixed()
    ((hdr, info),) = read_stream_index(lambda o, n: f[o:o + n], 0, len(f))
    start = 0
    for block, (offset, size) in enumerate(info.blocks):
        p = FrameParser(multi_frame=True)
        p.resume(hdr, info, block)
        p.feed(f[offset:])
        out = []
        while (rec := p.next_record()) is not None:
            raw = bytes(rec.sections[0]) if rec.type == BLOCK_RAW else decode(None, rec)
            p.verify_block(rec, raw)
            out.append(raw)
        p.close()
        assert b"".join(out) == data[start:] and p.frames == [info]
        start += size


def test_compressor_starts_a_new_frame_when_one_is_full(monkeypatch):
    monkeypatch.setattr(quasi.codec.container, "MAX_BLOCKS_PER_FRAME", 3)
    data = bytes(range(256)) * 4
    packed = quasi.compress(data, block_size=100)
    infos = read_frame_infos(packed)
    assert [i.n_blocks for i in infos] == [3, 3, 3, 2] and quasi.decompress(packed) == data


# ----------------------------------------------------------------- lzma blocks


def test_lzma_payload_must_hold_exactly_raw_size():
    raw = bytes(range(200)) * 10
    payload = encode_lzma(raw)
    assert decode_lzma(payload, len(raw)) == raw
    for bad, size in ((payload[:-1], len(raw)), (payload[:len(payload) // 2], len(raw)),
                      (payload, len(raw) - 1), (payload, len(raw) + 1),
                      (payload + b"\0", len(raw)), (b"\x01\xff" + payload, len(raw))):
        with pytest.raises(QuasiError, match="corrupt lzma block"):
            decode_lzma(bad, size)


def test_lzma_bomb_is_bounded():
    """A payload that expands far beyond its declared raw size stops at raw_size + 1."""
    payload = encode_lzma(b"\0" * (64 << 20))
    assert len(payload) < 20000
    assert_fast_and_small(lambda: decode_lzma(payload, 100), "corrupt lzma block")


def test_hostile_lzma_record_in_a_stream():
    raw = bytes(range(256)) * 8
    payload = encode_lzma(raw)
    for bad in (payload[:-3], encode_lzma(raw + b"!")):
        f = frame([(raw, [bad], BLOCK_LZMA)], block_size=len(raw))
        with pytest.raises(QuasiError, match="corrupt lzma block"):
            quasi.decompress(f)


def counting_lzma(monkeypatch):
    calls = []
    real = quasi.codec.fallback.encode_lzma

    def counted(raw):
        calls.append(len(raw))
        return real(raw)

    monkeypatch.setattr(quasi.codec.fallback, "encode_lzma", counted)
    return calls


def test_binary_sample_goes_to_lzma(monkeypatch):
    calls = counting_lzma(monkeypatch)
    rng = random.Random(3)
    table = b"".join(struct.pack("<IhH", i * 7919, rng.randrange(-50, 50), i % 13)
                     for i in range(6000))
    packed = quasi.compress(table)
    assert calls == [len(table)] and quasi.get_frame_info(packed).block_types == [BLOCK_LZMA]
    assert quasi.decompress(packed) == table
    assert len(packed) <= 1.01 * len(lzma.compress(table, preset=9 | lzma.PRESET_EXTREME))


@needs_corpora
def test_transcript_takes_lzma_where_it_is_smaller():
    """calgary/trans (quasi-6's coding 0.80 of zstd-1's size) is 4.4% smaller as LZMA2:
    the trial must run, so the output stays within the container's bytes of xz's."""
    data = quasi_corpora.load("calgary/trans")
    packed = quasi.compress(data, level=6)
    assert quasi.get_frame_info(packed).block_types == [BLOCK_LZMA]
    assert quasi.decompress(packed) == data
    assert len(packed) <= len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)) + 8


def test_lzma_trial_rule_reads_long_matches():
    """A coding below 0.75 of zstd-1's size is tried as LZMA2 only when it is also
    above 0.64 of zstd-1's and 0.85 of zstd-9's (long repeats that zstd-1 misses)."""
    from quasi.codec.fallback import lzma_worth_trying
    import zstandard

    page = random.Random(5).randbytes(600_000)
    raw = page + page   # a repeat farther back than zstd-1's window (512 KiB), not zstd-9's
    z1 = len(zstandard.ZstdCompressor(level=1).compress(raw))
    z9 = len(zstandard.ZstdCompressor(level=9).compress(raw))
    assert 0.85 * z9 < 0.64 * z1   # zstd-9 finds what zstd-1 misses
    assert lzma_worth_trying(raw, int(0.76 * z1))
    assert lzma_worth_trying(raw, int(0.70 * z1))
    assert not lzma_worth_trying(raw, int(0.63 * z1))
    assert not lzma_worth_trying(raw, int(0.84 * z9))
    assert not lzma_worth_trying(raw, int(0.70 * z1), long_matches=False)   # level 1


@needs_corpora
def test_markup_takes_lzma_where_long_matches_make_it_smaller():
    """On structured/rust-reference.html quasi-6's coding is 0.67 of zstd-1 and 0.93 of
    zstd-9, and LZMA2 is 11.5% smaller: the trial must run (level 9's coding is smaller
    than LZMA2)."""
    data = quasi_corpora.load("structured/rust-reference.html")
    packed = quasi.compress(data, level=6)
    assert quasi.get_frame_info(packed).block_types == [BLOCK_LZMA]
    assert len(packed) <= len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)) + 8


def test_text_sample_never_runs_the_lzma_trial(monkeypatch):
    calls = counting_lzma(monkeypatch)
    data = word_soup(30000, seed=11)   # 3 blocks of 55 KB (a tiny block may be tried)
    packed = quasi.compress(data, block_size=len(data) // 3 + 1)
    assert calls == [] and set(quasi.get_frame_info(packed).block_types) == {BLOCK_CODED}
