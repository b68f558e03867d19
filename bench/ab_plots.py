"""Plots of the tiling A/B (``python -m bench ab``), drawn from its ab.json data."""
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

from quasi.text.tiling import FIB_LENGTHS as LENGTHS  # noqa: E402

from .ab import largest_input, runs_by_key  # noqa: E402


def plot_all(results: dict, out: Path) -> list:
    """Draw every plot the data allows into out; return the file names."""
    drawn = []
    for name, draw in (("ab-sizes.png", sizes), ("ab-streams.png", streams),
                       ("ab-scaling.png", scaling), ("ab-hits.png", hits),
                       ("ab-coverage.png", coverage), ("ab-collapse.png", collapse)):
        fig = draw(results)
        if fig is not None:
            fig.savefig(out / name, dpi=110, bbox_inches="tight")
            plt.close(fig)
            drawn.append(name)
    return drawn


def _short(name: str) -> str:
    return name.split("/")[-1]


def sizes(results):
    """Compressed size of every input per tiling, relative to the baseline tiling."""
    runs, tilings = runs_by_key(results), results["tilings"]
    base = "none" if "none" in tilings else tilings[0]
    inputs = [n for n in results["inputs"] if (n, base) in runs]
    if not inputs:
        return None
    fig, ax = plt.subplots(figsize=(11, 5))
    for i, t in enumerate(tilings):
        ys = [100 * (runs[n, t]["compressed"] / runs[n, base]["compressed"] - 1)
              if (n, t) in runs else math.nan for n in inputs]
        ax.plot(range(len(inputs)), ys, marker="os^vD<>ph*"[i % 10], label=t,
                linestyle="-" if t in ("multi", "fib", "dense") else ":")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xticks(range(len(inputs)), [_short(n) for n in inputs], rotation=30, ha="right")
    ax.set_ylabel(f"size vs `{base}` (%)")
    ax.set_title(f"Compressed size per tiling, relative to {base} (lower is better)")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3)
    return fig


def streams(results):
    """Bytes per stream of the largest input, as the difference to the baseline tiling."""
    runs, tilings = runs_by_key(results), results["tilings"]
    name = largest_input(results)
    base = "none" if "none" in tilings else tilings[0]
    if name is None or (name, base) not in runs:
        return None
    shown = [t for t in tilings if t != base and (name, t) in runs]
    names = [s for s in runs[name, base]["streams"]
             if any(runs[name, t]["streams"].get(s, 0) != runs[name, base]["streams"][s]
                    for t in shown)]
    if not names:
        return None
    fig, ax = plt.subplots(figsize=(11, 5))
    width = 0.8 / max(len(shown), 1)
    for i, t in enumerate(shown):
        ds = [runs[name, t]["streams"].get(s, 0) - runs[name, base]["streams"].get(s, 0)
              for s in names]
        ax.bar([j + i * width for j in range(len(names))], ds, width, label=t)
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(names))], names, rotation=20,
                  ha="right")
    ax.set_ylabel(f"bytes vs `{base}`")
    ax.set_title(f"{_short(name)}: bytes per stream, difference to {base} "
                 "(phrase codebook is in-band in events)")
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3, axis="y")
    return fig


def scaling(results):
    """fib over period5 (bytes and percent) against input size, ours and the reference's."""
    runs, ref = runs_by_key(results), results["reference"]
    series = {}
    for base, names in results["scaling"].items():
        pts = [(runs[n, "fib"]["bytes"], runs[n, "period5"]["compressed"]
                - runs[n, "fib"]["compressed"], runs[n, "period5"]["compressed"])
               for n in names if (n, "fib") in runs and (n, "period5") in runs]
        if pts:
            series[_short(base)] = pts
    if not series:
        return None
    # the A/B inputs the reference publishes both sizes for: its points and ours beside them
    ours, theirs = [], []
    for n in results["inputs"]:
        sizes_ = ref.get(n, {})
        if (n, "fib") in runs and (n, "period5") in runs and "fib" in sizes_ \
                and "period5" in sizes_:
            raw, fib, p5 = runs[n, "fib"]["bytes"], runs[n, "fib"], runs[n, "period5"]
            ours.append((raw, p5["compressed"] - fib["compressed"], p5["compressed"]))
            theirs.append((raw, sizes_["period5"] - sizes_["fib"], sizes_["period5"]))
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8))
    for label, pts in series.items():
        xs = [p[0] for p in pts]
        left.plot(xs, [p[1] for p in pts], marker="o", label=f"quasi, {label} prefixes")
        right.plot(xs, [100 * p[1] / p[2] for p in pts], marker="o", label=f"quasi, {label}")
    for pts, style in ((ours, dict(marker="x", color="tab:red", label="quasi, reference's "
                                                                         "inputs")),
                       (theirs, dict(marker="*", color="black", label="reference program "
                                                                      "(QTC), same inputs"))):
        if pts:
            left.scatter([p[0] for p in pts], [p[1] for p in pts], s=70, zorder=3, **style)
            right.scatter([p[0] for p in pts], [100 * p[1] / p[2] for p in pts], s=70,
                          zorder=3, **style)
    for ax, unit in ((left, "bytes"), (right, "% of period5's size")):
        ax.set_xscale("log")
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.set_xlabel("input bytes")
        ax.set_ylabel(f"period5 - fib ({unit})")
        ax.grid(alpha=0.3, which="both")
    left.set_yscale("symlog", linthresh=1000)
    left.legend(fontsize=8)
    fig.suptitle("Fibonacci (fib) over period-5: advantage as the input grows")
    return fig


def hits(results):
    """Phrase hits per phrase length, per tiling, on the first and the largest input."""
    runs, tilings = runs_by_key(results), results["tilings"]
    names = list(dict.fromkeys([results["inputs"][0], largest_input(results)])) \
        if results["runs"] else []
    names = [n for n in names if any((n, t) in runs for t in tilings)]
    if not names:
        return None
    fig, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4.8), squeeze=False)
    for ax, name in zip(axes[0], names):
        for i, t in enumerate(tilings):
            if (name, t) not in runs or not any(runs[name, t]["phrase_hits"].values()):
                continue
            h = runs[name, t]["phrase_hits"]
            ys = [h[str(n)] or math.nan for n in LENGTHS[1:]]
            ax.plot(LENGTHS[1:], ys, marker="os^vD<>ph*"[i % 10], label=t)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(LENGTHS[1:], [str(n) for n in LENGTHS[1:]])
        ax.set_xlabel("phrase length (words)")
        ax.set_ylabel("phrase events taken by the parse")
        ax.set_title(_short(name))
        ax.grid(alpha=0.3, which="both")
        if ax.get_lines():  # a file where no tiling took a phrase has no curve
            ax.legend(fontsize=8)
    fig.suptitle("Phrase hits per level (missing points: none)")
    return fig


def coverage(results):
    """Coverage per level of each structure: golden holds, periodic ones drop to nothing."""
    specs = results["structure"]
    if not specs:
        return None
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for i, (spec, s) in enumerate(specs.items()):
        ys = [r["coverage"] or math.nan for r in s["levels"]]
        label = spec if len(spec) < 32 else spec[:29] + "..."
        golden = spec.startswith("alpha:0.618") or spec in ("fib", "multi")
        ax.plot(LENGTHS, ys, marker="os^vD<>ph*"[i % 10], label=label,
                linestyle="-" if golden or spec == "dense" else "--")
    ax.axhline((1 + 5 ** 0.5) / 2 / 5 ** 0.5, color="grey", linewidth=0.8, linestyle=":",
               label="phi / sqrt 5")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(LENGTHS, [str(n) for n in LENGTHS])
    ax.set_xlabel("phrase length (words)")
    ax.set_ylabel("coverage: positions x length / words")
    ax.set_title("Coverage per level over 1,000,000 words (a line ends where the tiling "
                 "collapses)", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, ncol=2)
    return fig


def collapse(results):
    """Deepest level a periodic tiling keeps against its period; and what that costs in bytes
    against one golden tiling (collapse series)."""
    c, series = results["collapse"], results["collapse_series"]
    runs = runs_by_key(results)
    fib, best = c["fibonacci_prefixes"], c["max_by_period"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8))
    ps = [r["period"] for r in best]
    left.step(ps, [math.floor(r["log_phi"]) for r in best], where="post", color="grey",
              label="floor(log_phi p)")
    left.plot(ps, [r["deepest_level"] for r in best], "o", label="best of all tilings of period p")
    left.plot([r["period"] for r in fib], [r["deepest_level"] for r in fib], "s--",
              label="Fibonacci-word prefix of length p")
    left.axhline(9, color="black", linewidth=0.8, linestyle=":",
                 label="deepest level (144 words)")
    left.set_xscale("log")
    left.set_xlabel("period p (tiles)")
    left.set_ylabel("deepest level with lookup positions")
    left.set_title("Periodic collapse: depth grows like log_phi(period)")
    left.legend(fontsize=8)
    golden = series["tilings"][0]
    for name in series["inputs"]:
        if all((name, t) in runs for t in series["tilings"]):
            g = runs[name, golden]["compressed"]
            right.plot(series["periods"], [100 * (runs[name, t]["compressed"] / g - 1)
                                           for t in series["tilings"][1:]], "o-",
                       label=_short(name))
    right.axhline(0, color="grey", linewidth=0.8)
    right.set_xscale("log")
    right.set_xticks(series["periods"], [str(p) for p in series["periods"]])
    right.set_xlabel("period p of the repeated Fibonacci-word prefix (tiles)")
    right.set_ylabel("size vs one golden tiling (%)")
    right.set_title("What the collapse costs (single tilings, same codec)")
    if right.lines[1:]:
        right.legend(fontsize=8)
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
    return fig
