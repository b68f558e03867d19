"""quasi_corpora: checksums refused loudly, xz cache, names and groups, enwik md5,
download, and the text generator. Uses a fake shared directory (QUASI_CORPORA) and
cache (QUASI_CACHE) in a temporary directory: needs no real corpora."""
import collections
import hashlib
import lzma
import re
import zipfile
import zlib

import pytest

import quasi_corpora
from quasi_corpora import CorpusError, enwik, synth

GOOD = b"hello world\n" * 100
BIG = b"the quick brown fox jumps over the lazy dog\n" * 2000


def _sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def fake_shared(tmp_path, monkeypatch):
    """A shared directory with a good file, a damaged one, a short one and an xz file."""
    root = tmp_path / "corpora"
    (root / "g").mkdir(parents=True)
    (root / "big").mkdir()
    (root / "g" / "good.txt").write_bytes(GOOD)
    (root / "g" / "damaged.txt").write_bytes(b"Hello world\n" * 100)   # same size, other bytes
    (root / "g" / "short.txt").write_bytes(GOOD[:-1])
    (root / "big" / "big.txt.xz").write_bytes(lzma.compress(BIG))
    rows = [("g/good.txt", GOOD, "g"), ("g/damaged.txt", GOOD, "g"), ("g/short.txt", GOOD, "g"),
            ("big/big.txt.xz", BIG, "big")]
    (root / "MANIFEST.tsv").write_text("path\tbytes\tsha256\tgroup\tsource\n" + "".join(
        f"{p}\t{len(d)}\t{_sha(d)}\t{g}\ttest data\n" for p, d, g in rows))
    monkeypatch.setenv("QUASI_CORPORA", str(root))
    monkeypatch.setenv("QUASI_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("QUASI_OFFLINE", "1")
    return root


def test_good_file_and_prefix(fake_shared):
    assert quasi_corpora.load("g/good.txt") == GOOD
    assert quasi_corpora.load("g/good.txt:10") == GOOD[:10]
    assert quasi_corpora.load("g/good.txt:1KB") == GOOD[:1000]


def test_wrong_checksum_is_refused(fake_shared):
    with pytest.raises(CorpusError, match="sha256 mismatch"):
        quasi_corpora.load("g/damaged.txt")
    with pytest.raises(CorpusError, match="sha256 mismatch"):
        quasi_corpora.load("g/damaged.txt:5")   # a prefix is checked on the whole file
    with pytest.raises(CorpusError, match="size mismatch"):
        quasi_corpora.load("g/short.txt")


def test_xz_cache_is_filled_checked_and_rebuilt(fake_shared, tmp_path):
    assert quasi_corpora.load("big/big.txt") == BIG
    cached = tmp_path / "cache" / "corpora" / "big" / "big.txt"
    assert cached.read_bytes() == BIG
    cached.write_bytes(b"X" * len(BIG))                     # damaged cache copy: rebuilt
    assert quasi_corpora.load("big/big.txt:100") == BIG[:100]
    assert cached.read_bytes() == BIG
    cached.unlink()
    (fake_shared / "big" / "big.txt.xz").write_bytes(lzma.compress(BIG[::-1]))
    with pytest.raises(CorpusError, match="sha256 mismatch"):
        quasi_corpora.load("big/big.txt")
    assert not cached.exists() and not list(cached.parent.glob("*.tmp"))


def test_names_and_groups(fake_shared):
    assert quasi_corpora.expand("shared") == ["g/good.txt", "g/damaged.txt", "g/short.txt",
                                              "big/big.txt"]
    assert quasi_corpora.expand("big:1KB") == ["big/big.txt:1KB"]
    assert quasi_corpora.expand("g/good.txt:5") == ["g/good.txt:5"]
    assert quasi_corpora.expand("enwik") == ["enwik8", "enwik9"]
    assert quasi_corpora.expand("synth:1MB") == ["synth:1MB"]
    for bad in ("nope", "g/nope.txt", "synth", "g/good.txt:5XB"):
        with pytest.raises(CorpusError):
            quasi_corpora.expand(bad)


def test_text_set_is_the_texts_then_the_structured_group(fake_shared):
    """``texts``: those of the 14 texts the manifest has, in their order, then the
    ``structured`` group; empty (an error to expand) when it has none of them."""
    with pytest.raises(CorpusError, match="group 'texts' is empty"):
        quasi_corpora.expand("texts")
    rows = [("structured/api.json.xz", "structured"), ("calgary/book1", "calgary"),
            ("structured/apt-term.log", "structured"), ("canterbury/alice29.txt", "canterbury")]
    with open(fake_shared / "MANIFEST.tsv", "a") as fh:
        fh.writelines(f"{path}\t{len(GOOD)}\t{_sha(GOOD)}\t{group}\ttest data\n"
                      for path, group in rows)
    assert quasi_corpora.expand("texts:1KB") == [
        "canterbury/alice29.txt:1KB", "calgary/book1:1KB", "structured/api.json:1KB",
        "structured/apt-term.log:1KB"]


def test_cli_verify_fails_loudly(fake_shared, capsys):
    from quasi_corpora.__main__ import main

    assert main(["verify", "g/good.txt"]) == 0
    assert main(["verify", "g"]) == 1
    assert "sha256 mismatch" in capsys.readouterr().err


# ---------------------------------------------------------------- enwik8 / enwik9

def test_enwik8_wrong_file_is_refused(fake_shared, tmp_path, monkeypatch):
    fake = tmp_path / "enwik8"
    fake.write_bytes(GOOD)
    monkeypatch.setenv("QUASI_ENWIK8", str(fake))
    with pytest.raises(CorpusError, match="size mismatch"):
        quasi_corpora.load("enwik8")
    monkeypatch.setenv("QUASI_ENWIK8", str(tmp_path / "missing"))
    with pytest.raises(CorpusError, match="does not exist"):
        quasi_corpora.load("enwik8")


def test_enwik_md5_decides(fake_shared, tmp_path, monkeypatch):
    """With the expected size and md5 of a small stand-in, the same code accepts the
    stand-in (raw, or zipped and unpacked into the cache) and refuses a same-size
    file with other bytes."""
    monkeypatch.setitem(enwik.EXPECTED, "enwik9", (len(GOOD), hashlib.md5(GOOD).hexdigest()))
    raw = tmp_path / "enwik9"
    raw.write_bytes(GOOD)
    monkeypatch.setenv("QUASI_ENWIK9", str(raw))
    assert quasi_corpora.load("enwik9") == GOOD
    assert quasi_corpora.load("enwik9:7") == GOOD[:7]
    raw.write_bytes(GOOD.upper())
    with pytest.raises(CorpusError, match="md5 mismatch"):
        quasi_corpora.load("enwik9")
    archive = tmp_path / "enwik9.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("enwik9", GOOD.upper())
    monkeypatch.setenv("QUASI_ENWIK9", str(archive))
    with pytest.raises(CorpusError, match="md5 mismatch"):
        quasi_corpora.load("enwik9")
    unpacked = tmp_path / "cache" / "corpora" / "enwik9"
    assert not unpacked.exists()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("enwik9", GOOD)
    assert quasi_corpora.load("enwik9") == GOOD
    assert unpacked.read_bytes() == GOOD
    unpacked.write_bytes(GOOD.upper())                 # the unpacked copy is checked too
    with pytest.raises(CorpusError, match="md5 mismatch"):
        quasi_corpora.load("enwik9")


def test_enwik_offline_says_where_to_put_it(fake_shared):
    with pytest.raises(CorpusError, match="QUASI_ENWIK8"):
        quasi_corpora.load("enwik8")


def test_fetch_checks_and_keeps_only_good_archives(fake_shared, tmp_path, monkeypatch):
    monkeypatch.delenv("QUASI_OFFLINE")
    archive = tmp_path / "served.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("enwik8", GOOD)
    target = tmp_path / "cache" / "corpora" / "enwik8"
    with pytest.raises(CorpusError, match="size mismatch"):
        enwik.fetch("enwik8", archive.as_uri())
    assert not target.exists() and not list(target.parent.glob("*"))
    monkeypatch.setitem(enwik.EXPECTED, "enwik8", (len(GOOD), hashlib.md5(GOOD).hexdigest()))
    assert enwik.fetch("enwik8", archive.as_uri()) == target
    assert target.read_bytes() == GOOD and sorted(p.name for p in target.parent.iterdir()) == ["enwik8"]
    monkeypatch.setenv("QUASI_OFFLINE", "1")          # found in the cache from now on
    assert quasi_corpora.load("enwik8") == GOOD
    monkeypatch.delenv("QUASI_OFFLINE")
    with pytest.raises(CorpusError, match="failed"):
        enwik.fetch("enwik8", (tmp_path / "nothing.zip").as_uri())


# ---------------------------------------------------------------- generated text

def test_synth_is_deterministic_and_chunking_free():
    a = synth.generate(300_000, seed=7)
    assert len(a) == 300_000
    assert a == synth.generate(300_000, seed=7)
    assert b"".join(synth.chunks(300_000, seed=7, chunk_size=12_345)) == a
    assert synth.generate(1000, seed=7) == a[:1000]
    assert synth.generate(300_000, seed=8) != a
    assert quasi_corpora.load("synth:300000") == synth.generate(300_000, seed=0)
    assert [len(c) for c in synth.chunks(25, chunk_size=10)] == [10, 10, 5]
    assert synth.generate(0) == b""


def test_synth_is_pinned():
    """The same bytes on every machine: scale tests elsewhere rely on it."""
    digest = hashlib.sha256(synth.generate(1 << 20, seed=0)).hexdigest()
    assert digest == "b4783c542ececda3a3b4d59861637fd248299861627e428a94865719eb6ca25f"


def test_synth_is_varied_text():
    data = synth.generate(1_000_000, seed=0)
    assert data.isascii() and b"\n\n" in data and b". " in data and b", " in data
    lines = data.split(b"\n")
    assert max(map(len, lines)) < 120
    # not trivially repetitive: zlib can't do much better than 2x, and no 4 KB block repeats
    assert len(zlib.compress(data, 9)) > 0.35 * len(data)
    blocks = [data[i:i + 4096] for i in range(0, len(data) - 4096, 4096)]
    assert len(set(blocks)) == len(blocks)
    # yet word statistics are skewed, as in text: the 100 commonest words are > 1/3 of all
    words = re.findall(rb"[a-z]+", data.lower())
    assert sum(n for _, n in collections.Counter(words).most_common(100)) > len(words) / 3


def test_synth_cli_writes_exactly_n_bytes(tmp_path, capsysbinary):
    from quasi_corpora.__main__ import main

    assert main(["synth", "12345", "-o", str(tmp_path / "s.txt"), "--seed", "3"]) == 0
    assert (tmp_path / "s.txt").read_bytes() == synth.generate(12345, seed=3)
    assert main(["synth", "2KB"]) == 0
    assert capsysbinary.readouterr().out == synth.generate(2000)
