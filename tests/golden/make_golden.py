"""Write the golden files of the current format version and codec revision
(run once per version and revision).

    python tests/golden/make_golden.py

Each tests/golden/vN-rM/NAME.qz (format version N, codec revision M) decodes to
its NAME.raw forever; files
in tests/golden/bad/ must fail with the message in bad/EXPECTED.tsv: broken
containers, and (codec-*.qz) valid containers around a coded block that is
not. Existing
files are never overwritten: golden files of a released version are frozen."""
import random
import struct
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

import quasi  # noqa: E402
from quasi.codec.config import CODEC_REVISION  # noqa: E402
from quasi.codec.container import FORMAT_VERSION  # noqa: E402


def text(n_words, seed):
    rng = random.Random(seed)
    words = "the of and to in a is that Alice said Queen THE King. , ;\n".split(" ")
    return "".join(rng.choice(words) + rng.choice([" ", " ", ", ", ".\n"])
                   for _ in range(n_words)).encode()


def cases():
    t = text(1500, 1)
    yield "empty", b"", {}
    yield "raw-block", random.Random(2).randbytes(300), {}
    yield "multi-block", t * 2, {"block_size": 4000}
    for spec in ("multi", "fib", "period5", "none", "dense", "alpha:0.6@0.25"):
        yield "tiling-" + spec.replace(":", "-").replace("@", "-"), t, {"tiling": spec}
    yield "level-1", t, {"level": 1}
    yield "level-9", t, {"level": 9}
    yield "binary-mix", bytes(range(256)) * 4 + t[:2000] + b"\x00" * 300, {}
    yield "no-checksum", t[:3000], {"checksum": False}
    if FORMAT_VERSION >= 2:
        table = b"".join(struct.pack("<IhH", i * 7919, i % 97 - 48, i % 13) for i in range(3000))
        yield "lzma-block", table, {}
        yield "mixed-kinds", t[:6000] + table[:6000] + random.Random(3).randbytes(2000), \
            {"block_size": 6000}
    if CODEC_REVISION >= 5:  # a block of SIDE_CTX_MIN_TOKENS tokens or more
        yield "side-contexts", text(48000, 7), {}
    if CODEC_REVISION >= 6:  # the word-context chain (level 9) over a larger vocabulary
        yield "word-chain", zipf_text(30000, 8), {"level": 9}
    if CODEC_REVISION >= 9:  # the whitespace mixing model's escapes: 80 distinct indents
        rng = random.Random(9)
        yield "whitespace-escapes", b"".join(
            b"\n" + b" " * rng.randrange(80) + rng.choice([b"if", b"x", b"(1)"])
            for _ in range(6000)), {}
    if CODEC_REVISION >= 10:  # level 9's vocabulary tables past 2**16 buckets
        rng = random.Random(10)
        yield "vocabulary-tables", " ".join(
            "".join(rng.choice("etaoinshrdlucmfwypvbgkjqxz") for _ in range(rng.randint(5, 11)))
            for _ in range(10000)).encode(), {"level": 9}
    if CODEC_REVISION >= 15:  # level 9's mixed levels: phrases of several lengths, matches
        yield "phrase-levels", phrase_text(4000, 15), {"level": 9}


def zipf_text(n_words, seed):
    """Words of a 2,000-word vocabulary drawn with Zipf-like weights, in lines."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("etaoinshrdlucmfw") for _ in range(rng.randint(1, 9)))
             for _ in range(2000)]
    weights = [1 / (k + 1) for k in range(len(vocab))]
    words = rng.choices(vocab, weights, k=n_words)
    return "".join(w + rng.choice(" " * 12 + ",\n") for w in words).encode()


def phrase_text(n_words, seed):
    """zipf_text's words with one of 12 stock phrases (3 to 13 of its words) after
    every 1 to 12 of them."""
    rng = random.Random(seed)
    words = zipf_text(n_words, seed).split(b" ")
    stock = [b" ".join(rng.choices(words, k=rng.choice((3, 5, 8, 13)))) for _ in range(12)]
    out = []
    i = 0
    while i < len(words):
        k = rng.randint(1, 12)
        out += [b" ".join(words[i:i + k]), rng.choice(stock)]
        i += k
    return b" ".join(out)


def bad_cases(good):
    g = bytearray(good)
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0x10
    huge = bytearray(good)
    # first block record starts after the frame header: raw_size field to 2^32-1
    spec_len = good[7]
    off = 16 + spec_len
    struct.pack_into("<I", huge, off + 1, 0xFFFFFFFF)
    yield "bad-magic", b"PK\x03\x04" + bytes(g[4:]), "not a quasi stream|magic"
    yield "truncated", bytes(g[: len(g) - 7]), "truncated"
    yield "flipped", bytes(flipped), "CRC mismatch"
    yield "oversized", bytes(huge), "CRC mismatch|out of range"
    yield "unknown-version", bytes(g[:4]) + b"\x63" + bytes(g[5:]), "unsupported format version 99"


def bad_cases_v2():
    """Version 2 files with valid CRCs whose lzma payload is cut short or holds too much."""
    from quasi.codec.container import BLOCK_LZMA, FrameWriter
    from quasi.codec.fallback import encode_lzma

    raw = bytes(range(256)) * 16
    for name, payload in (("lzma-truncated", encode_lzma(raw)[:-4]),
                          ("lzma-oversized", encode_lzma(raw + raw[:100]))):
        w = FrameWriter(6, "multi", len(raw))
        yield name, w.header() + w.block(raw, [payload], BLOCK_LZMA) + w.finish(), \
            "corrupt lzma block"


def bad_cases_codec():
    """Version 2 files with valid CRCs around one coded block of level 9 (every section
    in use) whose codec content is wrong: the meta section, the section count or a
    coded stream. Each is refused by the block decoder with a message naming what is
    wrong."""
    from quasi.codec.block import BlockParams, encode_block
    from quasi.codec.config import meta_fields, meta_index
    from quasi.codec.container import FrameWriter
    from quasi.codec.varint import encode_varints

    raw = text(1500, 11).replace(b"the", b"The", 40)
    good = encode_block(raw, "multi", BlockParams.for_level(9))
    fields = meta_fields(good[0])

    def meta_with(**changes):
        values = list(fields)
        for name, value in changes.items():
            values[meta_index(name)] = value
        return encode_varints(values).tobytes()

    def cut(i):
        return good[:i] + [good[i][:len(good[i]) // 2]] + good[i + 1:]

    for name, sections, size, pattern in (
            ("codec-unknown-revision", [meta_with(codec_revision=99)] + good[1:], len(raw),
             "unsupported codec revision 99"),
            ("codec-meta-field-out-of-range", [meta_with(vocab_models=3)] + good[1:], len(raw),
             "corrupt block meta section: vocab_models 3"),
            ("codec-meta-table-too-large", [meta_with(mix_bits=22)] + good[1:], len(raw),
             "corrupt block meta section: mix_bits 22"),
            ("codec-meta-short", [good[0][:10]] + good[1:], len(raw),
             "corrupt block meta section: it ends before"),
            ("codec-meta-trailing", [good[0] + b"\x00"] + good[1:], len(raw),
             "corrupt block meta section: 1 bytes after its fields"),
            ("codec-section-missing", good[:6], len(raw), "coded block has 6 sections, expected 7"),
            ("codec-vocabulary-truncated", cut(1), len(raw), "corrupt vocabulary section"),
            ("codec-events-truncated", cut(3), len(raw), "corrupt event stream"),
            # the whitespace decoder reads zeros past its end without reaching its
            # limit here; the runs it makes up do not add up to the block's size
            ("codec-whitespace-truncated", cut(5), len(raw),
             "corrupt whitespace stream|does not have its declared size"),
            ("codec-case-truncated", cut(6), len(raw), "corrupt case stream"),
            ("codec-size-mismatch", good, len(raw) + 1,
             "decoded block does not have its declared size")):
        block_raw = raw + b" " * (size - len(raw))  # the record's raw CRC and size
        w = FrameWriter(9, "multi", size)
        yield name, w.header() + w.block(block_raw, sections) + w.finish(), pattern


def main():
    out = HERE / f"v{FORMAT_VERSION}-r{CODEC_REVISION}"
    out.mkdir(exist_ok=True)
    for name, data, kw in cases():
        qz, raw = out / f"{name}.qz", out / f"{name}.raw"
        if qz.exists():
            continue
        qz.write_bytes(quasi.compress(data, **kw))
        raw.write_bytes(data)
    bad = HERE / "bad"
    bad.mkdir(exist_ok=True)
    good = (HERE / "v1-r1" / "tiling-multi.qz").read_bytes()
    rows = []
    for name, data, pattern in [*bad_cases(good), *bad_cases_v2(), *bad_cases_codec()]:
        p = bad / f"{name}.qz"
        if not p.exists():
            p.write_bytes(data)
        rows.append(f"{name}.qz\t{pattern}")
    (bad / "EXPECTED.tsv").write_text("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
