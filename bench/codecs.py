"""The codecs a benchmark run compares: quasi at chosen levels and tilings, and the
peers people already use, each with the settings of its strongest common mode.

A Codec is plain data (id, label, family, params) so that a child process can
rebuild it from JSON; ``functions(codec)`` imports the family's module and returns
its one-shot (compress, decompress) pair.
"""
import importlib.util
from dataclasses import asdict, dataclass, field

MODULES = {"quasi": "quasi", "zlib": "zlib", "bz2": "bz2", "lzma": "lzma",
           "zstd": "zstandard", "brotli": "brotli", "ppmd": "pyppmd"}
PPMD_MEMORY = 1 << 30
PPMD_PIECE = 1 << 14   # bytes per encoder call, see _ppmd


@dataclass(frozen=True)
class Codec:
    """One compressor setting. ``id`` is the stable key used in results.json."""
    id: str
    label: str
    family: str
    params: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


PEERS = (
    Codec("zlib-9", "zlib -9 (gzip -9)", "zlib", {"level": 9}),
    Codec("bz2-9", "bz2 -9 (bzip2 -9)", "bz2", {"level": 9}),
    Codec("lzma-9e", "lzma preset 9e (xz -9e)", "lzma", {"preset": 9, "extreme": True}),
    Codec("zstd-19", "zstd -19", "zstd", {"level": 19}),
    Codec("zstd-22-long27", "zstd --ultra -22 --long=27", "zstd",
          {"level": 22, "window_log": 27, "long_distance": True}),
    Codec("brotli-11-w24", "brotli -q 11 -w 24", "brotli", {"quality": 11, "lgwin": 24}),
    Codec("ppmd8-o6", "PPMd var.I order 6, 1 GiB (pyppmd)", "ppmd", {"order": 6}),
    Codec("ppmd8-o16", "PPMd var.I order 16, 1 GiB (pyppmd)", "ppmd", {"order": 16}),
)


def quasi_codec(level: int, tiling: str) -> Codec:
    """quasi at a level (1..9) and tiling spec; id 'quasi-6' ('quasi-6-fib' off multi)."""
    import quasi

    suffix = "" if tiling == quasi.DEFAULT_TILING else f"-{tiling}"
    return Codec(f"quasi-{level}{suffix}", f"quasi -{level} --tiling {tiling}", "quasi",
                 {"level": level, "tiling": tiling})


def from_json(obj: dict) -> Codec:
    return Codec(obj["id"], obj["label"], obj["family"], dict(obj["params"]))


def missing(codec: Codec) -> str | None:
    """Why a codec cannot run here (its module is not installed), or None."""
    module = MODULES[codec.family]
    if importlib.util.find_spec(module) is None:
        return f"Python module {module!r} not installed (pip install -e '.[bench]')"
    return None


def version(codec: Codec) -> str:
    """Version of the library behind a codec, as it reports it."""
    if codec.family == "quasi":
        import quasi
        return quasi.__version__
    if codec.family == "zlib":
        import zlib
        return f"zlib {zlib.ZLIB_RUNTIME_VERSION}"
    if codec.family == "zstd":
        import zstandard
        return f"zstandard {zstandard.__version__} (libzstd {zstandard.ZSTD_VERSION})"
    if codec.family in ("brotli", "ppmd"):
        module = importlib.import_module(MODULES[codec.family])
        return f"{MODULES[codec.family]} {module.__version__}"
    import platform
    return f"Python {platform.python_version()} {codec.family} module"


def functions(codec: Codec):
    """(compress, decompress): one-shot functions of bytes for a codec."""
    p = codec.params
    if codec.family == "quasi":
        import quasi
        return (lambda d: quasi.compress(d, p["level"], tiling=p["tiling"]), quasi.decompress)
    if codec.family == "zlib":
        import zlib
        return (lambda d: zlib.compress(d, p["level"]), zlib.decompress)
    if codec.family == "bz2":
        import bz2
        return (lambda d: bz2.compress(d, p["level"]), bz2.decompress)
    if codec.family == "lzma":
        import lzma
        preset = p["preset"] | (lzma.PRESET_EXTREME if p["extreme"] else 0)
        return (lambda d: lzma.compress(d, preset=preset), lzma.decompress)
    if codec.family == "zstd":
        return _zstd(p)
    if codec.family == "brotli":
        import brotli
        return (lambda d: brotli.compress(d, quality=p["quality"], lgwin=p["lgwin"]),
                brotli.decompress)
    if codec.family == "ppmd":
        return _ppmd(p["order"])
    raise ValueError(f"unknown codec family {codec.family!r}")


def _zstd(p):
    import zstandard

    def compress(data):
        if p.get("long_distance"):
            params = zstandard.ZstdCompressionParameters.from_level(
                p["level"], source_size=len(data), window_log=p["window_log"],
                enable_ldm=True)
            return zstandard.ZstdCompressor(compression_params=params).compress(data)
        return zstandard.ZstdCompressor(level=p["level"]).compress(data)

    return compress, zstandard.ZstdDecompressor().decompress  # accepts windows up to 2^27


def _ppmd(order):
    """PPMd var.I (Ppmd8) with the cut-off restore method and an end mark, so the
    decoder finds the end of the data itself.

    The input goes to the encoder in pieces of PPMD_PIECE bytes, as a streaming
    user (py7zr) feeds it: pyppmd 1.3.1's encoder, given a large buffer in one
    call, now and then loses a byte of its output (calgary/book2 at order 6,
    world192.txt at order 16: the stream is one byte short and fails to decode),
    while piecewise input gives a stream that decodes."""
    import pyppmd

    cut_off = pyppmd.PPMD8_RESTORE_METHOD_CUT_OFF

    def compress(data):
        enc = pyppmd.Ppmd8Encoder(order, PPMD_MEMORY, restore_method=cut_off)
        view = memoryview(data)
        out = [enc.encode(view[i:i + PPMD_PIECE]) for i in range(0, len(view), PPMD_PIECE)]
        return b"".join(out) + enc.flush()

    def decompress(packed):
        dec = pyppmd.Ppmd8Decoder(order, PPMD_MEMORY, restore_method=cut_off)
        out = dec.decode(packed, -1)
        if not dec.eof:
            raise ValueError("PPMd decoder stopped before the end mark")
        return out

    return compress, decompress


def quasi_streams(packed: bytes) -> dict:
    """Bytes per stream of a quasi stream, as ``quasi -l -v`` names them: coded sections
    by name, ``stored`` and ``lzma`` block payloads; the container's own bytes; the
    number of stored and lzma blocks. Read from the headers only, compiling nothing."""
    from quasi.container import BLOCK_LZMA, BLOCK_RAW, StreamReader
    from quasi.sections import codec_revision, stream_sizes

    sizes = {}  # stream name -> bytes, in order of first appearance
    revisions = set()
    kinds = {BLOCK_RAW: 0, BLOCK_LZMA: 0}
    for _hdr, rec in StreamReader(packed, verify=False):
        if rec.type in kinds:
            kinds[rec.type] += 1
        else:
            revisions.add(codec_revision(rec.sections[0]))
        for name, size in stream_sizes(rec.type, rec.sections).items():
            sizes[name] = sizes.get(name, 0) + size
    return {"names": list(sizes), "bytes": list(sizes.values()),
            "codec_revisions": sorted(revisions),
            "container_bytes": len(packed) - sum(sizes.values()),
            "raw_blocks": kinds[BLOCK_RAW], "lzma_blocks": kinds[BLOCK_LZMA]}
