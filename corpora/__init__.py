"""Registry of benchmark corpora (import name ``quasi_corpora``).

* the shared set (``../shared/corpora`` or $QUASI_CORPORA), checked against the
  sha256 in its MANIFEST.tsv, ``*.xz`` files decompressed once into a cache
  (``shared``);
* enwik8 and enwik9, found by path or downloaded, checked against their
  published md5 (``enwik``);
* generated text of any size for scale tests (``synth``);
* names and groups, ``NAME:SIZE`` prefixes, and ``load`` (``registry``).

Shell: ``python -m quasi_corpora list|verify|fetch|synth`` (see ``--help``).
"""
from .check import CorpusError
from .registry import describe, expand, groups, load, parse_size, split_name
from .shared import Entry, available, cache_dir, manifest, names, shared_dir

__all__ = ["CorpusError", "Entry", "available", "cache_dir", "describe", "expand", "groups",
           "load", "manifest", "names", "parse_size", "shared_dir", "split_name"]
