"""Compression settings callers choose: defaults, levels, block size, threads, checked.

Importing this module compiles nothing (the codec is imported when a level is
turned into its parameters)."""
import operator
import os

from .codec.container import MAX_BLOCK_SIZE
from .errors import QuasiError

DEFAULT_LEVEL = 6
DEFAULT_TILING = "multi"
DEFAULT_BLOCK_SIZE = 8 << 20   # levels 1-6 (measured: bench/results/block-size.md)
STRONG_BLOCK_SIZE = 64 << 20   # levels 7-9 (measured: bench/results/texts/README.md)
STRONG_LEVEL = 7               # the first level of STRONG_BLOCK_SIZE


def level_params(level):
    """(level, BlockParams) for a level 1..9 or None (the default); what each
    level selects is BlockParams.for_level's."""
    from .codec.block import BlockParams

    if level is None:
        level = DEFAULT_LEVEL
    level = as_int(level, "level")
    if not 1 <= level <= 9:
        raise QuasiError(f"level must be an integer from 1 to 9, not {level!r}")
    return level, BlockParams.for_level(level)


def as_int(value, name) -> int:
    """``value`` as a plain int: any integer-like object (numpy integers included,
    through operator.index) but not a bool; TypeError for anything else."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, not a bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not {type(value).__name__}") from None


def check_block_size(block_size, level=None) -> int:
    """block_size as an int in 1..2**30; None gives the default of the level (1..9,
    None the default level): DEFAULT_BLOCK_SIZE, STRONG_BLOCK_SIZE from STRONG_LEVEL on."""
    if block_size is None:
        strong = (DEFAULT_LEVEL if level is None else level) >= STRONG_LEVEL
        return STRONG_BLOCK_SIZE if strong else DEFAULT_BLOCK_SIZE
    block_size = as_int(block_size, "block_size")
    if not 1 <= block_size <= MAX_BLOCK_SIZE:
        raise QuasiError(f"block_size must be an integer from 1 to {MAX_BLOCK_SIZE}, "
                         f"not {block_size!r}")
    return block_size


def check_threads(threads) -> int:
    """Worker threads as an int >= 1; 0 means one per CPU."""
    threads = as_int(threads, "threads")
    if threads < 0:
        raise QuasiError(f"threads must be a non-negative integer, not {threads!r}")
    return threads or os.cpu_count() or 1


def check_max_output_size(limit):
    """max_output_size as None or an int >= 0."""
    if limit is None:
        return None
    limit = as_int(limit, "max_output_size")
    if limit < 0:
        raise QuasiError(f"max_output_size must be None or a non-negative integer, not {limit!r}")
    return limit
