"""enwik8 and enwik9, the Large Text Compression Benchmark files (first 10^8 / 10^9
bytes of an English Wikipedia XML dump of 2006-03-03).

Looked for, in order: the file named by $QUASI_ENWIK8 / $QUASI_ENWIK9 (the raw file
or its .zip), then ``enwik8`` / ``enwik8.zip`` in the cache directory
(~/.cache/quasi/corpora) and in the shared corpora directory. When none exists the
canonical archive is downloaded into the cache directory (QUASI_OFFLINE=1 forbids
this). Whatever the source, the bytes are checked against the published size and
md5 every time they are read, and refused on any mismatch.
"""
import os
import shutil
import sys
import urllib.request
import zipfile
from pathlib import Path

from .check import CorpusError, materialise, read_verified
from .shared import cache_dir, shared_dir

# name: (bytes, md5), as published with the benchmark
EXPECTED = {
    "enwik8": (100_000_000, "a1fa5ffddb56f4953e226637dabbb36a"),
    "enwik9": (1_000_000_000, "e206c3450ac99950df65bf70ef61a12d"),
}
URL = "http://mattmahoney.net/dc/{name}.zip"
ENV_OFFLINE = "QUASI_OFFLINE"


def env_var(name: str) -> str:
    """The environment variable that may name the file (QUASI_ENWIK8, QUASI_ENWIK9)."""
    return "QUASI_" + name.upper()


def candidates(name: str) -> list[Path]:
    """Paths where the file (or its .zip) is looked for, in order."""
    env = os.environ.get(env_var(name))
    if env:
        return [Path(env)]
    dirs = [cache_dir()] + ([shared_dir()] if shared_dir() is not None else [])
    return [d / f for d in dirs for f in (name, f"{name}.zip")]


def read(name: str, keep: int | None = None) -> bytes:
    """The first ``keep`` bytes (all when None) of enwik8 or enwik9, md5-checked.

    A .zip is unpacked (and checked) into the cache directory once."""
    size, md5 = EXPECTED[name]
    found = next((p for p in candidates(name) if p.is_file()), None)
    if found is None:
        if os.environ.get(env_var(name)):
            raise CorpusError(f"{name}: {env_var(name)}={os.environ[env_var(name)]} does not exist")
        found = fetch(name)
    if zipfile.is_zipfile(found):
        unpacked = cache_dir() / name
        if not unpacked.is_file():
            unpack(name, found, unpacked)
        found = unpacked
    return read_verified(found, f"{name} ({found})", size, md5, "md5", keep)


def unpack(name: str, archive: Path, target: Path) -> None:
    """Unpack the member ``name`` of a zip archive to target, md5-checked on the way."""
    size, md5 = EXPECTED[name]
    with zipfile.ZipFile(archive) as zf:
        if name not in zf.namelist():
            raise CorpusError(f"{name}: {archive} does not hold a member named {name!r}")
        with zf.open(name) as member:
            materialise(member, target, f"{name} ({archive})", size, md5, "md5")


def fetch(name: str, url: str | None = None) -> Path:
    """Download NAME.zip, unpack and check it into the cache directory; the path of
    the unpacked file. A failed download or check leaves nothing behind."""
    url = url or URL.format(name=name)
    target = cache_dir() / name
    hint = f"set {env_var(name)}=/path/to/{name} (or {name}.zip), or put it in {cache_dir()}"
    if os.environ.get(ENV_OFFLINE):
        raise CorpusError(f"{name} not found and {ENV_OFFLINE} is set: {hint}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{name}.zip.{os.getpid()}.tmp")
    print(f"quasi_corpora: {name} not found locally; downloading {url}", file=sys.stderr)
    try:
        try:
            with urllib.request.urlopen(url, timeout=60) as resp, open(tmp, "wb") as out:
                shutil.copyfileobj(resp, out, 1 << 20)
        except OSError as exc:
            raise CorpusError(f"{name} not found and download of {url} failed ({exc}): "
                              f"{hint}") from None
        if not zipfile.is_zipfile(tmp):
            raise CorpusError(f"{name}: {url} is not a zip archive")
        unpack(name, tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target
