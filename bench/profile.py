"""Where quasi's time goes: one compression or decompression under Linux perf, with
numba's compiled functions named.

perf cannot name JIT-compiled code by itself. After its warm-up call (compilation
or the numba cache), a child process writes /tmp/perf-PID.map, perf's convention
for JIT code, from numba's execution engine; perf then samples only the one call
being profiled, and `perf report` names quasi's kernels (an inlined helper counts
towards the function it was inlined into). Shares of samples, not seconds, are the
figures to compare. Needs `perf` on PATH."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

import click

import quasi_corpora


def demangle(symbol: str) -> str:
    """A numba symbol as module.function (quasi.models.events.encode_events): the
    length-prefixed names after "_ZN"; unchanged if it has none."""
    start = symbol.find("_ZN")
    if start < 0:
        return symbol
    i = start + 3
    parts = []
    while i < len(symbol) and symbol[i].isdigit():
        j = i
        while j < len(symbol) and symbol[j].isdigit():
            j += 1
        n = int(symbol[i:j])
        parts.append(symbol[j:j + n])
        i = j + n
    return ".".join(parts) if any(parts) else symbol


def numba_symbols() -> list:
    """(address, size, name) of every function numba has compiled or loaded in this
    process, sizes up to the next function's address. Reads numba's private engine:
    raises RuntimeError if this numba has none."""
    from numba.core.registry import cpu_target

    try:
        engine = cpu_target.target_context.codegen()._engine
        names = list(engine._defined_symbols)
    except AttributeError as exc:
        raise RuntimeError(f"this numba does not list its compiled functions ({exc})") from exc
    found = set()
    for name in names:
        if name.startswith("_ZN08NumbaEnv") or "7cpython" in name[:12]:
            continue  # environments and the Python-facing wrappers
        address = engine.get_function_address(name)
        if address:
            found.add((address, demangle(name)))
    ordered = sorted(found)
    return [(a, (ordered[k + 1][0] - a) if k + 1 < len(ordered) else 1 << 16, n)
            for k, (a, n) in enumerate(ordered)]


def _child(name, level, direction):
    """Warm up, write the symbol map, say "ready", wait for a line on stdin, then
    run and time the one call that is being profiled."""
    import quasi

    data = quasi_corpora.load(name)
    packed = quasi.compress(data, level=level) if direction == "decompress" else None
    quasi.decompress(quasi.compress(data[:200000], level=level))
    with open(f"/tmp/perf-{os.getpid()}.map", "w") as fh:
        for address, size, symbol in numba_symbols():
            fh.write(f"{address:x} {size:x} {symbol}\n")
    print("ready", flush=True)
    sys.stdin.readline()
    t = time.perf_counter()
    if direction == "compress":
        out = len(quasi.compress(data, level=level))
    else:
        out = "round trip " + ("ok" if quasi.decompress(packed) == data else "FAILED")
    print(f"{name} level {level}, {direction}: {time.perf_counter() - t:.2f} s under perf; "
          f"{out}", flush=True)


@click.command()
@click.option("--corpus", "name", required=True, help="a file of the corpora (corpora module)")
@click.option("--level", default=6, show_default=True)
@click.option("--direction", type=click.Choice(["compress", "decompress"]), default="compress",
              show_default=True)
@click.option("--top", default=30, show_default=True, help="functions listed")
@click.option("--child", is_flag=True, hidden=True)
def profile(name, level, direction, top, child):
    """Sample one compression (or decompression) of a corpus file with perf, after
    the warm-up, and list where the samples fell."""
    if child:
        _child(name, level, direction)
        return
    if shutil.which("perf") is None:
        raise click.ClickException("perf is not on PATH (Linux perf is needed to profile)")
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        proc = subprocess.Popen([sys.executable, "-m", "bench.profile", "--child", "--corpus",
                                 name, "--level", str(level), "--direction", direction],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        if proc.stdout.readline().strip() != "ready":
            proc.kill()
            raise click.ClickException("the profiled child failed before its call")
        perf = subprocess.Popen(["perf", "record", "-q", "-F", "999", "-o", data, "-p",
                                 str(proc.pid)])
        time.sleep(1.0)  # perf attaches
        proc.stdin.write("go\n")
        proc.stdin.flush()
        click.echo(proc.stdout.read().strip())
        proc.wait()
        perf.wait()
        symbol_map = f"/tmp/perf-{proc.pid}.map"
        try:
            report = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children",
                                     "--sort", "symbol"], capture_output=True, text=True)
        finally:
            if os.path.exists(symbol_map):
                os.remove(symbol_map)  # the child's, read by perf report only
        if proc.returncode or perf.returncode or report.returncode:
            raise click.ClickException(f"profiling failed (child {proc.returncode}, perf record "
                                       f"{perf.returncode}, perf report {report.returncode}): "
                                       f"{report.stderr.strip()[-300:]}")
        report = report.stdout
    lines = [x for x in report.splitlines() if x.strip() and not x.startswith("#")]
    click.echo("share of samples:")
    for line in lines[:top]:
        share, _kind, symbol = line.split(None, 2)
        click.echo(f"  {share:>7}  {symbol.split()[0]}")


if __name__ == "__main__":
    profile()
