"""``python -m bench run``: quasi and its peers on the same bytes, in one run.

For every file: an idle child (the corpus loaded, nothing else) gives the baseline
RSS; then, per codec, one child compresses (a first call, then ``-n`` timed calls)
and another decompresses and checks the round trip the same way. results.json
(schema: bench/README.md) is rewritten after every codec, so an interrupted run
keeps what it measured; results.md and the plots are written at the end.
"""
import datetime
import hashlib
import json
import os
import platform
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

import click

import quasi
import quasi_corpora

from . import codecs, report
from .child import REPO, spawn

SCHEMA_VERSION = 1


def _select_peers(spec: str):
    """Peers named by --peers: 'all', 'none' or comma-separated ids."""
    if spec == "all":
        return list(codecs.PEERS)
    if spec == "none":
        return []
    by_id = {c.id: c for c in codecs.PEERS}
    unknown = [p for p in spec.split(",") if p not in by_id]
    if unknown:
        raise click.BadParameter(f"unknown peer(s) {', '.join(unknown)}; known: "
                                 f"{', '.join(by_id)}, all, none", param_hint="--peers")
    return [by_id[p] for p in spec.split(",")]


def _git_state():
    def git(*args):
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout
    commit = git("rev-parse", "HEAD").strip() or None
    modified = git("status", "--porcelain", "--untracked-files=no").splitlines()
    return {"commit": commit, "dirty": bool(modified),
            "modified": sorted(line[3:] for line in modified)}


def _machine():
    cpu = platform.processor()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"platform": platform.platform(), "python": platform.python_version(),
            "cpu": cpu, "cpu_count": os.cpu_count(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}


def _file_info(name: str) -> dict:
    """Size and sha256 of a corpus, read and verified once before the run starts."""
    data = quasi_corpora.load(name)
    return dict(name=name, bytes=len(data), sha256=hashlib.sha256(data).hexdigest(),
                **quasi_corpora.describe(name), baseline_rss_bytes=None)


def _phase(child: dict, raw_bytes: int) -> dict:
    """One phase (compress or decompress) of a result from its child's report."""
    ph = dict(child["phase"])
    ph["mb_per_s"] = raw_bytes / 1e6 / ph["median_s"] if ph["median_s"] > 0 else None
    ph["peak_rss_bytes"] = child["peak_rss_bytes"]
    ph["setup_rss_bytes"] = child["setup_rss_bytes"]
    return ph


def measure(name: str, raw_bytes: int, codec, timing: dict, workdir: Path, timeout):
    """Compress and decompress one file with one codec, each in its own child;
    timing: {"repeats": timed calls, "budget_s": seconds after which to stop or None}."""
    row = {"file": name, "codec": codec.id, "compressed_bytes": None, "compression_ratio": None,
           "bits_per_byte": None, "roundtrip": False, "same_output": None, "error": None,
           "compress": None, "decompress": None, "streams": None}
    job = {"corpus": name, "codec": codec.to_json(), "timing": timing,
           "packed": str(workdir / "packed")}
    comp = spawn(dict(job, mode="compress"), workdir, timeout)
    row["error"] = comp.get("child_error") or comp.get("error")
    if row["error"]:
        return row
    size = comp["compressed_bytes"]
    row.update(compressed_bytes=size, bits_per_byte=8 * size / raw_bytes if raw_bytes else None,
               compression_ratio=raw_bytes / size, same_output=comp["same_output"],
               compress=_phase(comp, raw_bytes), streams=comp.get("streams"))
    dec = spawn(dict(job, mode="decompress"), workdir, timeout)
    row["error"] = dec.get("child_error") or dec.get("error")
    if "phase" in dec:
        row["decompress"] = _phase(dec, raw_bytes)
    row["roundtrip"] = bool(dec.get("roundtrip"))
    return row


class Progress:
    """One line per step on stderr: position, elapsed time and, once 2% is done, an
    estimate of what remains (by bytes times codecs done)."""

    def __init__(self, total_work: int):
        self.total = total_work
        self.done = 0
        self.start = time.monotonic()

    def line(self, text: str):
        elapsed = time.monotonic() - self.start
        eta = ("" if self.done < 0.02 * self.total else
               f", ~{elapsed * (self.total - self.done) / self.done:.0f} s left")
        click.echo(f"[{elapsed:7.1f} s{eta}] {text}", err=True)


def _row_text(row) -> str:
    if row["compressed_bytes"] is None:
        return f"FAILED: {row['error']}"
    c, d = row["compress"], row["decompress"]
    text = (f"{row['compressed_bytes']:>12,} B  {row['bits_per_byte']:.3f} bpb  "
            f"c {c['mb_per_s']:.2f} MB/s (first call {c['first_s']:.2f} s)")
    if d:
        text += f"  d {d['mb_per_s']:.2f} MB/s (first call {d['first_s']:.2f} s)"
    return text + ("  ok" if row["roundtrip"] else f"  ROUND TRIP FAILED: {row['error']}")


def _command(p: dict) -> str:
    """The command line that repeats this run, from the parsed options p."""
    args = [a for c in p["corpora"] for a in ("--corpus", c)] + ["--out", str(p["out_dir"])]
    args += [a for lv in p["levels"] for a in ("--level", str(lv))]
    args += [a for t in p["tilings"] for a in ("--tiling", t)]
    args += ["-n", str(p["repeats"])]
    args += ["--budget", f"{p['budget']:g}"] if p["budget"] is not None else []
    args += ["--peers", p["peers"]] if p["peers"] != "all" else []
    args += ["--no-quasi"] if p["no_quasi"] else []
    args += ["--timeout", f"{p['timeout']:g}"] if p["timeout"] else []
    return "python -m bench run " + shlex.join(args)


def write_json(results: dict, path: Path):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    os.replace(tmp, path)


@click.command()
@click.option("--corpus", "corpora", multiple=True,
              help="group (shared, texts, canterbury, calgary, large, big, structured, "
                   "artificial, enwik) or name (canterbury/alice29.txt, enwik8, "
                   "large/enwik8-head.xml:1MB, synth:64MB); repeatable")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="directory for results.json, results.md and the plots")
@click.option("--level", "levels", type=click.IntRange(1, 9), multiple=True,
              help="quasi level (repeatable; default: quasi's default level)")
@click.option("--tiling", "tilings", multiple=True,
              help="quasi tiling spec (repeatable; default: quasi's default)")
@click.option("-n", "--repeats", type=click.IntRange(1), default=3, show_default=True,
              help="timed calls per phase after the first (warm-up) call; the median counts")
@click.option("--budget", type=click.FloatRange(0), default=None,
              help="stop repeating a phase once its timed calls add up to this many seconds "
                   "(at least one timed call; default: always -n)")
@click.option("--peers", default="all", show_default=True,
              help="peers: all, none, or comma-separated ids (see --list-codecs)")
@click.option("--no-quasi", is_flag=True, help="peers only")
@click.option("--timeout", type=float, default=None,
              help="seconds allowed to one child process (default: no limit)")
@click.option("--list-codecs", is_flag=True, help="print the codec ids and exit")
def run(corpora, out_dir, levels, tilings, repeats, budget, peers, no_quasi, timeout,
        list_codecs):
    """Compare quasi with zlib, bz2, lzma, zstd, brotli, PPMd, zpaq, kanzi, 7-Zip PPMd
    and bzip3 on chosen corpora."""
    if list_codecs:
        for c in codecs.PEERS:
            click.echo(f"{c.id:<16} {c.label}  {codecs.missing(c) or ''}")
        return
    if not corpora or not out_dir:
        raise click.UsageError("--corpus and --out are required")
    for tiling in tilings:
        from quasi.text.tiling import parse_spec  # imports numba: only when a tiling is named
        try:
            parse_spec(tiling)
        except quasi.QuasiError as exc:
            raise click.BadParameter(str(exc), param_hint="--tiling") from None
    chosen = [] if no_quasi else [
        codecs.quasi_codec(level, tiling)
        for tiling in (tilings or (quasi.DEFAULT_TILING,))
        for level in (levels or (quasi.DEFAULT_LEVEL,))]
    skipped = []
    for peer in _select_peers(peers):
        reason = codecs.missing(peer)
        if reason:
            skipped.append({"codec": peer.id, "reason": reason})
            click.echo(f"skipping {peer.id}: {reason}", err=True)
        else:
            chosen.append(peer)
    try:
        names = list(dict.fromkeys(n for spec in corpora for n in quasi_corpora.expand(spec)))
        click.echo(f"verifying {len(names)} corpus file(s) ...", err=True)
        files = [_file_info(n) for n in names]
    except quasi_corpora.CorpusError as exc:
        raise click.ClickException(str(exc)) from None

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = {
        "schema_version": SCHEMA_VERSION,
        "complete": False,
        "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": _command(click.get_current_context().params),
        "git": _git_state(),
        "machine": _machine(),
        "settings": {"corpora": list(corpora), "repeats": repeats, "budget_s": budget,
                     "timeout_s": timeout},
        "codecs": [dict(c.to_json(), version=codecs.version(c)) for c in chosen],
        "skipped": skipped,
        "files": files,
        "results": [],
    }
    progress = Progress(sum(f["bytes"] for f in files) * len(chosen))
    with tempfile.TemporaryDirectory(prefix="quasi-bench-") as tmp:
        for i, info in enumerate(files, 1):
            where = f"{i}/{len(files)} {info['name']} ({info['bytes']:,} B)"
            base = spawn({"mode": "baseline", "corpus": info["name"]}, Path(tmp), timeout)
            info["baseline_rss_bytes"] = base.get("peak_rss_bytes")
            for codec in chosen:
                progress.line(f"{where} {codec.id} ...")
                row = measure(info["name"], info["bytes"], codec,
                              {"repeats": repeats, "budget_s": budget}, Path(tmp), timeout)
                results["results"].append(row)
                progress.done += info["bytes"]
                progress.line(f"{where} {codec.id}: {_row_text(row)}")
                write_json(results, out / "results.json")
    results["complete"] = True
    write_json(results, out / "results.json")
    written = report.write(results, out)
    click.echo(f"wrote {', '.join(str(p) for p in [out / 'results.json', *written])}", err=True)
    failed = [r for r in results["results"] if not r["roundtrip"]]
    for r in failed:
        click.echo(f"round trip failed: {r['codec']} on {r['file']}: {r['error']}", err=True)
    if any(r["codec"] in {c.id for c in chosen if c.family == "quasi"} for r in failed):
        raise click.ClickException("quasi failed a round trip")
