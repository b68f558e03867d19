"""Streaming at scale: block-size choice, flat peak RSS as input grows, threads.

    python -m bench.stream_memory block-sizes   # ratio and peak RSS per block size
    python -m bench.stream_memory stream        # 100 MiB and 1 GiB through quasi.open
                                                # and through `gen | quasi | quasi -d | cmp`
    python -m bench.stream_memory threads       # compression time, 1 vs 2 threads

Every measured program runs in a child process of its own; its peak RSS is the
kernel's ru_maxrss for that child (os.wait4), so it includes the interpreter,
numpy, numba and the loaded kernels. Heavy: run under the shared lock
(flock /tmp/quasi-heavy.lock ...).
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

MiB = 1 << 20
CHUNK = MiB
RESULTS = Path(__file__).resolve().parent / "results"
CLI = [sys.executable, "-c", "from quasi_cli.main import main; main()"]


def _child(args, stdin=None, stdout=subprocess.DEVNULL):
    """Start `python -m bench.stream_memory ARGS` as a child."""
    return subprocess.Popen([sys.executable, "-m", "bench.stream_memory", *args], stdin=stdin,
                            stdout=stdout)


def _wait(proc):
    """(exit code, peak RSS in MiB) of a child, from its own rusage."""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024


def _run(args, **kw):
    """Run a child to its end; its peak RSS in MiB."""
    code, rss = _wait(_child(args, **kw))
    if code != 0:
        raise click.ClickException(f"child {args[0]} failed with exit code {code}")
    return rss


def _text_chunks(total, seed=1):
    """`total` bytes of varied generated text (quasi_corpora.synth), in 1 MiB chunks."""
    from quasi_corpora.synth import chunks

    return chunks(total, seed=seed, chunk_size=CHUNK)


# --------------------------------------------------------------------------- children


@click.group()
def main():
    """Streaming memory benchmarks."""


@main.command("_baseline", hidden=True)
def baseline_child():
    """Interpreter + kernels, no data: what every child pays before its blocks."""
    import quasi

    quasi.decompress(quasi.compress(b"warm up the kernels " * 500))


@main.command("_compress-file", hidden=True)
@click.argument("src")
@click.argument("dst")
@click.option("--block-size", type=int, required=True)
def compress_file_child(src, dst, block_size):
    import quasi

    comp = quasi.QuasiCompressor(block_size=block_size)
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(CHUNK):
            fout.write(comp.compress(chunk))
        fout.write(comp.flush())


@main.command("_decompress-file", hidden=True)
@click.argument("src")
@click.argument("sha256")
def decompress_file_child(src, sha256):
    import quasi

    digest = hashlib.sha256()
    with quasi.open(src) as fin:
        while chunk := fin.read(CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != sha256:
        raise click.ClickException("round trip failed")


@main.command("_api-write", hidden=True)
@click.argument("size", type=int)
@click.argument("dst")
def api_write_child(size, dst):
    import quasi

    with quasi.open(dst, "wb") as fout:
        for chunk in _text_chunks(size):
            fout.write(chunk)


@main.command("_api-read", hidden=True)
@click.argument("size", type=int)
@click.argument("src")
def api_read_child(size, src):
    import quasi

    with quasi.open(src) as fin:
        for expected in _text_chunks(size):
            if fin.read(len(expected)) != expected:
                raise click.ClickException("round trip failed")
        if fin.read(1):
            raise click.ClickException("round trip: output too long")


@main.command("_gen", hidden=True)
@click.argument("size", type=int)
def gen_child(size):
    out = sys.stdout.buffer
    for chunk in _text_chunks(size):
        out.write(chunk)
    out.flush()


@main.command("_cmp", hidden=True)
@click.argument("size", type=int)
def cmp_child(size):
    """Compare standard input with the generated text (like `cmp - <(gen)`)."""
    src = sys.stdin.buffer
    for expected in _text_chunks(size):
        if src.read(len(expected)) != expected:
            raise click.ClickException("round trip failed")
    if src.read(1):
        raise click.ClickException("round trip: output too long")


def _baseline():
    """Peak RSS of a child that only loads the kernels (after one that compiles them
    if they are not cached yet: compilation must not inflate any figure)."""
    _run(["_baseline"])
    rss = _run(["_baseline"])
    click.echo(f"baseline (interpreter + kernels, no data): {rss:.0f} MiB")
    return rss


# --------------------------------------------------------------------------- block sizes


def _parse_mib(text):
    return [int(float(x) * MiB) for x in text.split(",")]


@main.command("block-sizes")
@click.option("--file", "files", multiple=True,
              default=("large/enwik8-head.xml", "big/kernel-docs.rst"), show_default=True,
              help="corpus name (repeatable)")
@click.option("--sizes", default="0.5,1,2,4,8,16,32", show_default=True,
              help="block sizes in MiB, comma-separated")
@click.option("--out", "out_name", default="block-size", show_default=True,
              help="results/NAME.md and results/NAME.json")
def block_sizes(files, sizes, out_name):
    """Compressed size and peak RSS (compress, decompress) per block size."""
    import quasi_corpora

    rows = []
    base_rss = _baseline()
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            data = quasi_corpora.load(name)
            src = Path(tmp) / "input"
            src.write_bytes(data)
            sha = hashlib.sha256(data).hexdigest()
            for block_size in sorted(_parse_mib(sizes)):
                dst = Path(tmp) / "input.qz"
                c_rss = _run(["_compress-file", str(src), str(dst),
                              "--block-size", str(block_size)])
                d_rss = _run(["_decompress-file", str(dst), sha])
                packed = dst.stat().st_size
                row = dict(file=name, bytes=len(data), block_mib=block_size / MiB,
                           blocks=-(-len(data) // block_size), packed=packed,
                           compress_rss_mib=round(c_rss), decompress_rss_mib=round(d_rss))
                rows.append(row)
                click.echo(json.dumps(row))
                if block_size >= len(data):   # larger blocks: the same single block
                    break
    _write_block_table(rows, base_rss, out_name)


def _write_block_table(rows, base_rss, out_name):
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{out_name}.json").write_text(json.dumps(
        dict(baseline_rss_mib=round(base_rss), rows=rows), indent=1) + "\n")
    lines = [
        "# Block size: compressed size and peak RSS",
        "",
        "`python -m bench.stream_memory block-sizes` (default level and tiling, one thread;",
        "streaming through QuasiCompressor and quasi.open in 1 MiB chunks; each run in a",
        f"child process; baseline RSS of a child that only loads the kernels: "
        f"{base_rss:.0f} MiB).",
        "",
        "| file | block MiB | blocks | compressed bytes | vs smallest | "
        "compress peak RSS MiB | decompress peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    best = {}
    for r in rows:
        best[r["file"]] = min(best.get(r["file"], r["packed"]), r["packed"])
    for r in rows:
        lines.append(f"| {r['file']} | {r['block_mib']:g} | {r['blocks']} | {r['packed']:,} | "
                     f"{r['packed'] / best[r['file']] - 1:+.2%} | {r['compress_rss_mib']} | "
                     f"{r['decompress_rss_mib']} |")
    (RESULTS / f"{out_name}.md").write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- stream


def _parse_sizes(text):
    units = {"MIB": MiB, "GIB": 1 << 30}
    out = []
    for item in text.split(","):
        item = item.strip().upper()
        for unit, factor in units.items():
            if item.endswith(unit):
                out.append(int(float(item[:-len(unit)]) * factor))
                break
        else:
            out.append(int(item))
    return out


def _pipe(size):
    """gen | quasi | quasi -d | cmp: (peak RSS of compress, of decompress)."""
    gen = _child(["_gen", str(size)], stdout=subprocess.PIPE)
    comp = subprocess.Popen(CLI + ["-q"], stdin=gen.stdout, stdout=subprocess.PIPE)
    gen.stdout.close()
    decomp = subprocess.Popen(CLI + ["-d", "-q"], stdin=comp.stdout, stdout=subprocess.PIPE)
    comp.stdout.close()
    cmp = _child(["_cmp", str(size)], stdin=decomp.stdout)
    decomp.stdout.close()
    results = [_wait(p) for p in (gen, comp, decomp, cmp)]
    if any(code != 0 for code, _ in results):
        raise click.ClickException(f"pipe failed: exit codes {[c for c, _ in results]}")
    return results[1][1], results[2][1]


@main.command("stream")
@click.option("--sizes", default="100MiB,1GiB", show_default=True)
@click.option("--out", "out_name", default="stream-memory", show_default=True,
              help="results/NAME.md and results/NAME.json")
def stream(sizes, out_name):
    """Peak RSS compressing and decompressing generated text, via quasi.open and the CLI."""
    import quasi

    rows = []
    base_rss = _baseline()
    with tempfile.TemporaryDirectory() as tmp:
        for size in _parse_sizes(sizes):
            dst = os.path.join(tmp, "text.qz")
            w_rss = _run(["_api-write", str(size), dst])
            packed = os.path.getsize(dst)
            r_rss = _run(["_api-read", str(size), dst])
            os.unlink(dst)
            c_rss, d_rss = _pipe(size)
            row = dict(bytes=size, packed=packed, api_write_rss_mib=round(w_rss),
                       api_read_rss_mib=round(r_rss), cli_compress_rss_mib=round(c_rss),
                       cli_decompress_rss_mib=round(d_rss))
            rows.append(row)
            click.echo(json.dumps(row))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{out_name}.json").write_text(json.dumps(
        dict(block_size=quasi.DEFAULT_BLOCK_SIZE, baseline_rss_mib=round(base_rss), rows=rows),
        indent=1) + "\n")
    lines = [
        "# Streaming memory: peak RSS as the input grows",
        "",
        f"`python -m bench.stream_memory stream --sizes {sizes}`: generated text",
        "(quasi_corpora.synth, seed 1), default level, tiling and block size "
        f"({quasi.DEFAULT_BLOCK_SIZE // MiB} MiB), one thread.",
        "`quasi.open` rows: write the text through quasi.open(..., 'wb') in 1 MiB pieces,",
        "then read it back and compare (the text generator runs in the same process).",
        "CLI rows: `gen | quasi | quasi -d | cmp`, all four running at once; peak RSS of the",
        "two quasi processes. Every figure is one child process's ru_maxrss; a child that",
        f"only loads the kernels peaks at {base_rss:.0f} MiB.",
        "",
        "| input | compressed | quasi.open write MiB | quasi.open read MiB | "
        "CLI compress MiB | CLI decompress MiB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['bytes'] / MiB:,.0f} MiB | {r['packed']:,} | "
                     f"{r['api_write_rss_mib']} | {r['api_read_rss_mib']} | "
                     f"{r['cli_compress_rss_mib']} | {r['cli_decompress_rss_mib']} |")
    (RESULTS / f"{out_name}.md").write_text("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- threads


@main.command("threads")
@click.option("--file", "name", default="big/kernel-docs.rst", show_default=True)
@click.option("--block-sizes", default="2,8", show_default=True, help="MiB, comma-separated")
@click.option("--repeats", type=int, default=3, show_default=True)
@click.option("--out", "out_name", default="threads", show_default=True)
def threads(name, block_sizes, repeats, out_name):
    """Compression time with 1 and 2 threads, side by side in one process (pairs run
    alternately, order swapped each repeat); the outputs must be byte-identical."""
    import statistics

    import quasi
    import quasi_corpora

    data = quasi_corpora.load(name)
    quasi.compress(data[:100000], threads=2)   # load the kernels
    rows = []
    for block_size in _parse_mib(block_sizes):
        times = {1: [], 2: []}
        outputs = set()
        for rep in range(repeats):
            for n in ((1, 2) if rep % 2 == 0 else (2, 1)):
                t0 = time.perf_counter()
                outputs.add(hashlib.sha256(quasi.compress(data, block_size=block_size,
                                                          threads=n)).hexdigest())
                times[n].append(time.perf_counter() - t0)
        if len(outputs) != 1:
            raise click.ClickException("outputs differ between thread counts")
        pairs = [a / b for a, b in zip(times[1], times[2])]
        row = dict(file=name, bytes=len(data), block_mib=block_size / MiB,
                   blocks=-(-len(data) // block_size), one_thread_s=statistics.median(times[1]),
                   two_threads_s=statistics.median(times[2]),
                   speedup=statistics.median(pairs), repeats=repeats)
        rows.append(row)
        click.echo(json.dumps(row))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{out_name}.json").write_text(json.dumps(rows, indent=1) + "\n")
    lines = ["# Threads: compression time, 1 vs 2 threads", "",
             f"`python -m bench.stream_memory threads --file {name} --block-sizes {block_sizes} "
             f"--repeats {repeats} --out {out_name}` on a 2-core machine: "
             "`quasi.compress(data, threads=N)`,",
             "runs alternating in one process; medians; speedup = median of per-pair ratios.",
             "Outputs byte-identical.", "",
             "| file | block MiB | blocks | 1 thread s | 2 threads s | speedup |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['file']} | {r['block_mib']:g} | {r['blocks']} | "
                     f"{r['one_thread_s']:.1f} | {r['two_threads_s']:.1f} | {r['speedup']:.2f}x |")
    (RESULTS / f"{out_name}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
