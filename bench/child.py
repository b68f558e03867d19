"""One measurement in a fresh child process, so that its peak RSS is its own.

The parent (``spawn``) writes a job file and starts ``python -m bench.child JOB``;
the child writes its result, with its peak RSS, to a file. The peak is the
high-water mark of the child's own address space (VmHWM, which starts afresh at
exec): ``ru_maxrss`` from wait4 or getrusage would not do, as Linux carries into
it the parent's resident set at fork time. Jobs:

* ``baseline``: load the corpus and stop (the idle child's RSS);
* ``compress``: load the corpus, compress it once (the first call in a fresh
  process: JIT compilation or loading the numba cache happens here), then
  ``repeats`` timed calls (fewer once they add up to ``budget_s``, if given; at
  least one); write the output to ``packed``;
* ``decompress``: load the corpus and ``packed``, decompress once, then
  ``repeats`` timed calls, comparing every output with the corpus.

Peers that are programs (zpaq, 7-Zip, bzip3) run as children of the child: their
CPU seconds count in the call's CPU time (``cpu_seconds``), and their peak RSS, read
from /proc while they run (``codecs.program_peak_rss``), is added to the child's.

Any exception in the codec is reported in the result, never raised; a child that
dies (signal, out of memory, timeout) is reported by the parent.
"""
import gc
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import quasi_corpora

from . import codecs

REPO = Path(__file__).resolve().parent.parent


def own_peak_rss() -> int:
    """This process's peak resident set in bytes (VmHWM; ru_maxrss where there is
    no /proc, which may include the parent's share at fork)."""
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        unit = 1 if sys.platform == "darwin" else 1024   # bytes on macOS, KiB elsewhere
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit


def cpu_seconds() -> float:
    """CPU seconds (user and system) of this process and of the child processes it has
    waited for: a program run by a peer counts once it has ended."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _timed_calls(fn, arg, timing, check):
    """Call fn(arg) once, then up to timing["repeats"] more times, stopping early once
    those timed calls add up to timing["budget_s"] (when set); (check of every output,
    phase dict) with the first call's wall time apart and the wall and CPU seconds of
    the others. check runs outside the timed region; each output is released before
    the next call."""
    checks, wall, cpu = [], [], []
    budget = timing.get("budget_s")
    for i in range(1 + timing["repeats"]):
        if i > 1 and budget is not None and sum(wall[1:]) >= budget:
            break
        gc.collect()
        w0, c0 = time.perf_counter(), cpu_seconds()
        out = fn(arg)
        wall.append(time.perf_counter() - w0)
        cpu.append(cpu_seconds() - c0)
        checks.append(check(out))
        del out
    median = statistics.median(wall[1:])
    return checks, {"first_s": wall[0], "seconds": wall[1:], "cpu_seconds": cpu[1:],
                    "median_s": median, "warmup_s": wall[0] - median}


def run_job(job: dict) -> dict:
    """Carry out one job in this process; the result dict (see module docstring)."""
    data = quasi_corpora.load(job["corpus"])
    if job["mode"] == "baseline":
        return {"bytes": len(data), "peak_rss_bytes": own_peak_rss()}
    codec = codecs.from_json(job["codec"])
    compress, decompress = codecs.functions(codec)
    result = {"error": None}
    try:
        if job["mode"] == "compress":
            def record(out):  # the first output is kept on disk, not in memory
                if "compressed_bytes" not in result:
                    result["compressed_bytes"] = len(out)
                    if codec.family == "quasi":
                        result["streams"] = codecs.quasi_streams(out)
                    Path(job["packed"]).write_bytes(out)
                return hashlib.sha1(out).hexdigest()

            result["setup_rss_bytes"] = own_peak_rss()
            digests, result["phase"] = _timed_calls(compress, data, job["timing"], record)
            result["same_output"] = len(set(digests)) == 1
        else:
            packed = Path(job["packed"]).read_bytes()
            result["setup_rss_bytes"] = own_peak_rss()
            result["roundtrip"] = False
            checks, result["phase"] = _timed_calls(decompress, packed, job["timing"],
                                                   lambda out: out == data)
            result["roundtrip"] = all(checks)
            if not result["roundtrip"]:
                result["error"] = "decompressed output differs from the input"
    except Exception as exc:  # a failing codec is a result, not a crash of the run
        result["error"] = f"{type(exc).__name__}: {exc}"
    result["peak_rss_bytes"] = own_peak_rss() + codecs.program_peak_rss()
    return result


def spawn(job: dict, workdir: Path, timeout: float | None = None) -> dict:
    """Run a job in a child process; its result, with ``child_error`` set when the
    child did not finish (then the result has nothing else)."""
    workdir.mkdir(parents=True, exist_ok=True)
    job_file, result_file, err_file = (workdir / f"{job['mode']}.{ext}"
                                       for ext in ("job.json", "result.json", "stderr"))
    result_file.unlink(missing_ok=True)
    job_file.write_text(json.dumps(dict(job, result=str(result_file))))
    with open(err_file, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "bench.child", str(job_file)],
                                cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err)
        timer = threading.Timer(timeout, proc.kill) if timeout else None
        if timer:
            timer.start()
        proc.wait()
        timed_out = bool(timer) and not timer.is_alive()
        if timer:
            timer.cancel()
    if proc.returncode == 0 and result_file.is_file():
        result = json.loads(result_file.read_text())
        result["child_error"] = None
    else:
        tail = err_file.read_text(errors="replace")[-1500:].strip()
        why = f"timed out after {timeout:g} s" if timed_out else f"exit status {proc.returncode}"
        result = {"child_error": f"child process {why}" + (f": {tail}" if tail else "")}
    return result


def main(argv) -> int:
    job = json.loads(Path(argv[1]).read_text())
    result = run_job(job)
    Path(job["result"]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
