"""Kernel cache location (read-only installs) and the first-compilation notice."""
import os
import shutil
import subprocess
import sys

import numba
import pytest

import quasi.models._jit as jit

from conftest import word_soup

PACKAGE = os.path.dirname(os.path.dirname(jit.__file__))
PACKAGE_CACHES = [os.path.join(PACKAGE, stage, "__pycache__") for stage in ("text", "models", "codec")]


def test_cache_dir_falls_back_in_order(monkeypatch, tmp_path):
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    user = str(tmp_path / "xdg" / "quasi" / "numba")
    writable = set()
    monkeypatch.setattr(jit, "_writable", lambda path, private=False: path in writable)
    writable.update(PACKAGE_CACHES)
    assert jit._cache_dir() is None                  # numba's default: beside the code
    writable.discard(PACKAGE_CACHES[0])              # one kernel package is read-only
    writable.add(user)
    assert jit._cache_dir() == user
    writable.clear()
    monkeypatch.setattr(jit.tempfile, "gettempdir", lambda: str(tmp_path))
    private = str(tmp_path / f"quasi-numba-{os.getuid()}")
    writable.add(private)
    assert jit._cache_dir() == private
    writable.clear()
    assert jit._cache_dir() == ""                    # nowhere: compile, do not fail
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "mine"))
    assert jit._cache_dir() is None                  # the user's choice wins


def test_private_temporary_cache_must_be_ours_and_closed(tmp_path):
    good = tmp_path / "good"
    assert jit._writable(str(good), private=True) and oct(good.stat().st_mode & 0o777) == "0o700"
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    assert not jit._writable(str(shared), private=True)
    link = tmp_path / "link"
    link.symlink_to(good)
    assert not jit._writable(str(link), private=True)
    assert jit._writable(str(shared))                # fine when not used as private


def test_compile_notice_fires_once_and_only_inside_the_block():
    calls = []
    with jit.compile_notice(lambda: calls.append(1)):
        assert numba.njit(lambda x: x + 1)(1) == 2
        assert numba.njit(lambda x: x * 3)(2) == 6
    assert calls == [1]
    numba.njit(lambda x: x - 1)(1)
    assert calls == [1]


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("unshare") or os.getuid() != 0,
                    reason="needs root and unshare for a read-only bind mount")
@pytest.mark.parametrize("home_writable", [True, False])
def test_read_only_install_caches_kernels(tmp_path, home_writable):
    """A read-only copy of the package: the first run compiles, the second loads the
    kernels from the fallback cache (no compilation), both round-trip."""
    pkg = tmp_path / "site"
    shutil.copytree(os.path.dirname(jit.__file__), pkg / "quasi",
                    ignore=shutil.ignore_patterns("__pycache__"))
    home = tmp_path / "home"
    home.mkdir()
    script = ("import quasi, quasi.models._jit as j\n"
              "with j.compile_notice(lambda: print('COMPILED')):\n"
              "    d = b'to be or not to be, that is the question ' * 200\n"
              "    assert quasi.decompress(quasi.compress(d)) == d\n"
              "print('CACHE', repr(j.CACHE_DIR))\n")
    mounts = f"mount --bind {pkg} {pkg} && mount -o remount,bind,ro {pkg}"
    if not home_writable:
        mounts += f" && mount --bind {home} {home} && mount -o remount,bind,ro {home}"
    env = dict(os.environ, PYTHONPATH=str(pkg), HOME=str(home), XDG_CACHE_HOME=str(home),
               TMPDIR=str(tmp_path))
    env.pop("NUMBA_CACHE_DIR", None)
    outputs = []
    for _ in range(2):
        r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            f"{mounts} && exec {sys.executable} -c \"$0\"", script],
                           env=env, cwd=tmp_path, capture_output=True, text=True,
                           timeout=900)
        assert r.returncode == 0, r.stderr
        outputs.append(r.stdout)
    assert "COMPILED" in outputs[0] and "COMPILED" not in outputs[1]
    expected = str(home / "quasi" / "numba") if home_writable else str(
        tmp_path / f"quasi-numba-{os.getuid()}")
    assert f"CACHE {expected!r}" in outputs[1]


KERNEL_CHECK = """
import sys, types, numba, quasi
text = b"The quick brown fox jumps over the lazy dog. " * 40 + bytes(range(256)) * 2
for level in (1, 6, 9):
    assert quasi.decompress(quasi.compress(text, level=level)) == text

def holds_array(ty):
    return isinstance(ty, numba.types.Array) or any(map(holds_array, getattr(ty, "types", ())))

def names_in(code):
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from names_in(const)

modules = {n: m for n, m in sorted(sys.modules.items()) if n.startswith("quasi.")}
dispatchers = {}
called_from_python = set()
for module_name, module in modules.items():
    for name, obj in vars(module).items():
        if isinstance(obj, numba.core.dispatcher.Dispatcher):
            dispatchers[id(obj)] = (obj, f"{obj.__module__}.{obj.__name__}")
    for obj in list(vars(module).values()):
        for func in ([obj] + list(vars(obj).values()) if isinstance(obj, type) else [obj]):
            if isinstance(func, (staticmethod, classmethod)):
                func = func.__func__
            if (isinstance(func, types.FunctionType) and func.__module__ == module_name):
                for n in names_in(func.__code__):
                    target = func.__globals__.get(n)
                    if isinstance(target, numba.core.dispatcher.Dispatcher):
                        called_from_python.add(id(target))

leaves = 0
for key, (obj, qualname) in dispatchers.items():
    sigs = obj.nopython_signatures
    literal = [s for s in sigs if any(isinstance(t, numba.types.Literal) for t in s.args)]
    if literal and len(sigs) > 1:
        print("PER-CONSTANT", qualname, len(sigs), [str(s) for s in literal])
    for sig in sigs:
        if obj.targetoptions.get("_nrt") is False:
            leaves += 1
            if holds_array(sig.return_type):
                print("RETURNS-ARRAY", qualname, sig)
    if key in called_from_python and len(sigs) > 1:
        print("TOP-LEVEL-SIGNATURES", qualname, len(sigs), [str(s) for s in sigs])
print("TOP-LEVEL", len(called_from_python & set(dispatchers)))
print("LEAF-SIGNATURES", leaves)
"""


@pytest.fixture(scope="module")
def fresh_compile(tmp_path_factory):
    """What a process that compiles every kernel afresh (a cached caller carries its
    helpers inside it, so a warm cache would hide them) printed after compressing at
    levels 1, 6 and 9: KERNEL_CHECK's lines."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path_factory.mktemp("cache")))
    r = subprocess.run([sys.executable, "-c", KERNEL_CHECK], env=env, capture_output=True,
                       text=True, timeout=1200)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_leaf_kernels_return_no_array(fresh_compile):
    """A kernel compiled without reference counting (njit_leaf) must not return an
    array: the caller would release a reference it was never given."""
    assert "RETURNS-ARRAY" not in fresh_compile, fresh_compile
    assert int(fresh_compile.split("LEAF-SIGNATURES")[1]) > 40   # the coders' helpers ran


# Compiled once per model set on purpose: the vocabulary coder's loop over its models
# (3 or 7, STRONG's refinement on or off) is unrolled for each set.
PER_MODEL_SET = {"quasi.models.vocab._code_words_n"}


def test_compile_budget_one_signature_per_kernel(fresh_compile):
    """Each kernel called from Python compiles once, and no helper is compiled once per
    integer constant it is called with (numba types a constant argument as
    Literal[int], so each value is a compile of its own; callers pass np.int64)."""
    assert "TOP-LEVEL-SIGNATURES" not in fresh_compile, fresh_compile
    per_constant = {line.split()[1] for line in fresh_compile.splitlines()
                    if line.startswith("PER-CONSTANT")}
    assert per_constant <= PER_MODEL_SET, fresh_compile
    assert int(fresh_compile.split("TOP-LEVEL ")[1].split()[0]) > 20, fresh_compile


def _compiles_nothing_after_warm_up(tmp_path, env):
    """Run the warm-up, then real jobs at levels 1, 6 and 9 on other text: they must
    load every kernel from the cache (no compile notice)."""
    exe = [sys.executable, "-c", "from quasi_cli.main import main; main()"]
    r = subprocess.run([sys.executable, "-m", "quasi.warmup"], capture_output=True, text=True,
                       env=env)
    assert r.returncode == 0 and "kernels compiled" in r.stderr, r.stderr
    src = tmp_path / "text.txt"
    src.write_bytes(word_soup(30000, seed=4) + bytes(range(256)) * 40)
    for level in ("-1", "-6", "-9"):
        packed = tmp_path / f"text{level}.qz"
        for args in ([level, "-o", str(packed), str(src)], ["-t", str(packed)]):
            r = subprocess.run(exe + args, capture_output=True, text=True, env=env)
            assert r.returncode == 0, r.stderr
            assert "compiling" not in r.stderr, (args, r.stderr)


def test_nothing_compiles_after_warm_up(tmp_path):
    _compiles_nothing_after_warm_up(tmp_path, dict(os.environ))
    r = subprocess.run([sys.executable, "-c", "import quasi.warmup as w; print(w.is_warm())"],
                       capture_output=True, text=True)
    assert r.stdout.strip() == "True", r.stderr


def test_warm_up_record_names_what_the_cache_holds(tmp_path, monkeypatch):
    """is_warm: only a record of this fingerprint whose index files all exist counts."""
    import json

    import quasi.warmup as warmup

    record = tmp_path / "record"
    monkeypatch.setattr(warmup, "_record_path", lambda: str(record))
    assert not warmup.is_warm()
    index = tmp_path / "kernel.nbi"
    index.write_bytes(b"")
    for fingerprint, present, warm in (("0" * 64, True, False),
                                       (warmup._fingerprint(), True, True),
                                       (warmup._fingerprint(), False, False)):
        if not present:
            index.unlink()
        record.write_text(json.dumps({"fingerprint": fingerprint, "index_files": [str(index)]}))
        assert warmup.is_warm() is warm
    record.write_text("{not json")
    assert not warmup.is_warm()


@pytest.mark.slow
def test_warm_up_fills_an_empty_cache(tmp_path):
    cache = tmp_path / "cache"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache))
    _compiles_nothing_after_warm_up(tmp_path, env)
    assert any(cache.rglob("*.nbc")) and (cache / ".quasi-warm-up.done").exists()
    r = subprocess.run([sys.executable, "-c", "import quasi.warmup as w; print(w.is_warm())"],
                       capture_output=True, text=True, env=env)
    assert r.stdout.strip() == "True", r.stderr
