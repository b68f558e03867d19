"""quasi: a lossless word- and phrase-based text compressor built on a
Fibonacci-quasicrystal phrase hierarchy.

    >>> import quasi
    >>> quasi.decompress(quasi.compress(b"to be or not to be")) == b"to be or not to be"
    True

Importing quasi compiles nothing: numba kernels compile on first use and are
cached on disk.
"""
from .api import DEFAULT_LEVEL, DEFAULT_TILING, compress, decompress
from .errors import QuasiError

__version__ = "0.1.0"
__all__ = ["compress", "decompress", "QuasiError", "DEFAULT_LEVEL", "DEFAULT_TILING",
           "__version__"]
