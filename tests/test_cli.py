"""The command line: files, pipes, refusals and exit codes."""
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

import quasi
from quasi_cli.main import cli

from conftest import word_soup

DATA = word_soup(2000, seed=11)


@pytest.fixture
def sample(tmp_path):
    p = tmp_path / "sample.txt"
    p.write_bytes(DATA)
    os.utime(p, (1_600_000_000, 1_600_000_000))
    return p


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_compress_then_decompress_keeps_input_and_mtime(sample):
    r = run(str(sample))
    assert r.exit_code == 0, r.output
    packed = sample.with_name("sample.txt.qz")
    assert sample.exists() and packed.exists()
    assert quasi.decompress(packed.read_bytes()) == DATA
    assert int(packed.stat().st_mtime) == 1_600_000_000
    sample.unlink()
    r = run("-d", str(packed))
    assert r.exit_code == 0, r.output
    assert sample.read_bytes() == DATA and packed.exists()


def test_refuses_to_overwrite_without_force(sample):
    packed = sample.with_name("sample.txt.qz")
    packed.write_bytes(b"precious")
    r = run(str(sample))
    assert r.exit_code == 1 and "already exists" in r.output
    assert packed.read_bytes() == b"precious"
    assert run("-f", str(sample)).exit_code == 0
    assert quasi.decompress(packed.read_bytes()) == DATA


def test_rm_deletes_input_only_after_success(sample, tmp_path):
    assert run("--rm", str(sample)).exit_code == 0
    assert not sample.exists()
    bad = tmp_path / "bad.qz"
    bad.write_bytes(b"not a quasi file")
    r = run("-d", "--rm", str(bad))
    assert r.exit_code == 1 and "quasi:" in r.output
    assert bad.exists() and not (tmp_path / "bad").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".quasi-")] == []


def test_stdout_and_stdin(sample):
    r = CliRunner().invoke(cli, ["-c", str(sample)])
    assert r.exit_code == 0
    assert quasi.decompress(r.stdout_bytes) == DATA
    r2 = CliRunner().invoke(cli, ["-d"], input=r.stdout_bytes)
    assert r2.exit_code == 0 and r2.stdout_bytes == DATA


def test_levels_and_tiling(sample):
    for args in (["-1"], ["-9"], ["--tiling", "period5"], ["--tiling", "dense", "-3"]):
        r = CliRunner().invoke(cli, args + ["-c", str(sample)])
        assert r.exit_code == 0, r.output
        assert quasi.decompress(r.stdout_bytes) == DATA


def test_clean_errors(tmp_path, sample):
    for args, msg in ((["--tiling", "period:XYZ", str(sample)], "tiling"),
                      ([str(tmp_path / "missing.txt")], "no such file"),
                      (["-d", str(sample)], "unknown suffix"),
                      (["--keep", "--rm", str(sample)], "contradict")):
        r = run(*args)
        assert r.exit_code != 0 and msg in r.output, (args, r.output)


def test_subprocess_pipe_and_fast_help(sample):
    exe = [sys.executable, "-c", "from quasi_cli.main import main; main()"]
    p = subprocess.run(exe + ["-c", str(sample)], capture_output=True, check=True)
    q = subprocess.run(exe + ["-d"], input=p.stdout, capture_output=True, check=True)
    assert q.stdout == DATA
    code = ("import sys, quasi_cli.main as m\n"
            "try:\n    m.cli(['--help'])\nexcept SystemExit:\n    pass\n"
            "assert 'numba' not in sys.modules, 'quasi --help imported numba'")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)


def test_refuses_compressed_data_to_a_terminal(sample, monkeypatch):
    import quasi_cli.main as m
    monkeypatch.setattr(m, "_stdout_is_terminal", lambda: True)
    r = CliRunner().invoke(cli, ["-c", str(sample)])
    assert r.exit_code == 1 and "terminal" in r.output
    assert CliRunner().invoke(cli, ["-c", "-f", str(sample)]).exit_code == 0


def test_list_reads_headers_only(sample, tmp_path):
    assert run(str(sample)).exit_code == 0
    packed = sample.with_name("sample.txt.qz")
    r = run("-l", str(packed))
    assert r.exit_code == 0
    assert f"{len(DATA):,}" in r.output and f"{packed.stat().st_size:,}" in r.output
    assert "multi" in r.output and "CRC32" in r.output
    r = run("-l", "-v", str(packed))
    sizes = [int(line.split()[0].replace(",", "")) for line in r.output.splitlines()[2:]
             if line.startswith(" " * 14)]
    assert sum(sizes) == packed.stat().st_size  # the streams and the container add up
    bad = tmp_path / "bad.qz"
    bad.write_bytes(b"garbage")
    r = run("-l", str(bad))
    assert r.exit_code == 1 and "bad.qz" in r.output
    code = ("import sys, quasi_cli.main as m\n"
            f"try:\n    m.cli(['-l', {str(packed)!r}])\nexcept SystemExit:\n    pass\n"
            "assert 'numba' not in sys.modules, 'quasi -l imported numba'")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
