"""quasi on a corpus-scale file: one thread, -T 2, and a local Dask cluster.

The input is about 1 GiB of real text (``--size``): the benchmark's text set (the
``texts`` group of the corpora module: the 14 texts, then the structured files, in
that order) written again and again until the size is reached, cut after the last
line break that fits. One pass of the set (about 83 MB) is longer than the largest
block (64 MiB), so no block holds the same text twice. ``--input enwik9`` (or any
corpus name or file path) uses that file instead.

For each level the file is compressed and then decompressed by the command line in a
child process, three ways: ``-T 1``, ``-T 2`` and ``--scheduler local:2`` (a Dask
LocalCluster of two worker processes started for the command). Reported for each: wall
time, CPU time (the child's and every process it waited for, the Dask workers
included), the peak resident memory of the client and the largest of the other
processes in its tree (the workers), polled from /proc; checked: the three compressed
files are the same bytes and every decompressed file is the input.
"""
import hashlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

import click

import quasi_corpora

from .ab import git_commit

WAYS = (("one thread", ["-T", "1"]), ("-T 2", ["-T", "2"]),
        ("Dask LocalCluster, 2 workers", ["--scheduler", "local:2"]))
CHUNK = 1 << 20
CLI = "import sys; from quasi_cli.main import main; sys.argv[0] = 'quasi'; main()"


def build_input(path: Path, size: int) -> str:
    """Write the text set, repeated, cut at a line break, to ``path``; its sha256."""
    names = quasi_corpora.expand("texts")
    digest = hashlib.sha256()
    written = 0
    with open(path, "wb") as out:
        while True:
            for name in names:
                data = quasi_corpora.load(name)
                room = size - written
                last = len(data) >= room
                if last:
                    data = data[:data.rfind(b"\n", 0, room) + 1 or room]
                out.write(data)
                digest.update(data)
                written += len(data)
                if last:
                    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _peak_rss_kib(pid: int) -> int:
    """VmHWM of a live process (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        children = []
        try:
            for task in Path(f"/proc/{p}/task").iterdir():   # each thread's children
                children += (task / "children").read_text().split()
        except OSError:
            continue
        found += map(int, children)
        todo += map(int, children)
    return found


def _run(args: list[str]) -> dict:
    """Run the command line with ``args`` in a child process: wall and CPU seconds,
    peak RSS of the client and of the largest other process in its tree (MiB)."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CLI, *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    client, others = 0, {}
    done = threading.Event()

    def poll():
        nonlocal client
        while not done.is_set():
            client = max(client, _peak_rss_kib(child.pid))
            for p in _descendants(child.pid):
                others[p] = max(others.get(p, 0), _peak_rss_kib(p))
            done.wait(0.2)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    watcher.join()
    wall = time.perf_counter() - start
    if child.returncode != 0:
        raise click.ClickException(f"quasi {' '.join(args)}: exit {child.returncode}: "
                                   f"{stderr.decode(errors='replace')[-2000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "client_peak_mib": round(client / 1024, 1),
            "worker_peak_mib": round(max(others.values(), default=0) / 1024, 1)}


@click.command()
@click.option("--size", default="1GiB", show_default=True,
              help="bytes of the built input (units as the corpora module's)")
@click.option("--input", "source", default=None,
              help="a corpus name (enwik9) or a file path instead of the built input")
@click.option("--level", "levels", type=int, multiple=True, default=(6, 9), show_default=True)
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("bench/out/scale"), show_default=True,
              help="where the input and the outputs are written (several GiB)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="write results-COMMIT.md/.json here")
def scale(size, source, levels, workdir, out_dir):
    """Compress and decompress a corpus-scale file one thread, -T 2 and on Dask."""
    workdir.mkdir(parents=True, exist_ok=True)
    src = workdir / "input.txt"
    if source is None:
        described = f"the texts group repeated to {size}"
        src_sha = build_input(src, quasi_corpora.parse_size(size))
    elif Path(source).is_file():
        src, described, src_sha = Path(source), source, _sha256(Path(source))
    else:
        described = source
        src.write_bytes(quasi_corpora.load(source))
        src_sha = _sha256(src)
    n_bytes = src.stat().st_size
    click.echo(f"input: {described}, {n_bytes:,} bytes, sha256 {src_sha[:16]}...")
    rows = []
    for level in levels:
        packed_sha = set()
        for i, (way, flags) in enumerate(WAYS):
            packed = workdir / f"level{level}-way{i}.qz"
            c = _run([f"-{level}", *flags, "-f", "-k", "-o", str(packed), str(src)])
            packed_sha.add(_sha256(packed))
            raw = workdir / "decoded.txt"
            d = _run(["-d", *flags, "-f", "-k", "-o", str(raw), str(packed)])
            if raw.stat().st_size != n_bytes or _sha256(raw) != src_sha:
                raise click.ClickException(f"level {level}, {way}: round trip differs")
            raw.unlink()
            row = {"level": level, "way": way, "bytes": packed.stat().st_size,
                   "compress": c, "decompress": d}
            rows.append(row)
            click.echo(f"level {level} {way}: {row['bytes']:,} B; compress {c}; "
                       f"decompress {d}")
        if len(packed_sha) != 1:
            raise click.ClickException(f"level {level}: the three ways wrote different bytes")
    report = {"commit": git_commit(), "date": time.strftime("%Y-%m-%d"),
              "machine": f"{platform.machine()}, {os.cpu_count()} cores",
              "input": described, "input_bytes": n_bytes, "input_sha256": src_sha,
              "rows": rows}
    table = _table(report)
    click.echo(table)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        stem = out_dir / f"results-{report['commit']}"
        stem.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
        stem.with_suffix(".md").write_text(table)


def _table(report: dict) -> str:
    lines = [f"quasi {report['commit']}, {report['date']}, {report['machine']}: "
             f"{report['input']}, {report['input_bytes']:,} bytes; the three ways wrote "
             f"the same bytes and every round trip was exact.", "",
             "| level | way | bytes | compress wall s | CPU s | speed-up | client / worker "
             "peak MiB | decompress wall s | CPU s | speed-up | client / worker peak MiB |",
             "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---|"]
    base = {}
    for row in report["rows"]:
        c, d = row["compress"], row["decompress"]
        base.setdefault(row["level"], (c["wall_s"], d["wall_s"]))
        bc, bd = base[row["level"]]
        lines.append(
            f"| {row['level']} | {row['way']} | {row['bytes']:,} | {c['wall_s']} | "
            f"{c['cpu_s']} | {bc / c['wall_s']:.2f}x | {c['client_peak_mib']} / "
            f"{c['worker_peak_mib'] or '-'} | {d['wall_s']} | {d['cpu_s']} | "
            f"{bd / d['wall_s']:.2f}x | {d['client_peak_mib']} / {d['worker_peak_mib'] or '-'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    scale()
