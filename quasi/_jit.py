"""Numba set-up shared by every kernel module.

Kernels are compiled lazily on first call and cached on disk. When the package
directory is not writable, numba's cache falls back to a per-user directory, so
a read-only install still caches (DESIGN section 10).
"""
import os
import tempfile


def _ensure_cache_dir() -> None:
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    pycache = os.path.join(here, "__pycache__")
    try:
        os.makedirs(pycache, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=pycache, delete=True)
        probe.close()
    except OSError:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        os.environ["NUMBA_CACHE_DIR"] = os.path.join(base, "quasi", "numba")


_ensure_cache_dir()

import numba  # noqa: E402  (after the cache directory is settled)

njit = numba.njit(cache=True, nogil=True)

# Small hot helpers called from the coding loops: inlined at numba-IR level,
# which removes per-call argument and reference-count overhead.
njit_inline = numba.njit(cache=True, nogil=True, inline="always")
