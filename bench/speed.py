"""quasi beside lzma (preset 9e), side by side in one run on the same bytes.

Each repeat times quasi and then lzma on the same bytes; reported are the
medians of the times and of the per-pair time ratios, after a warm-up call whose
time (numba compilation, or loading the on-disk cache) is reported on its own.
What counts is the ratio of times, not absolute seconds."""
import json
import lzma
import statistics
import time

import click

import quasi
import quasi_corpora


def _timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def _paired(ours, theirs, repeats):
    """Run ours then theirs, repeats times; medians of each and of the per-pair
    time ratio (robust to the machine speeding up or slowing down between pairs),
    and the ratios themselves."""
    ours_t, theirs_t, ratios = [], [], []
    ours_out = theirs_out = None
    for _ in range(repeats):
        a, ours_out = _timed(ours)
        b, theirs_out = _timed(theirs)
        ours_t.append(a)
        theirs_t.append(b)
        ratios.append(a / b)
    return (statistics.median(ours_t), statistics.median(theirs_t), statistics.median(ratios),
            ratios, ours_out, theirs_out)


def measure(data, level=None, tiling="multi", repeats=3):
    """Dict of sizes, times and time ratios for quasi and lzma on data."""
    t0 = time.perf_counter()
    warm_packed = quasi.compress(data[:65536], level, tiling=tiling)
    t1 = time.perf_counter()
    quasi.decompress(warm_packed)
    t2 = time.perf_counter()
    qc, xc, c_ratio, c_ratios, packed, xpacked = _paired(
        lambda: quasi.compress(data, level, tiling=tiling),
        lambda: lzma.compress(data, preset=9 | lzma.PRESET_EXTREME), repeats)
    qd, xd, d_ratio, d_ratios, restored, _ = _paired(
        lambda: quasi.decompress(packed), lambda: lzma.decompress(xpacked), repeats)
    if restored != data:
        raise click.ClickException("quasi round trip failed")
    return dict(bytes=len(data), level=level or quasi.DEFAULT_LEVEL, tiling=tiling,
                repeats=repeats, warmup_compress_s=t1 - t0, warmup_decompress_s=t2 - t1,
                quasi_bytes=len(packed), lzma_bytes=len(xpacked),
                quasi_compress_s=qc, quasi_decompress_s=qd,
                lzma_compress_s=xc, lzma_decompress_s=xd,
                compress_ratio_vs_lzma=c_ratio, decompress_ratio_vs_lzma=d_ratio,
                compress_ratios=c_ratios, decompress_ratios=d_ratios)


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
            f"(medians of {repeats} paired runs; compress ratios "
            f"{min(r['compress_ratios']):.2f}-{max(r['compress_ratios']):.2f})")
    if json_out:
        with open(json_out, "w") as fh:
            json.dump(rows, fh, indent=1)
