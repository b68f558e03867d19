"""The codec configuration table: meta fields by name and revision, their bounds, and
the models each revision's blocks run."""
import subprocess
import sys
from dataclasses import replace

import pytest

from quasi.codec.config import (CODEC_REVISION, META_FIELDS, N_EVENT_LEVELS, SECTION_NAMES,
                                STRONG, BlockConfig, decode_meta, encode_meta, meta_count,
                                meta_fields, meta_index, meta_values)
from quasi.errors import QuasiError

# varints in the meta section of each codec revision, as its golden files hold them
META_COUNTS = {1: 18, 2: 22, 3: 22, 4: 23, 5: 23, 6: 23, 7: 23, 8: 23, 9: 24, 10: 25, 11: 25,
               12: 25, 13: 26, 14: 27, 15: 27}

LEVEL_9 = BlockConfig(CODEC_REVISION, n_tokens=70000, n_words=3000, o1_cap=4096, min_match=3,
                      entries=(0, 0, 40, 12, 5, 1) + (0,) * (N_EVENT_LEVELS - 6),
                      n_vocab_bytes=20000, n_spaces=40, vocab_models=STRONG, dictionary=1,
                      pair_bits=18, mix_bits=17, vocab_bits=20, case_bits=20, side_bits=19)


def test_every_revision_has_its_sections_and_meta_count():
    assert sorted(SECTION_NAMES) == list(range(1, CODEC_REVISION + 1))
    assert {r: meta_count(r) for r in SECTION_NAMES} == META_COUNTS


def test_event_levels_agree_with_the_parse():
    from quasi.analysis import EVENT_LEVELS
    from quasi.text.parse import N_LEVELS

    assert N_LEVELS == N_EVENT_LEVELS == len(EVENT_LEVELS)


def test_meta_round_trips_by_name():
    meta = encode_meta(LEVEL_9)
    assert len(meta_fields(meta)) == meta_count(CODEC_REVISION)
    assert decode_meta(meta, 500000) == LEVEL_9
    assert meta_fields(meta)[meta_index("side_bits")] == 19


def test_older_revisions_read_their_own_fields_only():
    old = replace(LEVEL_9, codec_revision=8, pair_bits=16, mix_bits=0, vocab_bits=16,
                  case_bits=0, side_bits=0)
    meta = encode_meta(old)
    assert len(meta_fields(meta)) == META_COUNTS[8]
    got = decode_meta(meta, 500000)
    assert got == old and got.word_chain == 1 and got.counted_bits == 1
    assert not got.mixed_levels and got.line_contexts


@pytest.mark.parametrize("field", [f.name for f in META_FIELDS])
def test_a_field_past_its_bounds_is_refused_by_name(field):
    """Every field has a bound the decoder checks, and the error names the field."""
    values = meta_fields(encode_meta(LEVEL_9))
    spec = next(f for f in META_FIELDS if f.name == field)
    named = meta_values(encode_meta(LEVEL_9))
    _low, high = spec.bounds(named, CODEC_REVISION, 500000)
    values[meta_index(field)] = high + 1 + (sum(named[field]) if spec.count > 1 else 0)
    from quasi.codec.varint import encode_varints

    with pytest.raises(QuasiError) as err:
        decode_meta(encode_varints(values).tobytes(), 500000)
    message = str(err.value)
    assert (field in message if field != "codec_revision"
            else "unsupported codec revision" in message), message


def test_switches_follow_the_revision():
    def config(revision, **fields):
        return replace(LEVEL_9, codec_revision=revision, **fields)

    assert [config(r).word_chain for r in (5, 6, 10, 11, 12, 15)] == [0, 1, 1, 2, 3, 3]
    assert config(15, pair_bits=0).word_chain == 0
    assert [config(r).side_ctx for r in (4, 5)] == [0, 2]
    assert config(5, n_tokens=1000).side_ctx == 1
    assert [config(r).counted_bits for r in (6, 7)] == [0, 1]
    assert [config(r).mixed_levels for r in (14, 15)] == [0, 1]
    assert config(15, side_bits=0).mixed_levels == 0
    assert [config(r).line_contexts for r in (2, 3)] == [False, True]
    assert config(1).order0 == (1, 1 << 62) and config(2).order0 == (64, 1 << 20)


def test_trailing_and_missing_fields_are_refused():
    meta = encode_meta(LEVEL_9)
    with pytest.raises(QuasiError, match="1 bytes after its fields"):
        decode_meta(meta + b"\x01", 500000)
    with pytest.raises(QuasiError, match="ends before"):
        decode_meta(meta[:-1], 500000)
    with pytest.raises(QuasiError, match="unsupported codec revision -1"):
        decode_meta(b"", 500000)
    # a varint not in its shortest form (1 written as 0x81 0x00) is a corrupt meta section
    with pytest.raises(QuasiError, match="corrupt block meta section: malformed varint"):
        decode_meta(meta[:1] + b"\x81\x00" + meta[2:], 500000)


def test_reading_the_configuration_compiles_nothing():
    code = ("import sys, quasi.codec.config, cli.listing; "
            "sys.exit('numba' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
