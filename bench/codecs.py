"""The codecs a benchmark run compares: quasi at chosen levels and tilings, and the
peers people already use, each with the settings of its strongest common mode.

A Codec is plain data (id, label, family, params) so that a child process can
rebuild it from JSON; ``functions(codec)`` imports the family's module and returns
its one-shot (compress, decompress) pair. Peers that are programs (zpaq, 7-Zip,
bzip3) run on files in a private temporary directory: their params hold the two
command lines, run there with the input named FILE.
"""
import importlib.metadata
import importlib.util
import os
import shlex
import shutil
import subprocess
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

MODULES = {"quasi": "quasi", "zlib": "zlib", "bz2": "bz2", "lzma": "lzma",
           "zstd": "zstandard", "brotli": "brotli", "ppmd": "pyppmd", "kanzi": "kanzi",
           "bz3": "bz3"}
PIP = {"kanzi": "kanzi", "bz3": "bzip3"}   # modules not in the bench extra: their PyPI names
# family -> (program on PATH, Debian package, arguments that make it say its version)
PROGRAMS = {"zpaq": ("zpaq", "zpaq", []), "7z": ("7zz", "7zip", []),
            "bzip3": ("bzip3", "bzip3", ["--version"])}
PPMD_MEMORY = 1 << 30
PPMD_PIECE = 1 << 14   # bytes per encoder call, see _ppmd
BZIP3_BLOCK = 16 << 20
FILE = "FILE"           # name of the input in a program peer's directory (as in its commands)
FILE_MTIME = 946684800  # 2000-01-01: archivers store it, so their output does not vary
RSS_POLL_S = 0.01       # how often a program peer's peak RSS is read


@dataclass(frozen=True)
class Codec:
    """One compressor setting. ``id`` is the stable key used in results.json."""
    id: str
    label: str
    family: str
    params: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return asdict(self)


def _program_codec(codec_id: str, family: str, archive: str, compress: list,
                   decompress: list) -> Codec:
    """A peer that is a program: ``compress`` turns FILE into ``archive``, ``decompress``
    turns the archive back into FILE, each run in a directory holding only its input.
    The label is the compress command."""
    return Codec(codec_id, shlex.join(compress), family,
                 {"archive": archive, "compress": compress, "decompress": decompress})


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
    _program_codec("zpaq-m5", "zpaq", "FILE.zpaq",
                   ["zpaq", "a", "FILE.zpaq", "FILE", "-m5", "-t1"],
                   ["zpaq", "x", "FILE.zpaq", "-t1"]),
    Codec("kanzi-9", "kanzi level 9, one thread (kanzi.compress(data, 9), KANZI_JOBS=1)",
          "kanzi", {"level": 9, "jobs": 1}),
    _program_codec("7z-ppmd-o8", "7z", "FILE.7z",
                   ["7zz", "a", "-m0=PPMd:o=8:mem=1g", "-mmt=1", "-mx=9", "FILE.7z", "FILE"],
                   ["7zz", "x", "-mmt=1", "FILE.7z"]),
    _program_codec("bzip3-b16", "bzip3", "FILE.bz3",
                   ["bzip3", "-e", "-b", "16", "-j", "1", "FILE"],
                   ["bzip3", "-d", "-j", "1", "FILE.bz3"]),
    Codec("bzip3-b16-py", "bz3.compress(block_size=16 MiB, num_threads=1) (PyPI bzip3)", "bz3",
          {"block_size": BZIP3_BLOCK}),
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
    """Why a codec cannot run here (its program is not on PATH, its module is not
    installed), or None."""
    if codec.family in PROGRAMS:
        program, package, _ = PROGRAMS[codec.family]
        if shutil.which(program) is None:
            return f"program {program!r} not on PATH (apt-get install {package})"
        return None
    module = MODULES[codec.family]
    if importlib.util.find_spec(module) is None:
        how = f"pip install {PIP[module]}" if module in PIP else "pip install -e '.[bench]'"
        return f"Python module {module!r} not installed ({how})"
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
    if codec.family == "kanzi":
        return f"kanzi {importlib.metadata.version('kanzi')} (kanzi-rs)"
    if codec.family == "bz3":
        import bz3
        return f"bzip3 {bz3.__version__} (libbzip3 {bz3.libversion()})"
    if codec.family in PROGRAMS:
        program, _, args = PROGRAMS[codec.family]
        return _program_version([program, *args])
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
    if codec.family == "kanzi":
        return _kanzi(p)
    if codec.family == "bz3":
        import bz3
        return (lambda d: bz3.compress(d, p["block_size"], num_threads=1),
                lambda d: bz3.decompress(d, num_threads=1))
    if codec.family in PROGRAMS:
        return _program(p)
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


def _kanzi(p):
    """kanzi-rs encodes and decodes blocks on up to as many threads as there are
    cores unless KANZI_JOBS says otherwise, read at every call: set here, in the
    process that makes the calls."""
    import kanzi

    os.environ["KANZI_JOBS"] = str(p["jobs"])
    return (lambda d: kanzi.compress(d, p["level"]), kanzi.decompress)


def _program_version(argv: list) -> str:
    """The first line a program prints (up to a ' : '): 'zpaq v7.15 journaling
    archiver, compiled ...', '7-Zip (z) 26.02 (x64)', 'bzip3 1.2.2'."""
    proc = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL)
    text = (proc.stdout + proc.stderr).decode(errors="replace")
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first.split(" : ")[0] or f"{argv[0]} (no version reported)"


_program_peak = {"bytes": 0}   # largest peak RSS of a program run by _run in this process


def program_peak_rss() -> int:
    """The largest peak RSS (bytes) of the programs that peers ran in this process
    (0 if none): VmHWM of the program, read every RSS_POLL_S seconds while it runs."""
    return _program_peak["bytes"]


def _watch_rss(pid: int, stop: threading.Event):
    """Keep the program's VmHWM in _program_peak until stop is set (a program that
    ends between two reads shows the peak of the last read)."""
    status = f"/proc/{pid}/status"
    while True:
        try:
            with open(status) as fh:
                kib = next((int(ln.split()[1]) for ln in fh if ln.startswith("VmHWM:")), 0)
            _program_peak["bytes"] = max(_program_peak["bytes"], kib * 1024)
        except OSError:
            return   # no /proc, or the program is gone
        if stop.wait(RSS_POLL_S):
            return


def _run(argv: list, cwd: str):
    """Run a program in cwd to its end; its output goes to a file in cwd, whose end
    is in the error raised when it exits with a non-zero status."""
    log = Path(cwd) / "output.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT)
        stop = threading.Event()
        watcher = threading.Thread(target=_watch_rss, args=(proc.pid, stop), daemon=True)
        watcher.start()
        proc.wait()
        stop.set()
        watcher.join()
    if proc.returncode:
        tail = log.read_text(errors="replace")[-500:].strip()
        raise RuntimeError(f"{shlex.join(argv)} exited with status {proc.returncode}: {tail}")


def _program(p):
    """(compress, decompress) for a peer that is a program: each call writes its input
    to a fresh private temporary directory (FILE with a fixed mtime, or the archive),
    runs the command there and reads the result back; the directory is removed after."""
    def call(argv, name, data, result):
        with tempfile.TemporaryDirectory(prefix="quasi-bench-peer-") as tmp:
            path = Path(tmp) / name
            path.write_bytes(data)
            os.utime(path, (FILE_MTIME, FILE_MTIME))
            _run(argv, tmp)
            return (Path(tmp) / result).read_bytes()

    return (lambda d: call(p["compress"], FILE, d, p["archive"]),
            lambda a: call(p["decompress"], p["archive"], a, FILE))


def quasi_streams(packed: bytes) -> dict:
    """Bytes per stream of a quasi stream, as ``quasi -l -v`` names them: coded sections
    by name, ``stored`` and ``lzma`` block payloads; the container's own bytes; the
    number of stored and lzma blocks. Read from the headers only, compiling nothing."""
    from quasi.codec.container import BLOCK_LZMA, BLOCK_RAW, StreamReader
    from quasi.codec.config import codec_revision, stream_sizes

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
