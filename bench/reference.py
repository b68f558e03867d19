"""Our size beside the reference program's, per tiling mode (ANCHORS.md table)."""
import json
import time

import click

import quasi
import quasi_corpora

from .anchors import reference_by_mode

DEFAULT_FILES = ("canterbury/alice29.txt", "calgary/book1", "large/world192.txt",
                 "large/bible.txt", "large/enwik8-head.xml")
MODES = ("multi", "fib", "period5", "none")
MODE_SPEC = {"multi": "multi", "fib": "fib", "period5": "period5", "none": "none",
             "dense": "dense"}


@click.command()
@click.option("--corpus", "files", multiple=True, help="corpus name (repeatable)")
@click.option("--level", type=int, default=None, help="quasi level (default: quasi's)")
@click.option("--dense/--no-dense", default=True, help="also run the dense bound")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), help="write rows as JSON")
def reference(files, level, dense, json_out):
    """Compress each file in every tiling mode; print ours beside the reference."""
    ref = reference_by_mode()
    files = files or DEFAULT_FILES
    modes = MODES + (("dense",) if dense else ())
    rows = []
    for name in files:
        data = quasi_corpora.load(name)
        for mode in modes:
            t0 = time.perf_counter()
            packed = quasi.compress(data, level, tiling=MODE_SPEC[mode])
            t1 = time.perf_counter()
            ok = quasi.decompress(packed) == data
            theirs = ref.get(name, {}).get(mode)
            rows.append(dict(file=name, bytes=len(data), mode=mode, quasi=len(packed),
                             reference=theirs, roundtrip=ok, compress_s=round(t1 - t0, 3)))
            delta = "" if theirs is None else f"{(len(packed) - theirs) / theirs:+.2%}"
            click.echo(f"{name:<26} {mode:<8} quasi {len(packed):>10,}  reference "
                       f"{theirs if theirs is not None else '-':>10}  {delta:>8}  "
                       f"{'ok' if ok else 'ROUND TRIP FAILED'}", err=True)
    click.echo(markdown(rows))
    if json_out:
        with open(json_out, "w") as fh:
            json.dump(rows, fh, indent=1)
    if not all(r["roundtrip"] for r in rows):
        raise click.ClickException("a round trip failed")


def markdown(rows):
    """Markdown table: one line per file, quasi / reference per mode."""
    modes = list(dict.fromkeys(r["mode"] for r in rows))
    lines = ["| file | bytes | " + " | ".join(f"{m} quasi / ref" for m in modes) + " |",
             "|---|---:|" + "---:|" * len(modes)]
    for name in dict.fromkeys(r["file"] for r in rows):
        cells = []
        for m in modes:
            r = next(x for x in rows if x["file"] == name and x["mode"] == m)
            ref = "—" if r["reference"] is None else f"{r['reference']:,}"
            win = "" if r["reference"] is None else (" ✓" if r["quasi"] <= r["reference"] else " ✗")
            cells.append(f"{r['quasi']:,} / {ref}{win}")
        size = next(x["bytes"] for x in rows if x["file"] == name)
        lines.append(f"| {name} | {size:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
