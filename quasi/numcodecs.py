"""quasi as a numcodecs codec (Zarr arrays and other numcodecs users).

Installing quasi registers it under the entry point group ``numcodecs.codecs``, so
``numcodecs.get_codec({"id": "quasi", "level": 9})`` finds it without an import.
Importing quasi does not import numcodecs; this module does.
"""
from numcodecs.abc import Codec
from numcodecs.compat import ensure_bytes, ensure_contiguous_ndarray, ndarray_copy

from .api import compress, decompress
from .options import level_params


class Quasi(Codec):
    """Each chunk as one quasi frame, at ``level`` 1-9 (None: the default level)."""

    codec_id = "quasi"

    def __init__(self, level=None):
        if level is not None:
            level = level_params(level)[0]   # QuasiError or TypeError now, not per chunk
        self.level = level

    def encode(self, buf):
        return compress(ensure_contiguous_ndarray(buf).view("u1"), self.level)

    def decode(self, buf, out=None):
        return ndarray_copy(decompress(ensure_bytes(buf)), out)
