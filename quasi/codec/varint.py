"""LEB128 unsigned varints: 7 bits a byte, low bits first, bit 7 set on every byte
but the last, in the shortest form (FORMAT.md section 1).

The one reader of the project: ``read_varint`` reads one from a buffer (the
container's fields, a block's meta section), ``decode_varints`` a run of them at
once (a whitespace vocabulary's lengths), both refusing what ``read_varint``
refuses. The container and ``quasi -l`` use the scalar functions and stay free of
numpy and numba; only the array functions import numpy."""
from ..errors import QuasiError

MAX_VARINT_BYTES = 10  # a value below 2**64


def read_varint(buf, pos: int, end: int) -> tuple:
    """(value, position after it) of the varint at ``pos`` of ``buf`` (bytes or an
    array of bytes), reading no byte at or past ``end``: (None, pos) if it runs
    past ``end``; QuasiError if it is longer than MAX_VARINT_BYTES, not in its
    shortest form (a last byte of 0 after others) or not below 2**64."""
    value = shift = 0
    for i in range(pos, min(end, pos + MAX_VARINT_BYTES)):
        b = int(buf[i])
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            if (b == 0 and i > pos) or value >> 64:
                raise QuasiError(f"malformed varint at offset {i}")
            return value, i + 1
    if end - pos >= MAX_VARINT_BYTES:
        raise QuasiError(f"malformed varint at offset {pos}")
    return None, pos


def varint_bytes(value: int) -> bytes:
    """The varint of one non-negative integer."""
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def encode_varints(values):
    """The varints of the non-negative integers ``values``, back to back (uint8)."""
    import numpy as np

    v = np.asarray(values, np.int64).astype(np.uint64)
    if v.shape[0] == 0:
        return np.zeros(0, np.uint8)
    n_bytes = np.ones(v.shape[0], np.int64)
    rest = v >> np.uint64(7)
    while rest.any():
        n_bytes += rest > 0
        rest >>= np.uint64(7)
    starts = np.cumsum(n_bytes) - n_bytes
    k = np.arange(int(n_bytes.sum()), dtype=np.int64) - np.repeat(starts, n_bytes)
    out = ((np.repeat(v, n_bytes) >> (np.uint64(7) * k.astype(np.uint64)))
           & np.uint64(0x7F)).astype(np.uint8)
    out[k < np.repeat(n_bytes, n_bytes) - 1] |= 0x80
    return out


def decode_varints(buf, count: int, with_size: bool = False):
    """Exactly ``count`` varints filling ``buf`` (a uint8 array), each below 2**63 and
    in its shortest form, as int64 values; None if there are not exactly ``count``
    or one is malformed.

    with_size: the varints may be followed by other bytes; returns (values, bytes
    used), or (None, 0)."""
    import numpy as np

    failed = (None, 0) if with_size else None
    ends = np.flatnonzero(buf < 0x80)
    if ends.shape[0] < count:
        return failed
    ends = ends[:count]
    used = int(ends[-1]) + 1 if count else 0
    if not with_size and used != buf.shape[0]:
        return None
    starts = np.empty(count, np.int64)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts + 1
    # longer than 9 bytes (2**63 or more), or a last byte of 0 after others
    if count and (lengths.max() > 9 or (buf[ends[lengths > 1]] == 0).any()):
        return failed
    k = np.arange(used, dtype=np.int64) - np.repeat(starts, lengths)
    parts = (buf[:used].astype(np.int64) & 0x7F) << (7 * k)
    values = np.add.reduceat(parts, starts) if count else np.zeros(0, np.int64)
    return (values, used) if with_size else values
