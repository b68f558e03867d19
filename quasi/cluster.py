"""quasi on a Dask cluster: a worker plugin that readies each worker before its tasks.

    client.register_plugin(quasi.cluster.WarmUp())

On each worker, before any task: compiles every numba kernel into the worker's cache
in a subprocess (``python -m quasi.warmup``), so that no task compiles (a worker that
holds the GIL for minutes inside a task stops answering the scheduler), then imports
quasi there, which registers the .qz compression with fsspec. Needs the ``dask`` extra
(``pip install 'quasi[dask]'``); importing quasi itself never imports Dask.
"""
import subprocess
import sys

from distributed import WorkerPlugin

__all__ = ["WarmUp"]


class WarmUp(WorkerPlugin):
    """Warm the kernel cache and register quasi's fsspec compression on every worker."""

    name = "quasi-warm-up"

    def __init__(self, timeout: float = 1800):
        self.timeout = timeout

    def setup(self, worker) -> None:
        done = subprocess.run([sys.executable, "-m", "quasi.warmup"], capture_output=True,
                              text=True, timeout=self.timeout)
        if done.returncode:
            raise RuntimeError(f"quasi warm-up failed on {worker.address}:\n{done.stderr}")
        import quasi

        quasi.register_fsspec()
