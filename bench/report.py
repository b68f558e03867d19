"""results.json -> results.md (tables) and two PNG plots.

    python -m bench.report DIR      # re-render DIR/results.md and plots from DIR/results.json
"""
import json
import statistics
import sys
from pathlib import Path

MIB = 1 << 20
BPB_EDGE = 9.0   # ratio plot: tiny files can take hundreds of bits per byte


def _rows(results):
    """{(file, codec): row}"""
    return {(r["file"], r["codec"]): r for r in results["results"]}


def _codec_ids(results):
    return [c["id"] for c in results["codecs"]]


def common_files(results) -> list[str]:
    """Files every codec of the run round-tripped."""
    ok = {}
    for r in results["results"]:
        ok[r["file"]] = ok.get(r["file"], True) and r["roundtrip"]
    return [f["name"] for f in results["files"] if ok.get(f["name"])]


def summary(results, files=None) -> list[dict]:
    """Per codec over every file (of ``files``, default all) it compressed and
    round-tripped: bytes in and out, bits per byte, MB/s (total bytes over total
    median wall time, and over total median CPU time), files where it was smallest,
    the largest RSS above the idle child, and failures."""
    files = set(files if files is not None else (f["name"] for f in results["files"]))
    rows = {key: r for key, r in _rows(results).items() if key[0] in files}
    baseline = {f["name"]: f["baseline_rss_bytes"] or 0 for f in results["files"]}
    best = {}
    for name in files:
        sizes = [r["compressed_bytes"] for (n, _), r in rows.items() if n == name and r["roundtrip"]]
        best[name] = min(sizes) if sizes else None
    out = []
    for cid in _codec_ids(results):
        mine = [r for (_, c), r in rows.items() if c == cid]
        good = [r for r in mine if r["roundtrip"]]
        raw = sum(next(f["bytes"] for f in results["files"] if f["name"] == r["file"])
                  for r in good)
        packed = sum(r["compressed_bytes"] for r in good)
        c_time = sum(r["compress"]["median_s"] for r in good)
        d_time = sum(r["decompress"]["median_s"] for r in good)
        c_cpu = sum(statistics.median(r["compress"]["cpu_seconds"]) for r in good)
        d_cpu = sum(statistics.median(r["decompress"]["cpu_seconds"]) for r in good)
        out.append({
            "codec": cid, "files": len(good), "failed": len(mine) - len(good),
            "raw_bytes": raw, "compressed_bytes": packed,
            "bits_per_byte": 8 * packed / raw if raw else None,
            "compress_mb_per_s": raw / 1e6 / c_time if c_time else None,
            "decompress_mb_per_s": raw / 1e6 / d_time if d_time else None,
            "compress_cpu_mb_per_s": raw / 1e6 / c_cpu if c_cpu else None,
            "decompress_cpu_mb_per_s": raw / 1e6 / d_cpu if d_cpu else None,
            "smallest": sum(1 for r in good if r["compressed_bytes"] == best[r["file"]]),
            "compress_rss_mib": max((r["compress"]["peak_rss_bytes"] - baseline[r["file"]]) / MIB
                                    for r in good) if good else None,
            "decompress_rss_mib": max((r["decompress"]["peak_rss_bytes"] - baseline[r["file"]])
                                      / MIB for r in good) if good else None,
        })
    return out


def _fmt(value, spec=",", none="—"):
    return none if value is None else format(value, spec)


def _table(header, rows, align=None):
    align = align or ["---"] + ["---:"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def summary_table(results, files=None) -> str:
    """Markdown: one line per codec (see summary())."""
    labels = {c["id"]: c["label"] for c in results["codecs"]}
    body = [[f"{s['codec']} ({labels[s['codec']]})", s["files"], _fmt(s["raw_bytes"]),
             _fmt(s["compressed_bytes"]), _fmt(s["bits_per_byte"], ".3f"),
             _fmt(s["compress_mb_per_s"], ".2f"), _fmt(s["decompress_mb_per_s"], ".2f"),
             _fmt(s["compress_cpu_mb_per_s"], ".2f"), _fmt(s["decompress_cpu_mb_per_s"], ".2f"),
             _fmt(s["compress_rss_mib"], ",.0f"), _fmt(s["decompress_rss_mib"], ",.0f"),
             s["smallest"], s["failed"]]
            for s in summary(results, files)]
    return _table(["codec", "files", "bytes in", "bytes out", "bits/byte", "compress MB/s",
                   "decompress MB/s", "compress MB/s (CPU)", "decompress MB/s (CPU)",
                   "max RSS c MiB", "max RSS d MiB", "smallest on", "failed"], body)


def _per_file(results, cell, extra=()):
    """Markdown table: one line per file, one column per codec."""
    rows = _rows(results)
    ids = _codec_ids(results)
    body = []
    for f in results["files"]:
        body.append([f["name"]] + [fn(f) for _, fn in extra]
                    + [cell(rows.get((f["name"], cid)), f) for cid in ids])
    return _table(["file"] + [h for h, _ in extra] + ids, body)


def _size_cell(best):
    def cell(r, f):
        if r is None:
            return "—"
        if not r["roundtrip"]:
            return "✗ " + ("failed" if r["compressed_bytes"] is None else f"{r['compressed_bytes']:,}")
        text = f"{r['compressed_bytes']:,}"
        return f"**{text}**" if r["compressed_bytes"] == best[f["name"]] else text
    return cell


def _speed_cell(r, _f):
    if r is None or r["compress"] is None:
        return "—"
    d = r["decompress"]
    return f"{r['compress']['mb_per_s']:.2f} / " + ("—" if d is None else f"{d['mb_per_s']:.2f}")


def _rss_cell(r, f):
    if r is None or r["compress"] is None:
        return "—"
    base = f["baseline_rss_bytes"] or 0
    d = r["decompress"]
    return (f"{(r['compress']['peak_rss_bytes'] - base) / MIB:,.0f} / "
            + ("—" if d is None else f"{(d['peak_rss_bytes'] - base) / MIB:,.0f}"))


def _quasi_tables(results):
    quasi_ids = [c["id"] for c in results["codecs"] if c["family"] == "quasi"]
    rows = [r for r in results["results"] if r["codec"] in quasi_ids and r["compress"]]
    if not rows:
        return ""
    warm = [[r["file"], r["codec"], f"{r['compress']['first_s']:.3f}",
             f"{r['compress']['median_s']:.3f}",
             _fmt(r["decompress"] and r["decompress"]["first_s"], ".3f"),
             _fmt(r["decompress"] and r["decompress"]["median_s"], ".3f")] for r in rows]
    names = list(dict.fromkeys(n for r in rows if r["streams"] for n in r["streams"]["names"]))
    streams = []
    for r in rows:
        if r["streams"]:
            size = dict(zip(r["streams"]["names"], r["streams"]["bytes"]))
            streams.append([r["file"], r["codec"], f"{r['compressed_bytes']:,}"]
                           + [_fmt(size.get(n)) for n in names]
                           + [f"{r['streams']['container_bytes']:,}", r["streams"]["raw_blocks"],
                              r["streams"].get("lzma_blocks", 0)])
    return "\n\n".join([
        "## quasi: first call in a fresh process vs steady state (seconds)",
        "The first call includes importing numba and loading (or, on a fresh install, "
        "compiling) the kernels; its excess over the median is the JIT warm-up.",
        _table(["file", "codec", "compress first", "compress median", "decompress first",
                "decompress median"], warm, ["---", "---"] + ["---:"] * 4),
        "## quasi: bytes per stream",
        _table(["file", "codec", "total"] + names + ["container", "stored blocks", "lzma blocks"],
               streams, ["---", "---"] + ["---:"] * (len(names) + 4)),
    ])


def _repeats_text(settings) -> str:
    if settings["budget_s"] is None:
        return f"{settings['repeats']} timed calls"
    return (f"up to {settings['repeats']} timed calls (fewer once they add up to "
            f"{settings['budget_s']:g} s)")


def _common_summary(results) -> str:
    """Markdown: the summary over the files every codec round-tripped, when some
    codec failed somewhere (else the summary above says it all)."""
    common = common_files(results)
    if len(common) == len(results["files"]):
        return ""
    left_out = [f["name"] for f in results["files"] if f["name"] not in common]
    return "\n\n".join([
        f"## Summary over the {len(common)} files every codec round-tripped",
        f"Left out: {', '.join(left_out)}. The plot `speed.png` shows these figures.",
        summary_table(results, common)])


def markdown(results) -> str:
    """The whole results.md."""
    best = {}
    for r in results["results"]:
        if r["roundtrip"]:
            best[r["file"]] = min(best.get(r["file"], r["compressed_bytes"]), r["compressed_bytes"])
    m = results["machine"]
    head = [
        "# Benchmark results",
        f"`{results['command']}`",
        f"Run {results['created_utc']} on commit {results['git']['commit']}"
        f"{' (with uncommitted changes)' if results['git']['dirty'] else ''}; {m['cpu']}, "
        f"{m['cpu_count']} cores, Python {m['python']}, {m['platform']}. Every figure is "
        f"the median of {_repeats_text(results['settings'])} after a first "
        "(warm-up) call, each codec and direction in a child process of its own; MB/s are "
        "10^6 bytes of uncompressed data per wall second in both directions (per CPU "
        "second in the CPU columns, less disturbed by other load on the machine; "
        f"load average at the start {_fmt(m['load_average'] and m['load_average'][0], '.1f')}"
        "); RSS is the child's "
        "peak resident set above that of an idle child holding the same file "
        f"({'complete run' if results['complete'] else 'INCOMPLETE run'}).",
        "Codecs: " + "; ".join(f"`{c['id']}` {c['label']} [{c['version']}]"
                               for c in results["codecs"]) + ".",
    ]
    if results["skipped"]:
        head.append("Skipped: " + "; ".join(f"`{s['codec']}` ({s['reason']})"
                                           for s in results["skipped"]) + ".")
    failed = [r for r in results["results"] if not r["roundtrip"]]
    parts = head + [
        "## Summary over all files",
        "Each codec over the files it round-tripped (see `files` and `failed`).",
        summary_table(results),
        _common_summary(results),
        "## Compressed bytes (smallest in bold; ✗ round trip failed)",
        _per_file(results, _size_cell(best), [("bytes", lambda f: f"{f['bytes']:,}")]),
        "## Speed, MB/s (compress / decompress)", _per_file(results, _speed_cell),
        "## Peak RSS above the idle child, MiB (compress / decompress)",
        _per_file(results, _rss_cell,
                  [("idle child MiB", lambda f: _fmt(f["baseline_rss_bytes"] and
                                                     f["baseline_rss_bytes"] / MIB, ",.0f"))]),
        _quasi_tables(results),
    ]
    if failed:
        parts += ["## Failures", "\n".join(f"* `{r['codec']}` on {r['file']}: {r['error']}"
                                          for r in failed)]
    varying = [r for r in results["results"] if r["same_output"] is False]
    if varying:
        parts += ["## Output differed between compression calls",
                  "\n".join(f"* `{r['codec']}` on {r['file']}" for r in varying)]
    return "\n\n".join(p for p in parts if p) + "\n"


def plot(results, out_dir: Path) -> list[Path]:
    """ratio.png (bits per byte per file per codec) and speed.png (speed vs bits per
    byte over the whole run); [] when matplotlib is not installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    rows = _rows(results)
    ids = _codec_ids(results)
    files = [f["name"] for f in results["files"]]
    colors = plt.get_cmap("tab20")
    markers = "o^sDv<>pXh*P"

    fig, ax = plt.subplots(figsize=(9, max(4.0, 1.2 + 0.32 * len(files))))
    for k, cid in enumerate(ids):
        pts = [(min(rows[(f, cid)]["bits_per_byte"], BPB_EDGE), y) for y, f in enumerate(files)
               if (f, cid) in rows and rows[(f, cid)]["roundtrip"]]
        if pts:
            ax.scatter(*zip(*pts), label=cid, color=colors(k % 20), marker=markers[k % len(markers)],
                       s=36 if cid.startswith("quasi") else 22, zorder=3 if cid.startswith("quasi") else 2)
    ax.set_yticks(range(len(files)), files)
    ax.invert_yaxis()
    ax.set_xlim(0, BPB_EDGE + 0.2)
    ax.set_xlabel(f"bits per byte (lower is better; above {BPB_EDGE:g} drawn at {BPB_EDGE:g})")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    ax.set_title("Compressed size per file and codec")
    fig.tight_layout()
    ratio_png = out_dir / "ratio.png"
    fig.savefig(ratio_png, dpi=110)
    plt.close(fig)

    common = common_files(results)
    stats = [s for s in summary(results, common) if s["files"]]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6), sharey=True)
    for ax, key, what in ((axes[0], "compress_mb_per_s", "compression"),
                          (axes[1], "decompress_mb_per_s", "decompression")):
        for s in stats:
            k = ids.index(s["codec"])
            ax.scatter(s[key], s["bits_per_byte"], color=colors(k % 20), label=s["codec"],
                       marker=markers[k % len(markers)], s=48)
        ax.set_xscale("log")
        ax.set_xlabel(f"{what} MB/s (log scale)")
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("bits per byte over all files")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.suptitle(f"Speed vs size over the {len(common)} of {len(files)} file(s) that every "
                 "codec round-tripped, one thread each")
    fig.tight_layout()
    speed_png = out_dir / "speed.png"
    fig.savefig(speed_png, dpi=110)
    plt.close(fig)
    return [ratio_png, speed_png]


def write(results, out_dir: Path) -> list[Path]:
    """Write results.md and the plots into out_dir; the paths written."""
    md = out_dir / "results.md"
    md.write_text(markdown(results))
    return [md] + plot(results, out_dir)


if __name__ == "__main__":
    directory = Path(sys.argv[1])
    for path in write(json.loads((directory / "results.json").read_text()), directory):
        print(path)
