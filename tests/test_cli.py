"""The command line: every flag, pipes, refusals, faults, signals and exit codes."""
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import quasi
import quasi_cli.main as m
from quasi_cli.main import cli

from conftest import word_soup

DATA = word_soup(2000, seed=11)
EXE = [sys.executable, "-c", "from quasi_cli.main import main; main()"]


@pytest.fixture
def sample(tmp_path):
    p = tmp_path / "sample.txt"
    p.write_bytes(DATA)
    os.chmod(p, 0o640)
    os.utime(p, (1_600_000_000, 1_600_000_000))
    return p


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def leftovers(directory):
    return [p.name for p in directory.iterdir() if p.name.startswith(".quasi-")]


# ----------------------------------------------------------------- files


def test_compress_then_decompress_keeps_input_mode_and_mtime(sample):
    r = run(sample)
    assert r.exit_code == 0, r.output
    packed = sample.with_name("sample.txt.qz")
    assert sample.read_bytes() == DATA and quasi.decompress(packed.read_bytes()) == DATA
    assert int(packed.stat().st_mtime) == 1_600_000_000
    assert packed.stat().st_mode & 0o777 == 0o640
    sample.unlink()
    r = run("-d", packed)
    assert r.exit_code == 0, r.output
    assert sample.read_bytes() == DATA and packed.exists()
    assert sample.stat().st_mode & 0o777 == 0o640
    assert int(sample.stat().st_mtime) == 1_600_000_000


def test_refuses_to_overwrite_without_force(sample):
    packed = sample.with_name("sample.txt.qz")
    packed.write_bytes(b"precious")
    r = run(sample)
    assert r.exit_code == 1 and "already exists" in r.output
    assert packed.read_bytes() == b"precious" and not leftovers(sample.parent)
    assert run("-f", sample).exit_code == 0
    assert quasi.decompress(packed.read_bytes()) == DATA
    sample.write_bytes(b"also precious")
    r = run("-d", packed)
    assert r.exit_code == 1 and "already exists" in r.output
    assert sample.read_bytes() == b"also precious"


def test_rm_deletes_input_only_after_success(sample, tmp_path):
    assert run("--rm", sample).exit_code == 0
    assert not sample.exists()
    assert run("-d", "--rm", sample.with_name("sample.txt.qz")).exit_code == 0
    assert sample.read_bytes() == DATA and not sample.with_name("sample.txt.qz").exists()
    bad = tmp_path / "bad.qz"
    bad.write_bytes(b"not a quasi file")
    r = run("-d", "--rm", bad)
    assert r.exit_code == 1 and "not a quasi stream" in r.output
    assert bad.exists() and not (tmp_path / "bad").exists() and not leftovers(tmp_path)


def test_keep_is_the_default_and_contradicts_rm(sample):
    assert run("-k", sample).exit_code == 0 and sample.exists()
    r = run("-k", "--rm", sample)
    assert r.exit_code == 1 and "contradict" in r.output


def test_output_file(sample, tmp_path):
    out = tmp_path / "named.bin"
    assert run("-o", out, sample).exit_code == 0
    assert quasi.decompress(out.read_bytes()) == DATA
    assert run("-o", out, sample).exit_code == 1            # exists
    restored = tmp_path / "restored.txt"
    assert run("-d", "-o", restored, out).exit_code == 0    # no suffix needed with -o
    assert restored.read_bytes() == DATA
    r = run("-o", tmp_path / "x", sample, sample)
    assert r.exit_code == 1 and "one input" in r.output
    r = run("-f", "-o", sample, sample)
    assert r.exit_code == 1 and "same file" in r.output and sample.read_bytes() == DATA
    r = run("-o", "-", sample)
    assert r.exit_code == 0 and quasi.decompress(r.stdout_bytes) == DATA


def test_suffix(sample):
    assert run("-S", ".qtc", sample).exit_code == 0
    packed = sample.with_name("sample.txt.qtc")
    assert quasi.decompress(packed.read_bytes()) == DATA
    sample.unlink()
    assert run("-d", "--suffix", ".qtc", packed).exit_code == 0 and sample.read_bytes() == DATA
    for bad in ("", "a/b"):
        r = run("-S", bad, sample)
        assert r.exit_code == 1 and "suffix" in r.output


def test_warnings_skip_a_file_and_exit_2(sample, tmp_path):
    (tmp_path / "dir").mkdir()
    already = tmp_path / "x.qz"
    already.write_bytes(quasi.compress(b"x"))
    r = run(tmp_path / "dir", sample)
    assert r.exit_code == 2 and "is a directory" in r.output
    assert sample.with_name("sample.txt.qz").exists()            # the good file was done
    r = run(already)
    assert r.exit_code == 2 and "already has .qz suffix" in r.output
    r = run("-q", "-d", sample)
    assert r.exit_code == 2 and r.output == ""                     # -q: silent, still 2
    r = run(already, tmp_path / "missing")
    assert r.exit_code == 1 and "no such file" in r.output       # an error outranks


def test_double_dash_ends_options(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-d").write_bytes(DATA)
    assert run("--", "-d").exit_code == 0
    assert quasi.decompress((tmp_path / "-d.qz").read_bytes()) == DATA


def test_concatenated_and_multiple_files(sample, tmp_path):
    two = tmp_path / "two.qz"
    two.write_bytes(quasi.compress(DATA[:100]) + quasi.compress(DATA[100:], 1))
    r = run("-dc", two)
    assert r.exit_code == 0 and r.stdout_bytes == DATA
    r = run("-c", sample, sample)
    assert r.exit_code == 0 and quasi.decompress(r.stdout_bytes) == DATA + DATA


# ----------------------------------------------------------------- streams


def test_stdout_and_stdin(sample):
    r = run("-c", sample)
    assert r.exit_code == 0 and quasi.decompress(r.stdout_bytes) == DATA
    for args in (["-d"], ["-d", "-"], ["-dc", "-"]):
        r2 = run(*args, input=r.stdout_bytes)
        assert r2.exit_code == 0 and r2.stdout_bytes == DATA, args
    r3 = run(input=DATA)
    assert r3.exit_code == 0 and quasi.decompress(r3.stdout_bytes) == DATA


def test_terminal_refusals(sample, monkeypatch):
    monkeypatch.setattr(m, "_stdout_is_terminal", lambda: True)
    r = run("-c", sample)
    assert r.exit_code == 1 and "not written to a terminal" in r.output and not r.stdout_bytes
    assert run("-c", "-f", sample).exit_code == 0
    assert run("-dc", sample.with_name("x")).exit_code == 1        # (missing input)
    monkeypatch.setattr(m, "_stdin_is_terminal", lambda: True)
    for args in (["-d"], ["-t"], ["-l"]):
        r = run(*args, input=quasi.compress(DATA))
        assert r.exit_code == 1 and "not read from a terminal" in r.output, args
    assert run("-d", "-f", input=quasi.compress(DATA)).stdout_bytes == DATA


def test_missing_input(tmp_path):
    r = run(tmp_path / "missing.txt")
    assert r.exit_code == 1 and "missing.txt: no such file" in r.output
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------- settings


def test_levels_tiling_and_block_size(sample):
    for args, level in ((["-1"], 1), (["-9"], 9), (["--fast"], 1), (["--best"], 9),
                        (["-9", "-2"], 2), (["--best", "--fast"], 1), ([], 6)):
        r = run(*args, "-c", sample)
        assert r.exit_code == 0, r.output
        info = quasi.get_frame_info(r.stdout_bytes)
        assert info.level == level, args
        assert info.block_size == (quasi.STRONG_BLOCK_SIZE if level >= 7
                                   else quasi.DEFAULT_BLOCK_SIZE), args
        assert quasi.decompress(r.stdout_bytes) == DATA
    r = run("--tiling", "period5", "-B", "2K", "-c", sample)
    info = quasi.get_frame_info(r.stdout_bytes)
    assert info.spec == "period:LLSLS" and info.block_size == 2048 and info.n_blocks == 5
    for size, expect in (("3k", 3072), ("1MiB", 1 << 20), ("4096", 4096), ("1G", 1 << 30)):
        info = quasi.get_frame_info(run("-B", size, "-c", sample).stdout_bytes)
        assert info.block_size == expect
    for args, msg in ((["-B", "2X"], "block size"), (["-B", "0"], "block size"),
                      (["-B", "2G"], "block size"), (["--tiling", "period:XYZ"], "tiling")):
        r = run(*args, sample)
        assert r.exit_code == 1 and msg in r.output, args


def test_threads_give_identical_output(sample):
    one = run("-B", "1K", "-c", sample).stdout_bytes
    for t in ("2", "0"):
        r = run("-T", t, "-B", "1K", "-c", sample)
        assert r.exit_code == 0 and r.stdout_bytes == one
    r = run("-T", "-1", sample)
    assert r.exit_code == 1 and "threads" in r.output


def test_threads_decode_blocks_ahead(sample, monkeypatch):
    """-T N decodes a seekable file N blocks at a time (the decoder that reads ahead
    is used), with the same output, the same -M limit and the same trailing-garbage
    rule; a pipe is decoded one block at a time."""
    import quasi.parallel
    packed = sample.with_name("sample.txt.qz")
    assert run("-B", "1K", sample).exit_code == 0
    ahead = []
    real = quasi.parallel.AheadDecoder.__init__

    def counting(self, *args, **kw):
        ahead.append(1)
        real(self, *args, **kw)

    monkeypatch.setattr(quasi.parallel.AheadDecoder, "__init__", counting)
    for t in ("1", "2", "0"):
        r = run("-T", t, "-dc", packed)
        assert r.exit_code == 0 and r.stdout_bytes == DATA, t
    assert ahead, "no decoding ahead with -T 2"
    assert run("-T", "2", "-t", packed).exit_code == 0
    r = run("-T", "2", "-M", "2K", "-dc", packed)
    assert r.exit_code == 1 and "max_output_size" in r.output
    garbage = sample.with_name("g.qz")
    garbage.write_bytes(packed.read_bytes() + b"junk")
    r = run("-T", "2", "-dc", garbage)
    assert r.exit_code == 2 and r.stdout_bytes == DATA and "trailing garbage" in r.output
    r = run("-T", "2", "-d", input=packed.read_bytes())
    assert r.exit_code == 0 and r.stdout_bytes == DATA


def test_memory_limit(sample):
    packed = sample.with_name("sample.txt.qz")
    run("-B", "2K", sample)
    r = run("-t", "-M", "4K", packed)
    assert r.exit_code == 1 and "max_output_size" in r.output
    assert run("-t", "-M", f"{len(DATA)}", packed).exit_code == 0
    r = run("-dc", "--memory", "1K", packed)
    assert r.exit_code == 1 and len(r.stdout_bytes) <= 2048
    assert run("-d", "-M", "lots", packed).exit_code == 1


def test_usage_errors_exit_1_and_say_why(sample):
    for args, msg in ((["-d", "-l"], "cannot be combined"), (["-t", "-l"], "cannot be combined"),
                      (["--rm", "-c"], "--rm"), (["-o", "x", "-c"], "-o and -c"),
                      (["-t", "-o", "x"], "-o has no effect"), (["--bogus"], "No such option"),
                      (["-T", "many"], "threads")):
        r = run(*args, sample)
        assert r.exit_code == 1 and msg in r.output, (args, r.output)


# ----------------------------------------------------------------- test, list, report


def test_test_mode(sample, tmp_path):
    packed = tmp_path / "p.qz"
    packed.write_bytes(quasi.compress(DATA))
    r = run("-t", "-v", packed)
    assert r.exit_code == 0 and "OK" in r.output and not r.stdout_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.qz", "sample.txt"]
    assert run("-t", input=packed.read_bytes()).exit_code == 0
    bad = bytearray(packed.read_bytes())
    bad[len(bad) // 2] ^= 1
    packed.write_bytes(bytes(bad))
    r = run("-t", packed)
    assert r.exit_code == 1 and "p.qz:" in r.output


def test_verbose_quiet_version(sample):
    r = run("-v", sample)
    packed = sample.with_name("sample.txt.qz")
    n = packed.stat().st_size
    assert f"{sample} -> {packed}: {len(DATA):,} -> {n:,} bytes (" in r.stderr
    assert "%" in r.stderr and " MB/s" in r.stderr
    r = run("-d", "-v", "-f", packed)
    assert f"{packed} -> {sample}: {n:,} -> {len(DATA):,} bytes (" in r.stderr
    assert " MB/s" in r.stderr
    r = run("-dcv", packed)
    assert f"{packed} -> (stdout): {n:,} -> {len(DATA):,} bytes" in r.stderr
    r = run("-V")
    assert r.exit_code == 0 and quasi.__version__ in r.output


def test_list_reads_headers_only(sample, tmp_path, monkeypatch):
    import quasi.codec.block

    def no_decoding(*args):
        raise AssertionError("-l decoded a block")

    monkeypatch.setattr(quasi.codec.block, "decode_block", no_decoding)
    assert run("-B", "1K", sample).exit_code == 0
    packed = sample.with_name("sample.txt.qz")
    r = run("-l", packed)
    assert r.exit_code == 0
    assert f"{len(DATA):,}" in r.output and f"{packed.stat().st_size:,}" in r.output
    assert "multi" in r.output and "CRC32" in r.output
    blocks = int(r.output.splitlines()[1].split()[1])
    assert blocks == -(-len(DATA) // 1024) > 1
    r = run("-l", "-v", packed)
    sizes = [int(line.split()[0].replace(",", "")) for line in r.output.splitlines()[2:]
             if line.startswith(" " * 14)]
    assert sum(sizes) == packed.stat().st_size  # the streams and the container add up
    bad = tmp_path / "bad.qz"
    bad.write_bytes(b"garbage")
    r = run("-l", bad)
    assert r.exit_code == 1 and "bad.qz" in r.output


def test_first_run_says_it_is_compiling(sample, monkeypatch):
    import numba

    import quasi.codec.block

    real = quasi.codec.block.encode_block

    def compiling(*args):   # as on a first run: a kernel is not in the cache
        numba.njit(lambda x: x + 1)(1)
        numba.njit(lambda x: x + 2)(1)
        return real(*args)

    monkeypatch.setattr(quasi.codec.block, "encode_block", compiling)
    r = run("-B", "1K", "-c", sample)
    assert r.exit_code == 0 and r.stderr.count("compiling the numba kernels") == 1
    assert "compiling" not in run("-q", "-c", sample).stderr


def test_progress_on_a_terminal_only(sample, monkeypatch):
    monkeypatch.setattr(m.Progress, "DELAY", 0.0)
    monkeypatch.setattr(m.Progress, "INTERVAL", 0.01)
    monkeypatch.setattr(m, "CHUNK", 1000)
    assert "quasi: " not in run("-c", sample).stderr                  # not a terminal
    monkeypatch.setattr(m, "_stderr_is_terminal", lambda: True)
    r = run("-c", sample)
    assert "sample.txt" in r.stderr and "%" in r.stderr and "MiB/s" in r.stderr
    assert r.stderr.endswith("\r")                                      # line cleared
    for flag in ("--no-progress", "-q"):
        assert "MiB/s" not in run(flag, "-c", sample).stderr


# ----------------------------------------------------------------- faults


class FullDisk:
    """A file that accepts `room` bytes, then fails like a full disk."""

    def __init__(self, f, room):
        self._f = f
        self._room = room

    def write(self, data):
        if len(data) > self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)


@pytest.mark.parametrize("decompress", [False, True])
@pytest.mark.parametrize("disk", ["full", "short writes"])
def test_disk_full_leaves_input_and_no_output(sample, monkeypatch, decompress, disk):
    """A write that fails, or a file system that fills part-way (short writes, then
    ENOSPC): exit 1 with the system's message under the output's name."""
    src = sample
    if decompress:
        assert run("-B", "1K", sample).exit_code == 0
        src = sample.with_name("sample.txt.qz")
        sample.unlink()
    before = src.read_bytes()
    real_init = m.AtomicFile.__init__

    def init(self, target, force):
        real_init(self, target, force)
        self.file = (FullDisk if disk == "full" else ShortWrites)(self.file, 3000)

    monkeypatch.setattr(m.AtomicFile, "__init__", init)
    monkeypatch.setattr(m, "CHUNK", 1024)
    out = src.parent / "out.bin"
    r = run("--rm", "-B", "1K", *(["-d"] if decompress else []), "-o", out, src)
    assert r.exit_code == 1, r.output
    assert f"quasi: {out}: write error: No space left on device" in r.output
    assert src.read_bytes() == before
    assert sorted(p.name for p in src.parent.iterdir()) == [src.name]


def start_waiting_on_stdin(tmp_path, *args, ignored=()):
    """A real quasi process writing tmp_path/out.qz from a pipe that stays open, with
    the signals ``ignored`` ignored (as nohup does)."""
    # a shell's background job inherits SIGINT ignored (and then so would quasi, like
    # gzip): give the child the default disposition, as an interactive user has
    def dispositions():
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        for signum in ignored:
            signal.signal(signum, signal.SIG_IGN)

    proc = subprocess.Popen(EXE + ["-o", str(tmp_path / "out.qz"), *args],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=dispositions)
    proc.stdin.write(DATA)
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while not leftovers(tmp_path):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    return proc


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_write_leaves_no_partial_output(tmp_path, signum, code):
    proc = start_waiting_on_stdin(tmp_path, "-B", "1K")
    time.sleep(0.3)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert list(tmp_path.iterdir()) == []
    assert b"interrupted" in err or b"signal" in err


def test_subprocess_pipe_files_and_version(sample, tmp_path):
    p = subprocess.run(EXE + ["-c", str(sample)], capture_output=True, check=True)
    q = subprocess.run(EXE + ["-d"], input=p.stdout, capture_output=True, check=True)
    assert q.stdout == DATA
    subprocess.run(EXE + ["-T", "2", "-B", "1K", "--rm", str(sample)], check=True)
    assert not sample.exists()
    subprocess.run(EXE + ["-d", str(sample) + ".qz"], check=True)
    assert sample.read_bytes() == DATA
    r = subprocess.run(EXE + ["-d", str(tmp_path / "nothing.qz")], capture_output=True)
    assert r.returncode == 1 and b"no such file" in r.stderr
    r = subprocess.run(EXE + ["-V"], capture_output=True, check=True)
    assert quasi.__version__.encode() in r.stdout


def test_subprocess_refusals_and_statuses(sample, tmp_path):
    """The real program: existing output, a real terminal (a pty), missing input, a
    directory, -t and -l, with their exit statuses."""
    import pty

    def quasi_run(*args, **kw):
        return subprocess.run(EXE + [str(a) for a in args], capture_output=True, **kw)

    packed = sample.with_name("sample.txt.qz")
    packed.write_bytes(b"precious")
    r = quasi_run(sample)
    assert r.returncode == 1 and b"already exists" in r.stderr
    assert packed.read_bytes() == b"precious"
    assert quasi_run("-f", sample).returncode == 0
    master, slave = pty.openpty()
    try:
        r = subprocess.run(EXE + ["-c", str(sample)], stdout=slave, stderr=subprocess.PIPE)
    finally:
        os.close(slave)
        os.close(master)
    assert r.returncode == 1 and b"not written to a terminal" in r.stderr
    r = quasi_run(tmp_path / "missing")
    assert r.returncode == 1 and b"no such file" in r.stderr
    (tmp_path / "dir").mkdir()
    assert quasi_run(tmp_path / "dir").returncode == 2
    r = quasi_run("-t", "-v", packed)
    assert r.returncode == 0 and b"OK" in r.stderr
    r = quasi_run("-l", packed)
    assert r.returncode == 0 and f"{len(DATA):,}".encode() in r.stdout
    r = quasi_run("-d", "--bogus")
    assert r.returncode == 1 and b"No such option" in r.stderr


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["-l", "PACKED"]])
def test_fast_paths_import_neither_numba_nor_numpy(sample, args):
    run(sample)
    args = [str(sample) + ".qz" if a == "PACKED" else a for a in args]
    code = ("import sys, quasi_cli.main as m\n"
            f"try:\n    m.cli({args!r})\nexcept SystemExit:\n    pass\n"
            "bad = [n for n in ('numba', 'numpy') if n in sys.modules]\n"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_real_disk_full_on_standard_output(sample):
    """Standard output on /dev/full (every write fails with ENOSPC): exit 1 with the
    system's message, input intact, nothing written beside it."""
    packed = quasi.compress(DATA)
    src = sample.with_name("p.qz")
    src.write_bytes(packed)
    for args in (["-c", str(sample)], ["-dc", str(src)]):
        with open("/dev/full", "wb") as full:
            r = subprocess.run(EXE + args, stdout=full, stderr=subprocess.PIPE, text=True)
        assert r.returncode == 1 and "No space left on device" in r.stderr, (args, r.stderr)
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert sample.read_bytes() == DATA and src.read_bytes() == packed
    assert sorted(p.name for p in sample.parent.iterdir()) == ["p.qz", "sample.txt"]


def test_sigint_mid_decompression_leaves_no_partial_output(tmp_path):
    """Ctrl-C while decompressing from a pipe into a file: 130, no partial file."""
    packed = quasi.compress(DATA, block_size=1024)
    proc = subprocess.Popen(EXE + ["-d", "-o", str(tmp_path / "out.txt")],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    proc.stdin.write(packed[:len(packed) // 2])
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while not leftovers(tmp_path):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and b"interrupted" in err, err
    assert list(tmp_path.iterdir()) == []


def test_failed_decompression_keeps_an_existing_output_even_with_force(sample):
    """-f replaces the output only after success: a corrupt input leaves it untouched."""
    packed = bytearray(quasi.compress(DATA, block_size=1024))
    packed[len(packed) // 2] ^= 4
    src = sample.with_name("sample.txt.qz")
    src.write_bytes(bytes(packed))
    sample.write_bytes(b"precious")
    r = run("-d", "-f", src)
    assert r.exit_code == 1 and "CRC mismatch" in r.output
    assert sample.read_bytes() == b"precious" and src.read_bytes() == bytes(packed)
    assert not leftovers(sample.parent)


def without_permission_override():
    """The command prefix that makes file modes bind: root ignores them (capabilities
    DAC_OVERRIDE and DAC_READ_SEARCH), so as root the child drops both with setpriv."""
    import shutil
    if os.getuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: file modes cannot be made to bind")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--"]


class ShortWrites:
    """A file that takes `room` bytes in short writes (returning a short count, as a
    BufferedWriter does on a file system that fills part-way), then fails with ENOSPC."""

    def __init__(self, f, room):
        self._f = f
        self._room = room
        self.taken = 0

    def write(self, data):
        if not self._room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = min(len(data), self._room, 700)
        self._room -= n
        self.taken += n
        self._f.write(bytes(data[:n]))
        return n

    def __getattr__(self, name):
        return getattr(self._f, name)


@pytest.fixture
def open_dir():
    """A directory every user may enter (pytest's tmp_path is private to its owner)."""
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="quasi-perm-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d)


def test_read_only_output_directory_and_unreadable_input(open_dir):
    """Permission denied on the output directory or on the input: exit 1 with the
    system's message, input intact, nothing written."""
    ro = os.path.join(open_dir, "ro")
    os.mkdir(ro)
    src = os.path.join(ro, "sample.txt")
    with open(src, "wb") as f:
        f.write(DATA)
    packed = os.path.join(ro, "p.txt.qz")
    with open(packed, "wb") as f:
        f.write(quasi.compress(DATA))
    os.chmod(src, 0o644)
    os.chmod(packed, 0o644)
    os.chmod(ro, 0o555)
    secret = os.path.join(open_dir, "secret.txt")
    with open(secret, "wb") as f:
        f.write(DATA)
    os.chmod(secret, 0o000)
    for args, msg in (([src], f"cannot create {src}.qz: Permission denied"),
                      (["-d", packed], f"cannot create {packed[:-3]}: Permission denied"),
                      ([secret], "Permission denied"), (["-t", secret], "Permission denied")):
        r = subprocess.run(without_permission_override() + EXE + args, capture_output=True,
                           text=True)
        assert r.returncode == 1 and msg in r.stderr, (args, r.stderr)
        assert r.stderr.startswith("quasi: ") and r.stderr.count("\n") == 1
    assert sorted(os.listdir(ro)) == ["p.txt.qz", "sample.txt"]
    assert sorted(os.listdir(open_dir)) == ["ro", "secret.txt"]
    os.chmod(secret, 0o600)
    assert open(src, "rb").read() == DATA and open(secret, "rb").read() == DATA
    assert quasi.decompress(open(packed, "rb").read()) == DATA


# ------------------------------------------------ incomplete writes, special outputs


def test_write_all_finishes_short_writes_and_reports_the_failure():
    import io
    from quasi.file import write_all
    sink = ShortWrites(io.BytesIO(), 5000)
    write_all(sink, b"x" * 3000)                  # three short writes, all taken
    assert sink.getvalue() == b"x" * 3000
    with pytest.raises(OSError) as info:
        write_all(sink, b"y" * 3000)
    assert info.value.errno == errno.ENOSPC
    zero = type("Zero", (), {"write": lambda self, d: 0})()
    with pytest.raises(OSError, match="write returned 0"):
        write_all(zero, b"z")


def test_quasi_file_writes_everything_or_raises(tmp_path):
    sink = ShortWrites(open(tmp_path / "x.qz", "wb"), 10**9)
    with quasi.QuasiFile(sink, "wb") as f:
        f.write(DATA)
    sink.close()
    assert quasi.decompress((tmp_path / "x.qz").read_bytes()) == DATA
    sink = ShortWrites(open(tmp_path / "y.qz", "wb"), 2000)
    f = quasi.QuasiFile(sink, "wb", block_size=1024)
    with pytest.raises(OSError) as first:
        f.write(DATA)
    assert first.value.errno == errno.ENOSPC
    sink._room = 10**9                      # room again: the stream still has a hole
    for later in (lambda: f.write(b"more"), lambda: f.flush(quasi.FLUSH_BLOCK), f.close):
        with pytest.raises(OSError, match="an earlier write to the file failed"):
            later()
    assert f.closed
    sink.close()


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 200 KiB tmpfs (root only): a real file system that fills part-way."""
    if os.geteuid() != 0 or not os.path.exists("/bin/mount"):
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "full"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mnt)],
                       capture_output=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


def test_file_system_full_part_way_on_standard_output(small_tmpfs, tmp_path):
    """Standard output filling a real file system part-way: exit 1 with the system's
    message under (stdout), never a silently short stream with exit 0."""
    from conftest import word_soup as soup
    big = soup(120_000, seed=5)             # about 600 KB of text, about 50 KB of noise
    big += bytes(random_bytes(400_000))
    src = tmp_path / "big.txt"
    src.write_bytes(big)
    packed = tmp_path / "big.qz"
    packed.write_bytes(quasi.compress(big, 1))
    for args in (["-1", "-c", str(src)], ["-dc", str(packed)]):
        with open(small_tmpfs / "out", "wb") as full:
            r = subprocess.run(EXE + args, stdout=full, stderr=subprocess.PIPE, text=True)
        assert r.returncode == 1, (args, r.stderr)
        assert "quasi: (stdout): write error: No space left on device" in r.stderr
        (small_tmpfs / "out").unlink()
    r = subprocess.run(EXE + ["-1", "-o", str(small_tmpfs / "o.qz"), str(src)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and f"{small_tmpfs / 'o.qz'}: write error" in r.stderr
    assert list(small_tmpfs.iterdir()) == [] and src.read_bytes() == big


def random_bytes(n):
    import random
    return random.Random(3).randbytes(n)


def test_devices_and_fifos_are_written_never_replaced(sample, tmp_path):
    """-o /dev/null (with or without -f) writes into the device; a directory or a
    device with --rm is refused; a FIFO gets the stream."""
    before = os.stat("/dev/null")
    for args in (["-o", "/dev/null"], ["-f", "-o", "/dev/null"], ["-c"]):
        r = subprocess.run(EXE + args + [str(sample)], capture_output=True)
        assert r.returncode == 0, r.stderr
    after = os.stat("/dev/null")
    assert (after.st_mode, after.st_rdev, after.st_ino) == \
        (before.st_mode, before.st_rdev, before.st_ino)
    assert r.stdout and quasi.decompress(r.stdout) == DATA
    r = run("--rm", "-o", "/dev/null", sample)
    assert r.exit_code == 1 and "not a regular file" in r.output and sample.exists()
    for args in (["-o", tmp_path], ["-f", "-o", tmp_path]):
        r = run(*args, sample)
        assert r.exit_code == 1 and f"{tmp_path} is a directory" in r.output, r.output
        assert ".quasi-" not in r.output
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    r = subprocess.run(EXE + ["-o", str(fifo), str(sample)], capture_output=True)
    out, _ = reader.communicate(timeout=60)
    assert r.returncode == 0 and quasi.decompress(out) == DATA
    assert fifo.is_fifo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "sample.txt"]


@pytest.fixture(scope="module")
def long_job(tmp_path_factory):
    """A text that takes seconds at level 9 and its level-9 stream (seconds to decode)."""
    d = tmp_path_factory.mktemp("long")
    text = word_soup(1_000_000, seed=21)   # 4.4 MB: about 5 s to code, 2.5 s to decode
    (d / "big.txt").write_bytes(text)
    (d / "big.qz").write_bytes(quasi.compress(text, 9))
    return d


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
@pytest.mark.parametrize("decompress", [False, True])
def test_signal_inside_a_kernel_is_a_clean_interruption(long_job, tmp_path, signum, code,
                                                        decompress):
    """A signal at several moments (loading the kernels, inside them): one line, the
    documented status, no temporary file, the input intact."""
    src = long_job / ("big.qz" if decompress else "big.txt")
    before = src.read_bytes()
    for started, delay in ((False, 0.2), (True, 0.3), (True, 1.2)):
        proc = subprocess.Popen(EXE + ["-9", *(["-d"] if decompress else []), "-o",
                                       str(tmp_path / "out"), str(src)],
                                stderr=subprocess.PIPE,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 60
        while started and not leftovers(tmp_path):   # the output is open: coding has begun
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(delay)
        assert proc.poll() is None, "finished before the signal: make the job longer"
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == code, (delay, err)
        assert err.decode().startswith("quasi: interrupted") and err.count(b"\n") == 1, err
        assert list(tmp_path.iterdir()) == [] and src.read_bytes() == before


def test_trailing_garbage_is_a_warning_after_the_valid_content(sample, tmp_path):
    """gzip's rule: decode the valid frames, warn with the garbage's true size, exit 2,
    keep the input even with --rm; -t likewise; a pipe likewise."""
    packed = quasi.compress(DATA) + quasi.compress(DATA[:500], 1)
    junk = bytes(range(256)) * 4
    src = tmp_path / "g.txt.qz"
    src.write_bytes(packed + junk)
    expected = f"trailing garbage ignored (1,024 bytes at offset {len(packed):,})"
    p = subprocess.run(EXE + ["-dc", str(src)], capture_output=True, text=False)
    assert p.returncode == 2 and p.stdout == DATA + DATA[:500]
    assert expected in p.stderr.decode() and p.stderr.count(b"\n") == 1
    p = subprocess.run(EXE + ["-d"], input=packed + junk, capture_output=True)
    assert p.returncode == 2 and p.stdout == DATA + DATA[:500]
    assert expected in p.stderr.decode()
    r = run("-t", "-v", src)
    assert r.exit_code == 2 and expected in r.output
    assert f"OK ({len(DATA) + 500:,} bytes;" in r.output
    r = run("-d", "--rm", src)
    assert r.exit_code == 2 and expected in r.output
    assert (tmp_path / "g.txt").read_bytes() == DATA + DATA[:500] and src.exists()
    r = run("-q", "-dc", src)
    assert r.exit_code == 2 and r.stderr == ""
    with pytest.raises(quasi.TrailingGarbage) as info:
        quasi.decompress(packed + junk)
    assert info.value.offset == len(packed) and isinstance(info.value, ValueError)


def test_usage_errors_are_said_like_other_messages(sample):
    for args, msg in ((["-10"], "invalid level -10 (levels are -1 to -9)"),
                      (["-0"], "invalid level -0"),
                      (["--bogus"], "No such option '--bogus'"),
                      (["-M", "1K"], "-M limits decompression"),
                      (["-r", "-o", "x"], "-o takes one input file")):
        p = subprocess.run(EXE + args + [str(sample)], capture_output=True, text=True)
        assert p.returncode == 1, (args, p.stderr)
        assert p.stderr.startswith(f"quasi: {msg}"), (args, p.stderr)
        assert "Try 'quasi --help'" in p.stderr and "Usage:" not in p.stderr
    packed = sample.with_name("sample.txt.qz")
    packed.write_bytes(quasi.compress(DATA))
    assert run("-d", "-M", "1M", "-c", packed).exit_code == 0
    r = run("-B", "-10", sample)                 # a value, not a level
    assert r.exit_code == 1 and "invalid level" not in r.output and "block size" in r.output


def test_recursive(tmp_path):
    tree = tmp_path / "t"
    (tree / "a" / "b").mkdir(parents=True)
    for rel in ("a/x.txt", "a/b/y.txt", "z.txt"):
        (tree / rel).write_bytes(DATA + rel.encode())
    (tree / "a" / "old.qz").write_bytes(quasi.compress(b"old"))
    r = run("-r", tree)
    assert r.exit_code == 0, r.output
    names = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file())
    assert names == ["a/b/y.txt", "a/b/y.txt.qz", "a/old.qz", "a/x.txt", "a/x.txt.qz",
                     "z.txt", "z.txt.qz"]
    r = run("-r", "-d", "--rm", "-f", tree)
    assert r.exit_code == 0, r.output
    names = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file())
    assert names == ["a/b/y.txt", "a/old", "a/x.txt", "z.txt"]
    assert (tree / "a" / "old").read_bytes() == b"old"
    assert (tree / "a" / "x.txt").read_bytes() == DATA + b"a/x.txt"
    r = run(tree)
    assert r.exit_code == 2 and "is a directory -- ignored (use -r)" in r.output


def test_symlinks_and_hard_links_need_force(sample, tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(sample.name)
    r = run(link)
    assert r.exit_code == 2 and "is a symbolic link -- ignored (use -f)" in r.output
    assert not (tmp_path / "link.txt.qz").exists()
    r = run("-c", link)                      # reading through a link to stdout is fine
    assert r.exit_code == 0 and quasi.decompress(r.stdout_bytes) == DATA
    assert run("-f", link).exit_code == 0 and (tmp_path / "link.txt.qz").exists()
    hard = tmp_path / "hard.txt"
    os.link(sample, hard)
    r = run("--rm", hard)
    assert r.exit_code == 2 and "has 1 other link -- unchanged (use -f)" in r.output
    assert hard.exists() and not (tmp_path / "hard.txt.qz").exists()
    assert run("--rm", "-f", hard).exit_code == 0 and not hard.exists()
    assert sample.read_bytes() == DATA


def test_quasicat_and_unquasi(sample):
    packed = sample.with_name("sample.txt.qz")
    assert run(sample).exit_code == 0
    sample.unlink()
    for entry, check in (("quasicat", lambda p: p.stdout == DATA),
                         ("unquasi", lambda p: sample.read_bytes() == DATA)):
        p = subprocess.run([sys.executable, "-c", f"from quasi_cli.main import {entry}; "
                            f"{entry}()", str(packed)], capture_output=True)
        assert p.returncode == 0 and check(p), (entry, p.stderr)


def test_man_page_documents_every_option():
    """docs/quasi.1 names every option the command has (troff escapes its dashes)."""
    page = (Path(__file__).resolve().parent.parent / "docs" / "quasi.1").read_text()
    page = page.replace("\\-", "-")
    for param in cli.params:
        for opt in param.opts:
            if opt.startswith("-") and opt not in ("-2", "-3", "-4", "-5", "-6", "-7", "-8"):
                assert opt in page, opt
    for status in ("130", "128+N"):
        assert status in page


def test_shell_completion():
    env = dict(os.environ, _QUASI_COMPLETE="bash_complete", COMP_WORDS="quasi --til",
               COMP_CWORD="1")
    p = subprocess.run(EXE, env=env, capture_output=True, text=True)
    assert p.returncode == 0 and "--tiling" in p.stdout, p.stderr


def test_decompression_progress_counts_output(sample, monkeypatch):
    """Decoding reports the share of the output written (its size is in the index),
    not of the input read: the input is read long before the output is all there."""
    import re
    assert run("-B", "2K", sample).exit_code == 0
    monkeypatch.setattr(m.Progress, "DELAY", 0.0)
    monkeypatch.setattr(m.Progress, "INTERVAL", 0.01)
    monkeypatch.setattr(m, "CHUNK", 1000)
    monkeypatch.setattr(m, "_stderr_is_terminal", lambda: True)
    r = run("-dc", sample.with_name("sample.txt.qz"))
    assert r.exit_code == 0 and r.stdout_bytes == DATA
    shares = [int(x) for x in re.findall(r"(\d+)%", r.stderr)]
    assert len(shares) > 5 and shares == sorted(shares) and shares[0] < 20, shares


def test_compiling_on_a_terminal_shows_how_far_it_is(sample, monkeypatch):
    """On a terminal the first run shows kernels done, the one compiling and the time,
    refreshed while it compiles, then a summary; the line is cleared."""
    import numba

    import quasi.codec.block

    real = quasi.codec.block.encode_block

    def compiling(*args):   # as on a first run: kernels not in the cache, one slow
        numba.njit(lambda x: x + 1)(1)
        time.sleep(0.35)
        numba.njit(lambda x: x + 2)(1)
        return real(*args)

    monkeypatch.setattr(quasi.codec.block, "encode_block", compiling)
    monkeypatch.setattr(m.CompileStatus, "INTERVAL", 0.05)
    monkeypatch.setattr(m, "_stderr_is_terminal", lambda: True)
    r = run("-c", sample)
    assert r.exit_code == 0 and quasi.decompress(r.stdout_bytes) == DATA
    assert r.stderr.count("compiling the numba kernels") == 1
    assert "kernels compiled, 0:00; now test_cli." in r.stderr
    assert "quasi: compiled 2 kernels in 0:00" in r.stderr


def test_levels_table_is_the_measurement():
    """quasi --levels prints the sizes measured in bench/results/levels/results.json."""
    import json
    r = run("--levels")
    assert r.exit_code == 0
    root = Path(__file__).resolve().parent.parent
    results = json.loads((root / "bench" / "results" / "levels" / "results.json").read_text())
    rows = {line.split()[0]: line for line in r.output.splitlines()
            if line[:3].strip().isdigit()}
    assert sorted(rows) == [str(n) for n in range(1, 10)]
    for res in results["results"]:
        level = res["codec"].split("-")[1]
        assert f"{res['compressed_bytes']:,}" in rows[level], (level, res["file"])


# ------------------------------------------------ review: edges of the edges


class FailingFlush:
    """A file whose writes are buffered and whose flush (and so close) fails: the last
    small write of a job sits in the buffer until commit."""

    def __init__(self, f):
        self._f = f

    def write(self, data):
        return len(data)

    def flush(self):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def close(self):
        self._f.close()
        self.flush()

    def __getattr__(self, name):
        return getattr(self._f, name)


def test_failed_flush_at_commit_leaves_no_temporary_file(sample, monkeypatch):
    real_init = m.AtomicFile.__init__

    def init(self, target, force):
        real_init(self, target, force)
        self.file = FailingFlush(self.file)

    monkeypatch.setattr(m.AtomicFile, "__init__", init)
    out = sample.parent / "out.qz"
    r = run("-o", out, sample)
    assert r.exit_code == 1 and f"quasi: {out}: write error: No space left" in r.output
    assert sorted(p.name for p in sample.parent.iterdir()) == ["sample.txt"]


def test_trailing_garbage_of_one_file_is_not_blamed_on_the_next(sample, tmp_path):
    packed = quasi.compress(DATA)
    (tmp_path / "a.txt.qz").write_bytes(packed + b"\x00junk")
    (tmp_path / "b.txt.qz").write_bytes(packed)
    (tmp_path / "a.txt").write_bytes(b"exists")   # a fails before its warning
    r = run("-d", "--rm", tmp_path / "a.txt.qz", tmp_path / "b.txt.qz")
    assert r.exit_code == 1 and "already exists" in r.output
    assert "trailing garbage" not in r.output
    assert (tmp_path / "b.txt").read_bytes() == DATA and not (tmp_path / "b.txt.qz").exists()


@pytest.mark.parametrize("junk", [b"\x9e", b"\x9eQZ", b"\x00junk"])
def test_garbage_that_starts_like_a_frame_is_still_garbage(tmp_path, junk):
    """After a complete frame, fewer bytes than a frame's magic are trailing garbage
    even when they start like it; the decoded output is kept (exit 2)."""
    packed = quasi.compress(DATA)
    src = tmp_path / "g.txt.qz"
    src.write_bytes(packed + junk)
    r = run("-d", src)
    assert r.exit_code == 2 and "trailing garbage ignored" in r.output, r.output
    assert (tmp_path / "g.txt").read_bytes() == DATA
    with pytest.raises(quasi.TrailingGarbage):
        quasi.decompress(packed + junk)
    src.write_bytes(packed + b"\x9eQZ\r")   # a whole magic: a truncated second frame
    assert run("-dc", src).exit_code == 1


def test_recursive_needs_files_and_reports_unreadable_directories(tmp_path):
    assert run("-r").exit_code == 1
    assert run("-r", "-l", tmp_path).exit_code == 1
    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.txt").write_bytes(DATA)
    shut = tmp_path / "shut"
    shut.mkdir()
    (shut / "b.txt").write_bytes(DATA)
    os.chmod(tmp_path, 0o755)
    os.chmod(shut, 0o000)
    try:
        r = subprocess.run(without_permission_override() + EXE + ["-r", str(tmp_path)],
                           capture_output=True, text=True)
    finally:
        os.chmod(shut, 0o755)
    assert r.returncode == 1 and "Permission denied" in r.stderr, r.stderr
    assert (tmp_path / "ok" / "a.txt.qz").exists() and not (shut / "b.txt.qz").exists()


def test_only_an_explicit_output_is_written_into_a_fifo(sample, tmp_path):
    """quasi -d p.qz where p is a FIFO: refused, not written into (that is for -o)."""
    packed = tmp_path / "p.qz"
    packed.write_bytes(quasi.compress(DATA))
    os.mkfifo(tmp_path / "p")
    for args in (["-d", packed], ["-d", "-f", packed]):
        r = run(*args)
        assert r.exit_code == 1 and ("already exists" in r.output
                                     or "not a regular file" in r.output), r.output
    assert (tmp_path / "p").is_fifo()


def test_terminal_named_with_o_needs_force(sample):
    import pty
    master, slave = pty.openpty()
    try:
        name = os.ttyname(slave)
        r = subprocess.run(EXE + ["-o", name, str(sample)], capture_output=True, text=True)
    finally:
        os.close(slave)
        os.close(master)
    assert r.returncode == 1 and "not written to a terminal" in r.stderr


def test_ignored_hangup_stays_ignored(tmp_path):
    """Under nohup (SIGHUP ignored) quasi does not turn the signal back on."""
    proc = start_waiting_on_stdin(tmp_path, ignored=(signal.SIGHUP,))
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    assert proc.poll() is None
    proc.stdin.close()
    assert proc.wait(timeout=60) == 0
    assert quasi.decompress((tmp_path / "out.qz").read_bytes()) == DATA


def test_signal_in_numba_unpickling_is_raised_at_the_next_safe_call(monkeypatch):
    """A signal that lands in numba's unpickling of constants (where an exception
    crashed the process) is deferred to the first call or return outside it."""
    import numba.core.serialize

    monkeypatch.setattr(m, "_received", [])
    scope = {"m": m, "signal": signal, "sys": sys}
    exec(compile("def unpickling(done):\n"                 # frames 'in' serialize.py
                 "    m._on_signal(signal.SIGTERM, sys._getframe())\n"
                 "    done.append(1)\n",
                 numba.core.serialize.__file__, "exec"), scope)
    done = []
    try:
        with pytest.raises(m.Interrupted) as info:
            scope["unpickling"](done)
            done.copy()                                   # the next call, a safe one
        assert done == [1], "raised inside the unpickling"
        assert info.value.signum == signal.SIGTERM and m._received == [signal.SIGTERM]
        assert sys.getprofile() is None
    finally:
        sys.setprofile(None)


def test_progress_moves_within_a_block(tmp_path, monkeypatch):
    """A single block of about a second: the line shows shares between 0% and 100%
    while it is coded, in both directions (its coders report how far they are)."""
    import re
    big = tmp_path / "big.txt"
    big.write_bytes(word_soup(400_000, seed=31))
    monkeypatch.setattr(m.Progress, "DELAY", 0.0)
    monkeypatch.setattr(m.Progress, "INTERVAL", 0.01)
    monkeypatch.setattr(m, "_stderr_is_terminal", lambda: True)
    for args in (["-9", big], ["-dc", big.with_name("big.txt.qz")]):
        r = run(*args)
        assert r.exit_code == 0
        shares = [int(x) for x in re.findall(r"(\d+)%", r.stderr)]
        assert shares == sorted(shares), shares
        assert len({s for s in shares if 0 < s < 100}) >= 2, (args, shares)
