"""Two source trees of quasi side by side: is a change faster or slower?

Each round runs every tree in turn, each in a fresh process that imports quasi from
that tree, makes a warm-up call (numba compilation or its cache) on the first
200 KB, then times one compression and one decompression of the whole file (and
checks the round trip). Reported: sizes, every time, and the medians of the
per-round time ratios of each tree against the first. What counts is the ratio of
times, not absolute seconds.

``--cpu-target NAME`` (repeatable) runs each tree once per numba CPU target instead:
``native`` is the host CPU with the tree's own cache; any other name is an LLVM CPU
name (``generic``, ``x86-64-v2``, ``x86-64-v3``, ...) compiled with no extra
features, as a portable cache is, into its own cache directory under
``~/.cache/quasi-bench``. That is how the speed cost of a portable cache is measured."""
import json
import os
import statistics
import subprocess
import sys
import tempfile

import click

import quasi_corpora

_CHILD = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import quasi
data = open(sys.argv[2], 'rb').read()
level = int(sys.argv[3])
quasi.decompress(quasi.compress(data[:200000], level=level))
t = time.perf_counter(); packed = quasi.compress(data, level=level); tc = time.perf_counter() - t
t = time.perf_counter(); ok = quasi.decompress(packed) == data; td = time.perf_counter() - t
print(json.dumps([quasi.__file__, len(packed), tc, td, ok]))
"""


def _target_env(target):
    """The environment of a child process compiled for numba CPU ``target``."""
    env = dict(os.environ)
    for name in ("NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES", "NUMBA_CACHE_DIR"):
        env.pop(name, None)
    if target not in (None, "native"):
        env["NUMBA_CPU_NAME"] = target
        env["NUMBA_CPU_FEATURES"] = ""
        env["NUMBA_CACHE_DIR"] = os.path.join(os.path.expanduser("~"), ".cache",
                                              "quasi-bench", f"cpu-{target}")
    return env


def _one(tree, path, level, target=None):
    out = subprocess.run([sys.executable, "-c", _CHILD, tree, str(path), str(level)],
                         capture_output=True, text=True, check=True,
                         env=_target_env(target)).stdout
    where, size, tc, td, ok = json.loads(out.strip().splitlines()[-1])
    if not where.startswith(tree):
        raise click.ClickException(f"{tree}: imported quasi from {where}")
    if not ok:
        raise click.ClickException(f"{tree}: round trip failed")
    return size, tc, td


@click.command()
@click.argument("trees", nargs=-1, required=True)
@click.option("--corpus", "name", required=True, help="a file of the corpora (corpora module)")
@click.option("--level", default=6, show_default=True)
@click.option("--rounds", default=3, show_default=True)
@click.option("--cpu-target", "targets", multiple=True,
              help="run each tree compiled for this numba CPU target (native, generic, "
                   "x86-64-v3, ...); repeatable")
def trees(trees, name, level, rounds, targets):
    """Time quasi from each of TREES (source directories holding quasi/) on one file."""
    runs = {(t, c): [] for t in trees for c in (targets or (None,))}
    with tempfile.NamedTemporaryFile() as f:
        f.write(quasi_corpora.load(name))
        f.flush()
        for _ in range(rounds):
            for t, c in runs:
                runs[t, c].append(_one(t, f.name, level, c))
    first = next(iter(runs.values()))
    for (t, c), r in runs.items():
        label = t if c is None else f"{t} [{c}]"
        line = (f"{label}: {r[0][0]:,} B  compress " + " ".join(f"{x[1]:.2f}" for x in r)
                + " s  decompress " + " ".join(f"{x[2]:.2f}" for x in r) + " s")
        if r is not first:
            rc = statistics.median(x[1] / y[1] for x, y in zip(r, first))
            rd = statistics.median(x[2] / y[2] for x, y in zip(r, first))
            line += f"  time / first: compress {rc:.3f}, decompress {rd:.3f}"
        click.echo(line)
