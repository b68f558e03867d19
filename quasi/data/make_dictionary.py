"""Write quasi/data/dictionary.txt: the words the vocabulary model learns
before it codes a block's own words (vocab.py).

    python -m quasi.data.make_dictionary

The dictionary is the DICTIONARY_SIZE most frequent lower-cased runs of ASCII
letters in the Python standard library's own sources and text files (its test
suites left out), least frequent first, so that the commonest words are the
freshest in the model's memory (measured: a little smaller than the reverse). It is part of the format: the committed
file was made once from CPython 3.11.7 and must never change; a different
dictionary needs a new codec revision. No benchmark text is used.
"""
import collections
import os
import re
import sysconfig
from pathlib import Path

DICTIONARY_SIZE = 8000
OUT = Path(__file__).resolve().parent / "dictionary.txt"


def stdlib_word_counts() -> collections.Counter:
    root = sysconfig.get_paths()["stdlib"]
    counts = collections.Counter()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames
                             if d not in ("site-packages", "test", "tests", "idle_test"))
        for name in sorted(filenames):
            if name.endswith((".py", ".txt", ".rst")):
                text = Path(dirpath, name).read_bytes()
                counts.update(w.lower() for w in re.findall(rb"[A-Za-z]+", text))
    return counts


def main() -> None:
    counts = stdlib_word_counts()
    words = sorted(counts, key=lambda w: (-counts[w], w))[:DICTIONARY_SIZE][::-1]
    OUT.write_bytes(b"\n".join(words) + b"\n")
    print(f"{OUT}: {len(words)} words")


if __name__ == "__main__":
    main()
