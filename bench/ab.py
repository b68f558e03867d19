"""python -m bench ab: the tiling A/B. Every input is compressed under each tiling with
everything else identical (level, block size, codec), through ``quasi.analysis`` so that the
bytes of each stream, the events and the phrase hits per level are known; every output is
decompressed and compared. Also measured: the structure of the tilings over 1,000,000 words
(``quasi.text.structure``) and the collapse of periodic tilings.

Writes ab.json (everything), ab.md (tables and a reading computed from the numbers) and the
plots ab-*.png into --out (default bench/results). Run it under the heavy-job lock:

    flock /tmp/quasi-heavy.lock python -m bench ab
"""
import json
import math
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

import click

import quasi
import quasi_corpora
from quasi.analysis import PHRASE_WORDS, compress_analyzed
from quasi.options import check_block_size
from quasi.text.structure import collapse, fibonacci_word, log_phi, structure, tiling_patterns
from quasi.text.tiling import GOLDEN_SLOPE

from .anchors import anchors_path, reference_by_mode

DEFAULT_INPUTS = ("canterbury/alice29.txt", "canterbury/asyoulik.txt", "canterbury/lcet10.txt",
                  "canterbury/plrabn12.txt", "calgary/book1", "large/world192.txt",
                  "large/bible.txt", "large/enwik8-head.xml:3000000", "large/enwik8-head.xml",
                  "big/kernel-docs.rst", "big/gcide.txt")
DEFAULT_TILINGS = ("multi", "fib", "period5", "period:LLS", "period:LLSLSLLS",
                   "period:LSLLSLLSLLSLS", "none", "dense")
DEFAULT_SCALING = ("large/enwik8-head.xml", "big/kernel-docs.rst", "big/gcide.txt")
DEFAULT_COLLAPSE = ("large/world192.txt", "large/enwik8-head.xml", "big/gcide.txt")
SCALING_TILINGS = ("multi", "fib", "period5", "none")
PREFIX_LADDER = (100_000, 300_000, 1_000_000, 3_000_000, 10_000_000, 30_000_000)
"""Prefix sizes of a scaling series (those below the corpus size), then the whole corpus."""
STRUCTURE_WORDS = 1_000_000
GOLDEN = f"alpha:{GOLDEN_SLOPE!r}"
FIB_PERIODS = (5, 8, 13, 21, 34, 55, 89)
COLLAPSE_TILINGS = (GOLDEN,) + tuple(f"period:{fibonacci_word(p)}" for p in FIB_PERIODS)
"""Single tilings: the golden one and its periodic approximants (Fibonacci-word prefixes)."""
MAX_EXHAUSTIVE_PERIOD = 18
READING = "ab-reading.md"
"""Hand-written interpretation kept beside ab.md (never generated)."""
REFERENCE_AB = (("fib", "period5"), ("multi", "fib"))
"""Pairs (a, b) whose difference size(b) - size(a) the reference publishes."""


@click.command()
@click.option("--input", "inputs", multiple=True,
              help="corpus name, optionally NAME:SIZE for a prefix (repeatable)")
@click.option("--tiling", "tilings", multiple=True, help="tiling spec (repeatable)")
@click.option("--scaling", multiple=True,
              help="corpus for the size series: prefixes of 100 KB, 300 KB, 1 MB, ... "
                   "and the whole (repeatable)")
@click.option("--no-scaling", is_flag=True, help="no size series")
@click.option("--collapse-input", "collapse_inputs", multiple=True,
              help="corpus for the collapse series: one golden tiling against repeated "
                   "Fibonacci-word prefixes of 5..89 tiles (repeatable)")
@click.option("--no-collapse-series", is_flag=True, help="no collapse series")
@click.option("--level", type=int, default=None, help="quasi level (default: quasi's)")
@click.option("--block-size", default=None,
              help="bytes per block, e.g. 4MiB or 64MiB (default: quasi's)")
@click.option("--out", type=click.Path(file_okay=False), default="bench/results",
              show_default=True, help="directory for ab.json, ab.md and ab-*.png")
def ab(inputs, tilings, scaling, no_scaling, collapse_inputs, no_collapse_series, level,
       block_size, out):
    """Compress every input under every tiling, everything else equal; write ab.json,
    ab.md and plots."""
    from .ab_plots import plot_all

    started = time.perf_counter()
    try:
        block_size = check_block_size(None if block_size is None
                                      else quasi_corpora.parse_size(block_size), level)
    except (quasi.QuasiError, quasi_corpora.CorpusError) as exc:
        raise click.BadParameter(str(exc), param_hint="--block-size") from None
    inputs = inputs or DEFAULT_INPUTS
    tilings = tilings or DEFAULT_TILINGS
    series = () if no_scaling else (scaling or DEFAULT_SCALING)
    plan = [(name, t) for name in inputs for t in tilings]
    scaling_inputs = {base: scaling_ladder(base) for base in series}
    for names in scaling_inputs.values():
        plan += [(name, t) for name in names for t in SCALING_TILINGS if (name, t) not in plan]
    collapse_inputs = () if no_collapse_series else (collapse_inputs or DEFAULT_COLLAPSE)
    plan += [(name, t) for name in collapse_inputs for t in COLLAPSE_TILINGS
             if (name, t) not in plan]
    runs = []
    for i, (name, spec) in enumerate(plan, 1):
        runs.append(measure(name, spec, level, block_size))
        r = runs[-1]
        label = spec if len(spec) <= 22 else spec[:19] + "..."
        click.echo(f"[{i}/{len(plan)}] {name:<34} {label:<22} {r['compressed']:>11,} "
                   f"{r['compress_s']:>6.1f} s  {'ok' if r['roundtrip'] else 'ROUND TRIP FAILED'}",
                   err=True)
    results = {
        "command": "python -m bench ab " + " ".join(sys.argv[2:]),
        "commit": git_commit(), "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "python": platform.python_version(), "machine": platform.machine(),
        "quasi": quasi.__version__, "level": runs[0]["level"] if runs else level,
        "block_size": block_size,
        "inputs": list(inputs), "tilings": list(tilings),
        "scaling": scaling_inputs, "scaling_tilings": list(SCALING_TILINGS),
        "collapse_series": {"inputs": list(collapse_inputs),
                            "tilings": list(COLLAPSE_TILINGS), "periods": list(FIB_PERIODS)},
        "runs": runs, "reference": reference_sizes(),
        "structure": structures(tilings), "collapse": collapse_study(),
    }
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ab.json").write_text(json.dumps(results, indent=1) + "\n")
    plots = plot_all(results, out)
    (out / "ab.md").write_text(markdown(results, plots, (out / READING).exists()))
    click.echo(f"wrote {out / 'ab.json'}, {out / 'ab.md'} and {len(plots)} plots "
               f"in {results['elapsed_s']:.0f} s", err=True)
    if not all(r["roundtrip"] for r in runs):
        raise click.ClickException("a round trip failed")


def scaling_ladder(base: str) -> list:
    """Input names of a size series: prefixes from PREFIX_LADDER below the size, then all."""
    size = len(quasi_corpora.load(base))
    return [f"{base}:{n}" for n in PREFIX_LADDER if n < size] + [base]


def measure(name: str, spec: str, level, block_size: int) -> dict:
    """Compress one input under one tiling through quasi.analysis (quasi's own coding, no
    lzma blocks: the tilings are compared); decompress and compare."""
    data = quasi_corpora.load(name)
    t0 = time.perf_counter()
    packed, report = compress_analyzed(data, level, tiling=spec, block_size=block_size,
                                       lzma=False)
    t1 = time.perf_counter()
    ok = quasi.decompress(packed) == data
    t2 = time.perf_counter()
    row = report.as_dict()
    del row["blocks"]
    row["canonical"] = row.pop("tiling")
    return {"input": name, "bytes": len(data), "tiling": spec, "compressed": len(packed),
            "compress_s": round(t1 - t0, 3), "decompress_s": round(t2 - t1, 3),
            "roundtrip": ok, **row}


def git_commit() -> str:
    """HEAD's commit, with "+changes" when quasi/ differs from it in the working tree."""
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "unknown"
    return head + ("+changes" if git("status", "--porcelain", "quasi") else "")


def reference_sizes() -> dict:
    """{input: {mode: the reference program's output size}} from ANCHORS.md: its table by
    tiling mode, and its figures for the first 3,000,000 bytes of enwik8 (prose)."""
    try:
        ref = reference_by_mode()
        text = anchors_path().read_text()
    except (OSError, ValueError, click.ClickException):
        return {}
    m = re.search(r"first\s+([\d,]+)\s+bytes\s+of\s+enwik8\s+the\s+reference\s+gives\s+"
                  r"([\d,]+)\s+\(multi\)\s+/\s+([\d,]+)\s+\(fib\)\s+/\s+([\d,]+)\s+"
                  r"\(period5\)\s+/\s+([\d,]+)\s+\(none\)", text)
    if m:
        n, *sizes = (int(g.replace(",", "")) for g in m.groups())
        ref[f"large/enwik8-head.xml:{n}"] = dict(zip(("multi", "fib", "period5", "none"), sizes))
    return ref


def structures(tilings) -> dict:
    """structure() over STRUCTURE_WORDS words of the A/B tilings, one golden tiling and the
    repeated Fibonacci-word prefixes of 13 and 21 tiles."""
    specs = [GOLDEN] + list(tilings) + [f"period:{fibonacci_word(p)}" for p in (13, 21)]
    out = {}
    for spec in dict.fromkeys(specs):
        report = structure(spec, STRUCTURE_WORDS).as_dict()
        report["deepest_level"] = max((r["level"] for r in report["levels"] if r["positions"]),
                                      default=-1)
        out[spec] = report
    return out


def collapse_study() -> dict:
    """Deepest level kept by repeated Fibonacci-word prefixes, and the deepest level any
    periodic tiling of each period up to MAX_EXHAUSTIVE_PERIOD keeps (exhaustive)."""
    fib = []
    for p in FIB_PERIODS:
        state = collapse(fibonacci_word(p))
        fib.append({"period": p, "pattern": state.pattern, "period_words": state.period_words,
                    "per_period": list(state.per_period), "deepest_level": state.deepest_level,
                    "log_phi": round(log_phi(p), 3)})
    best = []
    for p in range(1, MAX_EXHAUSTIVE_PERIOD + 1):
        depth = {w: collapse(w, 1024).deepest_level for w in tiling_patterns(p)}
        top = max(depth.values())
        best.append({"period": p, "tilings": len(depth), "deepest_level": top,
                     "reached_by": [w for w, d in depth.items() if d == top],
                     "log_phi": round(log_phi(p), 3)})
    return {"fibonacci_prefixes": fib, "max_by_period": best}


# ---------------------------------------------------------------------------- ab.md

def runs_by_key(results) -> dict:
    """{(input, tiling): run} of an ab.json."""
    return {(r["input"], r["tiling"]): r for r in results["runs"]}


def _size(n: int) -> str:
    return f"{n / 1e6:.3g} MB" if n >= 1e6 else f"{n / 1e3:.3g} KB"


def _signed(n) -> str:
    return f"{n:+,}"


def _pct(a, b) -> str:
    return f"{100 * a / b:+.2f}%"


def markdown(results: dict, plots: list, reading: bool = False) -> str:
    """ab.md: what ran, a reading computed from the numbers, then the tables; with reading, a
    link to the hand-written interpretation beside it."""
    link = (f"A hand-written interpretation of one run (see its commit) is in [{READING}]"
            f"({READING}).") if reading else ""
    parts = [_header(results), link, _reading(results), _size_table(results),
             _reference_table(results), _streams_table(results), _scaling_table(results),
             _hits_table(results), _structure_table(results), _collapse_tables(results),
             _collapse_series_table(results)]
    parts.append("## Plots\n\n" + "\n".join(f"![{p}]({p})" for p in plots))
    return "\n\n".join(p for p in parts if p) + "\n"


def _header(results) -> str:
    return (f"# Tiling A/B\n\n`{results['command'].strip()}` at commit {results['commit']}, "
            f"{results['date']}, level {results['level']}, blocks of "
            f"{results['block_size']:,} bytes, Python {results['python']} "
            f"({results['machine']}), {results['elapsed_s']:.0f} s. Every output was "
            "decompressed and compared: "
            + ("all round trips ok." if all(r["roundtrip"] for r in results["runs"])
               else "**a round trip FAILED**.")
            + " Everything but the tiling is identical within a row; sizes in bytes.")


def _delta(runs, name, a, b):
    """size(b) - size(a) on one input (positive: a is smaller), or None."""
    if (name, a) in runs and (name, b) in runs:
        return runs[name, b]["compressed"] - runs[name, a]["compressed"]
    return None


def _reading(results) -> str:
    runs = runs_by_key(results)
    inputs = [n for n in results["inputs"] if (n, "fib") in runs and (n, "period5") in runs]
    lines = ["## Reading (computed from the numbers below)", ""]
    if inputs:
        wins = [n for n in inputs if _delta(runs, n, "fib", "period5") > 0]
        d = {n: _delta(runs, n, "fib", "period5") for n in inputs}
        best = max(inputs, key=lambda n: d[n] / runs[n, "period5"]["compressed"])
        lines.append(f"* Golden (`fib`) over period-5: smaller on {len(wins)} of {len(inputs)} "
                     f"inputs; the largest gain {_signed(d[best])} B "
                     f"({_pct(d[best], runs[best, 'period5']['compressed'])}) on {best}; "
                     "range " + ", ".join(f"{n.split('/')[-1]} {_signed(d[n])}" for n in inputs)
                     + ".")
    for x, y in (("multi", "fib"), ("multi", "none"), ("dense", "multi")):
        pairs = [(n, _delta(runs, n, y, x)) for n in results["inputs"]
                 if _delta(runs, n, y, x) is not None]
        if pairs:
            smaller = sum(1 for _, d in pairs if d < 0)
            lines.append(f"* `{x}` - `{y}`: " + ", ".join(
                f"{n.split('/')[-1]} {_signed(d)}" for n, d in pairs)
                + f" (`{x}` smaller on {smaller} of {len(pairs)}).")
    for base, names in results["scaling"].items():
        pts = [(runs[n, "fib"]["bytes"], _delta(runs, n, "fib", "period5"),
                runs[n, "period5"]["compressed"]) for n in names
               if (n, "fib") in runs and (n, "period5") in runs]
        if len(pts) >= 2:
            lines.append(f"* Scaling on {base}: fib over period5 "
                         + " -> ".join(f"{_signed(x)} B ({_pct(x, p5)}) at {_size(s)}"
                                       for s, x, p5 in pts) + ".")
    series = results["collapse_series"]
    for name in series["inputs"]:
        if all((name, t) in runs for t in series["tilings"]):
            golden = runs[name, series["tilings"][0]]["compressed"]
            lines.append(f"* One golden tiling against its periodic approximants on {name}: "
                         + ", ".join(f"p={p} {_signed(runs[name, t]['compressed'] - golden)}"
                                     for p, t in zip(series["periods"], series["tilings"][1:]))
                         + " B (positive: the periodic tiling is larger).")
    largest = largest_input(results)
    if largest:
        deep = {t: sum(runs[largest, t]["phrase_hits"][str(n)] for n in PHRASE_WORDS if n >= 13)
                for t in results["tilings"] if (largest, t) in runs}
        lines.append(f"* Phrase hits of 13 words or more on {largest}: "
                     + ", ".join(f"{t} {h:,}" for t, h in deep.items()) + ".")
    return "\n".join(lines)


def largest_input(results):
    """The largest of the A/B inputs (by bytes), or None."""
    sizes = {r["input"]: r["bytes"] for r in results["runs"] if r["input"] in results["inputs"]}
    return max(sizes, key=sizes.get, default=None)


def _size_table(results) -> str:
    runs, tilings = runs_by_key(results), results["tilings"]
    head = "| input | bytes | " + " | ".join(f"`{t}`" for t in tilings) + " |"
    rows = [head, "|---|---:|" + "---:|" * len(tilings)]
    for name in results["inputs"]:
        sizes = {t: runs[name, t]["compressed"] for t in tilings if (name, t) in runs}
        if not sizes:
            continue
        low = min(sizes.values())
        cells = [(f"**{sizes[t]:,}**" if sizes[t] == low else f"{sizes[t]:,}")
                 if t in sizes else "—" for t in tilings]
        rows.append(f"| {name} | {runs[name, next(iter(sizes))]['bytes']:,} | "
                    + " | ".join(cells) + " |")
    return "## Compressed size per tiling (smallest in bold)\n\n" + "\n".join(rows)


def _reference_table(results) -> str:
    runs, ref = runs_by_key(results), results["reference"]
    rows = ["| input | A/B | ours (bytes) | ours | reference (bytes) | reference |",
            "|---|---|---:|---:|---:|---:|"]
    for name in results["inputs"]:
        for a, b in REFERENCE_AB:
            ours = _delta(runs, name, a, b)
            if ours is None:
                continue
            theirs = ref.get(name, {})
            t = theirs[b] - theirs[a] if a in theirs and b in theirs else None
            rows.append(f"| {name} | `{a}` over `{b}` | {_signed(ours)} | "
                        f"{_pct(ours, runs[name, b]['compressed'])} | "
                        + (f"{_signed(t)} | {_pct(t, theirs[b])} |" if t is not None
                           else "— | — |"))
    return ("## A/B against the reference's own A/B\n\nHow much smaller the first tiling's "
            "output is than the second's (positive: the first wins), ours beside the "
            "reference program's on its own code (ANCHORS.md). The reference codes phrases "
            "against a much weaker word model, so its phrases have more to win.\n\n"
            + "\n".join(rows))


def _streams_table(results) -> str:
    runs, tilings = runs_by_key(results), results["tilings"]
    out = ["## Bytes per stream\n\nThe phrase codebook travels in-band inside the events "
           "stream; `side` holds the word/new-word decisions and the case flags together "
           "(quasi/analysis.py). All inputs are in ab.json."]
    for name in _shown(results):
        streams = list(dict.fromkeys(s for t in tilings if (name, t) in runs
                                     for s in runs[name, t]["streams"]))
        rows = [f"### {name}\n", "| tiling | " + " | ".join(streams) + " | total |",
                "|---|" + "---:|" * (len(streams) + 1)]
        for t in tilings:
            if (name, t) in runs:
                r = runs[name, t]
                rows.append(f"| `{t}` | " + " | ".join(f"{r['streams'].get(s, 0):,}"
                                                       for s in streams)
                            + f" | {r['compressed']:,} |")
        out.append("\n".join(rows))
    return "\n\n".join(out)


def _shown(results) -> list:
    """Inputs whose streams and hits ab.md shows in full: the first and the largest."""
    return list(dict.fromkeys(results["inputs"][:1] + [largest_input(results)])) \
        if results["runs"] else []


def _scaling_table(results) -> str:
    runs = runs_by_key(results)
    rows = ["| input | bytes | " + " | ".join(f"`{t}`" for t in results["scaling_tilings"])
            + " | fib over period5 | % | multi over fib | none - multi |",
            "|---|---:|" + "---:|" * (len(results["scaling_tilings"]) + 4)]
    for names in results["scaling"].values():
        for n in names:
            got = {t: runs[n, t]["compressed"] for t in results["scaling_tilings"]
                   if (n, t) in runs}
            if len(got) < len(results["scaling_tilings"]):
                continue
            rows.append(f"| {n} | {runs[n, 'fib']['bytes']:,} | "
                        + " | ".join(f"{v:,}" for v in got.values())
                        + f" | {_signed(got['period5'] - got['fib'])} | "
                        f"{_pct(got['period5'] - got['fib'], got['period5'])} | "
                        f"{_signed(got['fib'] - got['multi'])} | "
                        f"{_signed(got['none'] - got['multi'])} |")
    if len(rows) == 2:
        return ""
    return ("## Scaling with input size\n\nPrefixes of each corpus (NAME:BYTES), the same "
            f"four tilings. An input over the block size ({results['block_size']:,} bytes) is "
            "coded as independent blocks, each with codebooks of its own.\n\n"
            + "\n".join(rows))


def _hits_table(results) -> str:
    runs, tilings = runs_by_key(results), results["tilings"]
    out = ["## Phrase hits per level\n\nEvents of each phrase length the parse took "
           "(entries used / defined in-band in brackets where any)."]
    for name in _shown(results):
        rows = [f"### {name}\n", "| tiling | " + " | ".join(f"{n} w" for n in PHRASE_WORDS) + " |",
                "|---|" + "---:|" * len(PHRASE_WORDS)]
        for t in tilings:
            if (name, t) not in runs:
                continue
            r = runs[name, t]
            cells = []
            for k, n in enumerate(PHRASE_WORDS):
                hits = r["phrase_hits"][str(n)]
                cells.append(f"{hits:,} ({r['entries_used'][k + 3]}/{r['entries'][k + 3]})"
                             if hits else "0")
            rows.append(f"| `{t}` | " + " | ".join(cells) + " |")
        out.append("\n".join(rows))
    return "\n\n".join(out)


def _structure_table(results) -> str:
    rows = ["| spec | " + " | ".join(f"{n} w" for n in (2,) + PHRASE_WORDS) + " | L/S at 2 w |",
            "|---|" + "---:|" * 11]
    for spec, s in results["structure"].items():
        cells = [f"{r['coverage']:.3g}" for r in s["levels"]]
        ratio = s["levels"][0]["ratio"]
        rows.append(f"| `{spec if len(spec) < 40 else spec[:37] + '...'}` | "
                    + " | ".join(cells) + f" | {'—' if ratio is None else f'{ratio:.4f}'} |")
    return (f"## Coverage per level over {STRUCTURE_WORDS:,} words\n\nLookup positions x "
            "phrase length / words (union over a spec's tilings; a single golden tiling tends "
            f"to phi/sqrt 5 = {(1 + 5 ** 0.5) / 2 / 5 ** 0.5:.4f} at every level). 0 = no "
            "lookup position at all: the tiling has collapsed. L/S: super-L over super-S "
            "nodes at level 0, summed over the spec's tilings.\n\n" + "\n".join(rows))


def _collapse_tables(results) -> str:
    c = results["collapse"]
    rows = ["| period p | pattern (repeated) | words per period | deepest level | its phrase "
            "length | floor(log_phi p) |", "|---:|---|---:|---:|---:|---:|"]
    for r in c["fibonacci_prefixes"]:
        pat = r["pattern"] if len(r["pattern"]) <= 21 else r["pattern"][:18] + "..."
        length = (2,) + PHRASE_WORDS
        rows.append(f"| {r['period']} | {pat} | {r['period_words']} | {r['deepest_level']} | "
                    f"{length[r['deepest_level']]} | {math.floor(r['log_phi'])} |")
    best = ["| period p | tilings (up to rotation) | deepest level reached | by | "
            "floor(log_phi p) |", "|---:|---:|---:|---|---:|"]
    for r in c["max_by_period"]:
        by = ", ".join(r["reached_by"][:2]) + (" ..." if len(r["reached_by"]) > 2 else "")
        best.append(f"| {r['period']} | {r['tilings']} | {r['deepest_level']} | {by} | "
                    f"{math.floor(r['log_phi'])} |")
    return ("## Periodic collapse\n\nSteady state (end effects removed) of a periodic tiling: "
            "the deepest hierarchy level that keeps lookup positions. Level k holds phrases "
            "of 2, 3, 5, ..., 144 words (k = 0..9); 9 is the deepest the hierarchy has, so a "
            "period of 89 tiles or more cannot show its collapse here.\n\n"
            "Prefixes of the Fibonacci word (L -> LS, S -> L), repeated:\n\n"
            + "\n".join(rows) + "\n\nEvery periodic tiling (no two adjacent S) of period p, "
            "exhaustively:\n\n" + "\n".join(best))


def _collapse_series_table(results) -> str:
    runs, series = runs_by_key(results), results["collapse_series"]
    golden, periodic = series["tilings"][0], series["tilings"][1:]
    depths = {r["period"]: r["deepest_level"] for r in results["collapse"]["fibonacci_prefixes"]}
    lengths = (2,) + PHRASE_WORDS
    rows = ["| input | one golden tiling | " + " | ".join(
        f"p = {p} (to {lengths[depths[p]]} w)" for p in series["periods"]) + " |",
        "|---|---:|" + "---:|" * len(periodic)]
    for name in series["inputs"]:
        if not all((name, t) in runs for t in series["tilings"]):
            continue
        g = runs[name, golden]
        sizes = [runs[name, t]["compressed"] for t in periodic]
        cells = [f"{n:,} ({_signed(n - g['compressed'])})" for n in sizes]
        rows.append(f"| {name} | {g['compressed']:,} | " + " | ".join(cells) + " |")
        deep = [sum(runs[name, t]["phrase_hits"][str(n)] for n in PHRASE_WORDS if n >= 13)
                for t in series["tilings"]]
        rows.append(f"| hits of 13+ words | {deep[0]:,} | "
                    + " | ".join(f"{d:,}" for d in deep[1:]) + " |")
    if len(rows) == 2:
        return ""
    return ("## Collapse series: one golden tiling against its periodic approximants\n\n"
            f"Single tilings only: `{golden}` (phase 0: one S, then the Fibonacci word) "
            "against the first p tiles of the Fibonacci word repeated, which keep lookup "
            "positions up to the phrase length in brackets and none beyond. Bytes, with the "
            "difference to the golden tiling; below each input, the phrase events of 13 "
            "words or more.\n\n" + "\n".join(rows))
