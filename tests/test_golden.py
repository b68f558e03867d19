"""Golden files: every committed .qz of every format version keeps decoding to
its .raw; the must-fail files keep failing with their documented message."""
import io
import re
from pathlib import Path

import pytest

import quasi
from quasi.codec.container import BLOCK_CODED, BLOCK_LZMA, BLOCK_RAW, read_frame_infos
from quasi.codec.config import (CODEC_REVISION, MAX_CASE_BITS, MAX_SIDE_BITS, MIN_CASE_BITS,
                                MIN_SIDE_BITS, SECTION_NAMES, STRONG, decode_meta, meta_count,
                                meta_fields, meta_index)
from quasi.codec.varint import encode_varints

GOLDEN = Path(__file__).resolve().parent / "golden"
GOOD = sorted(GOLDEN.glob("v*/*.qz"))
BAD = [line.split("\t") for line in (GOLDEN / "bad" / "EXPECTED.tsv").read_text().splitlines()]


def test_golden_set_is_complete():
    for revision in SECTION_NAMES:  # every codec revision this quasi reads
        names = {p.stem for p in GOOD if p.parent.name.endswith(f"-r{revision}")}
        for kind in ("empty", "raw-block", "multi-block", "tiling-multi", "tiling-fib",
                     "tiling-period5", "tiling-none", "tiling-dense"):
            assert kind in names, (revision, kind)
    v2 = {p.stem for p in GOOD if p.parent.name.startswith("v2-")}
    assert {"lzma-block", "mixed-kinds", "raw-block", "empty"} <= v2


def test_golden_v2_holds_every_record_kind():
    types = [t for p in GOOD if p.parent.name.startswith("v2-")
             for info in read_frame_infos(p.read_bytes()) for t in info.block_types]
    assert {BLOCK_RAW, BLOCK_CODED, BLOCK_LZMA} <= set(types)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_decodes(path):
    assert quasi.decompress(path.read_bytes()) == path.with_suffix(".raw").read_bytes()
    info = read_frame_infos(path.read_bytes())[0]
    if path.stem.startswith("tiling-"):
        spec = info.spec.replace(":", "-").replace("@", "-")
        assert path.stem == "tiling-" + ("period5" if spec == "period-LLSLS" else spec)


@pytest.mark.parametrize("path", GOOD, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden_decodes_incrementally(path):
    packed, raw = path.read_bytes(), path.with_suffix(".raw").read_bytes()
    d = quasi.QuasiDecompressor()
    out = []
    for i in range(0, len(packed), 7):
        out.append(d.decompress(packed[i:i + 7], 100))
        if not d.needs_input and not d.eof:
            out.append(d.decompress(b""))
    assert b"".join(out) == raw and d.eof and d.unused_data == b""
    with quasi.QuasiFile(io.BytesIO(packed)) as f:
        assert f.read() == raw
    assert quasi.get_frame_info(packed) == read_frame_infos(packed)[0]


@pytest.mark.parametrize("name,pattern", BAD, ids=[b[0] for b in BAD])
def test_must_fail(name, pattern):
    packed = (GOLDEN / "bad" / name).read_bytes()
    with pytest.raises(quasi.QuasiError) as err:
        quasi.decompress(packed)
    assert re.search(pattern, str(err.value)), str(err.value)
    with pytest.raises(quasi.QuasiError) as err, quasi.QuasiFile(io.BytesIO(packed)) as f:
        f.read()
    assert re.search(pattern, str(err.value)), str(err.value)


def _coded_metas(revision, paths=None):
    """The BlockConfig (meta by name) of every coded block of the golden files of a
    revision (or of paths), each block also decoded and checked."""
    from quasi.codec.container import StreamReader
    from quasi.stream import decode_record

    for path in paths or GOLDEN.glob(f"v2-r{revision}/*.qz"):
        reader = StreamReader(path.read_bytes())
        for _hdr, rec in reader:
            if rec.type == BLOCK_CODED:
                config = decode_meta(rec.sections[0], rec.raw_size)
                assert config.codec_revision == revision
                yield config
            reader.verify_block(rec, decode_record(rec))


def test_golden_r5_holds_both_side_context_sets():
    """Revision 5 codes the side stream with side_ctx 1 or 2 by block size: its golden
    files hold a block of each kind."""
    assert {m.side_ctx for m in _coded_metas(5)} == {1, 2}


@pytest.mark.parametrize("revision", [r for r in SECTION_NAMES if r >= 6])
def test_golden_holds_blocks_with_and_without_the_word_chain(revision):
    """From revision 6 on, known words go through the word-context chain in blocks
    with the pair predictor (levels 7-9, meta field pair_bits): the golden files hold
    both kinds of block (from revision 11 the chain's lists blend in order 0, from
    revision 12 order 0 has the recency cache)."""
    chain = 1 if revision < 11 else 2 if revision < 12 else 3
    assert {m.word_chain for m in _coded_metas(revision)} == {0, chain}


def test_golden_r8_holds_every_vocabulary_model_set():
    """Revision 8 adds the vocabulary model set STRONG (levels 7-9): its golden files
    hold blocks coded with each of LIGHT, FULL and STRONG."""
    from quasi.models.vocab import MODEL_SETS

    assert {m.vocab_models for m in _coded_metas(8)} == set(range(len(MODEL_SETS)))


def test_strong_vocabulary_needs_revision_8():
    """A block whose meta names the STRONG vocabulary model under an earlier revision
    is refused as corrupt, never decoded with another model."""
    from quasi.codec.block import BlockParams, decode_block, encode_block
    from quasi.errors import QuasiError

    data = b"the quick brown fox jumps over the lazy dog; the dog sleeps. " * 40
    sections = encode_block(data, "multi", BlockParams.for_level(9))
    assert BlockParams.for_level(9).vocab_models == STRONG
    assert decode_block(sections, len(data)).tobytes() == data
    with pytest.raises(QuasiError, match="corrupt block meta section: vocab_models 2"):
        decode_block([_meta_with(sections[0], 7)] + sections[1:6], len(data))  # 6 in r7


def _meta_with(meta, revision, fields=None):
    """A block's meta section rewritten as revision's (its fields cut to that
    revision's count), the fields {name: value} replaced."""
    values = [revision] + meta_fields(meta)[1:meta_count(revision)]
    for name, value in (fields or {}).items():
        values[meta_index(name)] = value
    return encode_varints(values).tobytes()


@pytest.mark.parametrize("mix_bits", [9, 23])
def test_whitespace_table_bits_out_of_range_are_refused(mix_bits):
    from quasi.codec.block import BlockParams, decode_block, encode_block
    from quasi.errors import QuasiError

    data = b"the quick brown fox jumps over the lazy dog; the dog sleeps. " * 40
    sections = encode_block(data, "multi", BlockParams.for_level(6))
    assert decode_block([_meta_with(sections[0], CODEC_REVISION)] + sections[1:],
                        len(data)).tobytes() == data  # the rewriting itself changes nothing
    meta = _meta_with(sections[0], CODEC_REVISION, {"mix_bits": mix_bits})
    with pytest.raises(QuasiError, match=f"corrupt block meta section: mix_bits {mix_bits}"):
        decode_block([meta] + sections[1:], len(data))


@pytest.mark.parametrize("field, bits", [("vocab_bits", 15), ("vocab_bits", 23),
                                         ("case_bits", 11), ("case_bits", 23),
                                         ("side_bits", 11), ("side_bits", 23)])
def test_table_bits_out_of_range_are_refused(field, bits):
    """Revision 10's meta bounds the vocabulary model's tables (16..22 bits), revision
    13's the case model's (0 or 12..22), revision 14's the side model's (0 or 12..22)."""
    from quasi.codec.block import BlockParams, decode_block, encode_block
    from quasi.errors import QuasiError

    data = b"The quick brown fox jumps over the LAZY dog; the dog sleeps. " * 40
    sections = encode_block(data, "multi", BlockParams.for_level(9))
    meta = _meta_with(sections[0], CODEC_REVISION, {field: bits})
    with pytest.raises(QuasiError, match=f"corrupt block meta section: {field} {bits}"):
        decode_block([meta] + sections[1:], len(data))


def test_golden_r9_holds_both_whitespace_models():
    """Revision 9's meta names the whitespace model: 0 for the counting model
    (level 1), else log2 of the mixing model's buckets."""
    bits = {m.mix_bits for m in _coded_metas(9)}
    assert 0 in bits and bits - {0}


def test_golden_r10_bounds_the_vocabulary_tables_by_level():
    """Revision 10's meta names the vocabulary tables' bound: 16 bits up to level 6,
    20 at 7-9; its golden files hold a level-9 block whose vocabulary (with the
    priming dictionary) is large enough for tables past 2**16 buckets."""
    from quasi.models.vocab import priming_words

    metas = list(_coded_metas(10))
    assert {m.vocab_bits for m in metas} == {16, 20}
    n_priming = int(priming_words(1)[1][-1])
    assert any(m.vocab_bits == 20 and (m.n_vocab_bytes + n_priming) // 2 > 1 << 16
               for m in metas)


def test_golden_r13_holds_blocks_with_and_without_the_case_stream():
    """Revision 13's meta names the case stream's table (0: the flags are in the side
    stream): its golden files hold both kinds of block, each decoded above."""
    bits = {m.case_bits for m in _coded_metas(13)}
    assert 0 in bits and bits - {0} and all(MIN_CASE_BITS <= b <= MAX_CASE_BITS
                                            for b in bits - {0})


def test_golden_r14_holds_blocks_with_and_without_the_side_model():
    """Revision 14's meta names the mixed side model's table (0: revision 13's bits in
    context, levels 1-7): its golden files hold both kinds of block, each decoded above."""
    bits = {m.side_bits for m in _coded_metas(14)}
    assert 0 in bits and bits - {0} and all(MIN_SIDE_BITS <= b <= MAX_SIDE_BITS
                                            for b in bits - {0})


def test_golden_r15_codes_phrases_of_several_levels_with_the_side_model():
    """Revision 15 codes the levels of a side-model block's phrases and matches in the
    side stream: its level-9 golden file holds such a block with entries at four
    phrase levels (decoded above)."""
    path = GOLDEN / "v2-r15" / "phrase-levels.qz"
    metas = list(_coded_metas(15, [path]))
    assert metas and all(m.mixed_levels for m in metas)
    assert all(sum(n > 0 for n in m.entries[3:]) >= 4 for m in metas)
