"""QuasiCompressor / QuasiDecompressor / get_frame_info: incremental, bounded, exact."""
import random
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import quasi
from quasi import FLUSH_BLOCK, FLUSH_FRAME, QuasiCompressor, QuasiDecompressor, QuasiError

from conftest import word_soup

TEXT = word_soup(6000, seed=5)          # about 25 KB
BLOCK = 4096


def feed_all(d, data, piece, max_length=-1):
    """Decompress data given in pieces of `piece` bytes until the decompressor reaches
    the end of its frame; check every returned piece respects max_length.
    Returns (output, input left over: unused_data and what was not fed)."""
    out = []
    for i in range(0, len(data), piece):
        if d.eof:
            return b"".join(out), d.unused_data + data[i:]
        chunk = d.decompress(data[i:i + piece], max_length)
        assert max_length < 0 or len(chunk) <= max_length
        out.append(chunk)
        while not d.needs_input and not d.eof:
            chunk = d.decompress(b"", max_length)
            assert max_length < 0 or len(chunk) <= max_length
            assert chunk or d.eof or d.needs_input, "no progress without input"
            out.append(chunk)
    return b"".join(out), d.unused_data


# ----------------------------------------------------------------- compressor


def test_chunked_compression_equals_one_shot():
    expected = quasi.compress(TEXT, block_size=BLOCK)
    for piece in (1, 100, BLOCK - 1, BLOCK, BLOCK + 1, len(TEXT)):
        c = QuasiCompressor(block_size=BLOCK)
        out = b"".join(c.compress(TEXT[i:i + piece]) for i in range(0, len(TEXT), piece))
        assert out + c.flush() == expected, piece


def test_compress_emits_whole_blocks_as_soon_as_complete():
    c = QuasiCompressor(block_size=BLOCK)
    assert c.compress(TEXT[:BLOCK - 1]) == b""
    first = c.compress(TEXT[BLOCK - 1:BLOCK + 10])   # completes block 0: header + record
    assert first.startswith(b"\x9eQZ\r")
    d = QuasiDecompressor()
    assert d.decompress(first) == TEXT[:BLOCK]
    assert d.needs_input and not d.eof


@pytest.mark.parametrize("threads,level", [(2, None), (3, None), (0, None), (2, 9)])
def test_threads_give_identical_output(threads, level):
    data = word_soup(20000, seed=8)
    one = quasi.compress(data, level, block_size=BLOCK)
    assert quasi.compress(data, level, block_size=BLOCK, threads=threads) == one
    c = QuasiCompressor(level, block_size=BLOCK, threads=threads)
    rng = random.Random(threads)
    out, pos = [], 0
    while pos < len(data):
        step = rng.randint(1, 3 * BLOCK)
        out.append(c.compress(data[pos:pos + step]))
        pos += step
    assert b"".join(out) + c.flush() == one


def test_default_block_size_follows_the_level():
    """8 MiB blocks up to level 6, STRONG_BLOCK_SIZE at 7-9; an explicit size wins."""
    from quasi.analysis import compress_analyzed

    for level, size in ((None, quasi.DEFAULT_BLOCK_SIZE), (1, quasi.DEFAULT_BLOCK_SIZE),
                        (6, quasi.DEFAULT_BLOCK_SIZE), (7, quasi.STRONG_BLOCK_SIZE),
                        (9, quasi.STRONG_BLOCK_SIZE)):
        assert QuasiCompressor(level).block_size == size, level
        assert quasi.get_frame_info(quasi.compress(b"a b", level)).block_size == size, level
    assert quasi.STRONG_BLOCK_SIZE > quasi.DEFAULT_BLOCK_SIZE
    assert QuasiCompressor(9, block_size=4096).block_size == 4096
    packed, _report = compress_analyzed(b"a b", 9)
    assert quasi.get_frame_info(packed).block_size == quasi.STRONG_BLOCK_SIZE


def test_flush_block_makes_everything_so_far_decodable():
    c = QuasiCompressor(block_size=BLOCK)
    d = QuasiDecompressor()
    got = b""
    for i, part in enumerate((TEXT[:10], TEXT[10:5000], TEXT[5000:5001], b"", TEXT[5001:])):
        got += d.decompress(c.compress(part) + c.flush(FLUSH_BLOCK))
        assert got == TEXT[:len(got)] and len(got) == [10, 5000, 5001, 5001, len(TEXT)][i]
        assert not d.eof
    got += d.decompress(c.flush())
    assert got == TEXT and d.eof and d.unused_data == b""


def test_flush_frame_then_more_data_starts_a_new_frame():
    c = QuasiCompressor(block_size=BLOCK)
    out = c.compress(TEXT[:3000], FLUSH_FRAME) + c.compress(TEXT[3000:]) + c.flush()
    assert quasi.decompress(out) == TEXT
    first = quasi.get_frame_info(out)
    assert first.content_size == 3000 and first.n_blocks == 1
    d = QuasiDecompressor()
    assert d.decompress(out) == TEXT[:3000] and d.eof
    assert quasi.decompress(d.unused_data) == TEXT[3000:]
    assert c.flush() == b""   # nothing new: no empty frame after a real one


def test_empty_input_gives_an_empty_frame():
    for packed in (QuasiCompressor().flush(), quasi.compress(b"")):
        assert quasi.decompress(packed) == b""
        info = quasi.get_frame_info(packed)
        assert info.n_blocks == 0 and info.content_size == 0 and len(packed) == 34
    c = QuasiCompressor()
    assert c.flush(FLUSH_BLOCK) == b""


def test_bad_arguments():
    with pytest.raises(QuasiError, match="level"):
        QuasiCompressor(10)
    with pytest.raises(QuasiError, match="tiling"):
        QuasiCompressor(tiling="nope")
    for bad in (0, 1 << 31):
        with pytest.raises(QuasiError, match="block_size"):
            QuasiCompressor(block_size=bad)
    for bad in (2.5, True):
        with pytest.raises(TypeError, match="block_size"):
            QuasiCompressor(block_size=bad)
    with pytest.raises(QuasiError, match="threads"):
        QuasiCompressor(threads=-1)
    for bad in (1.0, "2"):
        with pytest.raises(TypeError, match="threads"):
            QuasiCompressor(threads=bad)
    c = QuasiCompressor()
    with pytest.raises(QuasiError, match="mode"):
        c.compress(b"x", 7)
    with pytest.raises(QuasiError, match="mode"):
        c.flush(QuasiCompressor.CONTINUE)
    with pytest.raises(TypeError, match="bytes-like"):
        c.compress("text")
    with pytest.raises(QuasiError, match="max_output_size"):
        QuasiDecompressor(max_output_size=-1)
    with pytest.raises(TypeError):
        QuasiDecompressor().decompress(None)


@pytest.mark.parametrize("threads", [1, 2])
def test_compressor_is_unusable_after_a_failure(monkeypatch, threads):
    import quasi.codec.block

    def broken(*args):
        raise MemoryError("injected")

    monkeypatch.setattr(quasi.codec.block, "encode_block", broken)
    c = QuasiCompressor(block_size=BLOCK, threads=threads)
    with pytest.raises(MemoryError):
        c.compress(TEXT)
        c.flush()
    with pytest.raises(QuasiError, match="unusable"):
        c.compress(b"more")
    with pytest.raises(QuasiError, match="unusable"):
        c.flush()


chunkings = st.lists(st.tuples(st.integers(0, 3000), st.sampled_from([0, 0, 0, 1, 2])),
                     max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6), chunkings, st.integers(200, 5000), st.sampled_from([1, 2]),
       st.integers(1, 97))
def test_random_chunking_and_flushes_round_trip(seed, plan, block_size, threads, piece):
    data = word_soup(1500, seed=seed)
    if seed % 3 == 0:   # some binary input too
        data = random.Random(seed).randbytes(len(data) // 2) + data
    c = QuasiCompressor(block_size=block_size, threads=threads)
    out, pos = [], 0
    for size, mode in plan:
        out.append(c.compress(data[pos:pos + size], mode))
        pos += size
    out.append(c.compress(data[pos:]))
    out.append(c.flush())
    packed = b"".join(out)
    assert quasi.decompress(packed) == data
    # frame by frame through the incremental decoder, in small pieces
    got, rest = [], packed
    while rest:
        d = QuasiDecompressor()
        out, rest = feed_all(d, rest, piece, max_length=piece * 3)
        got.append(out)
        assert d.eof
    assert b"".join(got) == data


# ----------------------------------------------------------------- decompressor


MULTI = quasi.compress(TEXT, block_size=BLOCK)


@pytest.mark.parametrize("piece,max_length", [(1, -1), (7, 5), (1000, 1), (len(MULTI), 333),
                                              (len(MULTI), 0)])
def test_incremental_decode_in_bounded_pieces(piece, max_length):
    d = QuasiDecompressor()
    if max_length == 0:
        assert d.decompress(MULTI, 0) == b"" and not d.needs_input and not d.eof
        assert d.decompress(b"") == TEXT and d.eof
        return
    assert feed_all(d, MULTI, piece, max_length) == (TEXT, b"")
    assert d.eof and not d.needs_input and d.unused_data == b""
    with pytest.raises(EOFError):
        d.decompress(b"")


def test_needs_input_is_exact_at_the_end_of_a_frame():
    d = QuasiDecompressor()
    assert d.needs_input
    out = d.decompress(MULTI, len(TEXT))   # exactly all the content
    assert out == TEXT and d.eof and not d.needs_input
    d = QuasiDecompressor()
    assert d.decompress(MULTI[:-1]) == TEXT
    assert d.needs_input and not d.eof     # the footer's last byte is missing
    assert d.decompress(MULTI[-1:]) == b"" and d.eof


def test_unused_data_and_concatenation():
    tail = quasi.compress(b"second frame")
    d = QuasiDecompressor()
    assert d.decompress(MULTI + tail) == TEXT and d.eof and d.unused_data == tail
    d = QuasiDecompressor()
    assert feed_all(d, MULTI + b"junk", 3) == (TEXT, b"junk")
    assert quasi.decompress(MULTI + tail + quasi.compress(b"")) == TEXT + b"second frame"
    with pytest.raises(QuasiError, match="trailing garbage"):
        quasi.decompress(MULTI + b"junk")


def test_errors_surface_as_early_as_possible():
    d = QuasiDecompressor()
    with pytest.raises(QuasiError, match="not a quasi stream"):
        d.decompress(b"PK\x03")
    d = QuasiDecompressor()
    with pytest.raises(QuasiError, match="unsupported format version 7"):
        d.decompress(MULTI[:4] + b"\x07" + MULTI[5:8])
    bad = bytearray(MULTI)
    bad[len(bad) // 2] ^= 0x40
    with pytest.raises(QuasiError):
        feed_all(QuasiDecompressor(), bytes(bad), 50)


def test_truncation_never_reaches_eof():
    for cut in range(0, len(MULTI), 97):
        d = QuasiDecompressor()
        out = d.decompress(MULTI[:cut])
        assert not d.eof and d.needs_input and TEXT.startswith(out)


def first_block_head_end(packed):
    """Offset just past the first block's header (frame header + block header)."""
    from quasi.codec.container import _parse_block_head, _parse_header

    hdr = _parse_header(packed, 0, 0)
    return hdr.header_size + _parse_block_head(packed, hdr.header_size, hdr, 0).head_size


def test_max_output_size_refuses_before_buffering_the_payload():
    big = quasi.compress(b"x" * 100000, block_size=50000)
    head = first_block_head_end(big)
    d = QuasiDecompressor(max_output_size=40000)
    assert d.decompress(big[:head - 1]) == b""
    with pytest.raises(QuasiError, match="max_output_size"):
        d.decompress(big[head - 1:head])     # not one byte of the payload given
    d = QuasiDecompressor(max_output_size=60000)
    with pytest.raises(QuasiError, match="max_output_size"):
        feed_all(d, big, 1000)               # the second block would pass the limit
    assert QuasiDecompressor(max_output_size=100000).decompress(big) == b"x" * 100000
    with pytest.raises(QuasiError, match="max_output_size"):
        quasi.decompress(big, max_output_size=99999)
    assert quasi.decompress(big, max_output_size=100000) == b"x" * 100000


def peak_decoding(packed, piece=1024, max_length=4096):
    """Peak traced memory while decoding packed in small pieces (after a warm-up)."""
    d = QuasiDecompressor()
    d.decompress(packed[:2 * BLOCK])
    tracemalloc.start()
    try:
        for i in range(2 * BLOCK, len(packed), piece):
            d.decompress(packed[i:i + piece], max_length)
            while not d.needs_input and not d.eof:
                d.decompress(b"", max_length)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        assert d.eof


def test_memory_is_bounded_by_the_block_not_the_input():
    """64 blocks or 256 blocks fed in 1 KiB pieces: the same peak of traced memory."""
    data = word_soup(250000, seed=2)[:1 << 20]
    small = peak_decoding(quasi.compress(data[:1 << 18], block_size=BLOCK))
    large = peak_decoding(quasi.compress(data, block_size=BLOCK))
    assert large < 1.25 * small, (small, large)


# ----------------------------------------------------------------- frame info


def test_get_frame_info_reads_headers_only(monkeypatch):
    import quasi.codec.block

    def no_decoding(*args):
        raise AssertionError("get_frame_info decoded a block")

    monkeypatch.setattr(quasi.codec.block, "decode_block", no_decoding)
    packed = quasi.compress(TEXT, 3, tiling="fib", block_size=BLOCK)
    info = quasi.get_frame_info(packed + b"anything after the frame")
    assert (info.content_size, info.n_blocks, info.block_size, info.level, info.spec,
            info.version, info.checksum, info.frame_size) == (
        len(TEXT), -(-len(TEXT) // BLOCK), BLOCK, 3, "fib", 2, True, len(packed))
    assert [size for _, size in info.blocks] == [BLOCK] * (len(TEXT) // BLOCK) + [
        len(TEXT) % BLOCK]
    for bad in (b"", packed[:-1], b"not quasi"):
        with pytest.raises(QuasiError):
            quasi.get_frame_info(bad)
