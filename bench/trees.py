"""Two source trees of quasi side by side: is a change faster or slower?

Each round runs every tree in turn, each in a fresh process that imports quasi from
that tree, makes a warm-up call (numba compilation or its cache) on the first
200 KB, then times one compression and one decompression of the whole file (and
checks the round trip). Reported: sizes, every time, and the medians of the
per-round time ratios of each tree against the first. What counts is the ratio of
times, not absolute seconds."""
import json
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


def _one(tree, path, level):
    out = subprocess.run([sys.executable, "-c", _CHILD, tree, str(path), str(level)],
                         capture_output=True, text=True, check=True).stdout
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
def trees(trees, name, level, rounds):
    """Time quasi from each of TREES (source directories holding quasi/) on one file."""
    runs = {t: [] for t in trees}
    with tempfile.NamedTemporaryFile() as f:
        f.write(quasi_corpora.load(name))
        f.flush()
        for _ in range(rounds):
            for t in trees:
                runs[t].append(_one(t, f.name, level))
    first = runs[trees[0]]
    for t in trees:
        r = runs[t]
        line = (f"{t}: {r[0][0]:,} B  compress " + " ".join(f"{x[1]:.2f}" for x in r)
                + " s  decompress " + " ".join(f"{x[2]:.2f}" for x in r) + " s")
        if t != trees[0]:
            c = statistics.median(x[1] / y[1] for x, y in zip(r, first))
            d = statistics.median(x[2] / y[2] for x, y in zip(r, first))
            line += f"  time / first tree: compress {c:.3f}, decompress {d:.3f}"
        click.echo(line)
