"""Shared test helpers: sample texts generated here, so a fresh machine needs no corpora."""
import random

import pytest

import quasi_corpora

WORDS = ("the of and to in a is that for it as was with be by on not he I this are or his "
         "from at which but have an they you were her she there been one all we their has "
         "would when if so no will more can who what out up said about into them some could "
         "Alice Queen King Rabbit Hatter").split()


def word_soup(n_words: int, seed: int = 0) -> bytes:
    """Varied English-like text with punctuation, case and line breaks."""
    rng = random.Random(seed)
    out = []
    for i in range(n_words):
        w = rng.choice(WORDS)
        r = rng.random()
        if r < 0.05:
            w = w.upper()
        elif r < 0.15:
            w = w.capitalize()
        out.append(w)
        r = rng.random()
        out.append(". " if r < 0.06 else ", " if r < 0.12 else "\n" if r < 0.15 else " ")
    return "".join(out).encode()


needs_corpora = pytest.mark.skipif(not quasi_corpora.available(),
                                   reason="shared corpora not found (set QUASI_CORPORA)")
