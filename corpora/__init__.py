"""Registry of benchmark corpora (import name ``quasi_corpora``).

The shared set is found through the environment variable QUASI_CORPORA, then
``../shared/corpora`` beside the repository. Files are checked against the
sha256 in its MANIFEST.tsv; ``big/*.xz`` files are decompressed once into a
cache directory (QUASI_CACHE, default ~/.cache/quasi/corpora). Names may carry
a size prefix: ``large/enwik8-head.xml:1MB`` is its first 1,000,000 bytes.
"""
import hashlib
import lzma
import os
import re
from dataclasses import dataclass
from pathlib import Path

ENV_DIR = "QUASI_CORPORA"
ENV_CACHE = "QUASI_CACHE"
_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3,
          "KIB": 1024, "MIB": 1024 ** 2, "GIB": 1024 ** 3}


class CorpusError(Exception):
    """A corpus is missing, unknown or fails its checksum."""


@dataclass(frozen=True)
class Entry:
    name: str       # e.g. "canterbury/alice29.txt" (without .xz)
    path: Path      # file in the shared directory (maybe .xz)
    size: int       # bytes of the (decompressed) file
    sha256: str
    group: str


def shared_dir():
    """The shared corpora directory, or None when there is none."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    for cand in (here.parent / "shared" / "corpora", Path.cwd().parent / "shared" / "corpora"):
        if (cand / "MANIFEST.tsv").is_file():
            return cand
    return None


def manifest():
    """{name: Entry} from MANIFEST.tsv; empty when the shared set is absent."""
    root = shared_dir()
    if root is None or not (root / "MANIFEST.tsv").is_file():
        return {}
    out = {}
    lines = (root / "MANIFEST.tsv").read_text().splitlines()
    for line in lines[1:]:
        if not line.strip():
            continue
        path, size, sha, group, _source = line.split("\t", 4)
        name = path[:-3] if path.endswith(".xz") else path
        out[name] = Entry(name, root / path, int(size), sha, group)
    return out


def available() -> bool:
    return bool(manifest())


def _cache_dir() -> Path:
    base = os.environ.get(ENV_CACHE) or os.path.join(os.path.expanduser("~"), ".cache", "quasi")
    return Path(base) / "corpora"


def parse_size(text: str) -> int:
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Za-z]*)", text.strip())
    if not m or m.group(2).upper() not in _UNITS:
        raise CorpusError(f"bad size {text!r} (e.g. 1MB, 500KB, 4MiB)")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def load(name: str) -> bytes:
    """Bytes of a named corpus, verified; ``NAME:SIZE`` gives a prefix."""
    prefix = None
    if ":" in name:
        name, size = name.rsplit(":", 1)
        prefix = parse_size(size)
    entries = manifest()
    if name not in entries:
        raise CorpusError(f"unknown corpus {name!r}" + ("" if entries else
                          " (no shared corpora found: set QUASI_CORPORA)"))
    data = _read_verified(entries[name])
    return data if prefix is None else data[:prefix]


def names(group=None):
    """Names in the manifest, optionally of one group (e.g. 'canterbury')."""
    return [n for n, e in manifest().items() if group is None or e.group == group]


def _read_verified(entry: Entry) -> bytes:
    if entry.path.suffix == ".xz":
        cached = _cache_dir() / entry.name
        if cached.is_file() and cached.stat().st_size == entry.size:
            data = cached.read_bytes()
            if hashlib.sha256(data).hexdigest() == entry.sha256:
                return data
        data = lzma.decompress(entry.path.read_bytes())
        _check(entry, data)
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(cached.suffix + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, cached)
        return data
    data = entry.path.read_bytes()
    _check(entry, data)
    return data


def _check(entry: Entry, data: bytes) -> None:
    if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
        raise CorpusError(f"{entry.name}: checksum mismatch (file damaged or replaced)")
