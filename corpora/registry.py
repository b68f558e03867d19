"""Corpus names and groups, and loading any of them by name.

Names: a manifest name (``canterbury/alice29.txt``), ``enwik8``, ``enwik9``,
``synth`` (generated text; needs a size) — each optionally with ``:SIZE`` for its
first SIZE bytes (``large/enwik8-head.xml:1MB``, ``synth:64MiB``).
Groups (for ``expand``): ``shared`` (every manifest file), a manifest group
(``artificial``, ``calgary``, ``canterbury``, ``large``, ``big``, ``structured``),
``texts`` (the benchmark's text set: the 14 texts of ``TEXT_FILES`` and the
``structured`` group), ``enwik`` (enwik8 and enwik9); a group may carry ``:SIZE``
too (``big:4MB``).
"""
import re

from . import enwik, shared, synth
from .check import CorpusError

_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000 ** 2, "GB": 1000 ** 3,
          "KIB": 1024, "MIB": 1024 ** 2, "GIB": 1024 ** 3}
SHARED = "shared"
ENWIK = ("enwik8", "enwik9")
SYNTH = "synth"
TEXTS = "texts"
TEXT_FILES = (  # the benchmark's 14 texts (bench/results/texts/README.md)
    "canterbury/alice29.txt", "canterbury/asyoulik.txt", "canterbury/lcet10.txt",
    "canterbury/plrabn12.txt", "calgary/book1", "calgary/book2", "calgary/news",
    "calgary/paper1", "calgary/bib", "large/world192.txt", "large/bible.txt",
    "large/enwik8-head.xml", "big/kernel-docs.rst", "big/gcide.txt")
TEXT_GROUPS = ("structured",)  # manifest groups in the text set after the 14 texts


def parse_size(text: str) -> int:
    """Bytes in '1MB', '500KB', '4MiB', '123' (decimal and binary units)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([A-Za-z]*)", text.strip())
    if not m or m.group(2).upper() not in _UNITS:
        raise CorpusError(f"bad size {text!r} (e.g. 1MB, 500KB, 4MiB)")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


def split_name(name: str) -> tuple[str, int | None]:
    """('large/enwik8-head.xml', 1000000) from 'large/enwik8-head.xml:1MB'."""
    if ":" in name:
        base, size = name.rsplit(":", 1)
        return base, parse_size(size)
    return name, None


def groups() -> dict[str, list[str]]:
    """{group: names} for every group known on this machine."""
    entries = shared.manifest()
    out = {SHARED: list(entries)}
    for name, entry in entries.items():
        out.setdefault(entry.group, []).append(name)
    out[TEXTS] = ([n for n in TEXT_FILES if n in entries]
                  + [n for g in TEXT_GROUPS for n in out.get(g, [])])
    out["enwik"] = list(ENWIK)
    return out


def expand(spec: str) -> list[str]:
    """Corpus names for a group or a single name, each ``:SIZE`` if spec has one."""
    base, size = split_name(spec)
    suffix = "" if size is None else spec[len(base):]
    known = groups()
    if base in known:
        if not known[base]:
            raise CorpusError(f"group {base!r} is empty (no shared corpora found: "
                              f"set {shared.ENV_DIR})")
        return [n + suffix for n in known[base]]
    describe(spec)  # raises CorpusError for an unknown name
    return [spec]


def describe(name: str) -> dict:
    """What a name refers to: {'group', 'source'} (no file is read)."""
    base, size = split_name(name)
    if base == SYNTH:
        if size is None:
            raise CorpusError("synth needs a size, e.g. synth:16MB")
        return {"group": SYNTH, "source": "generated (quasi_corpora.synth, seed 0)"}
    if base in ENWIK:
        return {"group": "enwik", "source": f"{base}, md5 {enwik.EXPECTED[base][1]}"}
    entries = shared.manifest()
    if base not in entries:
        raise CorpusError(f"unknown corpus {base!r}" + ("" if entries else
                          f" (no shared corpora found: set {shared.ENV_DIR})")
                          + f"; groups: {', '.join(groups())}")
    return {"group": entries[base].group, "source": entries[base].source}


def load(name: str) -> bytes:
    """Bytes of a named corpus, verified; ``NAME:SIZE`` gives a prefix."""
    describe(name)
    base, size = split_name(name)
    if base == SYNTH:
        return synth.generate(size)
    if base in ENWIK:
        return enwik.read(base, keep=size)
    return shared.read_entry(shared.manifest()[base], keep=size)
