"""quasi beside lzma (preset 9e), side by side in one run on the same bytes.

Times are medians of N repeats after a warm-up call; the warm-up (numba
compilation, or loading the on-disk cache) is reported on its own. What counts
is the ratio of times, not absolute seconds."""
import json
import lzma
import statistics
import time

import click

import quasi
import quasi_corpora


def _median_time(fn, repeats):
    times = []
    result = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def measure(data, level=None, tiling="multi", repeats=3):
    """Dict of sizes, times and time ratios for quasi and lzma on data."""
    t0 = time.perf_counter()
    warm_packed = quasi.compress(data[:65536], level, tiling=tiling)
    t1 = time.perf_counter()
    quasi.decompress(warm_packed)
    t2 = time.perf_counter()
    qc, packed = _median_time(lambda: quasi.compress(data, level, tiling=tiling), repeats)
    qd, restored = _median_time(lambda: quasi.decompress(packed), repeats)
    if restored != data:
        raise click.ClickException("quasi round trip failed")
    xc, xpacked = _median_time(lambda: lzma.compress(data, preset=9 | lzma.PRESET_EXTREME), repeats)
    xd, _ = _median_time(lambda: lzma.decompress(xpacked), repeats)
    return dict(bytes=len(data), level=level or quasi.DEFAULT_LEVEL, tiling=tiling,
                repeats=repeats, warmup_compress_s=t1 - t0, warmup_decompress_s=t2 - t1,
                quasi_bytes=len(packed), lzma_bytes=len(xpacked),
                quasi_compress_s=qc, quasi_decompress_s=qd,
                lzma_compress_s=xc, lzma_decompress_s=xd,
                compress_ratio_vs_lzma=qc / xc, decompress_ratio_vs_lzma=qd / xd)


@click.command()
@click.option("--corpus", "files", multiple=True, default=("large/enwik8-head.xml",),
              show_default=True, help="corpus name (repeatable)")
@click.option("--level", type=int, default=None)
@click.option("--tiling", default="multi", show_default=True)
@click.option("--repeats", type=int, default=3, show_default=True)
@click.option("--json", "json_out", type=click.Path(dir_okay=False))
def speed(files, level, tiling, repeats, json_out):
    """Compress/decompress time of quasi relative to lzma preset 9e."""
    rows = []
    for name in files:
        r = measure(quasi_corpora.load(name), level, tiling, repeats)
        r["file"] = name
        rows.append(r)
        click.echo(
            f"{name}: quasi {r['quasi_bytes']:,} B, lzma {r['lzma_bytes']:,} B | "
            f"compress {r['quasi_compress_s']:.3f} s vs {r['lzma_compress_s']:.3f} s "
            f"= {r['compress_ratio_vs_lzma']:.2f}x | decompress {r['quasi_decompress_s']:.3f} s "
            f"vs {r['lzma_decompress_s']:.3f} s = {r['decompress_ratio_vs_lzma']:.2f}x | "
            f"JIT warm-up {r['warmup_compress_s']:.2f} s + {r['warmup_decompress_s']:.2f} s "
            f"(median of {repeats})")
    if json_out:
        with open(json_out, "w") as fh:
            json.dump(rows, fh, indent=1)
