"""Giving the pages of a block's freed working arrays back to the system (glibc).

glibc keeps freed heap pages resident for reuse. In a job of several large
blocks those of one block stay resident while the next block, or the joined
output, allocates elsewhere, so the job peaks well above what one block needs.
``release_if_large`` returns them (``malloc_trim(0)``). The stream coders call it
before every large block but a job's first; ``decompress`` calls it before it joins
several blocks (kernel-docs.rst decompression: 85 MiB of working memory without
that call, 62 with it); the block encoder calls it once its token arrays are freed
(before its vocabulary model allocates). Nothing calls it inside a block's
decoding or after a job's last block: a one-block job repeated in a process would
then take fresh pages every time (enwik8-head's events decoded in 125 ms instead of
99). Where the C library has no malloc_trim (musl, macOS, Windows) this does
nothing.
"""
import ctypes

TRIM_AT_BYTES = 1 << 20
_trim = None  # malloc_trim once looked up, or False where there is none


def release_freed_memory() -> None:
    """Return the heap's freed pages to the system (where the C library can)."""
    global _trim
    if _trim is None:
        try:
            _trim = getattr(ctypes.CDLL(None), "malloc_trim", False)
        except (OSError, TypeError):
            _trim = False
    if _trim:
        _trim(0)


def release_if_large(n_bytes: int) -> None:
    """release_freed_memory() when n_bytes (a block, or the output about to be
    joined) is TRIM_AT_BYTES or more."""
    if n_bytes >= TRIM_AT_BYTES:
        release_freed_memory()
