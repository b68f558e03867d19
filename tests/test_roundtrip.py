"""Byte-exact round trips through compress/decompress, every tiling mode."""
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import quasi
import quasi_corpora
from quasi import QuasiError

from conftest import needs_corpora, word_soup

SPECS = ("multi", "fib", "period5", "period:LLSLSLLS", "alpha:0.6@0.25", "none", "dense")

word_soups = st.lists(
    st.sampled_from([b"the ", b"The ", b"THE ", b"cat", b"sat\n", b"on ", b"mat. ", b", ",
                     b"\x00", b"\xff\xfe", b"\xc3\xa9t\xc3\xa9 ", b"  ", b"\t\r\n", b"McDonald ",
                     b"1", b"23 ", b"x" * 300 + b" "]),
    max_size=300).map(b"".join)


def roundtrip(data, **kw):
    packed = quasi.compress(data, **kw)
    assert quasi.decompress(packed) == data
    return packed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000), st.sampled_from(SPECS))
def test_random_bytes(data, spec):
    roundtrip(data, tiling=spec)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(word_soups, st.sampled_from(SPECS), st.integers(1, 9))
def test_word_soups(data, spec, level):
    roundtrip(data, tiling=spec, level=level)


@pytest.mark.parametrize("data", [
    b"", b"a", b"\x00", b"\x00" * 1000, b" " * 5000, b"\n" * 70000, b"\t \r\n" * 3000,
    bytes(range(256)) * 50, b"\xff\xfe\xfd" * 999, b"\xc3\x28 invalid \xa0\xa1 utf8",
    b"A" * 70000, b"a" * 70000 + b" tail", (b"w" * 300 + b" ") * 400,
    (b"short " + b"Q" * 300 + b" ") * 200, b"x" * 65536 + b" " + b"x" * 65535,
])
def test_edge_cases(data):
    for spec in ("multi", "none", "dense"):
        roundtrip(data, tiling=spec)


def test_multi_block_and_levels():
    data = word_soup(40000, seed=3)
    for level in (1, 6, 9):
        packed = roundtrip(data, level=level, block_size=50000)
        assert len(packed) < len(data) / 2


def test_incompressible_growth_bound():
    data = os.urandom(1 << 20)
    packed = roundtrip(data)
    assert len(packed) <= len(data) + len(data) // 1000 + 64


def test_text_compresses_better_than_zlib():
    import zlib
    data = word_soup(50000, seed=7)
    assert len(roundtrip(data)) < len(zlib.compress(data, 9))


def test_concatenated_frames():
    a, b = word_soup(500, 1), word_soup(700, 2)
    assert quasi.decompress(quasi.compress(a) + quasi.compress(b, tiling="none")) == a + b


def test_bad_arguments():
    with pytest.raises(QuasiError):
        quasi.compress(b"x", level=0)
    with pytest.raises(QuasiError):
        quasi.compress(b"x", level=10)
    with pytest.raises(QuasiError):
        quasi.compress(b"x", tiling="period:LXS")
    with pytest.raises(TypeError):
        quasi.compress("text")


def test_garbage_and_damage_raise_quasi_error():
    data = word_soup(3000, seed=5)
    packed = quasi.compress(data)
    for bad in (b"", b"not quasi", packed[:-1], packed[:10], packed + b"\x00"):
        with pytest.raises(QuasiError):
            quasi.decompress(bad)
    rng = random.Random(1)
    for _ in range(300):
        buf = bytearray(packed)
        i = rng.randrange(len(buf))
        buf[i] ^= 1 << rng.randrange(8)
        with pytest.raises(QuasiError):
            quasi.decompress(bytes(buf))


def test_max_output_size():
    packed = quasi.compress(b"hello world " * 100)
    assert quasi.decompress(packed, max_output_size=1200) == b"hello world " * 100
    with pytest.raises(QuasiError):
        quasi.decompress(packed, max_output_size=1199)


SMALL_AND_LARGE = [n for n in quasi_corpora.names() if not n.startswith("big/")]


@needs_corpora
@pytest.mark.parametrize("name", SMALL_AND_LARGE)
def test_shared_corpora_roundtrip(name):
    data = quasi_corpora.load(name)
    packed = roundtrip(data)
    assert len(packed) <= len(data) + len(data) // 1000 + 128


@needs_corpora
@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in quasi_corpora.names() if n.startswith("big/")])
@pytest.mark.parametrize("spec", ("multi", "none"))
def test_big_corpora_roundtrip(name, spec):
    data = quasi_corpora.load(name)
    roundtrip(data, tiling=spec)


@needs_corpora
@pytest.mark.slow
def test_level_9_codes_a_real_text_in_one_64_mib_block():
    """Level 9's default block (STRONG_BLOCK_SIZE) on a real 40 MB text: one block,
    coded by the models, decoded byte for byte (the largest tables every model sizes)."""
    data = quasi_corpora.load("big/gcide.txt")
    assert len(data) <= quasi.STRONG_BLOCK_SIZE
    packed = quasi.compress(data, 9)
    info = quasi.get_frame_info(packed)
    assert info.n_blocks == 1 and info.block_types == [1]
    assert quasi.decompress(packed) == data


def test_public_api_is_typed():
    """The package ships py.typed and annotates the parameters of its public calls."""
    import inspect
    from pathlib import Path
    assert (Path(quasi.__file__).parent / "py.typed").exists()
    calls = (quasi.compress, quasi.decompress, quasi.get_frame_info, quasi.open,
             quasi.QuasiFile.__init__, quasi.QuasiCompressor.__init__,
             quasi.QuasiCompressor.compress, quasi.QuasiDecompressor.decompress)
    for call in calls:
        for name, param in inspect.signature(call).parameters.items():
            if name != "self":
                assert param.annotation is not inspect.Parameter.empty, (call, name)


def test_nine_levels_are_nine_settings():
    from quasi.codec.block import BlockParams
    params = [BlockParams.for_level(level) for level in range(1, 10)]
    assert len(set(params)) == 9


@needs_corpora
@pytest.mark.parametrize("name", ["calgary/book1", "structured/sqlite3.h"])
def test_each_level_is_smaller_than_the_one_below(name):
    data = quasi_corpora.load(name)
    sizes = [len(quasi.compress(data, level)) for level in range(1, 10)]
    assert all(a > b for a, b in zip(sizes, sizes[1:])), sizes


def test_help_lists_the_public_modules_only():
    """help(quasi) lists the public modules and the three internal stage packages,
    not the internal modules themselves (they live in quasi.text, quasi.models and
    quasi.codec); everything in __all__ is there."""
    import pydoc

    text = pydoc.render_doc(quasi, renderer=pydoc.plaintext)
    contents = text.split("PACKAGE CONTENTS")[1].split("\n\n")[0].split()
    listed = {name for name in contents if name != "(package)"}
    assert listed == {"analysis", "api", "cluster", "codec", "data", "errors", "file", "hooks",
                      "models", "numcodecs", "options", "parallel", "progress", "stream",
                      "text", "warmup"}
    assert all(hasattr(quasi, name) for name in quasi.__all__)
