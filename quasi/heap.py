"""Giving the memory of a coded block's freed arrays back to the system (glibc).

glibc keeps freed heap pages resident for reuse. After a large block, the
pages of its freed working arrays stay resident while later blocks allocate in
other places, so a job of several blocks peaks tens of MiB above what any one
block needs (kernel-docs.rst decompression: 83 MiB against 62 MiB). After
each block of TRIM_AT_BYTES or more, ``malloc_trim(0)`` returns them. Where the
C library has no malloc_trim (musl, macOS, Windows) this does nothing.
"""
import ctypes

TRIM_AT_BYTES = 1 << 20
_trim = None  # malloc_trim once looked up, or False where there is none


def release_freed_memory(block_bytes: int) -> None:
    """Return freed heap pages to the system after a block of block_bytes."""
    global _trim
    if block_bytes < TRIM_AT_BYTES:
        return
    if _trim is None:
        try:
            _trim = getattr(ctypes.CDLL(None), "malloc_trim", False)
        except (OSError, TypeError):
            _trim = False
    if _trim:
        _trim(0)
