"""quasi [OPTIONS] [FILE]... : compress or decompress files, like gzip/xz/zstd.

Compresses by default (FILE -> FILE.qz, input kept); -d restores. With no FILE,
or FILE '-', reads standard input and writes standard output. Output is written
to a temporary file beside the target and renamed on success, so an error never
leaves a partial file; an existing output is never overwritten without -f.
Exit codes: 0 success, 1 error.
"""
import os
import sys
import tempfile
import time

import click

import quasi
from quasi.errors import QuasiError

SUFFIX = ".qz"


class CliError(Exception):
    """A failure reported as one clean line on stderr."""


def _level_option(ctx, param, value):
    if value:
        ctx.ensure_object(dict)["level"] = int(param.name[-1])
    return value


def _level_flags(f):
    for n in range(9, 0, -1):
        f = click.option(f"-{n}", f"level{n}", is_flag=True, expose_value=False,
                         callback=_level_option, help="compression level" if n == 1 else None,
                         hidden=n not in (1, 9))(f)
    return f


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-d", "--decompress", is_flag=True, help="decompress")
@click.option("-l", "--list", "list_", is_flag=True,
              help="list sizes, ratio, tiling and blocks of .qz files (with -v: bytes per stream)")
@click.option("-c", "--stdout", "to_stdout", is_flag=True, help="write to standard output")
@click.option("-k", "--keep", is_flag=True, help="keep input files (the default)")
@click.option("--rm", "remove", is_flag=True, help="delete input files after success")
@click.option("-f", "--force", is_flag=True, help="overwrite existing output files")
@click.option("--tiling", default=quasi.DEFAULT_TILING, show_default=True,
              help="tiling spec: multi, fib, period5, period:PATTERN, alpha:SLOPE[@PHASE], none, dense")
@click.option("-v", "--verbose", is_flag=True, help="report sizes and ratio")
@click.option("-q", "--quiet", is_flag=True, help="print no warnings")
@click.option("--demo", is_flag=True, help="compress a sample text Python ships, verify, compare")
@click.version_option(quasi.__version__, "-V", "--version", prog_name="quasi")
@_level_flags
@click.pass_context
def cli(ctx, files, decompress, list_, to_stdout, keep, remove, force, tiling, verbose, quiet,
        demo):
    """Compress or decompress FILEs (by default compress, keeping the input)."""
    level = (ctx.obj or {}).get("level")
    try:
        if demo:
            from .demo import run_demo
            run_demo(level=level, tiling=tiling)
            return
        if keep and remove:
            raise click.UsageError("--keep and --rm contradict each other")
        if not files:
            files = ("-",)
        if list_:
            from .listing import list_files
            list_files(files, verbose)
            return
        for name in files:
            _process(name, decompress, to_stdout, remove, force, level, tiling, verbose)
    except (CliError, QuasiError, OSError) as exc:
        click.echo(f"quasi: {exc}", err=True)
        ctx.exit(1)


def _process(name, decompress, to_stdout, remove, force, level, tiling, verbose):
    if (name == "-" or to_stdout) and not decompress and not force and _stdout_is_terminal():
        raise CliError("compressed data not written to a terminal (use -f to force)")
    if name == "-":
        data = sys.stdin.buffer.read()
        out = _transform(data, decompress, level, tiling, "stdin")
        sys.stdout.buffer.write(out)
        sys.stdout.buffer.flush()
        return
    if not os.path.isfile(name):
        raise CliError(f"{name}: no such file" if not os.path.exists(name)
                       else f"{name}: not a regular file")
    if decompress:
        if not name.endswith(SUFFIX):
            raise CliError(f"{name}: unknown suffix (expected {SUFFIX})")
        target = name[: -len(SUFFIX)]
    else:
        if name.endswith(SUFFIX):
            raise CliError(f"{name}: already has {SUFFIX} suffix")
        target = name + SUFFIX
    with open(name, "rb") as fh:
        data = fh.read()
    t0 = time.perf_counter()
    out = _transform(data, decompress, level, tiling, name)
    elapsed = time.perf_counter() - t0
    if to_stdout:
        sys.stdout.buffer.write(out)
        sys.stdout.buffer.flush()
    else:
        if os.path.exists(target) and not force:
            raise CliError(f"{target}: already exists (use -f to overwrite)")
        _write_atomically(target, out, os.stat(name))
        if remove:
            os.remove(name)
    if verbose:
        raw, packed = (len(out), len(data)) if decompress else (len(data), len(out))
        ratio = packed / raw if raw else 0.0
        click.echo(f"{name}: {raw} -> {packed} bytes ({ratio:.2%}) in {elapsed:.2f} s", err=True)


def _stdout_is_terminal():
    return sys.stdout.isatty()


def _transform(data, decompress, level, tiling, name):
    try:
        if decompress:
            return quasi.decompress(data)
        return quasi.compress(data, level, tiling=tiling)
    except QuasiError as exc:
        raise CliError(f"{name}: {exc}") from None


def _write_atomically(target, payload, src_stat):
    directory = os.path.dirname(os.path.abspath(target))
    fd, tmp = tempfile.mkstemp(prefix=".quasi-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, src_stat.st_mode & 0o7777)
        os.utime(tmp, ns=(src_stat.st_atime_ns, src_stat.st_mtime_ns))
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def main():
    """Console-script entry point."""
    cli(prog_name="quasi")
