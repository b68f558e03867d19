"""The wheel's prebuilt kernel cache: the build backend that adds it, the rule that
decides when a process uses it, and (slow) a built wheel installed elsewhere that
compiles nothing."""
import base64
import csv
import hashlib
import importlib.util
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import venv
import zipfile

import pytest

import quasi.models._jit as jit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _backend():
    pytest.importorskip("setuptools")
    path = os.path.join(ROOT, "quasi", "_build", "quasi_backend.py")
    spec = importlib.util.spec_from_file_location("quasi_backend", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _record_is_right(wheel):
    """Every file but RECORD is listed in RECORD with its true hash and size."""
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
        rows = {row[0]: row[1:] for row in csv.reader(io.StringIO(z.read(record_name).decode()))}
        assert set(rows) == set(names)
        for name in names:
            if name != record_name:
                data = z.read(name)
                digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
                assert rows[name] == [f"sha256={digest.decode()}", str(len(data))], name
        return names


def test_rewrite_drops_the_backend_and_records_what_it_adds(tmp_path):
    backend = _backend()
    wheel = tmp_path / "quasi-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("quasi/__init__.py", b"x = 1\n")
        z.writestr("quasi/_build/quasi_backend.py", b"# build only\n")
        z.writestr("quasi-0.dist-info/METADATA", b"Name: quasi\n")
        z.writestr("quasi-0.dist-info/RECORD", b"stale,,\n")
    cache = {"quasi/models/__pycache__/k.f-1.py311.nbi": b"index",
             "quasi/models/__pycache__/k.f-1.py311.1.nbc": b"code"}
    backend._rewrite_wheel(str(wheel), cache, '{"cpu_name": "generic"}\n')
    names = _record_is_right(wheel)
    assert "quasi/_build/quasi_backend.py" not in names
    assert set(cache) | {backend.INFO_PATH, "quasi/__init__.py"} <= set(names)
    with zipfile.ZipFile(wheel) as z:
        assert z.read("quasi/models/__pycache__/k.f-1.py311.nbi") == b"index"
        assert json.loads(z.read(backend.INFO_PATH)) == {"cpu_name": "generic"}


def test_backend_refuses_an_unknown_target():
    backend = _backend()
    with pytest.raises(ValueError, match="prebuilt-cache='pentium'"):
        backend.get_requires_for_build_wheel({"prebuilt-cache": "pentium"})
    assert backend._target({"prebuilt-cache": "none"}) is None
    assert backend._target(None) == backend.PORTABLE_TARGET


def _info(**changes):
    import numba

    info = {"cpu_name": "generic", "cpu_features": "", "cpu_flags": [],
            "machine": platform.machine(), "cache_tag": sys.implementation.cache_tag,
            "numba": numba.__version__}
    info.update(changes)
    return info


def test_prebuilt_cache_applies_only_where_it_was_built_for():
    assert jit.prebuilt_applies(_info())
    assert not jit.prebuilt_applies(_info(machine="sparc64"))
    assert not jit.prebuilt_applies(_info(cache_tag="cpython-27"))
    assert not jit.prebuilt_applies(_info(numba="0.1.0"))
    assert not jit.prebuilt_applies(_info(cpu_flags=["no-such-cpu-feature"]))


WHEEL_CHECK = """
import os, sys, time
start = time.perf_counter()
import quasi, quasi.models._jit as jit
compiled = []
with jit.compile_notice(lambda: None, lambda done, name: compiled.append(name)):
    text = b"It was the best of times, it was the worst of times. " * 300
    for level in (1, 6, 9):
        assert quasi.decompress(quasi.compress(text, level=level)) == text
print("FILE", quasi.__file__)
print("TARGET", jit.PREBUILT_TARGET, os.environ.get("NUMBA_CPU_NAME"))
print("COMPILED", len([n for n in compiled if n]))
print("SECONDS", round(time.perf_counter() - start, 1))
"""


@pytest.mark.slow
def test_built_wheel_installed_elsewhere_compiles_nothing(tmp_path):
    """``python -m build`` (sdist, then the wheel from it) gives a wheel with a prebuilt
    cache; installed into a new virtual environment at another path, compressing and
    decompressing at levels 1, 6 and 9 and ``quasi --demo`` compile no kernel."""
    pytest.importorskip("build")
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "__pycache__", "*.egg-info", "build", "dist", ".pytest_cache",
        ".hypothesis", "*.nbi", "*.nbc"))
    r = subprocess.run([sys.executable, "-m", "build", "--outdir", str(tmp_path / "dist"),
                        str(source)], capture_output=True, text=True, timeout=3600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    wheel, = (tmp_path / "dist").glob("*.whl")
    names = _record_is_right(wheel)
    assert any(n.endswith(".nbc") for n in names)
    assert not any(n.startswith("quasi/_build/") for n in names)
    with zipfile.ZipFile(wheel) as z:
        info = json.loads(z.read("quasi/models/prebuilt-cache.json"))
    if not jit.prebuilt_applies(info):
        pytest.skip(f"this host cannot use a cache built for {info['cpu_name']}")

    env_dir = tmp_path / "elsewhere" / "env"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    r = subprocess.run([python, "-m", "pip", "install", "-q", str(wheel)],
                       capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "PYTHON"))}
    r = subprocess.run([python, "-c", WHEEL_CHECK], capture_output=True, text=True,
                       env=env, cwd=tmp_path, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"FILE {env_dir}" in r.stdout, r.stdout
    assert f"TARGET ('{info['cpu_name']}', '') {info['cpu_name']}" in r.stdout, r.stdout
    assert "COMPILED 0" in r.stdout, r.stdout
    start = time.perf_counter()
    r = subprocess.run([str(env_dir / "bin" / "quasi"), "--demo"], capture_output=True,
                       text=True, env=dict(env, NUMBA_DEBUG_CACHE="1"), cwd=tmp_path,
                       timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "compiling" not in r.stderr and "data saved" not in r.stdout, r.stdout[-3000:]
    print(f"installed wheel: quasi --demo {time.perf_counter() - start:.1f} s, "
          f"{r.stdout.count('index loaded')} cache indexes loaded")
