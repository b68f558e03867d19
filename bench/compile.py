"""What the first run compiles: every numba kernel's compile time, from a cold cache.

A fresh process with an empty NUMBA_CACHE_DIR compresses and decompresses the warm-up's
generated text (quasi.warmup.sample_text) at each level asked for, then reads numba's
own timers of every compiled signature (``overloads[sig].metadata['timers']``: the time
under the compiler lock, which includes typing, lowering and LLVM, and the LLVM part
alone) of every dispatcher in the quasi package. Reported: wall time per step, the
kernels by compile time, signatures per kernel, and totals."""
import json
import os
import subprocess
import sys
import tempfile

import click

_CHILD = r"""
import importlib, json, pkgutil, sys, time
levels = [int(x) for x in sys.argv[1].split(",")]
t0 = time.perf_counter()
import quasi
from numba.core.registry import CPUDispatcher
from quasi.warmup import sample_text
text = sample_text()
steps = []
for level in levels:
    a = time.perf_counter(); packed = quasi.compress(text, level)
    assert quasi.get_frame_info(packed).block_types == [1], "not coded by the models"
    b = time.perf_counter(); assert quasi.decompress(packed) == text
    c = time.perf_counter()
    steps.append([level, b - a, c - b])
kernels = []
for info in pkgutil.walk_packages(quasi.__path__, "quasi."):
    try:
        module = importlib.import_module(info.name)
    except ImportError:   # an optional integration whose package is not installed
        continue
    for name, obj in vars(module).items():
        if isinstance(obj, CPUDispatcher) and obj.__module__ == module.__name__:
            for sig, res in obj.overloads.items():
                timers = res.metadata.get("timers", {}) if res.metadata else {}
                kernels.append([f"{info.name.rpartition('.')[2]}.{name}", str(sig),
                                timers.get("compiler_lock", 0.0), timers.get("llvm_lock", 0.0)])
print(json.dumps({"steps": steps, "kernels": kernels, "total": time.perf_counter() - t0}))
"""


@click.command("compile")
@click.option("--level", "levels", multiple=True, type=click.IntRange(1, 9),
              default=(1, 6, 9), show_default=True, help="levels to run, in order")
@click.option("--top", default=25, show_default=True, help="kernels to list")
@click.option("--json", "json_path", type=click.Path(dir_okay=False),
              help="also write the measurements here")
def compile_times(levels, top, json_path):
    """Compile every kernel from a cold cache and report where the time goes."""
    with tempfile.TemporaryDirectory(prefix="quasi-cold-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        child = subprocess.run([sys.executable, "-c", _CHILD, ",".join(map(str, levels))],
                               capture_output=True, text=True, env=env)
    if child.returncode:
        raise click.ClickException(f"the measuring process failed:\n{child.stderr}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    for level, tc, td in result["steps"]:
        click.echo(f"level {level}: first compress {tc:.1f} s, first decompress {td:.1f} s")
    per = {}
    for name, sig, total, llvm in result["kernels"]:
        t = per.setdefault(name, [0, 0.0, 0.0])
        t[0] += 1
        t[1] += total
        t[2] += llvm
    ranked = sorted(per.items(), key=lambda kv: -kv[1][1])
    click.echo(f"{'kernel':40s} {'sigs':>4s} {'compile s':>9s} {'llvm s':>7s}")
    for name, (n, total, llvm) in ranked[:top]:
        click.echo(f"{name:40s} {n:4d} {total:9.2f} {llvm:7.2f}")
    all_total = sum(v[1] for v in per.values())
    click.echo(f"{len(per)} kernels, {sum(v[0] for v in per.values())} signatures; "
               f"kernel compile time {all_total:.1f} s (nested helpers are counted in their "
               f"own rows and again in their callers'); whole run {result['total']:.1f} s")
    if json_path:
        with open(json_path, "w") as f:
            json.dump(result, f, indent=1)
