"""Tests for quasi.analyze (what a compression did) and the parse lines of `quasi -l -v`."""
import json
import random
import re
import subprocess
import sys

import pytest

import quasi
import quasi_corpora
from quasi.analysis import EVENT_LEVELS, PHRASE_WORDS, WORDS_PER_EVENT, analyze, \
    compress_analyzed
from quasi.text.parse import LEVEL_MATCH, N_LEVELS, PHRASE_LENGTHS
from quasi.text.structure import structure
from quasi.text.tiling import FIB_LENGTHS
from quasi_cli.listing import list_files

from conftest import needs_corpora, word_soup

SPECS = ("multi", "fib", "period5", "period:LLSLSLLS", "alpha:0.6@0.25", "none", "dense")


def repetitive_text() -> bytes:
    """A 300-word passage 100 times between pieces of word soup: phrases of every length
    pay, and every phrase threshold the encoder tries (BlockParams.min_counts) keeps them."""
    passage = word_soup(300, seed=1)
    return b"".join(word_soup(100, seed=10 + i) + passage for i in range(100))


TEXT = repetitive_text()


def test_level_names_match_the_parse():
    assert len(EVENT_LEVELS) == N_LEVELS and EVENT_LEVELS[LEVEL_MATCH] == "LZ match"
    assert list(WORDS_PER_EVENT) == PHRASE_LENGTHS.tolist()[:2] + [2] + list(FIB_LENGTHS[1:])
    assert PHRASE_WORDS == FIB_LENGTHS[1:]


@pytest.mark.parametrize("spec", SPECS)
def test_same_bytes_as_compress_and_streams_add_up(spec):
    packed, report = compress_analyzed(TEXT, tiling=spec)
    assert packed == quasi.compress(TEXT, tiling=spec)
    assert report.compressed_size == len(packed)
    assert sum(report.streams.values()) == len(packed)
    assert report.tiling == structure(spec, 0).spec and report.level == quasi.DEFAULT_LEVEL
    assert report.input_size == len(TEXT) and "stored" not in report.streams


@pytest.mark.parametrize("spec", SPECS)
def test_events_cover_every_token(spec):
    report = analyze(TEXT, tiling=spec, lzma=False)
    assert sum(report.tokens_per_level) == report.n_tokens > len(TEXT) // 10
    assert report.events[LEVEL_MATCH] == 0          # LZ matches are the coder's, not the parse's
    # every distinct word is new once: as a new-word event, or inside a phrase
    assert report.events[0] <= report.n_words
    assert (report.events[0] == report.n_words) or sum(report.events[2:]) > 0
    for lev in range(2, N_LEVELS):
        assert report.entries_used[lev] <= report.entries[lev]
        assert report.entries_used[lev] <= report.events[lev]
    assert report.phrase_hits == dict(zip(PHRASE_WORDS, report.events[3:12]))


def test_phrase_hits_only_where_the_tiling_has_positions():
    # a phrase of level k is taken only at a level-k lookup start: period5 has none from 13
    # words up, `none` none at all; the repeated passage gives the deep levels hits elsewhere
    # (level 1 tries one phrase threshold; higher levels may pick one that keeps few phrases)
    hits = {spec: analyze(TEXT, tiling=spec, level=1, lzma=False).phrase_hits
            for spec in ("period5", "none", "dense", "fib")}
    assert all(hits["period5"][n] == 0 for n in PHRASE_WORDS if n >= 13)
    assert not any(hits["none"].values())
    assert sum(hits["dense"][n] for n in PHRASE_WORDS if n >= 13) > 0
    assert sum(hits["fib"][n] for n in PHRASE_WORDS if n >= 13) > 0


def test_blocks_and_stored_blocks():
    data = random.Random(0).randbytes(6000) + TEXT[:20000]
    packed, report = compress_analyzed(data, level=2, tiling="fib", block_size=5000)
    assert packed == quasi.compress(data, 2, tiling="fib", block_size=5000)
    assert [b["stored"] for b in report.blocks] == [True] + [False] * 5
    # block 1 (1,000 random bytes, then text) goes to lzma, the text blocks to quasi
    assert [b["kind"] for b in report.blocks] == ["stored", "lzma"] + ["coded"] * 4
    assert report.streams["stored"] == 5000 and report.streams["lzma"] < 5000
    assert sum(report.streams.values()) == len(packed)
    coded = report.blocks[2:]
    assert report.n_tokens == sum(b["parse"]["n_tokens"] for b in coded)
    for b in coded:
        assert sum(b["sections"].values()) < b["raw_size"]
        assert sum(e * w for e, w in zip(b["parse"]["events_per_level"], WORDS_PER_EVENT)) \
            == b["parse"]["n_tokens"]


def test_empty_input_and_json():
    report = analyze(b"")
    assert report.compressed_size == len(quasi.compress(b"")) == report.streams["container"]
    assert report.blocks == [] and report.n_tokens == 0
    d = json.loads(json.dumps(analyze(TEXT[:3000], tiling="period5").as_dict()))
    assert d["tiling"] == "period:LLSLS" and sum(d["tokens_per_level"]) == d["n_tokens"]
    assert set(d["phrase_hits"]) == {str(n) for n in PHRASE_WORDS}


def test_rejects_what_compress_rejects():
    for kw in ({"tiling": "period:"}, {"level": 0}, {"block_size": 0}):
        with pytest.raises(quasi.QuasiError):
            analyze(b"abc", **kw)
    with pytest.raises(TypeError):
        analyze("text")


def test_listing_reports_the_meta_of_every_block(tmp_path, capsys):
    data = TEXT + word_soup(2000, seed=5) + TEXT
    path = tmp_path / "t.qz"
    path.write_bytes(quasi.compress(data, tiling="dense", block_size=len(TEXT) + 4000))
    report = analyze(data, tiling="dense", block_size=len(TEXT) + 4000)
    assert len(report.blocks) == 3
    list_files([str(path)], verbose=True)
    lines = capsys.readouterr().out.splitlines()
    sizes = {re.sub(r" \(\d+ blocks?\)$", "", line[29:]): int(line[:27].replace(",", ""))
             for line in lines[2:]
             if line.startswith(" " * 14)}
    assert sizes == report.streams
    assert f"{report.n_tokens:,} tokens, {report.n_words:,} distinct words" in lines[-3]
    defined = [f"{name} {n:,}" for name, n in zip(EVENT_LEVELS, report.entries) if n]
    assert len(defined) >= 3 and lines[-2].endswith(", ".join(defined))
    # the level's settings, read by name from every block's meta
    assert lines[-1].startswith("  coded blocks ran: codec_revision 15, o1_cap 256, min_match ")
    assert "vocab_models full, dictionary 1, pair_bits 0, mix_bits 10/16," in lines[-1]


def test_import_compiles_nothing():
    code = "import sys, quasi.analysis; assert 'numba' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@needs_corpora
def test_bench_ab_writes_consistent_results(tmp_path):
    pytest.importorskip("matplotlib")   # the `bench` extra
    from click.testing import CliRunner

    from bench.ab import COLLAPSE_TILINGS, SCALING_TILINGS, ab

    args = ["--input", "canterbury/alice29.txt:30KB", "--input", "canterbury/alice29.txt",
            "--tiling", "fib", "--tiling", "period5", "--tiling", "dense",
            "--scaling", "canterbury/alice29.txt",
            "--collapse-input", "canterbury/alice29.txt:30KB", "--out", str(tmp_path)]
    result = CliRunner().invoke(ab, args)
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "ab.json").read_text())
    runs = {(r["input"], r["tiling"]): r for r in results["runs"]}
    ladder = ["canterbury/alice29.txt:100000", "canterbury/alice29.txt"]
    assert results["scaling"] == {"canterbury/alice29.txt": ladder}
    assert set(runs) == {(n, t) for n in results["inputs"] for t in results["tilings"]} | {
        (n, t) for n in ladder for t in SCALING_TILINGS} | {
        ("canterbury/alice29.txt:30KB", t) for t in COLLAPSE_TILINGS}
    assert COLLAPSE_TILINGS[1] == "period:LSLLS" and len(COLLAPSE_TILINGS) == 8
    for (name, spec), r in runs.items():
        assert r["roundtrip"] and sum(r["streams"].values()) == r["compressed"]
        assert r["compressed"] == len(quasi.compress(quasi_corpora.load(name), tiling=spec))
    assert results["reference"]["canterbury/alice29.txt"]["period5"] > 0
    text = (tmp_path / "ab.md").read_text()
    p5, fib = runs["canterbury/alice29.txt", "period5"], runs["canterbury/alice29.txt", "fib"]
    assert f"`fib` over `period5` | {p5['compressed'] - fib['compressed']:+,}" in text
    assert "## Collapse series" in text
    for png in ("sizes", "streams", "scaling", "hits", "coverage", "collapse"):
        assert (tmp_path / f"ab-{png}.png").stat().st_size > 10_000


def test_phrase_thresholds_tried_follow_level_and_block_size():
    from quasi.codec.block import BlockParams
    assert BlockParams.for_level(1).min_counts(100) == [48]
    six = BlockParams.for_level(6)
    assert six.min_counts(100) == [48, 8]
    assert six.min_counts(1 << 20) == [48]
    assert BlockParams.for_level(9).min_counts(8 << 20) == [48, 8, 24, 96]
    assert BlockParams.for_level(9).min_counts(9 << 20) == [48]
    assert BlockParams.for_level(1).min_matches == (4,)
    assert BlockParams.for_level(6).min_matches == (4, 3)


def _walk(tried, sizes):
    """The (threshold, last) calls _walk_thresholds makes when threshold t codes to
    sizes[t] bytes."""
    from quasi.codec.block import _walk_thresholds

    calls, best = [], []

    def trial(min_count, last):
        calls.append((min_count, last))
        won = not best or sizes[min_count] < best[-1]
        if won:
            best.append(sizes[min_count])
        return won

    _walk_thresholds(tried, trial)
    return calls


@pytest.mark.parametrize("sizes, expected", [
    ({48: 5, 24: 4, 8: 3, 96: 9}, [(48, False), (24, False), (8, True)]),
    ({48: 5, 24: 4, 8: 6, 96: 1}, [(48, False), (24, False), (8, True)]),
    ({48: 5, 24: 6, 8: 1, 96: 4}, [(48, False), (24, False), (96, True)]),
    ({48: 5, 24: 6, 8: 1, 96: 7}, [(48, False), (24, False), (96, True)]),
])
def test_threshold_walk_goes_down_while_winning_else_up(sizes, expected):
    """Level 9's thresholds: 48 first, then 24; 8 only if 24 won, else 96."""
    from quasi.codec.block import BlockParams

    assert _walk(BlockParams.for_level(9).min_counts(1000), sizes) == expected


def test_threshold_walk_longer_lists_stop_where_a_step_loses():
    sizes = {1: 9, 2: 7, 3: 8, 4: 5, 5: 6, 6: 9}
    assert _walk([4, 1, 2, 3, 5, 6], sizes) == [(4, False), (3, False), (5, False)]
    assert _walk([6], sizes) == [(6, True)]
    assert _walk([48, 8], {48: 2, 8: 1}) == [(48, False), (8, True)]
