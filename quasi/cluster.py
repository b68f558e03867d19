"""quasi on a Dask cluster: a worker plugin that readies each worker before its tasks,
and the executor behind ``quasi --scheduler``.

    client.register_plugin(quasi.cluster.WarmUp())

On each worker, before any task: unless a complete warm-up of the worker's cache is on
record for the present code (``quasi.warmup.is_warm``), compiles every numba kernel
into that cache in a subprocess (``python -m quasi.warmup``), so that no task compiles
(a worker that holds the GIL for minutes inside a task stops answering the scheduler),
then imports
quasi there, which registers the .qz compression with fsspec. Needs the ``dask`` extra
(``pip install 'quasi[dask]'``); importing quasi itself never imports Dask.
"""
import subprocess
import sys
from contextlib import contextmanager

from distributed import Client, LocalCluster, WorkerPlugin

from .errors import QuasiError

__all__ = ["WarmUp", "scheduler_executor"]


class WarmUp(WorkerPlugin):
    """Warm the kernel cache and register quasi's fsspec compression on every worker."""

    name = "quasi-warm-up"

    def __init__(self, timeout: float = 1800):
        self.timeout = timeout

    def setup(self, worker) -> None:
        from . import warmup

        if not warmup.is_warm():
            done = subprocess.run([sys.executable, "-m", "quasi.warmup"], capture_output=True,
                                  text=True, timeout=self.timeout)
            if done.returncode:
                raise RuntimeError(f"quasi warm-up failed on {worker.address}:\n{done.stderr}")
        import quasi

        quasi.register_fsspec()


@contextmanager
def scheduler_executor(address: str, timeout: float = 10):
    """A ``concurrent.futures`` executor on a Dask cluster, for quasi.compress_file and
    decompress_file: ``address`` is a running scheduler's (``tcp://HOST:PORT``), whose
    workers must read the input files under the same names, or ``local:N`` for a
    cluster of N worker processes (one thread each) on this machine, started here
    and closed at the end. WarmUp is registered on the workers first."""
    cluster = None
    if address.startswith("local:"):
        count = address[len("local:"):]
        if not count.isdigit() or int(count) < 1:
            raise QuasiError(f"local:N needs a number of workers N >= 1, got {address!r}")
        cluster = LocalCluster(n_workers=int(count), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        address = cluster
    try:
        try:
            client = Client(address, timeout=timeout)
        except OSError as exc:
            raise QuasiError(f"no Dask scheduler at {address}: {exc}") from None
        with client:
            client.register_plugin(WarmUp())
            yield client.get_executor()
    finally:
        if cluster is not None:
            cluster.close()
