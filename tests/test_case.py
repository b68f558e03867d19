"""The case stream of codec revision 13 (quasi/models/case.py) and its place in a block."""
import random

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from quasi.codec.block import BlockParams, decode_block, encode_block
from quasi.codec.config import MAX_CASE_BITS, MIN_CASE_BITS, case_bits_for
from quasi.models.case import decode_case, encode_case, ws_classes
from quasi.text.tokens import word_info

from case_twin import py_code_case
from conftest import word_soup
from test_spaces import packed, split

SIDE, CASE = 4, 6  # section indices of a revision-13 block


def tokens_of(data):
    """(ids, flags, word info, whitespace ids, whitespace classes) as a block sees them."""
    flags, ids, ws_ids, vocab, spaces = split(data)
    vbytes, voffs = packed(vocab)
    wbytes, woffs = packed(spaces)
    return ids, flags, word_info(vbytes, voffs), ws_ids, ws_classes(wbytes, woffs)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 3000), st.sampled_from((MIN_CASE_BITS, 16)))
def test_case_stream_round_trips(seed, n_words, bits):
    ids, flags, winfo, ws_ids, ws_cls = tokens_of(word_soup(n_words, seed))
    assert set(flags.tolist()) <= {0, 1, 2}
    coded = encode_case(ids, flags, winfo, ws_ids, ws_cls, bits)
    got, ok = decode_case(coded, ids, winfo, ws_ids, ws_cls, bits)
    assert ok and got.tolist() == flags.tolist()


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 600), st.sampled_from((MIN_CASE_BITS, 14)))
def test_case_stream_against_its_twin(seed, n_words, bits):
    from coder_twin import PyRangeDecoder, PyRangeEncoder

    data = word_soup(n_words, seed)
    if seed % 2:  # line starts, sentence ends and mixed-case cores
        data = data.replace(b", ", b",\n  ").replace(b"the", b"McThe")
    ids, flags, winfo, ws_ids, ws_cls = tokens_of(data)
    args = (ids.tolist(), winfo.tolist(), ws_ids.tolist(), ws_cls.tolist(), bits)
    enc = PyRangeEncoder()
    py_code_case(*args, enc, flags.tolist())
    coded = encode_case(ids, flags, winfo, ws_ids, ws_cls, bits)
    assert enc.finish() == coded.tobytes()
    assert py_code_case(*args, PyRangeDecoder(coded.tobytes())) == flags.tolist()


def test_case_stream_learns_the_case_of_a_text():
    """Sentences start in title case, some names always carry theirs: the stream
    spends a small fraction of a bit per word on flags an unlearnt coder would
    spend a bit or more on."""
    rng = random.Random(5)
    words = "the of and to in a is that was said it her she with".split() + ["Alice", "NASA"]
    out = []
    for i in range(20000):
        w = rng.choice(words)
        out.append(w.capitalize() if not out or out[-1].endswith(". ") and w.islower() else w)
        out[-1] += ". " if rng.random() < 0.1 else " "
    data = "".join(out).encode()
    ids, flags, winfo, ws_ids, ws_cls = tokens_of(data)
    coded = encode_case(ids, flags, winfo, ws_ids, ws_cls, 18)
    assert sorted(set(flags.tolist())) == [0, 1, 2]
    assert len(coded) * 8 < 0.1 * len(ids)
    assert decode_case(coded, ids, winfo, ws_ids, ws_cls, 18)[0].tolist() == flags.tolist()


def test_truncated_case_stream_is_reported():
    ids, flags, winfo, ws_ids, ws_cls = tokens_of(word_soup(3000, 2))
    coded = encode_case(ids, flags, winfo, ws_ids, ws_cls, MIN_CASE_BITS)
    _got, ok = decode_case(coded[:len(coded) // 3], ids, winfo, ws_ids, ws_cls, MIN_CASE_BITS)
    assert not ok


def test_case_bits_follow_the_block():
    assert case_bits_for(10, MAX_CASE_BITS) == MIN_CASE_BITS
    assert case_bits_for(1 << 14, MAX_CASE_BITS) == 17
    assert case_bits_for(1 << 30, MAX_CASE_BITS) == MAX_CASE_BITS


def test_ws_classes_count_line_feeds_and_the_run_after_them():
    wbytes = np.frombuffer(b" \n\n    \t\n  ", np.uint8)
    woffs = np.array([0, 0, 1, 2, 3, 7, 8, 11], np.int64)  # "", " ", "\n", "\n", "    ", ...
    assert ws_classes(wbytes, woffs).tolist() == [0, 1, 4, 4, 3, 1, 6]


@pytest.mark.parametrize("level", [6, 9])
def test_where_the_flags_go_by_level(level):
    """Up to level 6 the side stream codes the flags and the case section is empty;
    from level 7 the case section codes them and the side stream codes exactly what
    it codes for the same text in lower case."""
    data = word_soup(4000, 9)
    sections = encode_block(data, "multi", BlockParams.for_level(level))
    assert decode_block(sections, len(data)).tobytes() == data
    lower = encode_block(data.lower(), "multi", BlockParams.for_level(level))
    if level <= 6:
        assert sections[CASE] == b"" and sections[SIDE] != lower[SIDE]
    else:
        assert len(sections[CASE]) > 0 and sections[SIDE] == lower[SIDE]


def test_corrupt_case_section_is_refused():
    from quasi.errors import QuasiError

    data = word_soup(4000, 11)
    sections = encode_block(data, "multi", BlockParams.for_level(9))
    with pytest.raises(QuasiError, match="corrupt case stream"):
        decode_block(sections[:CASE] + [sections[CASE][:4]], len(data))
    level6 = encode_block(data, "multi", BlockParams.for_level(6))
    with pytest.raises(QuasiError, match="corrupt case stream"):
        decode_block(level6[:CASE] + [b"\x01"], len(data))
