"""`quasi --demo`: compress a sample text that every Python ships, verify, compare.

The sample is the source of a few standard-library modules (plain English
docstrings and code), so the demo needs no download."""
import bz2
import inspect
import lzma
import time
import zlib

import click

import quasi

SAMPLE_MODULES = ("argparse", "textwrap", "difflib", "pydoc", "inspect", "tarfile")


def sample_text() -> bytes:
    """The embedded default input: standard-library sources, concatenated."""
    import importlib

    parts = []
    for name in SAMPLE_MODULES:
        try:
            parts.append(inspect.getsource(importlib.import_module(name)).encode("utf-8"))
        except (OSError, TypeError, ImportError):
            continue
    if not parts:  # a Python without sources: generate varied text instead
        words = [w.encode() for w in quasi.__doc__.split()]
        parts = [b" ".join(words[(i * 7) % len(words):] + words) for i in range(200)]
    return b"\n".join(parts)


def run_demo(level=None, tiling=quasi.DEFAULT_TILING):
    data = sample_text()
    click.echo(f"sample: {len(data):,} bytes of Python standard-library source")
    t0 = time.perf_counter()
    quasi.decompress(quasi.compress(data[:20000], level, tiling=tiling))  # compile or load kernels
    warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    packed = quasi.compress(data, level, tiling=tiling)
    t1 = time.perf_counter()
    restored = quasi.decompress(packed)
    t2 = time.perf_counter()
    if restored != data:
        raise quasi.QuasiError("round trip failed")
    click.echo(f"JIT warm-up (compile or cache load): {warm:.2f} s")
    rows = [("quasi", len(packed), t1 - t0, t2 - t1)]
    for name, comp, decomp in (
        ("zlib -9", lambda d: zlib.compress(d, 9), zlib.decompress),
        ("bz2 -9", lambda d: bz2.compress(d, 9), bz2.decompress),
        ("lzma -9e", lambda d: lzma.compress(d, preset=9 | lzma.PRESET_EXTREME), lzma.decompress),
    ):
        t0 = time.perf_counter()
        c = comp(data)
        t1 = time.perf_counter()
        decomp(c)
        rows.append((name, len(c), t1 - t0, time.perf_counter() - t1))
    click.echo(f"{'codec':<10} {'bytes':>10} {'ratio':>7} {'comp s':>7} {'decomp s':>8}")
    for name, size, tc, td in rows:
        click.echo(f"{name:<10} {size:>10,} {size / len(data):>7.2%} {tc:>7.3f} {td:>8.3f}")
    click.echo("round trip: OK (byte-exact)")
