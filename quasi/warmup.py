"""Compile every numba kernel once, serially, into the on-disk cache.

``python -m quasi.warmup`` (or ``quasi --warm-up``) is for image builds, CI caches
and cluster workers: afterwards no process that uses the same cache directory
(``NUMBA_CACHE_DIR``, else the package's ``__pycache__`` when writable; see
quasi.models._jit) compiles anything. It runs in one process on purpose: processes that
compile the same kernel at once can corrupt numba's index of the cache, and warm-ups
of the same cache directory take turns (a lock file in it). A complete warm-up leaves
a record beside the lock (``is_warm``), so that a cluster worker whose cache is already
warm need not start the warm-up process at all.
"""
import glob
import hashlib
import json
import os
import platform
import random
import sys
import time
from contextlib import contextmanager

from .models import _jit
from .api import compress, decompress
from .options import DEFAULT_TILING

LEVELS = range(1, 10)
TILINGS = ("fib", "none", "dense")   # their lookup walks, beside the default's


def sample_text(n_words: int = 20000, seed: int = 1) -> bytes:
    """Generated text that every model of the codec codes: words in three cases,
    punctuation, numbers, runs of spaces, tabs and line breaks."""
    rng = random.Random(seed)
    words = ("the of and to in a is that for it as was with be by on not he I this are or "
             "his from at which but have an they you were her she there been one all we "
             "their has Alice Queen King Rabbit Hatter 1999 3.14 x86_64 <p> {\"id\": 7}").split()
    gaps = [" "] * 20 + [". ", ", ", "\n", "  ", "\t", ";\n\n"]
    parts = []
    for _ in range(n_words):
        w = rng.choice(words)
        parts.append(rng.choice((w, w, w.upper(), w.capitalize())) + rng.choice(gaps))
    return "".join(parts).encode()


def cache_location() -> str:
    """Where the kernels are cached (or a note that they are not)."""
    import numba

    if _jit.CACHE_DIR == "":
        return "nowhere (no writable cache directory: kernels compile in every process)"
    if numba.config.CACHE_DIR:
        return numba.config.CACHE_DIR
    where = os.path.join(_jit.PACKAGE_DIR, "*", "__pycache__")
    if _jit.PREBUILT_TARGET is not None:
        where += f" (the wheel's prebuilt cache, CPU target {_jit.PREBUILT_TARGET[0]})"
    return where


def _lock_directory() -> str:
    """The directory whose lock file serialises warm-ups: the cache directory, or the
    package's own ``__pycache__`` beside the kernel modules."""
    import numba

    return numba.config.CACHE_DIR or os.path.join(os.path.dirname(_jit.__file__), "__pycache__")


@contextmanager
def _one_at_a_time():
    """Hold an exclusive lock on the cache directory while warming it, so that warm-ups
    started together (the workers of one machine) take turns instead of compiling the
    same kernels at once, which can corrupt numba's index."""
    if _jit.CACHE_DIR == "":
        yield
        return
    try:
        import fcntl
    except ImportError:   # no flock: one warm-up at a time is then the caller's rule
        yield
        return
    where = _lock_directory()
    os.makedirs(where, exist_ok=True)
    with open(os.path.join(where, ".quasi-warm-up.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _record_path() -> str:
    return os.path.join(_lock_directory(), ".quasi-warm-up.done")


def _index_files() -> list:
    """numba's index files of the quasi kernels in the cache this process uses."""
    import numba

    if numba.config.CACHE_DIR:
        roots = [numba.config.CACHE_DIR]
    else:
        roots = [os.path.join(_jit.PACKAGE_DIR, stage, "__pycache__") for stage in _jit.KERNEL_STAGES]
    return sorted(path for root in roots
                  for path in glob.glob(os.path.join(glob.escape(root), "**", "*.nbi"),
                                        recursive=True))


def _fingerprint() -> str:
    """What the cached kernels depend on: the kernel modules' sources, Python, numba and
    the CPU they are compiled for (numba keys its cache on each of these)."""
    import llvmlite.binding
    import numba

    digest = hashlib.sha256()
    for stage in _jit.KERNEL_STAGES:
        for path in sorted(glob.glob(os.path.join(glob.escape(_jit.PACKAGE_DIR), stage, "*.py"))):
            with open(path, "rb") as f:
                digest.update(f"{stage}/{os.path.basename(path)}\0".encode())
                digest.update(hashlib.sha256(f.read()).digest())
    cpu = (numba.config.CPU_NAME or llvmlite.binding.get_host_cpu_name(),
           numba.config.CPU_FEATURES if numba.config.CPU_NAME
           else llvmlite.binding.get_host_cpu_features().flatten())
    digest.update(repr((numba.__version__, sys.implementation.cache_tag, platform.machine(),
                        cpu)).encode())
    return digest.hexdigest()


def is_warm() -> bool:
    """True if a complete warm-up of this cache ran for the present kernel sources,
    Python, numba and CPU target, and the index files it left are all still there."""
    if _jit.CACHE_DIR == "":
        return False
    try:
        with open(_record_path(), encoding="utf-8") as f:
            record = json.load(f)
        return (record["fingerprint"] == _fingerprint()
                and all(os.path.exists(path) for path in record["index_files"]))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _write_record() -> None:
    """Record a complete warm-up (atomically). The record only spares later warm-ups,
    so a cache directory that takes no new file is left without one."""
    record = {"fingerprint": _fingerprint(), "index_files": _index_files()}
    path = _record_path()
    try:
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(path + ".tmp", path)
    except OSError:
        pass


def warm_up(levels=LEVELS, tilings=TILINGS, report=None) -> None:
    """Compress and decompress sample_text() at every level (and the default level
    with each of ``tilings``), checking each round trip; ``report(what, seconds)``
    after each step. Warm-ups of the same cache directory wait for each other; a
    complete one (every level and tiling) is recorded for ``is_warm``."""
    text = sample_text()
    steps = [(level, DEFAULT_TILING) for level in levels]
    steps += [(None, tiling) for tiling in tilings]
    with _one_at_a_time():
        _run(steps, text, report)
        if _jit.CACHE_DIR != "" and set(levels) >= set(LEVELS) and set(tilings) >= set(TILINGS):
            _write_record()


def _run(steps, text, report):
    for level, tiling in steps:
        start = time.perf_counter()
        if decompress(compress(text, level, tiling=tiling)) != text:
            raise AssertionError(f"warm-up round trip failed (level {level}, {tiling})")
        if report is not None:
            report(f"level {level or 'default'}, tiling {tiling}", time.perf_counter() - start)


def main() -> int:
    """Warm the cache, saying what is compiled and how long it took."""
    start = time.perf_counter()
    compiled = []
    with _jit.compile_notice(lambda: None, lambda done, name: compiled.append(done)):
        warm_up(report=lambda what, s: print(f"{what}: {s:.1f} s", file=sys.stderr))
    done = compiled[-1] if compiled else 0
    print(f"quasi: {done} kernels compiled, {time.perf_counter() - start:.1f} s; "
          f"cache: {cache_location()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
