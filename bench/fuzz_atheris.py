"""Coverage-guided fuzzing of quasi's readers with atheris (optional: pip install atheris).

    python -m bench.fuzz_atheris CORPUS_DIR [atheris/libFuzzer flags, e.g. -runs=100000]

CORPUS_DIR is seeded with the small valid streams of bench/mutate.py and the golden
files; libFuzzer mutates them, guided by the coverage of quasi's Python code (the numba
kernels are machine code, invisible to it). Each input goes through every reader
(bench/oracle.py) as an unprotected mutation: a crash, a disagreement between readers,
a refused valid stream or a broken command line stops the run with the input saved by
libFuzzer; what the content should be is not known for an arbitrary input.
"""
import random
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["quasi", "bench"]):
    import quasi  # noqa: F401  (instrumented for coverage)
    from bench.mutate import Mutation, built_samples, golden_samples
    from bench.oracle import judge


def one_input(data: bytes) -> None:
    judge(Mutation(data, b"", unprotected=True), random.Random(len(data)))


def main():
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else None
    if corpus is not None and not any(corpus.glob("*")):
        corpus.mkdir(parents=True, exist_ok=True)
        for i, s in enumerate(built_samples(small=True) + golden_samples(2000)):
            (corpus / f"seed-{i:03d}.qz").write_bytes(s.data)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
