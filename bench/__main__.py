"""python -m bench COMMAND: run (the benchmark suite: quasi against its peers),
reference (sizes vs the reference program per tiling mode) and speed (side by side
with lzma)."""
import click

from .reference import reference
from .run import run
from .speed import speed


@click.group()
def main():
    """quasi benchmarks."""


main.add_command(reference)
main.add_command(run)
main.add_command(speed)

if __name__ == "__main__":
    main()
