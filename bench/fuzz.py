"""python -m bench.fuzz: long fuzzing campaigns against quasi's readers.

``mutate`` (default): ``--cases`` mutated streams (bench/mutate.py) of small valid
streams of every kind, the format-2 streams made to be forged (``forge_samples``) and the
golden files, each judged by bench/oracle.py through every reader, every
``--cli-every``-th also through the command line; ``--kinds`` restricts the mutators
(``--kinds forge,model,field``: the ones that recompute CRCs). A forged edit of a coded
block is also counted as reaching its decoder or not (``reached_codec``: the block got
past every CRC and structure check before it). ``flips``: every
single-bit flip (every ``--step``-th bit) of one compressed input (``--input``: a corpus
name such as canterbury/alice29.txt, a file, or ``multi-block`` for generated text in
many blocks) through ``decompress`` and ``QuasiDecompressor``.

Per case it records CPU time (``time.process_time``, what counts on a shared machine)
and wall time. Failing inputs go to ``OUT/failures/`` with a line in
``OUT/failures.tsv``; the summary (counts by mutator and verdict, slowest cases) to
``OUT/summary.json``. A watchdog saves a case that runs longer than ``--timeout``
seconds and stops the campaign; the case being run is also kept in
``OUT/current.bin`` (memory-mapped, so a process crash leaves it behind). Case ``i`` of
a campaign depends only on ``--seed`` and ``i``: ``--replay i`` runs it alone.
"""
from __future__ import annotations

import collections
import json
import mmap
import os
import random
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import click
import numba

import quasi

from .mutate import (MUTATORS, bit_flip, built_samples, forge_samples, golden_samples,
                     make_sample, mutate)
from .oracle import FAILURES, Failure, judge, reached_codec

MAX_CASE = 1 << 20          # largest input kept in current.bin


class Recorder:
    """Counts, timings, failing inputs and the case in flight."""

    def __init__(self, out: Path, timeout: float):
        self.out = out
        (out / "failures").mkdir(parents=True, exist_ok=True)
        self.counts = collections.Counter()
        self.slowest = []                       # (cpu, wall, label), top 10 by CPU
        self.max_wall = (0.0, "")
        self.failures = 0
        self.buckets = collections.Counter()    # CPU time per case, by decade
        self.reached = collections.Counter()    # forged block edits: (mutator, reached?)
        self._current = out / "current.bin"
        with open(self._current, "wb") as f:
            f.truncate(MAX_CASE + 8)
        self._fd = os.open(self._current, os.O_RDWR)
        self._map = mmap.mmap(self._fd, MAX_CASE + 8)
        self._started = None
        self._label = ""
        self.timeout = timeout
        threading.Thread(target=self._watch, daemon=True).start()

    def start(self, label: str, data: bytes) -> None:
        n = min(len(data), MAX_CASE)
        self._map[:8] = n.to_bytes(8, "little")
        self._map[8:8 + n] = data[:n]
        self._label = label
        self._started = time.monotonic()

    def stop(self, key, verdict: str, cpu: float, wall: float) -> None:
        self._started = None
        self.counts[key, verdict] += 1
        self.buckets[_bucket(cpu)] += 1
        if len(self.slowest) < 10 or cpu > self.slowest[-1][0]:
            self.slowest = sorted(self.slowest + [(cpu, wall, self._label)], reverse=True)[:10]
        if wall > self.max_wall[0]:
            self.max_wall = (wall, self._label)

    def fail(self, label: str, data: bytes, exc: Failure) -> None:
        self.failures += 1
        name = f"{exc.kind}-{self.failures:04d}.qz"
        (self.out / "failures" / name).write_bytes(data)
        with open(self.out / "failures.tsv", "a") as f:
            f.write(f"{name}\t{label}\t{exc}\n".replace("\n", " ").rstrip() + "\n")

    def _watch(self):
        while True:
            time.sleep(0.5)
            started = self._started
            if started is not None and time.monotonic() - started > self.timeout:
                n = int.from_bytes(self._map[:8], "little")
                (self.out / "failures" / "hang.qz").write_bytes(self._map[8:8 + n])
                with open(self.out / "failures.tsv", "a") as f:
                    f.write(f"hang.qz\t{self._label}\thang: over {self.timeout} s\n")
                sys.stderr.write(f"fuzz: case {self._label} runs over {self.timeout} s: "
                                 "saved as failures/hang.qz, stopping\n")
                os._exit(3)

    def close(self, summary: dict) -> None:
        self._map.close()
        os.close(self._fd)
        self._current.unlink()
        (self.out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")


def _bucket(cpu: float) -> str:
    for limit, name in ((1e-3, "<1ms"), (1e-2, "<10ms"), (1e-1, "<100ms"), (1.0, "<1s")):
        if cpu < limit:
            return name
    return ">=1s"


def _limit_memory(extra_mib: int) -> int:
    """Cap the address space at its present size plus ``extra_mib`` MiB, so that an
    allocation on the strength of a hostile size fails (MemoryError: a crash verdict)
    instead of taking the machine down. Returns the cap in bytes."""
    with open("/proc/self/status") as f:
        vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:"))
    cap = vm + (extra_mib << 20)
    resource.setrlimit(resource.RLIMIT_AS, (cap, resource.RLIM_INFINITY))
    return cap


def _samples(max_size: int):
    samples = built_samples(small=True) + forge_samples() + golden_samples(max_size)
    return samples, b"".join(s.data for s in samples[:4])


def run_case(i: int, seed: int, samples, donor: bytes, rec: Recorder | None,
             cli_dir: str | None, kinds=MUTATORS):
    rng = random.Random(seed * 1_000_003 + i)
    sample = rng.choice(samples)
    kind = rng.choice(kinds)
    m = mutate(sample, rng, kind, donor)
    label = f"case {i}: {sample.name}: {m.what}"
    if rec is not None:
        rec.start(label, m.data)
    t0, w0 = time.process_time(), time.perf_counter()
    try:
        verdict = judge(m, rng, cli_dir)
    except Failure as exc:
        verdict = exc.kind
        if rec is not None:
            rec.fail(label, m.data, exc)
        else:
            print(f"{label}\n{exc}")
    cpu, wall = time.process_time() - t0, time.perf_counter() - w0
    if rec is not None:
        rec.stop(kind, verdict, cpu, wall)
        if m.target is not None and verdict not in FAILURES:
            rec.reached[kind, reached_codec(m)] += 1
    return verdict, label, cpu, wall


def _flip_sample(name: str):
    if name == "multi-block":
        from .mutate import _text
        content = _text(20_000, 5)   # ten blocks: a flip in block k costs k decodes
        return make_sample(name, quasi.compress(content, block_size=2048), content)
    if os.path.exists(name):
        content = Path(name).read_bytes()
    else:
        import quasi_corpora
        content = quasi_corpora.load(name)
    return make_sample(name, quasi.compress(content), content)


def _flip_case(sample, pos: int, bit: int) -> str:
    """'error', 'same' or 'wrong' for one bit flip through decompress and a
    QuasiDecompressor fed the whole input ('incomplete' if it waits for more)."""
    m = bit_flip(sample, pos, bit)
    verdicts = []
    try:
        verdicts.append("same" if quasi.decompress(m.data) == sample.content else "wrong")
    except quasi.QuasiError:
        verdicts.append("error")
    try:
        d = quasi.QuasiDecompressor()
        out = d.decompress(m.data)
        verdicts.append(("same" if out == sample.content else "wrong") if d.eof
                        else "incomplete")
    except quasi.QuasiError:
        verdicts.append("error")
    return "wrong" if "wrong" in verdicts else "same" if "same" in verdicts else verdicts[-1]


@click.command()
@click.option("--mode", type=click.Choice(["mutate", "flips"]), default="mutate",
              show_default=True)
@click.option("--cases", type=int, default=100_000, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=Path("fuzz-out"),
              show_default=True, help="failures, summary.json")
@click.option("--cli-every", type=int, default=100, show_default=True,
              help="run the command line on every N-th case (0: never)")
@click.option("--max-size", type=int, default=2000, show_default=True,
              help="largest golden file used (bytes): small inputs keep cases cheap")
@click.option("--timeout", type=float, default=30.0, show_default=True,
              help="seconds after which a case counts as a hang")
@click.option("--memory", type=int, default=1024, show_default=True,
              help="MiB of address space allowed beyond the warmed-up process")
@click.option("--input", "input_", default="multi-block", show_default=True,
              help="flips: corpus name, file, or multi-block")
@click.option("--step", type=int, default=1, show_default=True,
              help="flips: every N-th bit")
@click.option("--replay", type=int, default=None, help="run case N alone and print it")
@click.option("--kinds", default=",".join(MUTATORS), show_default=True,
              help="mutate: the mutators to choose from, comma-separated")
def main(mode, cases, seed, out, cli_every, max_size, timeout, memory, input_, step, replay,
         kinds):
    """Fuzz quasi's readers with mutated streams; see the module docstring."""
    if mode == "flips":
        return _flips(out, input_, step, timeout)
    kinds = tuple(kinds.split(","))
    if not set(kinds) <= set(MUTATORS):
        raise click.BadParameter(f"not among {', '.join(MUTATORS)}", param_hint="--kinds")
    samples, donor = _samples(max_size)
    if replay is not None:
        with tempfile.TemporaryDirectory() as d:
            verdict, label, cpu, wall = run_case(replay, seed, samples, donor, None, d, kinds)
        print(f"{label}\nverdict {verdict}, {cpu * 1e3:.2f} ms CPU, {wall * 1e3:.2f} ms wall")
        return
    for i in range(200):   # warm up: load the kernels before timing anything
        run_case(i, seed + 1, samples, donor, None, None, kinds)
    cap = _limit_memory(memory)
    rec = Recorder(out, timeout)
    started = time.time()
    with tempfile.TemporaryDirectory() as d:
        for i in range(cases):
            run_case(i, seed, samples, donor, rec,
                     d if cli_every and i % cli_every == 0 else None, kinds)
            if (i + 1) % 100_000 == 0:
                print(f"{i + 1:,} cases, {rec.failures} failures, "
                      f"{time.time() - started:.0f} s", file=sys.stderr, flush=True)
    summary = {
        "command": "python -m bench.fuzz " + " ".join(sys.argv[1:]),
        "mode": mode, "cases": cases, "seed": seed, "quasi": quasi.__file__,
        "numba_boundscheck": bool(numba.config.BOUNDSCHECK), "kinds": list(kinds),
        "samples": {s.name: len(s.data) for s in samples},
        "address_space_cap_bytes": cap, "seconds": round(time.time() - started, 1),
        "verdicts": dict(collections.Counter(v for (_, v) in rec.counts.elements())),
        "by_mutator": {f"{k} {v}": n for (k, v), n in sorted(rec.counts.items())},
        "reached_codec": {f"{k} {'reached' if r else 'stopped before'}": n
                          for (k, r), n in sorted(rec.reached.items())},
        "failures": rec.failures, "failure_kinds": list(FAILURES),
        "cpu_buckets": dict(rec.buckets),
        "max_cpu_s": rec.slowest[0][0] if rec.slowest else 0.0,
        "max_wall_s": rec.max_wall[0], "max_wall_case": rec.max_wall[1],
        "slowest_by_cpu": [{"cpu_s": c, "wall_s": w, "case": label}
                           for c, w, label in rec.slowest],
    }
    rec.close(summary)
    print(json.dumps({k: summary[k] for k in ("verdicts", "reached_codec", "failures",
                                              "max_cpu_s", "max_wall_s", "seconds")}, indent=1))


def _flips(out: Path, name: str, step: int, timeout: float) -> None:
    sample = _flip_sample(name)
    rec = Recorder(out, timeout)
    started = time.time()
    n_bits = len(sample.data) * 8
    for k in range(0, n_bits, step):
        pos, bit = divmod(k, 8)
        rec.start(f"flip {pos}.{bit}", b"")
        t0, w0 = time.process_time(), time.perf_counter()
        verdict = _flip_case(sample, pos, bit)
        rec.stop("flip", verdict, time.process_time() - t0, time.perf_counter() - w0)
        if verdict in ("wrong", "same"):
            rec.fail(f"flip {pos}.{bit}", bit_flip(sample, pos, bit).data,
                     Failure("wrong", f"bit flip {pos}.{bit} not detected ({verdict})"))
    summary = {
        "command": "python -m bench.fuzz " + " ".join(sys.argv[1:]),
        "mode": "flips", "input": name, "content_bytes": len(sample.content),
        "compressed_bytes": len(sample.data), "blocks": sum(f.info.n_blocks for f in sample.frames),
        "flips": sum(rec.counts.values()), "step": step,
        "verdicts": {v: n for (_, v), n in rec.counts.items()},
        "undetected": rec.failures, "seconds": round(time.time() - started, 1),
        "cpu_buckets": dict(rec.buckets),
        "max_cpu_s": rec.slowest[0][0] if rec.slowest else 0.0, "max_wall_s": rec.max_wall[0],
    }
    rec.close(summary)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
