"""The shared corpora: ../shared/corpora (or $QUASI_CORPORA) and its MANIFEST.tsv.

Every file is checked against the size and sha256 in the manifest whenever it is
read. ``*.xz`` files are decompressed once into the cache directory
($QUASI_CACHE/corpora, default ~/.cache/quasi/corpora) and read from there
afterwards, still checked each time; a damaged cache file is rebuilt from the xz.
"""
import lzma
import os
from dataclasses import dataclass
from pathlib import Path

from .check import CorpusError, materialise, read_verified

ENV_DIR = "QUASI_CORPORA"
ENV_CACHE = "QUASI_CACHE"


@dataclass(frozen=True)
class Entry:
    """One line of MANIFEST.tsv."""
    name: str       # e.g. "canterbury/alice29.txt" (without .xz)
    path: Path      # file in the shared directory (maybe .xz)
    size: int       # bytes of the (decompressed) file
    sha256: str
    group: str
    source: str


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


def cache_dir() -> Path:
    """Where decompressed and downloaded corpora are kept."""
    base = os.environ.get(ENV_CACHE) or os.path.join(os.path.expanduser("~"), ".cache", "quasi")
    return Path(base) / "corpora"


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
        path, size, sha, group, source = line.split("\t", 4)
        name = path[:-3] if path.endswith(".xz") else path
        out[name] = Entry(name, root / path, int(size), sha, group, source)
    return out


def available() -> bool:
    """True when the shared corpora are present."""
    return bool(manifest())


def names(group=None):
    """Names in the manifest, optionally of one group (e.g. 'canterbury')."""
    return [n for n, e in manifest().items() if group is None or e.group == group]


def read_entry(entry: Entry, keep: int | None = None) -> bytes:
    """The first ``keep`` bytes (all when None) of a manifest entry, checked."""
    if entry.path.suffix != ".xz":
        return read_verified(entry.path, entry.name, entry.size, entry.sha256, keep=keep)
    cached = cache_dir() / entry.name
    if cached.is_file():
        try:
            return read_verified(cached, entry.name, entry.size, entry.sha256, keep=keep)
        except CorpusError:
            pass  # a damaged cache copy: rebuilt from the xz file below
    with lzma.open(entry.path) as src:
        materialise(src, cached, entry.name, entry.size, entry.sha256)
    return read_verified(cached, entry.name, entry.size, entry.sha256, keep=keep)
