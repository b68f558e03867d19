"""quasi: a lossless word- and phrase-based text compressor built on a
Fibonacci-quasicrystal phrase hierarchy.

    >>> import quasi
    >>> quasi.decompress(quasi.compress(b"to be or not to be")) == b"to be or not to be"
    True

One-shot: compress, decompress, get_frame_info; whole files by blocks on any
concurrent.futures executor (compress_file, decompress_file). Incremental: QuasiCompressor
(flush modes FLUSH_BLOCK, FLUSH_FRAME) and QuasiDecompressor. Files: quasi.open
and QuasiFile. What a compression did (bytes per stream, phrase hits per level):
analyze. The data ecosystem: register_fsspec (fsspec.open(..., compression="quasi"),
done on import when fsspec is already imported) and register_shutil (.tar.qz
archives). Every malformed input and out-of-range setting raises QuasiError (a
ValueError; TrailingGarbage, one of them, says where valid frames end); an
argument of the wrong type raises TypeError.

Importing quasi compiles nothing: numba kernels compile on first use and are
cached on disk.
"""
import sys as _sys

from .analysis import analyze
from .api import compress, decompress, get_frame_info
from .codec.container import FrameInfo
from .errors import QuasiError, TrailingGarbage
from .file import QuasiFile, open
from .hooks import register_fsspec, register_shutil
from .options import DEFAULT_BLOCK_SIZE, DEFAULT_LEVEL, DEFAULT_TILING, STRONG_BLOCK_SIZE
from .parallel import compress_file, decompress_file
from .stream import CONTINUE, FLUSH_BLOCK, FLUSH_FRAME, QuasiCompressor, QuasiDecompressor

__version__ = "0.1.0"
__all__ = ["compress", "decompress", "get_frame_info", "open", "QuasiFile", "QuasiCompressor",
           "QuasiDecompressor", "CONTINUE", "FLUSH_BLOCK", "FLUSH_FRAME", "FrameInfo",
           "QuasiError", "TrailingGarbage", "DEFAULT_LEVEL", "DEFAULT_TILING", "DEFAULT_BLOCK_SIZE",
           "STRONG_BLOCK_SIZE", "analyze", "compress_file", "decompress_file",
           "register_fsspec", "register_shutil", "__version__"]

if "fsspec" in _sys.modules:   # fsspec has no entry point for compressions
    register_fsspec()
