"""python -m bench run on generated text: valid results.json, true sizes, RSS measured in
the child, failures reported instead of raised. Needs no shared corpora."""
import importlib.util
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import quasi
import quasi_corpora
from bench import child, codecs
from conftest import needs_corpora, word_soup
from bench.run import run

BENCH = Path(__file__).resolve().parent.parent / "bench"
SCHEMA = json.loads((BENCH / "results.schema.json").read_text())


def _validate(results):
    jsonschema.validate(results, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_run_on_a_tiny_corpus(tmp_path, monkeypatch):
    monkeypatch.setitem(codecs.MODULES, "brotli", "no_such_module_for_this_test")
    out = tmp_path / "out"
    res = CliRunner().invoke(run, ["--corpus", "synth:20KB", "--out", str(out), "--level", "1",
                                   "--peers", "zlib-9,brotli-11-w24", "-n", "2"])
    assert res.exit_code == 0, res.output
    results = json.loads((out / "results.json").read_text())
    _validate(results)
    assert results["complete"] and results["settings"]["repeats"] == 2
    assert results["command"] == (f"python -m bench run --corpus synth:20KB --out {out} "
                                  "--level 1 -n 2 --peers zlib-9,brotli-11-w24")
    assert results["skipped"] == [{"codec": "brotli-11-w24", "reason": (
        "Python module 'no_such_module_for_this_test' not installed (pip install -e '.[bench]')")}]
    data = quasi_corpora.load("synth:20KB")
    assert results["files"][0]["bytes"] == len(data) == 20_000
    rows = {r["codec"]: r for r in results["results"]}
    assert list(rows) == ["quasi-1", "zlib-9"]
    assert rows["zlib-9"]["compressed_bytes"] == len(zlib.compress(data, 9))
    assert rows["quasi-1"]["compressed_bytes"] == len(quasi.compress(data, 1))
    for r in rows.values():
        assert r["roundtrip"] and r["same_output"] and r["error"] is None
        assert r["bits_per_byte"] == pytest.approx(8 * r["compressed_bytes"] / len(data))
        for phase in (r["compress"], r["decompress"]):
            assert len(phase["seconds"]) == 2 and phase["median_s"] > 0
            assert phase["mb_per_s"] == pytest.approx(0.02 / phase["median_s"])
            assert phase["peak_rss_bytes"] >= phase["setup_rss_bytes"] > 0
    streams = rows["quasi-1"]["streams"]
    assert sum(streams["bytes"]) + streams["container_bytes"] == rows["quasi-1"]["compressed_bytes"]
    assert streams["raw_blocks"] == 0 and len(streams["names"]) == len(streams["bytes"])
    assert rows["zlib-9"]["streams"] is None
    md = (out / "results.md").read_text()
    assert re.search(r"\| synth:20KB \| 20,000 \| [\d,*]+ \| [\d,*]+ \|", md)
    assert "brotli-11-w24" in md and "quasi: bytes per stream" in md
    if importlib.util.find_spec("matplotlib") is None:   # optional extra: no plots without it
        return
    for png in ("ratio.png", "speed.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unknown_peer_or_tiling_is_a_usage_error(tmp_path):
    res = CliRunner().invoke(run, ["--corpus", "synth:1KB", "--out", str(tmp_path),
                                   "--peers", "gzip"])
    assert res.exit_code == 2 and "unknown peer" in res.output
    res = CliRunner().invoke(run, ["--corpus", "synth:1KB", "--out", str(tmp_path),
                                   "--tiling", "no-such-tiling"])
    assert res.exit_code == 2 and "--tiling" in res.output
    assert not (tmp_path / "results.json").exists()


def test_failed_round_trip_is_reported_not_raised(tmp_path):
    zlib9 = next(c for c in codecs.PEERS if c.id == "zlib-9")
    job = {"corpus": "synth:10KB", "codec": zlib9.to_json(),
           "timing": {"repeats": 5, "budget_s": 0}, "packed": str(tmp_path / "packed")}
    comp = child.run_job(dict(job, mode="compress"))
    assert comp["error"] is None and comp["compressed_bytes"] > 0
    assert len(comp["phase"]["seconds"]) == 1    # the budget stops after one timed call
    packed = bytearray((tmp_path / "packed").read_bytes())
    packed[len(packed) // 2] ^= 0xFF
    (tmp_path / "packed").write_bytes(bytes(packed))
    dec = child.run_job(dict(job, mode="decompress"))
    assert dec["roundtrip"] is False and dec["error"].startswith("error:")   # zlib.error


def test_dead_child_is_reported(tmp_path):
    res = child.spawn({"mode": "baseline", "corpus": "no/such/file"}, tmp_path)
    assert "exit status 1" in res["child_error"] and "unknown corpus" in res["child_error"]


def test_rss_is_the_childs_own(tmp_path):
    """lzma -9e touches tens of MiB of match-finder tables even on small input: the
    compress child's peak must show it above the idle child's."""
    base = child.spawn({"mode": "baseline", "corpus": "synth:200KB"}, tmp_path)
    lzma9e = next(c for c in codecs.PEERS if c.id == "lzma-9e")
    comp = child.spawn({"mode": "compress", "corpus": "synth:200KB", "codec": lzma9e.to_json(),
                        "timing": {"repeats": 1}, "packed": str(tmp_path / "packed")}, tmp_path)
    assert comp["child_error"] is None and comp["error"] is None
    assert comp["peak_rss_bytes"] - base["peak_rss_bytes"] > 20 << 20
    assert base["peak_rss_bytes"] - comp["setup_rss_bytes"] < 8 << 20


def test_schema_is_documented():
    """Every field of the schema is described in bench/README.md."""
    readme = (BENCH / "README.md").read_text()
    fields = set()

    def walk(node):
        if isinstance(node, dict):
            fields.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(SCHEMA)
    missing = sorted(f for f in fields if f"`{f}`" not in readme)
    assert not missing, f"fields not described in bench/README.md: {missing}"


@needs_corpora
@pytest.mark.parametrize("peer", ["ppmd8-o6", "ppmd8-o16"])
def test_ppmd_round_trips_where_one_shot_encoding_fails(peer):
    """pyppmd 1.3.1 given calgary/book2 in one encode() call writes a stream it cannot
    decode at order 6; the bench feeds it in pieces (see codecs._ppmd)."""
    codec = next(c for c in codecs.PEERS if c.id == peer)
    if codecs.missing(codec):
        pytest.skip(codecs.missing(codec))
    compress, decompress = codecs.functions(codec)
    data = quasi_corpora.load("calgary/book2")
    assert decompress(compress(data)) == data


NEW_PEERS = ["zpaq-m5", "kanzi-9", "7z-ppmd-o8", "bzip3-b16", "bzip3-b16-py"]


def _peer(codec_id):
    return next(c for c in codecs.PEERS if c.id == codec_id)


@pytest.mark.parametrize("peer", NEW_PEERS)
def test_new_peers_round_trip(peer, tmp_path, monkeypatch):
    """zpaq, kanzi, 7-Zip PPMd and bzip3 where installed (CI has none of them): a round
    trip, a version, and no temporary file left behind."""
    codec = _peer(peer)
    if codecs.missing(codec):
        pytest.skip(codecs.missing(codec))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = word_soup(5000)
    compress, decompress = codecs.functions(codec)
    packed = compress(data)
    assert 0 < len(packed) < len(data) // 2 and decompress(packed) == data
    assert re.search(r"\d+\.\d+", codecs.version(codec))
    assert list(tmp_path.iterdir()) == []


def test_program_peer_files_errors_and_rss(tmp_path, monkeypatch):
    """The machinery of the program peers, with cp standing in for an archiver: the
    input as FILE in a private directory removed after the call, the program's exit
    status and output in the error, its peak RSS recorded."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setitem(codecs._program_peak, "bytes", 0)
    copy = codecs.Codec("cp", "cp FILE FILE.cp", "bzip3", {
        "archive": "FILE.cp", "compress": ["sh", "-c", "sleep 0.1; cp FILE FILE.cp"],
        "decompress": ["cp", "FILE.cp", "FILE"]})
    compress, decompress = codecs.functions(copy)
    assert compress(b"abc") == b"abc" and decompress(b"xyz") == b"xyz"
    assert list(tmp_path.iterdir()) == [] and codecs.program_peak_rss() > 0
    broken = codecs.Codec("cp", "cp", "bzip3", dict(copy.params, compress=["cp", "NOPE", "x"]))
    with pytest.raises(RuntimeError, match=r"cp NOPE x exited with status 1: .*NOPE"):
        codecs.functions(broken)[0](b"abc")
    assert list(tmp_path.iterdir()) == []


def test_cpu_seconds_count_programs_run():
    """A program's CPU time counts in the calling child's CPU seconds."""
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.3: pass"
    c0, p0 = child.cpu_seconds(), time.process_time()
    subprocess.run([sys.executable, "-c", burn], check=True)
    assert child.cpu_seconds() - c0 >= 0.3 > 10 * (time.process_time() - p0)


def test_missing_peers_say_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))   # no program found
    monkeypatch.setitem(sys.modules, "kanzi", None)   # no module found
    monkeypatch.setitem(sys.modules, "bz3", None)
    notes = {p: codecs.missing(_peer(p)) for p in NEW_PEERS}
    assert notes == {
        "zpaq-m5": "program 'zpaq' not on PATH (apt-get install zpaq)",
        "kanzi-9": "Python module 'kanzi' not installed (pip install kanzi)",
        "7z-ppmd-o8": "program '7zz' not on PATH (apt-get install 7zip)",
        "bzip3-b16": "program 'bzip3' not on PATH (apt-get install bzip3)",
        "bzip3-b16-py": "Python module 'bz3' not installed (pip install bzip3)"}
    res = CliRunner().invoke(run, ["--list-codecs"])
    assert res.exit_code == 0
    for peer, note in notes.items():
        assert re.search(rf"^{re.escape(peer)} +.+  {re.escape(note)}$", res.output, re.M)


@needs_corpora
def test_structured_group_is_in_the_text_set():
    structured = quasi_corpora.expand("structured")
    assert {"structured/apt-term.log", "structured/sqlite3.h"} <= set(structured)
    texts = quasi_corpora.expand("texts")
    assert texts[:14] == list(quasi_corpora.registry.TEXT_FILES)
    assert texts[14:] == structured


def test_profile_names_numba_kernels():
    """bench profile's perf map: quasi's compiled kernels by module and name, at
    distinct addresses (perf itself is not needed here)."""
    from bench.profile import demangle, numba_symbols

    assert demangle("_ZN5quasi6models6events13encode_eventsB4v316B52c8tJTIeFIjxE5ArrayIyLi1E") == \
        "quasi.models.events.encode_events"
    assert demangle("NRT_incref") == "NRT_incref"
    rng = random.Random(1)  # varied words: a codec block, so both event coders run here
    words = "the king queen alice said that and of to in a is".split()
    data = " ".join(rng.choice(words) for _ in range(4000)).encode()
    assert quasi.decompress(quasi.compress(data, level=1)) == data
    symbols = numba_symbols()
    names = {name for _a, _s, name in symbols}
    assert {"quasi.models.events.encode_events", "quasi.models.events.decode_events"} <= names
    addresses = [a for a, _s, _n in symbols]
    assert len(set(addresses)) == len(addresses) and all(s > 0 for _a, s, _n in symbols)


def test_identity_record_then_check_finds_a_changed_byte(tmp_path):
    """bench identity: a record of today's code checks clean; a record whose hash
    differs (as another commit's would) is reported and fails the check."""
    from bench.identity import identity

    ref = tmp_path / "ref.json"
    args = ["--corpus", "synth:20KB"]
    res = CliRunner().invoke(identity, ["record", str(ref), "--levels", "1,9", *args])
    assert res.exit_code == 0, res.output
    doc = json.loads(ref.read_text())
    size, digest = doc["files"]["synth:20KB"]["9"]
    assert size == len(quasi.compress(quasi_corpora.load("synth:20KB"), level=9))
    res = CliRunner().invoke(identity, ["check", str(ref), *args])
    assert res.exit_code == 0 and "0 differ" in res.output, res.output
    doc["files"]["synth:20KB"]["9"] = [size, "0" * 64]
    ref.write_text(json.dumps(doc))
    res = CliRunner().invoke(identity, ["check", str(ref), *args])
    assert res.exit_code == 1 and "DIFFERS synth:20KB level 9" in res.output, res.output


@needs_corpora
def test_scale_input_is_the_text_set_repeated_and_cut_at_a_line(tmp_path):
    from bench.scale import build_input

    first = quasi_corpora.load(quasi_corpora.expand("texts")[0])
    size = 2 * len(first) + 1000
    sha = build_input(tmp_path / "a.txt", size)
    data = (tmp_path / "a.txt").read_bytes()
    assert build_input(tmp_path / "b.txt", size) == sha
    assert size - 1000 < len(data) <= size and data.endswith(b"\n")
    assert data.startswith(first + quasi_corpora.load(quasi_corpora.expand("texts")[1]))


@needs_corpora
def test_scale_runs_the_three_ways_and_checks_them(tmp_path):
    pytest.importorskip("distributed")
    from bench.scale import WAYS, scale

    r = CliRunner().invoke(scale, ["--size", "200KB", "--level", "1", "--workdir",
                                   str(tmp_path / "work"), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    report = json.loads(next((tmp_path / "out").glob("results-*.json")).read_text())
    assert [row["way"] for row in report["rows"]] == [way for way, _ in WAYS]
    assert len({row["bytes"] for row in report["rows"]}) == 1
    assert report["rows"][2]["compress"]["worker_peak_mib"] > 50   # the workers were seen
