"""python -m bench COMMAND: run (the benchmark suite: quasi against its peers),
reference (sizes vs the reference program per tiling mode), speed (side by side
with lzma), memory (working memory of one call), ab (the tiling A/B: every
tiling, everything else equal), trees (two source trees of quasi side by side), profile
(one call under perf, numba's kernels named), compile (what the first run
compiles, kernel by kernel, from a cold cache), identity (record or check the exact
compressed bytes of the corpora) and scale (a corpus-scale file one thread, -T 2 and on
a local Dask cluster)."""
import click

from .ab import ab
from .compile import compile_times
from .identity import identity
from .memory import memory
from .profile import profile
from .reference import reference
from .scale import scale
from .run import run
from .speed import speed
from .trees import trees


@click.group()
def main():
    """quasi benchmarks."""


main.add_command(ab)
main.add_command(compile_times)
main.add_command(identity)
main.add_command(memory)
main.add_command(profile)
main.add_command(reference)
main.add_command(run)
main.add_command(scale)
main.add_command(speed)
main.add_command(trees)

if __name__ == "__main__":
    main()
