"""Numba set-up shared by every kernel module.

Kernels are compiled lazily on first call and cached on disk: in the ``__pycache__``
beside each kernel module (quasi/text, quasi/models, quasi/codec) when those are
writable, else in ``$XDG_CACHE_HOME/quasi/numba`` (default ``~/.cache/quasi/numba``),
else in a private directory under the system temporary directory; ``NUMBA_CACHE_DIR``
overrides all three. With no writable place at all, kernels compile in every process
instead of failing.

A wheel built by the project's backend (quasi/_build) carries that cache prebuilt for
a portable CPU target, described by ``prebuilt-cache.json`` beside this module. numba
finds a cached kernel only when the process compiles for the CPU the kernel was built
for, so when the prebuilt cache applies (see ``_prebuilt_target``) this module sets
``NUMBA_CPU_NAME`` and ``NUMBA_CPU_FEATURES`` to that target before numba is imported;
kernels compiled later in that installation are compiled for the same target.
``compile_notice`` lets the command line tell the user when a kernel is being
compiled rather than loaded from the cache, and how far it is.
"""
import json
import os
import platform
import stat
import sys
import tempfile
from contextlib import contextmanager


def _uid() -> int:
    return os.getuid() if hasattr(os, "getuid") else 0


def _writable(path: str, private: bool = False) -> bool:
    """True if ``path`` exists or can be made, and a file can be created in it.
    ``private``: it must also be ours and closed to other users (a shared temporary
    directory must not let anyone else plant cached code)."""
    try:
        os.makedirs(path, mode=0o700 if private else 0o777, exist_ok=True)
        if private:
            st = os.lstat(path)
            if (not stat.S_ISDIR(st.st_mode) or st.st_uid != _uid()
                    or st.st_mode & 0o077):
                return False
        tempfile.TemporaryFile(dir=path).close()
        return True
    except OSError:
        return False


PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNEL_STAGES = ("text", "models", "codec")   # the subpackages whose modules hold kernels


def _cache_dir():
    """The directory to cache kernels in: None for numba's default (the writable
    ``__pycache__`` beside each kernel module, or NUMBA_CACHE_DIR when set), "" when
    nothing is writable."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    if all(_writable(os.path.join(PACKAGE_DIR, stage, "__pycache__")) for stage in KERNEL_STAGES):
        return None
    user = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if _writable(os.path.join(user, "quasi", "numba")):
        return os.path.join(user, "quasi", "numba")
    private = os.path.join(tempfile.gettempdir(), f"quasi-numba-{_uid()}")
    if _writable(private, private=True):
        return private
    return ""


PREBUILT_INFO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "prebuilt-cache.json")


def _prebuilt_target():
    """The (CPU name, features) of the installed package's prebuilt kernel cache, if
    this process can use it; None otherwise. It can when the cache is the package's own
    ``__pycache__`` (writable, no ``NUMBA_CACHE_DIR``), numba is not imported yet (its
    target is then fixed), the user chose no CPU target, and ``prebuilt_applies``."""
    if not os.path.exists(PREBUILT_INFO) or CACHE_DIR is not None or "numba" in sys.modules:
        return None
    if any(name in os.environ
           for name in ("NUMBA_CACHE_DIR", "NUMBA_CPU_NAME", "NUMBA_CPU_FEATURES")):
        return None
    try:
        with open(PREBUILT_INFO, encoding="utf-8") as f:
            info = json.load(f)
        if prebuilt_applies(info):
            return info["cpu_name"], info["cpu_features"]
    except (OSError, ValueError, KeyError, TypeError, ImportError):
        pass   # an unreadable description: compile for the host, as without one
    return None


def prebuilt_applies(info: dict) -> bool:
    """True if a cache described by ``info`` (prebuilt-cache.json) was built for this
    machine, Python and numba, for a CPU target whose features this host's CPU has."""
    from importlib.metadata import version

    if (info["machine"] != platform.machine()
            or info["cache_tag"] != sys.implementation.cache_tag
            or info["numba"] != version("numba")):
        return False
    import llvmlite.binding

    host = llvmlite.binding.get_host_cpu_features()
    return all(host.get(flag, False) for flag in info["cpu_flags"])


CACHE_DIR = _cache_dir()
PREBUILT_TARGET = _prebuilt_target()
if PREBUILT_TARGET is not None:
    os.environ["NUMBA_CPU_NAME"], os.environ["NUMBA_CPU_FEATURES"] = PREBUILT_TARGET

import numba  # noqa: E402  (after the cache directory and CPU target are settled)

if CACHE_DIR:
    numba.config.CACHE_DIR = CACHE_DIR

njit = numba.njit(cache=CACHE_DIR != "", nogil=True)

# Hot helpers that allocate nothing and return no array can be compiled without
# numba's reference counting (NRT), so passing arrays to them costs no atomic
# count updates. Inside a loop numba keeps such updates around a helper's
# arguments whenever the loop branches around the call, at several times the
# helper's own work (5x on a hashing scan, measured on commit c1b2bba). A leaf is a real call
# unless LLVM inlines it, so it pays where a helper is big or its arguments
# are many arrays (events, decisions); the arithmetic coder's and the mixing
# models' small helpers decode faster inlined (njit_inline below). Returning an
# array would hand out a reference never counted, so a leaf must not
# (tests/test_jit.py checks every leaf signature compiled).
njit_leaf = numba.njit(cache=CACHE_DIR != "", nogil=True, _nrt=False)

# Small hot helpers inlined at numba-IR level instead. Each inlined copy is
# compiled separately, and compile time grows faster than the code: call a large
# inlined helper from one place in a kernel rather than from several.
njit_inline = numba.njit(cache=CACHE_DIR != "", nogil=True, inline="always")


@contextmanager
def compile_notice(callback, progress=None):
    """While the block runs, call ``callback()`` once if numba starts compiling a
    kernel (it does so only when the on-disk cache has no usable copy), and
    ``progress(n_done, name)`` each time a kernel starts (``name``: the one being
    compiled) or ends compiling (``name`` None once the outermost has ended)."""
    from numba.core import event

    class _Listener(event.Listener):
        def __init__(self):
            self.fired = False   # callback called
            self.done = 0        # compiles ended
            self.active = []     # the kernels compiling now, outermost first

        def on_start(self, ev):
            if not self.fired:
                self.fired = True
                callback()
            self.active.append(_kernel_name(ev))
            if progress is not None:
                progress(self.done, self.active[-1])

        def on_end(self, ev):
            self.done += 1
            if self.active:
                self.active.pop()
            if progress is not None:
                progress(self.done, self.active[-1] if self.active else None)

    listener = _Listener()
    event.register("numba:compile", listener)
    try:
        yield
    finally:
        event.unregister("numba:compile", listener)


def _kernel_name(ev):
    """'module.function' of the dispatcher a numba:compile event is about."""
    func = getattr((ev.data or {}).get("dispatcher"), "py_func", None)
    if func is None:
        return "?"
    return f"{func.__module__.rpartition('.')[2]}.{func.__qualname__}"
