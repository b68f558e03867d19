"""LEB128 unsigned varints over numpy arrays (numba)."""
import numpy as np

from ..models._jit import njit


@njit
def encode_varints(values):
    """Bytes of the non-negative int64 values, 7 bits a byte, low bits first."""
    out = np.empty(values.shape[0] * 10, np.uint8)
    pos = 0
    for i in range(values.shape[0]):
        v = np.uint64(values[i])
        while v >= np.uint64(0x80):
            out[pos] = np.uint8((v & np.uint64(0x7F)) | np.uint64(0x80))
            pos += 1
            v = v >> np.uint64(7)
        out[pos] = np.uint8(v)
        pos += 1
    return out[:pos].copy()


def _decode(buf, count):
    out = np.empty(count, np.int64)
    pos = 0
    n = buf.shape[0]
    for i in range(count):
        v = 0
        shift = 0
        while True:
            if pos >= n or shift > 56:
                return out, -1
            b = np.int64(buf[pos])
            pos += 1
            v |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        out[i] = v
    return out, pos


_decode_jit = njit(_decode)


def decode_varints(buf, count, with_size=False):
    """Exactly ``count`` varints filling ``buf`` (values < 2**63), or None.

    with_size: the varints may be followed by other bytes; returns (values,
    bytes used), or (None, 0)."""
    out, used = _decode_jit(buf, count)
    if with_size:
        return (out, used) if used >= 0 else (None, 0)
    return out if used == buf.shape[0] else None
