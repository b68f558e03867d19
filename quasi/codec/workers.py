"""Worker threads inside one block's coding.

The numba kernels release the GIL, so independent stages of a block (the
vocabulary, whitespace and case coders beside the parse, the match-length trials)
run truly in parallel. With one thread every call runs at once
in the caller, so the output never depends on the number of threads.
"""
from concurrent.futures import Future, ThreadPoolExecutor


class Workers:
    """Up to ``threads`` calls at once; a context manager (waits for all on exit)."""

    def __init__(self, threads: int = 1):
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="quasi-stage") \
            if threads > 1 else None

    def submit(self, fn, *args) -> Future:
        """fn(*args) in a worker; with one thread, run now (its exception raised now)."""
        if self._pool is not None:
            return self._pool.submit(fn, *args)
        done = Future()
        done.set_result(fn(*args))
        return done

    def map(self, fn, items) -> list:
        """[fn(item) for item in items], computed in the workers."""
        return [f.result() for f in [self.submit(fn, item) for item in items]]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
