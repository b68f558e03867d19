"""quasi.open / QuasiFile: binary and text modes, seeking through the index, pipes."""
import io
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import quasi
from quasi import QuasiError, QuasiFile

from conftest import word_soup

BLOCK = 4096
TEXT = word_soup(5000, seed=21)                # about 21 KB: 6 blocks
PACKED = quasi.compress(TEXT, block_size=BLOCK)


class Pipe:
    """A read-only, non-seekable file object (like a pipe)."""

    def __init__(self, data):
        self._src = io.BytesIO(data)

    def read(self, size=-1):
        return self._src.read(size)


@pytest.fixture
def decoded_blocks(monkeypatch):
    """Counts coded blocks decoded."""
    import quasi.codec.block

    calls = []
    real = quasi.codec.block.decode_block

    def counting(sections, raw_size):
        calls.append(raw_size)
        return real(sections, raw_size)

    monkeypatch.setattr(quasi.codec.block, "decode_block", counting)
    return calls


def test_write_then_read_by_name(tmp_path):
    path = tmp_path / "t.qz"
    with quasi.open(path, "wb", block_size=BLOCK, level=2, tiling="fib") as f:
        assert f.writable() and not f.readable() and not f.seekable()
        for i in range(0, len(TEXT), 1000):
            assert f.write(memoryview(TEXT)[i:i + 1000]) == len(TEXT[i:i + 1000])
        assert f.tell() == len(TEXT)
    assert f.closed
    info = quasi.get_frame_info(path.read_bytes())
    assert (info.level, info.spec, info.block_size) == (2, "fib", BLOCK)
    with quasi.open(path) as f:
        assert f.readable() and f.seekable() and f.read() == TEXT
    with QuasiFile(str(path), "r") as f:
        assert f.read(10) == TEXT[:10] and f.mode == "rb" and f.name == str(path)


def test_append_adds_a_frame_and_exclusive_create_refuses(tmp_path):
    path = tmp_path / "t.qz"
    with quasi.open(path, "xb") as f:
        f.write(b"first ")
    with quasi.open(path, "ab") as f:
        f.write(b"second")
    assert quasi.decompress(path.read_bytes()) == b"first second"
    with quasi.open(path) as f:
        assert f.read() == b"first second"
    with pytest.raises(FileExistsError):
        quasi.open(path, "xb")
    with quasi.open(path, "w") as f:   # truncates
        pass
    assert quasi.decompress(path.read_bytes()) == b""


def test_file_objects_are_not_closed_unless_ours():
    buf = io.BytesIO()
    with QuasiFile(buf, "wb") as f:
        f.write(TEXT)
    assert not buf.closed
    buf.seek(0)
    with QuasiFile(buf) as f:
        assert f.read() == TEXT
    assert not buf.closed


def test_read_methods():
    with QuasiFile(io.BytesIO(PACKED)) as f:
        assert f.peek(1)[:1] == TEXT[:1] and f.tell() == 0
        b = bytearray(100)
        assert f.readinto(b) == 100 and bytes(b) == TEXT[:100]
        assert f.read1(50) == TEXT[100:150]
        line = f.readline()
        assert line == TEXT[150:TEXT.index(b"\n", 150) + 1]
        rest = f.read()
        assert f.tell() == len(TEXT) and TEXT.endswith(rest)
        assert f.read() == b"" and f.read(10) == b"" and f.peek() == b""
    with QuasiFile(io.BytesIO(PACKED)) as f:
        assert b"".join(f) == TEXT
    with QuasiFile(io.BytesIO(PACKED)) as f:
        assert f.readlines() == TEXT.splitlines(keepends=True)


def test_seek_uses_the_index(decoded_blocks):
    data = TEXT + TEXT[::-1]
    packed = quasi.compress(data[:7000], block_size=BLOCK) + quasi.compress(
        data[7000:], block_size=BLOCK)              # two frames
    f = QuasiFile(io.BytesIO(packed))
    for target in (len(data) - 5, 3, 7000, 6999, 8191, 8192, 12345, len(data), 0):
        decoded_blocks.clear()
        assert f.seek(target) == target and f.tell() == target
        assert f.read(7) == data[target:target + 7]
        assert len(decoded_blocks) <= 2, (target, decoded_blocks)   # not everything before
    assert f.seek(-10, io.SEEK_END) == len(data) - 10 and f.read() == data[-10:]
    assert f.seek(5) == 5 and f.seek(10, io.SEEK_CUR) == 15 and f.read(3) == data[15:18]
    assert f.seek(len(data) + 100) == len(data) and f.read() == b""
    assert f.seek(-5) == 0 and f.read(4) == data[:4]
    with pytest.raises(ValueError):
        f.seek(0, 3)


def test_reading_the_index_does_not_disturb_decoding():
    """A seek that stays inside the decoded block (no jump) right after the index was
    read for SEEK_END must go on reading from where decoding was."""
    text = TEXT * 4
    packed = quasi.compress(text, block_size=65536)
    f = QuasiFile(io.BytesIO(packed + packed))
    f.read(100)
    assert f.seek(-2 * len(text) + 10000, io.SEEK_END) == 10000
    assert f.read() == (text + text)[10000:]


def test_seek_in_a_stream_that_starts_inside_the_file():
    buf = io.BytesIO(b"prefix" + PACKED)
    buf.seek(6)
    with QuasiFile(buf) as f:
        f.seek(5000)
        assert f.read(10) == TEXT[5000:5010]
        f.seek(0)
        assert f.read() == TEXT


def test_pipes_read_but_do_not_seek():
    with QuasiFile(Pipe(PACKED + PACKED)) as f:
        assert not f.seekable()
        assert f.read(10) == TEXT[:10]
        with pytest.raises(io.UnsupportedOperation):
            f.seek(0)
        assert f.read() == TEXT[10:] + TEXT


def test_text_modes(tmp_path):
    path = tmp_path / "t.qz"
    lines = ["héllo wörld\n", "ünïcode ☃\n", "last"]
    with quasi.open(path, "wt", encoding="utf-8", newline="\r\n") as f:
        f.writelines(lines)
    assert quasi.decompress(path.read_bytes()) == "".join(lines).replace(
        "\n", "\r\n").encode()
    with quasi.open(path, "rt", encoding="utf-8") as f:
        assert list(f) == lines
    with quasi.open(path, "at", encoding="latin-1") as f:
        f.write("\xe9")
    with quasi.open(path, "rt", encoding="utf-8", errors="replace", newline="") as f:
        assert f.read().endswith("last\ufffd")


def test_bad_arguments(tmp_path):
    for mode in ("rw", "rbt", "wx", "", "r+"):
        with pytest.raises(ValueError):
            quasi.open(tmp_path / "x.qz", mode)
    with pytest.raises(ValueError, match="encoding"):
        quasi.open(io.BytesIO(PACKED), "rb", encoding="utf-8")
    with pytest.raises(TypeError):
        QuasiFile(42)
    with pytest.raises(QuasiError, match="level"):
        QuasiFile(io.BytesIO(), "wb", level=0)
    f = QuasiFile(io.BytesIO(PACKED))
    with pytest.raises(io.UnsupportedOperation):
        f.write(b"x")
    f.close()
    for op in (f.read, f.tell, f.readable, f.fileno):
        with pytest.raises(ValueError, match="closed"):
            op()
    f.close()   # twice is fine
    w = QuasiFile(io.BytesIO(), "wb")
    with pytest.raises(io.UnsupportedOperation):
        w.read()
    with pytest.raises(io.UnsupportedOperation):
        w.seek(0)


def test_malformed_files_raise_quasi_error():
    for bad, msg in ((PACKED[:-3], "truncated"), (PACKED + b"junk", "trailing garbage"),
                     (b"", "not a quasi stream"), (b"plain text", "not a quasi stream")):
        with QuasiFile(io.BytesIO(bad)) as f, pytest.raises(QuasiError, match=msg):
            f.read()
        with QuasiFile(Pipe(bad)) as f, pytest.raises(QuasiError, match=msg):
            while f.read(100):
                pass


def test_max_output_size():
    with QuasiFile(io.BytesIO(PACKED), max_output_size=len(TEXT)) as f:
        assert f.read() == TEXT
    with QuasiFile(io.BytesIO(PACKED), max_output_size=BLOCK * 2) as f:
        assert f.read(BLOCK) == TEXT[:BLOCK]
        with pytest.raises(QuasiError, match="max_output_size"):
            f.read()


def test_flush_writes_a_decodable_prefix():
    buf = io.BytesIO()
    f = QuasiFile(buf, "wb")
    f.write(b"visible after flush")
    f.flush()                                   # the file only: nothing coded yet
    assert quasi.QuasiDecompressor().decompress(buf.getvalue()) == b""
    f.flush(quasi.FLUSH_BLOCK)
    assert quasi.QuasiDecompressor().decompress(buf.getvalue()) == b"visible after flush"
    f.write(b"; and more")
    f.close()
    assert quasi.decompress(buf.getvalue()) == b"visible after flush; and more"
    assert quasi.get_frame_info(buf.getvalue()).n_blocks == 2


def test_fileno(tmp_path):
    path = tmp_path / "t.qz"
    path.write_bytes(PACKED)
    with quasi.open(path) as f:
        assert os.fstat(f.fileno()).st_size == len(PACKED)


ops = st.lists(st.one_of(
    st.tuples(st.just("read"), st.integers(-1, 9000)),
    st.tuples(st.just("seek"), st.integers(-3000, 25000), st.sampled_from([0, 1, 2])),
    st.tuples(st.just("readline"), st.integers(-1, 200)),
    st.tuples(st.just("readinto"), st.integers(0, 5000)),
), max_size=25)


@settings(max_examples=60, deadline=None)
@given(ops)
def test_behaves_like_a_bytes_file(script):
    """Any sequence of reads and seeks gives what io.BytesIO gives on the content
    (seeks stop at the start and at the end, as in lzma's and gzip's readers); one frame
    of small blocks, one of a block larger than the reader's buffer."""
    f = QuasiFile(io.BytesIO(PACKED + quasi.compress(TEXT, block_size=65536)))
    model = io.BytesIO(TEXT + TEXT)
    for op, *args in script:
        if op == "seek":
            offset, whence = args
            base = {0: 0, 1: model.tell(), 2: len(TEXT) * 2}[whence]
            model.seek(min(max(base + offset, 0), len(TEXT) * 2))
            assert f.seek(offset, whence) == model.tell()
        elif op == "readinto":
            a, b = bytearray(args[0]), bytearray(args[0])
            assert f.readinto(a) == model.readinto(b) and a == b
        else:
            assert getattr(f, op)(*args) == getattr(model, op)(*args)
        assert f.tell() == model.tell()


def test_settings_belong_to_their_mode(tmp_path):
    """quasi.open takes QuasiFile's keyword arguments; write settings are refused when
    reading and max_output_size when writing, as lzma.open refuses its own."""
    path = tmp_path / "x.qz"
    with quasi.open(path, "wb", checksum=False, level=np.int64(1)) as f:
        f.write(TEXT)
    assert not quasi.get_frame_info(path.read_bytes()).checksum
    with quasi.open(path, "rb", max_output_size=len(TEXT)) as f:
        assert f.read() == TEXT
    with quasi.open(path, "rb", max_output_size=10) as f, pytest.raises(QuasiError):
        f.read()
    for kw in ({"level": 6}, {"block_size": 1024}, {"checksum": False}, {"tiling": "fib"}):
        with pytest.raises(ValueError, match="only when writing"):
            quasi.open(path, "rb", **kw)
    with pytest.raises(ValueError, match="only when reading"):
        quasi.open(tmp_path / "y.qz", "wb", max_output_size=5)
    assert not (tmp_path / "y.qz").exists()


def test_errors_fit_pythons_habits():
    """Bad data and out-of-range settings are ValueErrors (QuasiError is one); wrong
    types are TypeErrors; integer-like levels (numpy's) are accepted."""
    assert issubclass(QuasiError, ValueError)
    with pytest.raises(ValueError):
        quasi.decompress(b"not a quasi stream")
    assert quasi.decompress(quasi.compress(b"x y z", level=np.int64(9))) == b"x y z"
    assert quasi.decompress(quasi.compress(b"x", np.uint8(1), block_size=np.int32(64))) == b"x"
    for bad in ("6", 6.0, True, object()):
        with pytest.raises(TypeError, match="level"):
            quasi.compress(b"x", level=bad)
    with pytest.raises(TypeError, match="tiling"):
        quasi.compress(b"x", tiling=5)
    with pytest.raises(TypeError, match="max_output_size"):
        quasi.decompress(quasi.compress(b"x"), max_output_size="1")
    for bad in (0, 10, np.int64(10)):
        with pytest.raises(QuasiError, match="level"):
            quasi.compress(b"x", level=bad)


def test_logging_through_a_text_file_costs_what_compress_does(tmp_path):
    """A logging.StreamHandler flushes after every record: that must not cut a block
    each time (it used to cost 25x lzma.open's size on this case)."""
    import logging
    path = tmp_path / "log.qz"
    log = logging.getLogger("quasi-test-flush")
    log.propagate = False
    with quasi.open(path, "wt", encoding="utf-8") as f:
        handler = logging.StreamHandler(f)
        log.addHandler(handler)
        try:
            for i in range(2000):
                log.warning("request %d from host-%d took %d ms", i, i % 17, (i * 37) % 1000)
        finally:
            log.removeHandler(handler)
    text = "".join(f"request {i} from host-{i % 17} took {(i * 37) % 1000} ms\n"
                   for i in range(2000)).encode()
    assert quasi.decompress(path.read_bytes()) == text
    assert path.stat().st_size <= 1.5 * len(quasi.compress(text))
