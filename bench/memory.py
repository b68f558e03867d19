"""Working memory of compress() and decompress(): what a call adds to a warmed process.

    python -m bench memory --corpus large/enwik8-head.xml --corpus big/gcide.txt

Each measurement runs in a child process of its own: it loads the corpus file (and,
for decompression, the compressed bytes), warms quasi up on the first 64 KiB (so the
numba kernels are loaded), resets the kernel's peak-RSS mark (/proc/self/clear_refs,
Linux), runs one call and reads the peak (VmHWM). Before the mark the warmed process
gives its freed heap pages back (glibc's malloc_trim, quasi.codec.heap): otherwise the call
reuses pages the warm-up left resident and they do not count (enwik8-head
decompression: 5 MiB measured that way against 20 MiB). Reported are the resident size of
the warmed process (the fixed cost: interpreter, numpy, numba, loaded kernels), and
the call's working memory, peak minus that, in MiB and relative to the uncompressed
size. The input and (for decompression) the compressed bytes were resident before
the mark, so they are not counted; the call's output is.
"""
import gc
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from .child import own_peak_rss

MiB = 1 << 20
WARM_BYTES = 1 << 16


def _current_rss_mib() -> float:
    """This process's resident set now (VmRSS), in MiB."""
    text = Path("/proc/self/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) / 1024


def _measure(name: str, level: int, mode: str, packed_path: str) -> dict:
    """In the child: the warmed RSS and the peak of one call (see module docstring)."""
    import quasi
    import quasi_corpora
    from quasi.codec.heap import release_freed_memory

    data = quasi_corpora.load(name)
    quasi.decompress(quasi.compress(data[:WARM_BYTES], level))
    packed = Path(packed_path).read_bytes() if mode == "decompress" else None
    gc.collect()
    release_freed_memory()
    Path("/proc/self/clear_refs").write_text("5")   # peak RSS := current RSS
    warmed = _current_rss_mib()
    if mode == "compress":
        Path(packed_path).write_bytes(quasi.compress(data, level))
    elif quasi.decompress(packed) != data:
        raise SystemExit("round trip failed")
    return {"warmed_mib": warmed, "peak_mib": own_peak_rss() / MiB, "bytes": len(data)}


def _child(name: str, level: int, mode: str, packed_path: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.memory", "--child", name, str(level),
                          mode, packed_path], capture_output=True, text=True)
    if out.returncode != 0:
        raise click.ClickException(f"{mode} of {name} failed: {out.stderr.strip()[-500:]}")
    return json.loads(out.stdout)


@click.command()
@click.option("--corpus", "files", multiple=True,
              default=("large/enwik8-head.xml", "big/kernel-docs.rst", "big/gcide.txt"),
              show_default=True, help="corpus name (repeatable)")
@click.option("--level", type=int, default=6, show_default=True)
@click.option("--out", "out_md", type=click.Path(dir_okay=False), help="write the table here")
def memory(files, level, out_md):
    """Working memory of compress and decompress, per file (Linux only)."""
    if not Path("/proc/self/clear_refs").exists():
        raise click.ClickException("needs Linux (/proc/self/clear_refs)")
    rows = ["| file | MiB | direction | warmed process MiB | working MiB | working / "
            "uncompressed size |", "|---|---:|---|---:|---:|---:|"]
    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            packed = str(Path(tmp) / "packed.qz")
            for mode in ("compress", "decompress"):
                r = _child(name, level, mode, packed)
                work = r["peak_mib"] - r["warmed_mib"]
                rows.append(f"| {name} | {r['bytes'] / MiB:.1f} | {mode} | "
                            f"{r['warmed_mib']:.0f} | {work:.0f} | "
                            f"{work * MiB / r['bytes']:.1f}x |")
                click.echo(rows[-1])
    if out_md:
        cmd = "python -m bench memory " + " ".join(f"--corpus {f}" for f in files)
        Path(out_md).write_text(f"# Working memory, level {level}\n\n`{cmd} --level {level}`"
                                f"\n\n{__doc__.split(chr(10) + chr(10), 2)[2]}\n"
                                + "\n".join(rows) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_measure(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])))
    else:
        memory()
