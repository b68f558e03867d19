"""The build backend of quasi: setuptools, plus a prebuilt kernel cache in the wheel.

``python -m build`` (or ``pip wheel .``) builds the wheel with setuptools, then runs
``python -m quasi.warmup`` on the unpacked wheel, compiled for a portable CPU target
(``PORTABLE_TARGET``), and adds the numba cache files it wrote (``*.nbi``, ``*.nbc``
in the kernel modules' ``__pycache__``) and ``quasi/models/prebuilt-cache.json``,
which says what they were built for. An installed wheel then loads its kernels
instead of compiling them (quasi.models._jit decides when the prebuilt cache
applies). Editable installs and sdists are plain setuptools, with no compiling.

``--config-settings prebuilt-cache=none`` (pip) or ``-C prebuilt-cache=none``
(``python -m build``) builds a wheel without the cache; ``prebuilt-cache=NAME`` uses
another LLVM CPU name (``generic``, ``x86-64-v2``, ...).

This module is the build system's, not the library's: it is kept out of the wheel.
"""
import base64
import csv
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import zipfile

from setuptools import build_meta as _setuptools
from setuptools.build_meta import (  # noqa: F401  (the rest of the backend interface)
    build_editable, build_sdist, get_requires_for_build_editable,
    get_requires_for_build_sdist, prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel)

# The CPU the prebuilt kernels are compiled for, with no extra features: on x86-64,
# level v3 (AVX2, BMI2, FMA: x86 processors since 2013-2015); elsewhere the
# architecture's baseline. quasi uses the cache only on a host whose CPU has every
# feature of the target (LLVM's names, as llvmlite reports the host's).
PORTABLE_FLAGS = {
    "x86-64-v3": ("avx", "avx2", "bmi", "bmi2", "f16c", "fma", "lzcnt", "movbe", "xsave",
                  "cx16", "popcnt", "sse4.1", "sse4.2", "ssse3"),
    "x86-64-v2": ("cx16", "popcnt", "sse4.1", "sse4.2", "ssse3"),
    "generic": (),
}
X86 = ("x86_64", "AMD64")
PORTABLE_TARGET = "x86-64-v3" if platform.machine() in X86 else "generic"
CACHE_SUFFIXES = (".nbi", ".nbc")
INFO_PATH = "quasi/models/prebuilt-cache.json"
BACKEND_DIR = "quasi/_build/"


def _runtime_requirements():
    """The project's own dependencies: the warm-up imports quasi."""
    try:
        import tomllib
    except ImportError:   # Python 3.10
        from setuptools.extern import tomli as tomllib
    with open("pyproject.toml", "rb") as f:
        return list(tomllib.load(f)["project"]["dependencies"])


def _target(config_settings):
    value = (config_settings or {}).get("prebuilt-cache", PORTABLE_TARGET)
    if value == "none":
        return None
    if value not in PORTABLE_FLAGS:
        raise ValueError(f"prebuilt-cache={value!r}: expected none or one of "
                         f"{', '.join(PORTABLE_FLAGS)}")
    return value


def get_requires_for_build_wheel(config_settings=None):
    """setuptools' requirements, and quasi's own when the wheel gets a cache."""
    extra = _runtime_requirements() if _target(config_settings) else []
    return _setuptools.get_requires_for_build_wheel(config_settings) + extra


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """Build the wheel with setuptools, then add the prebuilt kernel cache to it."""
    target = _target(config_settings)
    if target is not None and target.startswith("x86") and platform.machine() not in X86:
        raise ValueError(f"prebuilt-cache={target}: this machine is {platform.machine()}")
    name = _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)
    if target is None:
        _rewrite_wheel(os.path.join(wheel_directory, name), {}, None)
    else:
        add_prebuilt_cache(os.path.join(wheel_directory, name), target)
    return name


def add_prebuilt_cache(wheel_path, target):
    """Compile every kernel of the wheel at ``wheel_path`` for CPU ``target`` and put
    the cache files into it."""
    with tempfile.TemporaryDirectory() as tree:
        with zipfile.ZipFile(wheel_path) as wheel:
            wheel.extractall(tree)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
        # pip's build environment reaches its packages through PYTHONPATH: keep it
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (tree, env.get("PYTHONPATH"))))
        env.update(NUMBA_CPU_NAME=target, NUMBA_CPU_FEATURES="", PYTHONDONTWRITEBYTECODE="1")
        check = subprocess.run(
            [sys.executable, "-c", "import quasi, numba; print(quasi.__file__); "
             "print(numba.__version__)"],
            cwd=tree, env=env, capture_output=True, text=True, check=True)
        where, numba_version = check.stdout.split()
        if not where.startswith(tree):
            raise RuntimeError(f"the warm-up would import quasi from {where}, "
                               f"not from the wheel being built")
        subprocess.run([sys.executable, "-m", "quasi.warmup"], cwd=tree, env=env, check=True)
        added = {}
        for root, _, files in os.walk(tree):
            for f in files:
                if f.endswith(CACHE_SUFFIXES):
                    path = os.path.join(root, f)
                    with open(path, "rb") as data:
                        added[os.path.relpath(path, tree).replace(os.sep, "/")] = data.read()
        if not added:
            raise RuntimeError("the warm-up wrote no cache files")
        info = {
            "cpu_name": target,
            "cpu_features": "",
            "cpu_flags": list(PORTABLE_FLAGS[target]),
            "machine": platform.machine(),
            "cache_tag": sys.implementation.cache_tag,
            "numba": numba_version,
            "files": len(added),
        }
        _rewrite_wheel(wheel_path, added, json.dumps(info, indent=1) + "\n")


def _rewrite_wheel(wheel_path, added, info):
    """Rewrite the wheel without the build backend and with ``added`` files (and the
    cache description ``info``), its RECORD recomputed."""
    if info is not None:
        added = dict(added, **{INFO_PATH: info.encode()})
    with zipfile.ZipFile(wheel_path) as old:
        entries = [(item, old.read(item)) for item in old.infolist()
                   if not item.filename.startswith(BACKEND_DIR)]
    record_name = next(item.filename for item, _ in entries
                       if item.filename.endswith(".dist-info/RECORD"))
    files = [(item.filename, data) for item, data in entries if item.filename != record_name]
    files += sorted(added.items())
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for filename, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        writer.writerow([filename, f"sha256={digest.decode()}", len(data)])
    writer.writerow([record_name, "", ""])
    tmp = wheel_path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as new:
        for filename, data in files:
            new.writestr(_entry(filename), data)
        new.writestr(_entry(record_name), record.getvalue())
    os.replace(tmp, wheel_path)


def _entry(filename):
    """A zip entry with a fixed date, so that the same files make the same wheel."""
    item = zipfile.ZipInfo(filename, date_time=(1980, 1, 1, 0, 0, 0))
    item.compress_type = zipfile.ZIP_DEFLATED
    item.external_attr = 0o644 << 16
    return item
