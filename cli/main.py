"""quasi [OPTIONS] [FILE]... : compress or decompress files, like gzip/xz/zstd.

Data streams through QuasiCompressor / QuasiFile one block at a time, so memory
does not grow with the file. Output goes to a temporary file beside the target,
renamed into place only when complete; on an error or a signal it is removed.
--help, --version and -l import neither numpy nor numba.
"""
import contextlib
import errno
import io
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import time

import click

import quasi
from quasi.errors import QuasiError, TrailingGarbage
from quasi.file import write_all

CHUNK = 1 << 20
EXIT_OK, EXIT_ERROR, EXIT_WARNING = 0, 1, 2
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

EPILOG = """\b
With no FILE, or when FILE is -, read standard input and write standard output.
Input files are kept unless --rm is given (-c, -t and -l never delete anything).
An existing output file is never overwritten, compressed data is never written
to a terminal, and decompression never reads from one, unless -f is given.
SIZE and LIMIT are bytes, with an optional K, M or G suffix (KiB, MiB, GiB).

\b
Exit status: 0 success, 1 error (including a failed or incomplete write), 2
warning (a FILE was skipped: a directory, a wrong suffix, a link; or trailing
garbage followed valid data), 130 interrupted (Ctrl-C; 128+N for signal N, 143 for
SIGTERM). No partial output file remains after an error or a signal. An output
named with -o that is a device or a FIFO (-o /dev/null) is written into, never
replaced."""


# Measured with `python -m bench run --corpus calgary/book1 --corpus structured/sqlite3.h
# --corpus large/enwik8-head.xml --level 1 ... --level 9 --peers none -n 3` on
# 2026-12-07 (bench/results/levels/); README.md has the same table.
LEVELS_TABLE = """\
Each level adds one model or search to the one below (README.md, "Levels").
Sizes in bytes; MB/s of uncompressed data per CPU second, one thread, on
large/enwik8-head.xml (4,154,064 bytes of Wikipedia XML), 2-core x86-64.

level  book1 (768,771)  enwik8-head  sqlite3.h (616,357)  compress  decompress
  1          208,979    1,081,247         113,546         5.3 MB/s    9.4 MB/s
  2          208,383    1,075,268         113,235         4.7 MB/s   10.5 MB/s
  3          207,964    1,074,634         112,972         4.9 MB/s   10.8 MB/s
  4          206,711    1,073,811         112,211         4.9 MB/s   10.6 MB/s
  5          205,387    1,062,219         109,983         4.4 MB/s    8.1 MB/s
  6          205,053    1,061,612         109,762         4.3 MB/s    7.9 MB/s  (default)
  7          203,179    1,045,653         108,840         1.5 MB/s    3.8 MB/s
  8          200,998    1,019,705         105,027         1.1 MB/s    2.5 MB/s
  9          197,029      972,817         101,066         0.8 MB/s    1.1 MB/s

Levels 7-9 code 64 MiB blocks (1-6: 8 MiB) and take more memory."""


class CliError(Exception):
    """A failure reported as one clean line on stderr (exit status 1)."""


class WriteError(CliError):
    """A failed or incomplete write, reported under the output's name, not the input's."""

    def __init__(self, target, exc):
        super().__init__(f"{target}: write error: {_describe(exc)}")


class _OutputFailed(Exception):
    """An OSError raised by a write of the output (so that it is not blamed on the input)."""


class Skipped(Exception):
    """A file left alone, reported as a warning (exit status 2)."""


class UsageError(click.UsageError):
    """A command-line mistake, said like every other message (exit status 1)."""

    exit_code = EXIT_ERROR

    def show(self, file=None):
        _say(f"quasi: {self.format_message()}")
        _say("Try 'quasi --help' for more information.")


class Interrupted(BaseException):
    """A termination signal, raised in the main thread so cleanup runs."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


class Command(click.Command):
    """A click command whose usage errors exit with status 1 (2 means a warning)."""

    def make_context(self, info_name, args, parent=None, **extra):
        takes_value = {opt for param in self.params if isinstance(param, click.Option)
                       and not param.is_flag for opt in param.opts}
        for before, arg in zip([None, *args], args):
            if arg == "--":
                break
            # click would say "No such option '-0'"; "-B -10" is a value, said by -B
            if re.fullmatch(r"-0|-\d\d+", arg) and before not in takes_value:
                raise UsageError(f"invalid level {arg} (levels are -1 to -9)")
        try:
            return super().make_context(info_name, args, parent, **extra)
        except UsageError:
            raise
        except click.UsageError as exc:
            raise UsageError(exc.format_message()) from None


def parse_size(text, what):
    """'64M' -> 67108864 (binary units, as in xz and zstd)."""
    s = text.strip().upper().removesuffix("B").removesuffix("I")
    unit = s[-1:] if s[-1:] in _UNITS and s[-1:] else ""
    number = s[:len(s) - len(unit)]
    if not number.isdigit():
        raise UsageError(f"invalid {what} {text!r} (a number, optionally with K, M or G)")
    return int(number) * _UNITS[unit]


def _size_option(what):
    def convert(ctx, param, value):
        return None if value is None else parse_size(value, what)
    return convert


def _set_level(ctx, param, value):
    if value:
        ctx.ensure_object(dict)["level"] = {"fast": 1, "best": 9}.get(param.name) or \
            int(param.name[-1])
    return value


def _level_flags(f):
    for name, flag, text in (("best", "--best", "same as -9"), ("fast", "--fast", "same as -1")):
        f = click.option(flag, name, is_flag=True, expose_value=False, callback=_set_level,
                         help=text)(f)
    for n in range(9, 0, -1):
        f = click.option(f"-{n}", f"level{n}", is_flag=True, expose_value=False,
                         callback=_set_level, hidden=n not in (1, 9),
                         help={1: "fastest compression (-1 .. -9; --levels: the costs)",
                               9: "smallest output (default: -6)"}.get(n))(f)
    return f


@click.command(cls=Command, epilog=EPILOG,
               context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 90})
@click.argument("files", nargs=-1)
@click.option("-d", "--decompress", "--uncompress", is_flag=True, help="decompress")
@click.option("-t", "--test", is_flag=True, help="test integrity: decode and check, write nothing")
@click.option("-l", "--list", "list_", is_flag=True,
              help="list sizes, ratio, tiling, blocks and check of .qz files (-v: per stream)")
@click.option("-c", "--stdout", "to_stdout", is_flag=True,
              help="write to standard output (keeps input files)")
@click.option("-o", "--output", metavar="FILE", help="write to FILE (one input only)")
@click.option("-k", "--keep", is_flag=True, help="keep input files (the default)")
@click.option("--rm", "remove", is_flag=True, help="delete input files after success")
@click.option("-f", "--force", is_flag=True,
              help="overwrite outputs; allow terminals; compress files with the suffix")
@click.option("-S", "--suffix", default=".qz", show_default=True, metavar="SUF",
              help="suffix of compressed files")
@_level_flags
@click.option("--tiling", default=quasi.DEFAULT_TILING, show_default=True, metavar="SPEC",
              help="multi, fib, period5, period:PATTERN, alpha:SLOPE[@PHASE], none, dense")
@click.option("-B", "--block-size", metavar="SIZE", callback=_size_option("block size"),
              help=f"bytes per independent block [default: {quasi.DEFAULT_BLOCK_SIZE >> 20}M, "
                   f"{quasi.STRONG_BLOCK_SIZE >> 20}M at levels 7-9]")
@click.option("-T", "--threads", type=click.IntRange(min=0), default=1, show_default=True,
              metavar="N", help="code N blocks at once, compressing or decompressing a "
                                "file (0: one per CPU); same output")
@click.option("--scheduler", metavar="ADDRESS",
              help="code each file's blocks on a Dask cluster: tcp://HOST:PORT of a running "
                   "scheduler (its workers read the files by the same names), or local:N "
                   "for N worker processes here; same output (needs the dask extra)")
@click.option("-M", "--memory", metavar="LIMIT", callback=_size_option("memory limit"),
              help="with -d/-t: refuse to produce more than LIMIT bytes per input, "
                   "checked before each block is decoded (so no block beyond it is allocated)")
@click.option("-r", "--recursive", is_flag=True,
              help="operate on every file in directories given as FILE")
@click.option("-v", "--verbose", is_flag=True,
              help="report sizes, ratio, time and speed per file")
@click.option("-q", "--quiet", is_flag=True, help="suppress warnings and notices")
@click.option("--no-progress", is_flag=True, help="no progress bar (shown on a terminal)")
@click.option("--demo", is_flag=True, help="compress a sample text Python ships, verify, compare")
@click.option("--levels", "show_levels", is_flag=True,
              help="what each level costs: size and speed on a named file")
@click.option("--warm-up", "warm_up", is_flag=True,
              help="compile every numba kernel into the cache now (for images and CI)")
@click.version_option(quasi.__version__, "-V", "--version", prog_name="quasi")
@click.pass_context
def cli(ctx, files, decompress, test, list_, to_stdout, output, keep, remove, force, suffix,
        tiling, block_size, threads, scheduler, memory, recursive, verbose, quiet, no_progress,
        demo, show_levels, warm_up):
    """Compress FILEs to FILE.qz (or decompress, test, list them)."""
    level = (ctx.obj or {}).get("level")
    _check_usage(files, decompress, test, list_, to_stdout, output, keep, remove, suffix,
                 block_size, memory=memory, recursive=recursive, scheduler=scheduler,
                 threads=threads)
    if show_levels:
        click.echo(LEVELS_TABLE)
        return
    try:
        if warm_up:
            from quasi.warmup import cache_location, warm_up as compile_all
            started = time.perf_counter()
            with compile_notice(quiet):
                compile_all()
            if not quiet:
                _say(f"quasi: kernels ready in {time.perf_counter() - started:.1f} s; "
                     f"cache: {cache_location()}")
            return
        if demo:
            from .demo import run_demo
            with compile_notice(quiet):
                run_demo(level=level, tiling=tiling)
            return
        if list_:
            if "-" in (files or ("-",)) and not force and _stdin_is_terminal():
                raise CliError("compressed data not read from a terminal (use -f to force)")
            from .listing import list_files
            list_files(files or ("-",), verbose)
            return
    except (CliError, QuasiError, OSError) as exc:
        _say(f"quasi: {_describe(exc)}")
        ctx.exit(EXIT_ERROR)
    job = Job(mode="test" if test else "decompress" if decompress else "compress",
              to_stdout=to_stdout or output == "-", output=None if output == "-" else output,
              remove=remove, force=force, suffix=suffix, level=level, tiling=tiling,
              block_size=block_size, threads=threads, memory=memory, verbose=verbose,
              quiet=quiet, progress=not (quiet or no_progress) and _stderr_is_terminal())
    try:
        with _scheduler(scheduler, ctx) as job.executor:
            status = job.run(_walk(files, job) if recursive else files or ("-",))
    except BaseException as exc:
        signum = _signal_of(exc)
        if signum is None:
            raise
        status = _interrupted(signum)
    ctx.exit(status)


def _check_usage(files, decompress, test, list_, to_stdout, output, keep, remove, suffix,
                 block_size, *, memory, recursive, scheduler=None, threads=1):
    modes = [flag for flag, on in (("-d", decompress and not test), ("-t", test),
                                   ("-l", list_)) if on]
    if len(modes) > 1:
        raise UsageError(f"{' and '.join(modes)} cannot be combined")
    if keep and remove:
        raise UsageError("--keep and --rm contradict each other")
    if remove and (to_stdout or test or list_ or output == "-"):
        raise UsageError("--rm cannot be combined with -c, -t or -l (they keep the input)")
    if output is not None:
        if to_stdout:
            raise UsageError("-o and -c cannot be combined")
        if test or list_:
            raise UsageError("-o has no effect with -t or -l")
        if len(files) > 1 or recursive:
            raise UsageError("-o takes one input file" + (", not -r" if recursive else ""))
    if recursive and (list_ or not files):
        raise UsageError("-r takes FILE or DIR arguments (and not -l)")
    if memory is not None and not (decompress or test):
        raise UsageError("-M limits decompression: use it with -d or -t")
    if not suffix or "/" in suffix or os.sep in suffix:
        raise UsageError(f"invalid suffix {suffix!r}")
    if block_size is not None and not 1 <= block_size <= 1 << 30:
        raise UsageError("block size must be from 1 to 1G")
    if scheduler is not None and (list_ or "-" in (files or ("-",))):
        raise UsageError("--scheduler codes named files (not standard input, not -l)")
    if scheduler is not None and threads != 1:
        raise UsageError("--scheduler and -T cannot be combined (the cluster's workers code "
                         "the blocks)")


@contextlib.contextmanager
def _scheduler(address, ctx):
    """The executor of --scheduler ADDRESS for the job (None without it): a Dask
    cluster's, open while the files are coded. Dask missing or a scheduler not
    answering is a clean error, before any file."""
    if address is None:
        yield None
        return
    try:
        from quasi.cluster import scheduler_executor
    except ImportError:
        _say("quasi: --scheduler needs Dask's distributed: pip install 'quasi[dask]'")
        ctx.exit(EXIT_ERROR)
    stack = contextlib.ExitStack()
    try:
        executor = stack.enter_context(scheduler_executor(address))
    except (QuasiError, OSError, TimeoutError) as exc:
        _say(f"quasi: --scheduler {address}: {_describe(exc)}")
        ctx.exit(EXIT_ERROR)
    with stack:
        yield executor


class Job:
    """Compress, decompress or test a list of inputs with one set of options."""

    def __init__(self, *, mode, to_stdout, output, remove, force, suffix, level, tiling,
                 block_size, threads, memory, verbose, quiet, progress):
        self.mode = mode
        self.to_stdout = to_stdout
        self.output = output
        self.remove = remove
        self.force = force
        self.suffix = suffix
        self.level = level
        self.tiling = tiling
        self.block_size = block_size
        self.threads = threads
        self.memory = memory
        self.verbose = verbose
        self.quiet = quiet
        self.progress = progress
        self.executor = None  # --scheduler's: each file's blocks coded there
        self.garbage = None   # (offset, size) of trailing garbage in the current input

    def run(self, names):
        """Process every input; the exit status (1 if any failed, else 2 if any was
        skipped with a warning, else 0)."""
        if self.mode == "compress":
            try:   # a bad level, tiling or block size fails once, before any file
                quasi.QuasiCompressor(self.level, tiling=self.tiling,
                                      block_size=self.block_size, threads=self.threads)
            except QuasiError as exc:
                _say(f"quasi: {exc}")
                return EXIT_ERROR
        status = EXIT_OK
        with compile_notice(self.quiet):
            for name in names:
                if isinstance(name, OSError):   # a directory -r could not read
                    _say(f"quasi: {_describe(name)}")
                    status = EXIT_ERROR
                    continue
                try:
                    if self.one(name):
                        status = status or EXIT_WARNING
                except Skipped as exc:
                    if not self.quiet:
                        _say(f"quasi: {exc}")
                    status = status or EXIT_WARNING
                except WriteError as exc:
                    _say(f"quasi: {exc}")
                    status = EXIT_ERROR
                except (CliError, QuasiError, OSError) as exc:
                    _say(f"quasi: {_label(name)}: {_describe(exc)}")
                    status = EXIT_ERROR
        return status

    def one(self, name):
        """Process one input; EXIT_WARNING if it ended in trailing garbage, else 0
        (raises CliError, QuasiError, OSError or Skipped)."""
        self.garbage = None
        src_stat = None
        if name == "-":
            if self.mode != "compress" and not self.force and _stdin_is_terminal():
                raise CliError("compressed data not read from a terminal (use -f to force)")
        else:
            src_stat = self._input_stat(name)
        target = self._target(name, src_stat)
        if target is None and self.mode == "compress" and not self.force \
                and _stdout_is_terminal():
            raise CliError("compressed data not written to a terminal (use -f to force)")
        with open(name, "rb") if name != "-" else contextlib.nullcontext(sys.stdin.buffer) as src:
            started = time.perf_counter()
            if target is None:
                sink = sys.stdout.buffer if self.mode != "test" else _Discard()
                with _writing("(stdout)"):
                    n_in, n_out = self._transform(name, src, sink, src_stat)
                    _flush(sink)
            elif self.output is not None and _is_device_or_fifo(target):
                n_in, n_out = self._into_device(name, src, target, src_stat)
            else:
                with AtomicFile(target, self.force) as out:
                    with _writing(target):
                        n_in, n_out = self._transform(name, src, out.file, src_stat)
                    check_signals()
                    out.commit(src_stat)
        if self.verbose:
            self._report(name, target, n_in, n_out, time.perf_counter() - started)
        if self.garbage is not None:   # the input keeps what the output does not
            return self._warn_garbage(name)
        if self.remove and src_stat is not None:
            os.remove(name)
        return EXIT_OK

    def _into_device(self, name, src, target, src_stat):
        """-o naming a character device or a FIFO (/dev/null, a named pipe): opened and
        written, never replaced; compressed data goes to a terminal only with -f."""
        with _writing(target):
            out = open(os.open(target, os.O_WRONLY), "wb")
            try:
                if self.mode == "compress" and not self.force and out.isatty():
                    raise CliError("compressed data not written to a terminal (use -f to force)")
                counts = self._transform(name, src, out, src_stat)
                _flush(out)
            finally:
                try:
                    out.close()
                except OSError as exc:
                    raise _OutputFailed() from exc
        return counts

    def _input_stat(self, name):
        try:
            st = os.stat(name)
        except FileNotFoundError:
            raise CliError("no such file") from None
        if os.path.isdir(name):
            raise Skipped(f"{name}: is a directory -- ignored (use -r)")
        writes_file = not (self.to_stdout or self.mode == "test")
        if writes_file and not self.force and os.path.islink(name):
            raise Skipped(f"{name}: is a symbolic link -- ignored (use -f)")
        if self.remove and not self.force and st.st_nlink > 1:
            others = st.st_nlink - 1
            raise Skipped(f"{name}: has {others} other link{'s' if others > 1 else ''} "
                          "-- unchanged (use -f)")
        if not os.path.isfile(name) and writes_file and not self.output:
            raise Skipped(f"{name}: not a regular file -- ignored (use -c)")
        return st if os.path.isfile(name) else None

    def _target(self, name, src_stat):
        """The output file name, or None for standard output (or nowhere, with -t)."""
        if self.mode == "test" or self.to_stdout:
            return None
        if self.output is not None:
            target = self.output
        elif name == "-":
            return None
        elif self.mode == "compress":
            if name.endswith(self.suffix) and not self.force:
                raise Skipped(f"{name}: already has {self.suffix} suffix -- unchanged")
            target = name + self.suffix
        else:
            base = os.path.basename(name)
            if not base.endswith(self.suffix) or base == self.suffix:
                raise Skipped(f"{name}: unknown suffix -- ignored (expected {self.suffix})")
            target = name[:-len(self.suffix)]
        if os.path.isdir(target):
            raise CliError(f"{target} is a directory")
        if os.path.lexists(target):
            if src_stat is not None and os.path.exists(target) and os.path.samefile(name, target):
                raise CliError(f"input and output are the same file ({target})")
            if self.output is not None and _is_device_or_fifo(target):
                if self.remove:
                    raise CliError(f"{target} is not a regular file: --rm would lose the input")
                return target
            if os.path.exists(target) and not os.path.isfile(target):
                raise CliError(f"{target} is not a regular file (not replaced)")
            if not self.force:
                raise CliError(f"{target} already exists (use -f to overwrite)")
        return target

    def _transform(self, name, src, out, src_stat):
        """Stream src to out; returns (bytes read, bytes written)."""
        if self.executor is not None:
            return self._on_cluster(name, out, src_stat)
        bar = None
        if self.progress:   # decoding is measured by output: its size is in the index
            by_output = self.mode != "compress"
            total = None
            if src_stat is not None:
                total = _content_size(name) if by_output else src_stat.st_size
            bar = Progress(_label(name), total, by_output)
        reader = _Counting(src)
        written = 0
        try:
            if self.mode == "compress":
                comp = quasi.QuasiCompressor(self.level, tiling=self.tiling,
                                             block_size=self.block_size, threads=self.threads)
                while chunk := reader.read(CHUNK):
                    check_signals()
                    packed = comp.compress(chunk)
                    _write(out, packed)
                    written += len(packed)
                    if bar:
                        bar.update(comp.bytes_coded, written)
                check_signals()
                packed = comp.flush()
                _write(out, packed)
                written += len(packed)
            else:
                with quasi.QuasiFile(reader, "rb", max_output_size=self.memory,
                                     threads=self.threads) as qf:
                    try:   # read1: a block's output is written before the next is parsed
                        while chunk := qf.read1(CHUNK):
                            check_signals()
                            _write(out, chunk)
                            written += len(chunk)
                            if bar:
                                bar.update(reader.count, written)
                    except TrailingGarbage as exc:
                        self.garbage = (exc.offset, reader.count + _drain(src) - exc.offset)
        finally:
            if bar:
                bar.close()
        return (self.garbage[0] if self.garbage else reader.count), written

    def _on_cluster(self, name, out, src_stat):
        """--scheduler: the blocks of the regular file name coded on the cluster,
        written to out in order; (bytes read, bytes written)."""
        from quasi.parallel import compress_into, decompress_into

        if src_stat is None:
            raise CliError("--scheduler codes regular files only")
        if self.mode == "compress":
            return src_stat.st_size, compress_into(name, out, level=self.level,
                                                   tiling=self.tiling,
                                                   block_size=self.block_size,
                                                   executor=self.executor)
        return src_stat.st_size, decompress_into(name, out, executor=self.executor,
                                                 max_output_size=self.memory)

    def _warn_garbage(self, name):
        """gzip's rule: the frames before trailing garbage are decoded; warn, exit 2."""
        offset, size = self.garbage
        if not self.quiet:
            _say(f"quasi: {_label(name)}: decompression OK, trailing garbage ignored "
                 f"({size:,} bytes at offset {offset:,})")
        return EXIT_WARNING

    def _report(self, name, target, n_in, n_out, seconds):
        """-v: what went where, both sizes in the direction of travel, the ratio of
        compressed to uncompressed size and the speed in uncompressed MB/s."""
        raw = n_in if self.mode == "compress" else n_out
        packed = n_out if self.mode == "compress" else n_in
        ratio = f"{packed / raw:.2%}" if raw else "-"
        speed = f"{raw / seconds / 1e6:.2f} MB/s" if seconds > 0 else "-"
        if self.mode == "test":
            _say(f"{_label(name)}: OK ({n_out:,} bytes; {ratio}, {speed})")
            return
        where = "(stdout)" if target is None else target
        _say(f"{_label(name)} -> {where}: {n_in:,} -> {n_out:,} bytes ({ratio}) "
             f"in {seconds:.2f} s, {speed}")


class _StatusLine:
    """One line on stderr, rewritten in place (a terminal's status line) and cleared;
    a lock keeps the writes of a ticker thread and the main thread whole."""

    WIDTH = 79

    def __init__(self):
        self.lock = threading.Lock()
        self._shown = False

    def show(self, text):
        """Write ``text`` over the line (call with ``lock`` held)."""
        sys.stderr.write("\r" + text[:self.WIDTH].ljust(self.WIDTH))
        sys.stderr.flush()
        self._shown = True

    def clear(self):
        """Blank the line if it shows anything (call with ``lock`` held)."""
        if self._shown:
            sys.stderr.write("\r" + " " * self.WIDTH + "\r")
            sys.stderr.flush()
            self._shown = False


COMPILE_NOTICE = ("quasi: compiling the numba kernels: the first run takes a few minutes; "
                  "later runs load them from the cache")


def compile_notice(quiet):
    """A context in which the user is told (once) if kernels get compiled rather than
    loaded from the cache: the first run after installation. On a terminal a status
    line below the notice shows how many kernels are done, which one is compiling
    and for how long, refreshed twice a second so that it never looks hung."""
    if quiet:
        return contextlib.nullcontext()
    from quasi.models import _jit
    if not _stderr_is_terminal():
        return _jit.compile_notice(lambda: _say(COMPILE_NOTICE))
    return CompileStatus().watching(_jit)


class CompileStatus:
    """The terminal's line of compile progress (see compile_notice)."""

    INTERVAL = 0.5

    def __init__(self):
        self.done = 0
        self.name = None       # the kernel compiling now, or None between compiles
        self.start = None
        self._line = _StatusLine()
        self._stop = threading.Event()
        self._ticker = None

    @contextlib.contextmanager
    def watching(self, jit):
        try:
            with jit.compile_notice(self._first, self._update):
                yield
        finally:
            self._stop.set()
            if self._ticker is not None:
                self._ticker.join()
            with self._line.lock:
                self._line.clear()
        if self.done:   # not after an error or a signal
            _say(f"quasi: compiled {self.done} kernels in {self._elapsed()}")

    def _first(self):
        _say(COMPILE_NOTICE)
        self.start = time.monotonic()
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def _update(self, done, name):
        self.done, self.name = done, name
        self._draw()

    def _tick(self):
        while not self._stop.wait(self.INTERVAL):
            self._draw()

    def _elapsed(self):
        seconds = int(time.monotonic() - self.start)
        return f"{seconds // 60}:{seconds % 60:02d}"

    def _draw(self):
        with self._line.lock:
            if self.name is None:
                self._line.clear()
            else:
                self._line.show(f"quasi: {self.done} kernels compiled, {self._elapsed()}; "
                                f"now {self.name}")


class AtomicFile:
    """A temporary file beside ``target`` that becomes ``target`` on ``commit`` and
    is removed if the block exits without committing (error, Ctrl-C, signal)."""

    def __init__(self, target, force):
        self.target = target
        self.force = force
        try:
            fd, self.tmp = tempfile.mkstemp(prefix=".quasi-", suffix=".tmp",
                                            dir=os.path.dirname(os.path.abspath(target)))
        except OSError as exc:   # name the output, not a temporary file the user never saw
            raise CliError(f"cannot create {target}: {exc.strerror}") from None
        self.file = os.fdopen(fd, "wb")
        self._done = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self._done:   # the close may fail again (a full disk): remove it anyway
            try:
                with contextlib.suppress(OSError):
                    self.file.close()
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.tmp)
        return False

    def commit(self, src_stat):
        """Make the output durable, give it the input's mode, owner and times, and
        move it into place (without replacing an existing file unless forced)."""
        try:
            self.file.flush()
            os.fsync(self.file.fileno())
            self.file.close()
        except OSError as exc:
            raise WriteError(self.target, exc) from None
        if src_stat is not None:
            os.chmod(self.tmp, src_stat.st_mode & 0o7777)
            try:
                os.chown(self.tmp, src_stat.st_uid, src_stat.st_gid)
            except OSError:
                pass   # only possible for root or the file's owner with that group
            os.utime(self.tmp, ns=(src_stat.st_atime_ns, src_stat.st_mtime_ns))
        else:
            os.chmod(self.tmp, 0o666 & ~_umask())
        if self.force:
            os.replace(self.tmp, self.target)
        else:
            self._link_new()
        self._done = True

    def _link_new(self):
        try:
            os.link(self.tmp, self.target)   # fails if the target appeared meanwhile
        except FileExistsError:
            raise CliError(f"{self.target} already exists (use -f to overwrite)") from None
        except OSError as exc:   # no hard links on this file system
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV,
                                 errno.EMLINK, errno.ENOSYS):
                raise
            if os.path.lexists(self.target):
                raise CliError(f"{self.target} already exists (use -f to overwrite)") from None
            os.replace(self.tmp, self.target)
            return
        os.unlink(self.tmp)


class Progress:
    """A one-line progress report on stderr, shown only for jobs that last more than a
    second, refreshed 5 times a second also while a block is being coded: ``done`` is
    the input coded (compressing) or the output written (decompressing) so far, and
    the blocks in flight add how far their coders are (quasi.progress)."""

    DELAY = 1.0
    INTERVAL = 0.2

    def __init__(self, label, total, by_output=False):
        from quasi import progress

        self.label = label
        self.total = total          # of the input coded, or of the output if by_output
        self.by_output = by_output
        self._in_blocks = progress.bytes_done
        self.start = time.monotonic()
        self._line = _StatusLine()
        self._done = self._written = 0
        self._shown_count = 0       # what the line showed last: it never goes back
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True)
        self._ticker.start()

    def update(self, done, written):
        """``done``: input bytes coded (compressing) or read; ``written``: output bytes."""
        self._done, self._written = done, written
        if time.monotonic() - self.start >= self.DELAY:
            self._draw()

    def _tick(self):
        while not self._stop.wait(self.INTERVAL):
            if time.monotonic() - self.start >= self.DELAY:
                self._draw()

    def _draw(self):
        with self._line.lock:
            if self._stop.is_set():
                return
            counted = (self._written if self.by_output else self._done) + self._in_blocks()
            counted = self._shown_count = max(counted, self._shown_count)
            rate = counted / (time.monotonic() - self.start) / (1 << 20)
            part = f"{min(counted / self.total, 1):4.0%} " if self.total else ""
            where = (f"{self._done / (1 << 20):,.1f} MiB -> {counted / (1 << 20):,.1f} MiB"
                     if self.by_output else
                     f"{counted / (1 << 20):,.1f} MiB -> {self._written / (1 << 20):,.1f} MiB")
            self._line.show(f"quasi: {part}{where}, {rate:.1f} MiB/s  "
                            f"{os.path.basename(self.label)}")

    def close(self):
        self._stop.set()
        self._ticker.join()
        with self._line.lock:
            self._line.clear()


class _Counting:
    """A file whose ``read`` counts the bytes it returned; seeking and the rest go to
    the file itself (a seekable input lets -T decode blocks ahead)."""

    def __init__(self, fh):
        self._fh = fh
        self.count = 0

    def read(self, size=-1):
        data = self._fh.read(size)
        self.count += len(data)
        return data

    def __getattr__(self, name):
        return getattr(self._fh, name)


class _Discard:
    """Output of -t: nowhere."""

    def write(self, data):
        return len(data)

    def flush(self):
        pass


def _write(out, data):
    """Write all of ``data`` to the output; its errors are the output's (see _writing)."""
    try:
        write_all(out, data)
    except OSError as exc:
        raise _OutputFailed() from exc


def _flush(out):
    try:
        out.flush()
    except OSError as exc:
        raise _OutputFailed() from exc


@contextlib.contextmanager
def _writing(target):
    """Report a failed write of the output, or a failed flush of it, as a WriteError
    naming ``target``; errors of reading the input keep their own message."""
    try:
        yield
    except _OutputFailed as exc:
        raise WriteError(target, exc.__cause__) from None


def _is_device_or_fifo(path):
    """True for an existing character device or FIFO (such as /dev/null or a named
    pipe): an output that is opened and written, never replaced by a renamed file."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def _walk(names, job):
    """-r: each FILE, and for a directory every file under it (in name order, not
    following links to directories) that the job applies to: when compressing, those
    without the suffix; when decompressing or testing, those with it."""
    for name in names:
        if name == "-" or not os.path.isdir(name):
            yield name
            continue
        unreadable = []
        for root, dirs, files in os.walk(name, onerror=unreadable.append):
            dirs.sort()
            for base in sorted(files):
                if base.endswith(job.suffix) == (job.mode != "compress"):
                    yield os.path.join(root, base)
        yield from unreadable   # reported by Job.run as errors


def _content_size(name):
    """The uncompressed size of a .qz file from its frames' indexes, or None when they
    cannot be read (damage is reported by the decoding itself)."""
    try:
        with quasi.QuasiFile(name, "rb") as qf:
            return qf.seek(0, io.SEEK_END)
    except (QuasiError, OSError, ValueError):
        return None


def _drain(src):
    """Read ``src`` to its end; the number of bytes that were left."""
    left = 0
    while chunk := src.read(CHUNK):
        left += len(chunk)
    return left


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _label(name):
    return "(stdin)" if name == "-" else name


def _describe(exc):
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror + (f": {exc.filename}" if exc.filename else "")
    return str(exc)


def _say(message):
    click.echo(message, err=True)


def _stdout_is_terminal():
    return sys.stdout.isatty()


def _stdin_is_terminal():
    return sys.stdin.isatty()


def _stderr_is_terminal():
    return sys.stderr.isatty()


_received = []   # signals whose handler ran, kept in case the exception it raised was lost


def _on_signal(signum, frame):
    """Record the signal and raise where the main thread is, unless that is a place
    where an exception does harm (see _unsafe_to_raise): then a profile hook raises
    at the first call or return outside such places. The record is also checked
    between chunks and at exit, in case a callback from C swallowed the exception."""
    _received.append(signum)
    if _unsafe_to_raise(frame):
        sys.setprofile(_raise_when_safe)
        return
    _raise_for(signum)


def _raise_when_safe(frame, event, arg):
    if not _unsafe_to_raise(frame):
        sys.setprofile(None)
        _raise_for(_received[0])


def _raise_for(signum):
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Interrupted(signum)


def _unsafe_to_raise(frame):
    """True inside numba's unpickling of constants, which compiled code calls while it
    boxes a kernel's results and does not check for failure (an exception raised
    there crashed the process with SIGSEGV), or inside llvmlite's callbacks from C
    (which swallow exceptions)."""
    places = [os.path.dirname(mod.__file__) + os.sep if name == "llvmlite" else mod.__file__
              for name in ("numba.core.serialize", "llvmlite")
              if (mod := sys.modules.get(name)) is not None]
    while places and frame is not None:
        if frame.f_code.co_filename.startswith(tuple(places)):
            return True
        frame = frame.f_back
    return False


def check_signals():
    """Raise Interrupted for a signal whose exception was swallowed on the way."""
    if _received:
        raise Interrupted(_received[0])


def _unraisable(args, default=sys.unraisablehook):
    """Keep Python's 'Exception ignored in ...' report for everything but our signals."""
    if not isinstance(args.exc_value, (KeyboardInterrupt, Interrupted)):
        default(args)


def _signal_of(exc):
    """The signal behind ``exc``, or None. A signal that arrives while a numba kernel
    runs surfaces as a SystemError ("returned a result with an exception set") whose
    cause or context is the KeyboardInterrupt or Interrupted raised by the handler."""
    for _ in range(16):   # a short chain; bounded in case of a cycle
        if exc is None:
            return None
        if isinstance(exc, KeyboardInterrupt):
            return signal.SIGINT
        if isinstance(exc, Interrupted):
            return exc.signum
        exc = exc.__cause__ or exc.__context__
    return None


def _interrupted(signum):
    """Say so and give the exit status 128 + signum (130 for Ctrl-C)."""
    name = "" if signum == signal.SIGINT else f" by {signal.Signals(signum).name}"
    with contextlib.suppress(OSError):
        _say(f"quasi: interrupted{name}")
    return 128 + signum


def quasicat():
    """Console-script entry point ``quasicat``: the same as ``quasi -dc``."""
    main(["-dc"])


def unquasi():
    """Console-script entry point ``unquasi``: the same as ``quasi -d``."""
    main(["-d"])


def main(prefix=()):
    """Console-script entry point: cli() plus signal handling. SIGTERM and SIGHUP,
    like Ctrl-C, remove any partial output and exit with 128 + the signal number; a
    closed pipe on standard output ends quasi quietly, as it does gzip."""
    for name in ("SIGTERM", "SIGHUP"):   # not if ignored (nohup)
        if hasattr(signal, name) and signal.getsignal(getattr(signal, name)) != signal.SIG_IGN:
            signal.signal(getattr(signal, name), _on_signal)
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:   # not if ignored
        signal.signal(signal.SIGINT, _on_signal)
    sys.unraisablehook = _unraisable
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        status = cli.main(args=[*prefix, *sys.argv[1:]], prog_name="quasi",
                          standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        status = exc.exit_code
    except click.Abort:   # Ctrl-C before or after a job
        status = _interrupted(signal.SIGINT)
    except BaseException as exc:   # a signal anywhere else (--demo, -l, start-up)
        signum = _signal_of(exc)
        if signum is None:
            raise
        status = _interrupted(signum)
    status = status or EXIT_OK
    if _received and status < 128:
        status = _interrupted(_received[0])
    try:   # what -l, --demo or --help printed may still sit in the buffer
        sys.stdout.flush()
    except OSError as exc:
        _say(f"quasi: (stdout): write error: {_describe(exc)}")
        status = status or EXIT_ERROR
    sys.stderr.flush()
    if status >= 128:   # do not wait for worker threads still coding a block
        os._exit(status)
    sys.exit(status)
