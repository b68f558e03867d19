"""quasi benchmarks: run from the repository root as ``python -m bench COMMAND``."""
