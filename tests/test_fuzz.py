"""Hostile input: mutated streams of every kind through every reader (bench/mutate.py,
bench/oracle.py). Only QuasiError escapes, nothing hangs, no corrupted stream decodes to
other bytes without an error, no declared size is allocated before it is checked. The
long campaigns are ``python -m bench.fuzz`` (bench/results/fuzz.md)."""
import io
import random
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import quasi
from bench.mutate import (CODEC_EDITS, MUTATORS, Mutation, bit_flip, built_samples, forge_block,
                          forge_samples, golden_samples, leb128, make_sample, mutate, parse_frame,
                          parse_v1, parse_v2, serialize, set_field, set_v2_field, truncate,
                          v1_fields, v2_fields)
from bench.oracle import Failure, judge, reached_codec
from quasi.codec.container import StreamReader
from quasi.codec.config import MAX_MIX_BITS, SECTION_NAMES, meta_fields, meta_index, mix_bits_for

from conftest import needs_corpora, word_soup

SAMPLES = built_samples(small=True) + golden_samples(max_size=2000)
BY_NAME = {s.name: s for s in SAMPLES}
DONOR = b"".join(s.data for s in SAMPLES[:4])
GOLDEN_V1 = [s for s in SAMPLES if s.name.startswith("v1-") and s.name.endswith("raw-block")]


def verdict(m, seed=0, cli_dir=None):
    """judge() with the failure's message as the assertion message."""
    try:
        return judge(m, random.Random(seed), cli_dir)
    except Failure as exc:
        pytest.fail(f"{m.what}: {exc}")


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(sample=st.sampled_from(SAMPLES), kind=st.sampled_from(MUTATORS),
       rng=st.randoms(use_true_random=False), cli=st.integers(0, 19))
def test_mutations_through_every_reader(sample, kind, rng, cli, tmp_path_factory):
    m = mutate(sample, rng, kind, DONOR)
    cli_dir = str(tmp_path_factory.mktemp("cli")) if cli == 0 else None
    verdict(m, rng.randrange(1 << 30), cli_dir)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([b"", b"\x9eQZ\r\x01", b"\x9eQZ\r"]))
def test_random_bytes(data, prefix):
    assert verdict(Mutation(prefix + data, b"")) == "rejected"


@pytest.mark.parametrize("name", ["empty", "stored", "coded", "v1-r1/raw-block"])
def test_every_bit_flip_of_a_small_file(name):
    """Every reader refuses every single-bit flip (these frames have checksums)."""
    s = BY_NAME[name]
    for pos in range(len(s.data)):
        for bit in range(8):
            assert verdict(bit_flip(s, pos, bit), pos) == "rejected"


@pytest.mark.parametrize("name", ["multi-block", "multi-frame", "no-checksum", "flush-block"])
def test_every_truncation(name):
    s = BY_NAME[name]
    for n in range(len(s.data)):
        m = truncate(s, n)
        assert verdict(m, n) == ("decoded" if m.strict else "rejected"), m.what


@pytest.mark.parametrize("name", ["multi-block", "no-checksum", "multi-frame", "v1-r2/raw-block",
                                  "v1-r2/no-checksum", "v1-r1/binary-mix"])
def test_every_field_at_its_limits(name):
    """Every size, count, type, offset and CRC field (format 1: in place, v1_fields; format
    2: through the model, v2_fields of every frame) set to 0, its maximum and a value past
    the end, with and without its CRC recomputed: refused unless the CRC was recomputed."""
    s = BY_NAME[name]
    rng = random.Random(3)
    kinds = [(kind, reseal) for kind in ("zero", "max", "past_end") for reseal in (False, True)]
    if parse_v1(s.frames[0].data) is not None:
        base, fields = 0, []
        for fr in s.frames:
            fields += v1_fields(fr.data, base)
            base += len(fr.data)
        cases = [set_field(s, rng, f, kind, reseal) for f in fields for kind, reseal in kinds]
    else:
        fields = [(k, f) for k, fr in enumerate(s.frames) for f in v2_fields(parse_v2(fr.data))]
        cases = [set_v2_field(s, rng, k, f, kind, reseal)
                 for k, f in fields for kind, reseal in kinds]
    assert len(fields) >= 19
    for m in cases:
        got = verdict(m)
        if m.data == s.data:
            assert got == "decoded"
        elif not m.forged:
            assert got == "rejected", m.what


def test_models_write_back_every_frame_unchanged():
    """parse + serialize gives back every frame of every built and golden sample, of
    both format versions, byte for byte (so a forged frame differs only by its edit)."""
    n = 0
    for s in built_samples() + forge_samples() + golden_samples():
        for fr in s.frames:
            assert serialize(parse_frame(fr.data)) == fr.data, s.name
            n += 1
    assert n >= 290


FORGE = forge_samples() + [s for s in golden_samples(max_size=2000) if s.name.startswith("v2-")
                           and s.name.endswith(("/level-1", "/tiling-multi", "/level-9"))]


def test_forge_samples_use_every_section():
    """The streams forge_block edits hold coded blocks of levels 1, 6 and 9 and codec
    revisions 2 to 15, whose every section is present: phrase entries, vocabulary,
    whitespace vocabulary and stream, events, side and (level 9) case."""
    seen = set()
    for s in FORGE:
        for hdr, rec in StreamReader(s.data, verify=False):
            if rec.type != 1:
                continue
            vals = meta_fields(rec.sections[0])
            seen.add((vals[0], hdr.level))
            assert len(rec.sections) == len(SECTION_NAMES[vals[0]]), s.name
            assert all(len(sec) for sec in rec.sections[:6]), s.name
            if s.name.startswith("forge-level"):
                assert sum(vals[5:18]) > 0 and (hdr.level < 7) == (len(rec.sections[6]) == 0)
    assert {(15, 1), (15, 6), (15, 9)} <= seen
    assert {rev for rev, _ in seen} == set(range(2, 16))


def test_forged_blocks_reach_every_decoder():
    """500 coded blocks at levels 1, 6 and 9 of every codec revision from 2 (FORGE)
    changed by forge_block (sections damaged, boundaries moved, meta fields at their
    bounds, another revision, sections swapped, added or dropped, tokens inflated) with
    every CRC recomputed, through every reader: only QuasiError escapes, and the edits
    get past the container's checks to the block decoder (reached_codec)."""
    rng = random.Random(15)
    reached = {edit: [] for edit in CODEC_EDITS}
    verdicts = []
    for i in range(500):
        edit = CODEC_EDITS[i % len(CODEC_EDITS)]
        m = forge_block(FORGE[i % len(FORGE)], rng, edit=edit)
        verdicts.append(verdict(m, i))
        reached[edit].append(reached_codec(m))
    for edit, got in reached.items():
        assert sum(got) >= 0.9 * len(got), edit
    assert verdicts.count("rejected") >= 300 and verdicts.count("decoded") >= 10


def test_unprotected_changes_are_only_stored_payloads_without_checksums():
    """The one place format 1 promises no detection: flips of a stored payload in a frame
    without checksums (format 2 always has a payload CRC, so there every flip is refused)."""
    for s in (BY_NAME["no-checksum"],):   # a stored block in a frame without checksums
        seen = set()
        for pos in range(len(s.data)):
            m = bit_flip(s, pos, pos % 8)
            got = verdict(m, pos)
            assert got == "rejected" or m.unprotected, m.what
            seen.add(got)
        assert seen == ({"rejected"} if s.data[4] == 2 else {"rejected", "unprotected"}), s.name


def test_meta_entry_counts_summing_past_2_63_are_refused():
    """Regression: a meta section whose phrase-entry counts wrap an int64 sum (with every
    CRC matching) crashed decode_events with ValueError instead of QuasiError."""
    for s in (BY_NAME["v1-r2/level-1"], BY_NAME["v1-r1/level-1"]):
        m = parse_v1(s.data)
        block = next(b for b in m.blocks if b.type == 1)
        vals = meta_fields(block.sections[0])
        for wrap in ([(1 << 63) - 1, 1], [(1 << 63) - 1, (1 << 63) - 1, 2]):
            v = vals[:5] + wrap + [0] * (13 - len(wrap)) + vals[18:]
            block.sections[0] = leb128(v)
            with pytest.raises(quasi.QuasiError, match="meta"):
                quasi.decompress(serialize(m))


def test_whitespace_tables_past_the_tokens_are_refused():
    """Regression: a forged block of 2,365 tokens (every CRC recomputed) declaring the
    whitespace mixing model's largest tables, mix_bits 22 (the bound alone allowed it),
    took 0.38 s and 712 MiB to decode; mix_bits may now be at most what the tokens call
    for (mix_bits_for, what the encoder writes), refused before anything is allocated."""
    m = parse_frame(BY_NAME["v2-r15/level-9"].data)
    block = m.blocks[0]
    vals = meta_fields(block.sections[0])
    field = meta_index("mix_bits")
    assert vals[field] == mix_bits_for(vals[1], MAX_MIX_BITS) == 12
    for bits in (13, MAX_MIX_BITS):
        vals[field] = bits
        block.sections[0] = leb128(vals)
        with pytest.raises(quasi.QuasiError, match="corrupt block meta section"):
            quasi.decompress(serialize(m))


@pytest.mark.parametrize("name", ["pair_bits", "case_bits", "side_bits"])
def test_tables_past_the_tokens_are_refused(name):
    """The same for the pair predictor's, the case model's and the side model's tables
    (64, 24 and 40 MiB at 22 bits for this 1.5 KB block): at most what the encoder
    writes for the block's tokens."""
    m = parse_frame(BY_NAME["v2-r15/level-9"].data)
    block = m.blocks[0]
    written = meta_fields(block.sections[0])
    field = meta_index(name)
    assert 0 < written[field] < 22, name
    for bits in (written[field] + 1, 22):
        vals = list(written)
        vals[field] = bits
        block.sections[0] = leb128(vals)
        with pytest.raises(quasi.QuasiError, match="corrupt block meta section"):
            quasi.decompress(serialize(m))


@pytest.mark.parametrize("checksum", (True, False))
def test_swapped_records_are_refused(checksum):
    """Two block records of equal length swapped, as bytes: every reader refuses them,
    also one that seeks into the frame (past the content CRC) and also without checksums,
    since format 2 puts each record's number in its header CRC (format 1 could not tell)."""
    rng = random.Random(1)
    noise = bytes(rng.randrange(256) for _ in range(600))
    g = _swap_first_two_records(quasi.compress(noise, block_size=200, checksum=checksum))

    def seek_and_read(d):
        with quasi.open(io.BytesIO(d)) as f:
            f.seek(10)
            return f.read()

    for fn in (quasi.decompress, lambda d: quasi.open(io.BytesIO(d)).read(), seek_and_read):
        with pytest.raises(quasi.QuasiError, match="out of its place"):
            fn(g)


def _swap_first_two_records(data):
    (o0, _), (o1, _), (o2, _) = quasi.get_frame_info(data).blocks[:3]
    n = o1 - o0
    assert o2 - o1 == n   # records of equal length
    return data[:o0] + data[o1:o1 + n] + data[o0:o1] + data[o1 + n:]


# ----------------------------------------------------------------- single-bit flips


def flips_detected(sample, step=1):
    """Every step-th single-bit flip of the sample through decompress and a
    QuasiDecompressor fed everything: the flips that were not refused."""
    missed = []
    for k in range(0, len(sample.data) * 8, step):
        pos, bit = divmod(k, 8)
        g = bit_flip(sample, pos, bit).data
        try:
            quasi.decompress(g)
            missed.append((pos, bit, "decompress"))
        except quasi.QuasiError:
            pass
        try:
            d = quasi.QuasiDecompressor()
            d.decompress(g)
            if d.eof:
                missed.append((pos, bit, "QuasiDecompressor"))
        except quasi.QuasiError:
            pass
    return missed


def multi_block_sample(n_words, block_size):
    text = word_soup(n_words, seed=21)
    return make_sample("multi-block", quasi.compress(text, block_size=block_size), text)


def alice_sample():
    import quasi_corpora
    text = quasi_corpora.load("canterbury/alice29.txt")
    return make_sample("alice29", quasi.compress(text), text)


def test_every_flip_of_a_multi_block_file_is_detected():
    s = multi_block_sample(300, 400)
    assert s.frames[0].info.n_blocks >= 4
    assert flips_detected(s) == []


@needs_corpora
def test_flips_of_alice29_are_detected_sampled():
    assert flips_detected(alice_sample(), step=101) == []


@pytest.mark.slow
@needs_corpora
def test_every_flip_of_alice29_is_detected():
    assert flips_detected(alice_sample()) == []


@pytest.mark.slow
def test_every_flip_of_a_large_multi_block_file_is_detected():
    s = multi_block_sample(4000, 2048)
    assert s.frames[0].info.n_blocks >= 8
    assert flips_detected(s) == []


# ----------------------------------------------------------------- declared sizes


def huge_declarations():
    """Streams that declare a terabyte (or the u32/u64 maximum) somewhere, with every CRC
    matching: (name, stream, expected message)."""
    s = GOLDEN_V1[0]
    m = parse_v1(s.data)
    out = []
    big = parse_v1(s.data)
    big.block_size = 1 << 30
    big.blocks[0].raw_size = (1 << 32) - 1          # u32 maximum: over the format's bound
    out.append(("raw_size 2^32-1", serialize(big), "raw size"))
    big.blocks[0].raw_size = 1 << 30                # at the bound, payload absent
    out.append(("raw_size 1 GiB", serialize(big), "truncated block payload"))
    tb = serialize(m)
    fields = {f.name: f for f in v1_fields(tb)}
    for name, value, msg in (("end.content_size", 1 << 40, "content size"),
                             ("end.n_blocks", 1 << 40, "declares|n_blocks"),
                             ("footer.frame_size", 1 << 40, "frame_size|out of range"),
                             ("index0.raw_size", (1 << 32) - 1, "index entry 0")):
        f = fields[name]
        g = bytearray(tb)
        g[f.pos:f.pos + f.size] = value.to_bytes(f.size, "little")
        at, a, b = f.crc
        g[at:at + 4] = struct.pack("<I", zlib.crc32(bytes(g[a:b])))
        out.append((f"{name} {value}", bytes(g), msg))
    meta_block = next(b for b in parse_v1(BY_NAME["v1-r2/level-1"].data).blocks if b.type == 1)
    coded = parse_v1(BY_NAME["v1-r2/level-1"].data)
    coded.blocks = [meta_block]
    vals = meta_fields(meta_block.sections[0])
    vals[1] = 1 << 40                                # n_tokens: a terabyte of tokens
    meta_block.sections[0] = leb128(vals)
    out.append(("meta n_tokens 2^40", serialize(coded), "meta"))   # headers are valid:
    return out                                                      # get_frame_info accepts


def test_terabyte_declarations_are_refused_before_allocating(tmp_path):
    """In a child whose address space is capped at 512 MiB above its warmed-up size, every
    reader refuses each stream declaring a terabyte with QuasiError (a MemoryError, or
    any allocation on the strength of the declared size, would fail the test)."""
    cases = huge_declarations()
    for i, (_, data, _) in enumerate(cases):
        (tmp_path / f"{i}.qz").write_bytes(data)
    code = textwrap.dedent(f"""
        import io, re, resource, sys
        import quasi
        quasi.decompress(quasi.compress(b"warm up the kernels " * 50))
        vm = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status")
                  if l.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (vm + (512 << 20), resource.RLIM_INFINITY))
        messages = {[msg for _, _, msg in cases]!r}
        for i, msg in enumerate(messages):
            data = open(f"{tmp_path}/{{i}}.qz", "rb").read()
            readers = (quasi.decompress, quasi.get_frame_info,
                       lambda d: quasi.QuasiDecompressor(max_output_size=1 << 20).decompress(d),
                       lambda d: quasi.open(io.BytesIO(d)).read())
            for reader in readers:
                try:
                    reader(data)
                except quasi.QuasiError as exc:
                    assert reader is not readers[0] or re.search(msg, str(exc)), (i, str(exc))
                else:   # a stream decoder may wait for more input; frame info is headers
                    assert reader is readers[2] or (reader is readers[1] and msg == "meta"), i
        print("ok")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]


def test_cli_memory_limit_refuses_a_declared_block(tmp_path):
    """-M: a block declaring more than the limit is refused before it is decoded."""
    packed = tmp_path / "big.qz"
    packed.write_bytes(quasi.compress(b"x" * 100_000, block_size=1 << 16))
    r = subprocess.run([sys.executable, "-c", "from quasi_cli.main import main; main()",
                        "-d", "-M", "60K", str(packed)], capture_output=True, text=True)
    assert r.returncode == 1 and "max_output_size" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.qz"]


def test_cli_on_corrupt_files_exits_1_cleanly(tmp_path):
    """The real program on a few corrupt files: exit 1, one 'quasi:' line, no traceback,
    nothing written."""
    s = BY_NAME["multi-block"]
    rng = random.Random(5)
    for i, kind in enumerate(("truncate", "flip")):
        m = mutate(s, rng, kind)
        path = tmp_path / f"c{i}.qz"
        path.write_bytes(m.data)
        for flag in ("-d", "-t"):
            r = subprocess.run([sys.executable, "-c", "from quasi_cli.main import main; main()",
                                flag, str(path)], capture_output=True, text=True)
            assert r.returncode == 1, (m.what, flag, r.stderr)
            lines = r.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("quasi: "), r.stderr
    assert all(p.suffix == ".qz" for p in tmp_path.iterdir())


def test_mutators_change_the_stream():
    """The mutators are live: most of their outputs differ from the input."""
    rng = random.Random(9)
    for kind in MUTATORS:
        s = BY_NAME["multi-frame"]
        changed = sum(mutate(s, rng, kind).data != s.data for _ in range(20))
        assert changed >= 10, kind


def test_oracle_catches_a_lie():
    """judge() fails when a reader returns other content than expected."""
    s = BY_NAME["coded"]
    with pytest.raises(Failure, match="wrong"):
        judge(Mutation(s.data, s.content + b"!"), random.Random(0))
    with pytest.raises(Failure, match="refused"):
        judge(Mutation(s.data[:-1], s.content, strict=True), random.Random(0))
    assert judge(Mutation(s.data, s.content), random.Random(0)) == "decoded"


def test_oracle_follows_the_cli_on_trailing_garbage(tmp_path):
    """quasi -d and -t decode the frames before trailing garbage, warn and exit 2 (as
    gzip), which judge() checks; bytes that are no quasi stream at all exit 1."""
    s = BY_NAME["multi-frame"]
    assert judge(Mutation(s.data + b"junk", s.content), random.Random(0), str(tmp_path)) \
        == "rejected"
    assert judge(Mutation(b"junk", b""), random.Random(0), str(tmp_path)) == "rejected"


def test_campaign_driver_counts_and_saves(tmp_path):
    """python -m bench.fuzz: a short campaign writes its summary and counts every case."""
    r = subprocess.run([sys.executable, "-m", "bench.fuzz", "--cases", "300", "--cli-every", "100",
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=300,
                       cwd=str(Path(__file__).resolve().parent.parent))
    assert r.returncode == 0, r.stderr[-2000:]
    import json
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert sum(summary["verdicts"].values()) == 300 and summary["failures"] == 0
    assert 0 < summary["max_cpu_s"] < 1 and not (tmp_path / "current.bin").exists()


def inflated_block(n_tokens):
    """A v1 coded block (from a golden file) declaring n_tokens tokens and as many raw
    bytes, within the format's bounds, with every CRC matching; its sections are short."""
    m = parse_v1(BY_NAME["v1-r2/level-1"].data)
    block = next(b for b in m.blocks if b.type == 1)
    vals = meta_fields(block.sections[0])
    vals[1] = n_tokens
    block.sections[0] = leb128(vals)
    block.raw_size = m.block_size = n_tokens
    m.blocks = [block]
    return serialize(m)


def test_declared_token_count_does_not_cost_time_beyond_the_input():
    """A block declaring 2^24 tokens and raw bytes (16 MiB) with sections of a few hundred
    bytes is refused in well under a second."""
    code = textwrap.dedent(f"""
        import time, quasi
        quasi.decompress(quasi.compress(b"warm up the kernels " * 50))
        data = {inflated_block(1 << 24)!r}
        t = time.process_time()
        try:
            quasi.decompress(data)
        except quasi.QuasiError:
            pass
        print(time.process_time() - t)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert float(r.stdout) < 0.3
