"""quasi.parallel: compress_file / decompress_file on executors (in the caller, threads,
processes, a Dask cluster) give quasi.compress's bytes and decode with every check;
threaded decoding in quasi.decompress and QuasiFile gives what one thread gives."""
import io
import os
import random
import stat
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path

import pytest

import quasi
from conftest import word_soup
from quasi import QuasiError, TrailingGarbage, parallel
from quasi.codec import container
from quasi.codec.container import BLOCK_CODED, FrameWriter

LEVEL = 1
BLOCK = 4096


def _sample() -> bytes:
    noise = random.Random(7).randbytes(12_000)   # blocks that are stored or LZMA
    return word_soup(14_000) + noise + word_soup(3_000, seed=1) + b"\x00" * 5000


DATA = _sample()
PACKED = quasi.compress(DATA, LEVEL, block_size=BLOCK)
OTHER = word_soup(2_000, seed=2)
TWO_FRAMES = PACKED + quasi.compress(OTHER, 2, block_size=3000, checksum=False, tiling="fib")


@pytest.fixture(scope="module")
def processes():
    with ProcessPoolExecutor(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def _executors(processes, name):
    if name == "none":
        return None
    if name == "threads":
        return ThreadPoolExecutor(2)
    return processes


def _files(tmp_path, data=DATA, name="src"):
    src = tmp_path / name
    src.write_bytes(data)
    return src, tmp_path / "dst"


def _left(tmp_path):
    return sorted(p.name for p in tmp_path.iterdir())


def test_sample_has_every_kind_of_block():
    info = quasi.get_frame_info(PACKED)
    assert info.n_blocks > 20
    assert BLOCK_CODED in info.block_types and set(info.block_types) != {BLOCK_CODED}


@pytest.mark.parametrize("name", ["none", "threads", "processes"])
def test_compress_file_gives_compress_bytes(tmp_path, processes, name):
    src, dst = _files(tmp_path)
    executor = _executors(processes, name)
    assert quasi.compress_file(src, dst, level=LEVEL, block_size=BLOCK,
                               executor=executor) == len(PACKED)
    assert dst.read_bytes() == PACKED
    assert quasi.compress_file(src, dst, level=2, tiling="fib", block_size=3000,
                               checksum=False, executor=executor, window=3) >= 0
    assert dst.read_bytes() == quasi.compress(DATA, 2, tiling="fib", block_size=3000,
                                              checksum=False)
    assert _left(tmp_path) == ["dst", "src"]


@pytest.mark.parametrize("name", ["none", "threads", "processes"])
def test_decompress_file_round_trip(tmp_path, processes, name):
    executor = _executors(processes, name)
    for packed, content in ((PACKED, DATA), (TWO_FRAMES, DATA + OTHER)):
        src, dst = _files(tmp_path, packed, "src.qz")
        assert quasi.decompress_file(src, dst, executor=executor) == len(content)
        assert dst.read_bytes() == content
    assert _left(tmp_path) == ["dst", "src.qz"]


def test_empty_file(tmp_path):
    src, dst = _files(tmp_path, b"")
    quasi.compress_file(src, dst, executor=ThreadPoolExecutor(2))
    assert dst.read_bytes() == quasi.compress(b"")
    out = tmp_path / "out"
    assert quasi.decompress_file(dst, out) == 0 and out.read_bytes() == b""


def test_full_frames_split_as_compress_splits_them(tmp_path, monkeypatch):
    """A frame holding as many blocks as a frame may ends and the next begins, in
    compress_file as in quasi.compress (frames made small here)."""
    monkeypatch.setattr(container, "MAX_BLOCKS_PER_FRAME", 4)
    src, dst = _files(tmp_path)
    expected = quasi.compress(DATA, LEVEL, block_size=BLOCK)
    assert len(container.read_frame_infos(expected)) > 5
    quasi.compress_file(src, dst, level=LEVEL, block_size=BLOCK, executor=ThreadPoolExecutor(2))
    assert dst.read_bytes() == expected
    out = tmp_path / "out"
    quasi.decompress_file(dst, out, executor=ThreadPoolExecutor(2))
    assert out.read_bytes() == DATA


class _Tracked:
    """A future whose result, once taken, no longer counts as outstanding."""

    def __init__(self, future, owner):
        self._future, self._owner, self._taken = future, owner, False

    def result(self, timeout=None):
        if not self._taken:
            self._taken = True
            self._owner.outstanding -= 1
        return self._future.result(timeout)

    def cancel(self):
        return self._future.cancel()


class CountingExecutor(Executor):
    """Counts futures submitted and not yet taken; records the most at once."""

    def __init__(self, inner, fn_wrapper=None):
        self.inner, self.fn_wrapper = inner, fn_wrapper
        self.outstanding = self.most = self.submitted = 0

    def submit(self, fn, /, *args, **kwargs):
        self.outstanding += 1
        self.submitted += 1
        self.most = max(self.most, self.outstanding)
        if self.fn_wrapper is not None:
            fn = self.fn_wrapper(fn)
        return _Tracked(self.inner.submit(fn, *args, **kwargs), self)


def test_window_bounds_blocks_in_flight(tmp_path):
    src, dst = _files(tmp_path)
    with ThreadPoolExecutor(2) as pool:
        counting = CountingExecutor(pool)
        quasi.compress_file(src, dst, level=LEVEL, block_size=BLOCK, executor=counting, window=3)
        assert dst.read_bytes() == PACKED
        assert counting.submitted > 20 and counting.most == 3 and counting.outstanding == 0
        counting = CountingExecutor(pool)
        quasi.decompress_file(dst, tmp_path / "out", executor=counting)   # default: 4
        assert counting.submitted > 20 and counting.most == 4
    assert parallel._window(ThreadPoolExecutor(3), None) == 6
    with pytest.raises(QuasiError, match="window"):
        quasi.compress_file(src, tmp_path / "new", window=0)
    assert not (tmp_path / "new").exists()


def test_a_worker_of_another_version_refuses(tmp_path):
    src, _dst = _files(tmp_path)
    task = parallel.CompressTask(str(src), 0, BLOCK, LEVEL, "multi", 0,
                                 parallel.library_versions())
    assert parallel.compress_block(task)[0] in (0, 1, 2)
    with pytest.raises(QuasiError, match="quasi 0.0.1"):
        parallel.compress_block(task._replace(versions=("0.0.1", task.versions[1])))
    with pytest.raises(QuasiError, match="numba 0.1"):
        parallel.compress_block(task._replace(versions=(task.versions[0], "0.1")))
    packed, _ = _files(tmp_path, PACKED, "src.qz")
    spans = list(parallel.block_spans(partial(_read_at, PACKED),
                                      container.read_stream_index(partial(_read_at, PACKED), 0,
                                                                  len(PACKED))))
    good = parallel.DecodeTask(str(packed), spans[1], parallel.library_versions())
    assert bytes(parallel.decompress_block(good)) == DATA[BLOCK:2 * BLOCK]
    with pytest.raises(QuasiError, match="version"):
        parallel.decompress_block(good._replace(versions=("0.0.1", "0.1")))


def _read_at(data, offset, size):
    return data[offset:offset + size]


def _exit_at_block_3(fn, task):
    if task.number == 3:
        os._exit(1)
    return fn(task)


def test_a_dead_process_worker_fails_cleanly(tmp_path):
    src, dst = _files(tmp_path)
    with ProcessPoolExecutor(2) as pool:
        killing = CountingExecutor(pool, lambda fn: partial(_exit_at_block_3, fn))
        with pytest.raises(BrokenProcessPool):
            quasi.compress_file(src, dst, level=LEVEL, block_size=BLOCK, executor=killing)
    assert _left(tmp_path) == ["src"]


def test_an_interrupt_leaves_the_old_output(tmp_path):
    src, dst = _files(tmp_path)
    dst.write_bytes(b"old")

    def interrupt(fn):
        def run(task):
            if task.number == 5:
                raise KeyboardInterrupt
            return fn(task)
        return run

    with pytest.raises(KeyboardInterrupt):
        quasi.compress_file(src, dst, level=LEVEL, block_size=BLOCK,
                            executor=CountingExecutor(parallel._Inline(), interrupt))
    assert dst.read_bytes() == b"old" and _left(tmp_path) == ["dst", "src"]


def test_only_regular_files_are_replaced(tmp_path):
    src, _dst = _files(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(QuasiError, match="not a regular file"):
        quasi.compress_file(src, fifo, level=LEVEL)
    assert stat.S_ISFIFO(fifo.stat().st_mode) and _left(tmp_path) == ["fifo", "src"]


def _bad_content_crc() -> bytes:
    """Two blocks whose end mark carries a wrong content CRC (every other CRC right)."""
    writer = FrameWriter(LEVEL, "multi", 100)
    pieces = [writer.header(), writer.block(b"a" * 100, None), writer.block(b"b" * 50, None)]
    writer._content_crc ^= 1
    return b"".join(pieces + [writer.finish()])


def _padded_record() -> bytes:
    """A record followed by a byte its index entry counts (every CRC right)."""
    writer = FrameWriter(LEVEL, "multi", 100)
    pieces = [writer.header(), writer.block(b"a" * 100, None), b"\0"]
    writer._pos += 1
    pieces.append(writer.block(b"b" * 50, None))
    return b"".join(pieces + [writer.finish()])


@pytest.mark.parametrize("damage", ["flip-block", "flip-header", "flip-index", "truncate",
                                    "garbage", "content-crc", "padded", "empty"])
def test_corrupt_input_leaves_nothing(tmp_path, damage):
    data = bytearray(PACKED)
    if damage == "flip-block":
        data[len(data) // 2] ^= 0x10
    elif damage == "flip-header":
        data[6] ^= 1
    elif damage == "flip-index":
        data[-14] ^= 1
    elif damage == "truncate":
        del data[-1:]
    elif damage == "garbage":
        data += b"more"
    elif damage == "content-crc":
        data = _bad_content_crc()
    elif damage == "padded":
        data = _padded_record()
    else:
        data = b""
    with pytest.raises(QuasiError):
        quasi.decompress(bytes(data))
    src, dst = _files(tmp_path, bytes(data), "src.qz")
    with pytest.raises(QuasiError):
        quasi.decompress_file(src, dst, executor=ThreadPoolExecutor(2))
    assert _left(tmp_path) == ["src.qz"]


@pytest.mark.parametrize("version", ["v1-r2", "v2-r15"])
def test_golden_files(tmp_path, version):
    """Both format versions, every record kind; the must-fail files fail."""
    golden = Path(__file__).resolve().parent / "golden"
    dst = tmp_path / "dst"
    for path in sorted((golden / version).glob("*.qz")):
        raw = path.with_suffix(".raw").read_bytes()
        assert quasi.decompress(path.read_bytes(), threads=2) == raw
        quasi.decompress_file(path, dst, executor=ThreadPoolExecutor(2))
        assert dst.read_bytes() == raw
    for path in (golden / "bad").glob("*.qz"):
        with pytest.raises(QuasiError):
            quasi.decompress_file(path, tmp_path / "bad")
    assert _left(tmp_path) == ["dst"]


def test_max_output_size_is_checked_before_decoding(tmp_path):
    src, dst = _files(tmp_path, PACKED, "src.qz")
    counting = CountingExecutor(ThreadPoolExecutor(2))
    with pytest.raises(QuasiError, match="max_output_size"):
        quasi.decompress_file(src, dst, executor=counting, max_output_size=len(DATA) - 1)
    assert counting.submitted == 0 and _left(tmp_path) == ["src.qz"]
    assert quasi.decompress_file(src, dst, max_output_size=len(DATA)) == len(DATA)


def test_urls_through_fsspec(tmp_path):
    fsspec = pytest.importorskip("fsspec")
    with fsspec.open("memory://quasi-test/src", "wb") as f:
        f.write(DATA)
    dst = tmp_path / "dst"
    quasi.compress_file("memory://quasi-test/src", dst, level=LEVEL, block_size=BLOCK,
                        executor=ThreadPoolExecutor(2))
    assert dst.read_bytes() == PACKED


def test_threaded_decompress_matches_one_thread():
    for packed in (PACKED, TWO_FRAMES):
        assert quasi.decompress(packed, threads=2) == quasi.decompress(packed)
    assert quasi.decompress(TWO_FRAMES, threads=3) == DATA + OTHER
    with pytest.raises(QuasiError, match="max_output_size"):
        quasi.decompress(PACKED, threads=2, max_output_size=len(DATA) - 1)
    with pytest.raises(TrailingGarbage):        # as one thread reports it
        quasi.decompress(PACKED + b"junk", threads=2)
    with pytest.raises(QuasiError, match="content CRC"):
        quasi.decompress(_bad_content_crc(), threads=2)


def test_threaded_quasifile_reads_and_seeks_as_one_thread(tmp_path):
    path = tmp_path / "x.qz"
    path.write_bytes(TWO_FRAMES)
    content = DATA + OTHER
    with quasi.open(path, threads=2) as f:
        assert f.read() == content
    with quasi.QuasiFile(path, "rb", threads=2) as f, quasi.QuasiFile(path, "rb") as one:
        assert f._buffer.raw._pool is not None           # decoding ahead indeed
        for offset, whence, size in ((5, 0, 100), (70_000, 0, 9000), (-3000, 1, 5000),
                                     (-10, 2, 100), (10 ** 9, 0, 10), (BLOCK - 1, 0, 2),
                                     (len(DATA) - 5, 0, 10)):
            assert f.seek(offset, whence) == one.seek(offset, whence)
            assert f.read(size) == one.read(size)
            assert f.tell() == one.tell()
        f.seek(100)
        assert f.read() == content[100:]
    with quasi.open(path, "rb", threads=2, max_output_size=len(DATA)) as f:
        assert f.read(len(DATA)) == DATA
        with pytest.raises(QuasiError, match="max_output_size"):
            f.read(1)


def test_threaded_quasifile_on_a_pipe_or_bad_index_reads_one_block_at_a_time(tmp_path):
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            return self._data.readinto(b)

    with quasi.QuasiFile(Pipe(TWO_FRAMES), "rb", threads=2) as f:
        assert f._buffer.raw._pool is None and f.read() == DATA + OTHER
    with quasi.QuasiFile(io.BytesIO(PACKED + b"junk"), "rb", threads=2) as f:
        assert f.read(len(DATA)) == DATA
        with pytest.raises(TrailingGarbage):
            f.read()


# --------------------------------------------------------------------------- Dask


def test_dask_cluster(tmp_path, dask_client):
    src, dst = _files(tmp_path)
    executor = dask_client.get_executor()
    quasi.compress_file(src, dst, level=LEVEL, block_size=BLOCK, executor=executor)
    assert dst.read_bytes() == PACKED
    out = tmp_path / "out"
    quasi.decompress_file(dst, out, executor=executor)
    assert out.read_bytes() == DATA


def test_dask_retries_a_task_whose_worker_died(tmp_path, dask_client):
    src, dst = _files(tmp_path)
    marker = str(tmp_path / "died")

    def die_once(fn):
        def run(task, fn=fn, marker=marker):
            if task.number == 2 and not os.path.exists(marker):
                open(marker, "w").close()
                os._exit(1)
            return fn(task)
        return run

    executor = CountingExecutor(dask_client.get_executor(), die_once)
    quasi.compress_file(src, dst, level=LEVEL, block_size=BLOCK, executor=executor)
    assert os.path.exists(marker) and dst.read_bytes() == PACKED


def test_dask_workers_warm_up_before_their_tasks(tmp_path, dask_client):
    """quasi.cluster.WarmUp: each worker warms the cache unless that is on record
    (serially: they take turns on the shared cache) and registers the .qz compression
    with fsspec."""
    from quasi.cluster import WarmUp

    dask_client.wait_for_workers(2, timeout=60)   # a worker killed by a test above restarts
    dask_client.register_plugin(WarmUp())

    def registered():
        import fsspec.compression
        return "quasi" in fsspec.compression.compr

    assert all(dask_client.run(registered).values())
    plugged = dask_client.run(lambda dask_worker: WarmUp.name in dask_worker.plugins)
    assert len(plugged) == 2 and all(plugged.values())
    src, dst = _files(tmp_path)
    quasi.compress_file(src, dst, level=LEVEL, block_size=BLOCK,
                        executor=dask_client.get_executor())
    assert dst.read_bytes() == PACKED


def test_warm_ups_of_one_cache_take_turns(tmp_path):
    """A warm-up waits while another holds the cache directory's lock."""
    import fcntl
    import subprocess
    import sys
    import time

    cache = tmp_path / "cache"
    cache.mkdir()
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    with open(cache / ".quasi-warm-up.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = subprocess.Popen([sys.executable, "-c", "import quasi.warmup as w\n"
                                 "with w._one_at_a_time(): print('in')"],
                                env=env, stdout=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert proc.poll() is None, "did not wait for the lock"
        fcntl.flock(lock, fcntl.LOCK_UN)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0 and out.strip() == "in"


def test_cli_scheduler_codes_files_on_a_local_cluster(tmp_path):
    """quasi --scheduler local:2: the same bytes as quasi alone, decoded and tested on the
    cluster too; standard input and a bad address are refused before any file."""
    pytest.importorskip("distributed")
    import subprocess
    import sys

    exe = [sys.executable, "-c", "from quasi_cli.main import main; main()"]
    src = tmp_path / "src"
    src.write_bytes(DATA)
    alone = subprocess.run(exe + ["-1", "-B", str(BLOCK), "-c", str(src)], capture_output=True)
    done = subprocess.run(exe + ["-1", "-B", str(BLOCK), "--scheduler", "local:2", "-v", str(src)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    packed = (tmp_path / "src.qz").read_bytes()
    assert packed == alone.stdout == PACKED
    src.unlink()
    done = subprocess.run(exe + ["-d", "--scheduler", "local:2", str(tmp_path / "src.qz")],
                          capture_output=True, text=True)
    assert done.returncode == 0 and src.read_bytes() == DATA, done.stderr
    done = subprocess.run(exe + ["-t", "--scheduler", "local:1", str(tmp_path / "src.qz")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for args, message in ((["--scheduler", "local:0", str(src)], "N >= 1"),
                          (["--scheduler", "local:2", "-"], "named files"),
                          (["--scheduler", "local:2", "-T", "2", str(src)], "-T")):
        done = subprocess.run(exe + args, capture_output=True, text=True, input="")
        assert done.returncode != 0 and message in done.stderr, done.stderr
