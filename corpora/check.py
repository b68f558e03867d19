"""Reading a corpus file while checking its size and digest.

Files are read so that memory peaks at one copy of what is returned (a benchmark
measures the peak RSS of processes that load corpora): a whole file in one read,
a prefix by hashing the file in chunks and then reading just the prefix.
"""
import hashlib
import os

CHUNK = 1 << 20


class CorpusError(Exception):
    """A corpus is missing, unknown or fails its checksum."""


def _compare(name, n_read, digest_read, size, digest, algorithm):
    if n_read != size:
        raise CorpusError(f"{name}: size mismatch ({n_read:,} bytes, {size:,} expected): "
                          "file damaged or replaced")
    if digest_read != digest:
        raise CorpusError(f"{name}: {algorithm} mismatch (got {digest_read}, expected "
                          f"{digest}): file damaged or replaced")


def verify_stream(stream, name: str, size: int, digest: str, algorithm: str = "sha256",
                  copy_to=None) -> None:
    """Read a binary stream to its end in chunks, checking its length and digest
    (CorpusError on a mismatch); every chunk is also written to copy_to if given."""
    hasher = hashlib.new(algorithm)
    n_read = 0
    while chunk := stream.read(CHUNK):
        hasher.update(chunk)
        n_read += len(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
        if n_read > size:
            break
    _compare(name, n_read, hasher.hexdigest(), size, digest, algorithm)


def read_verified(path, name: str, size: int, digest: str, algorithm: str = "sha256",
                  keep: int | None = None) -> bytes:
    """The first ``keep`` bytes (all when None) of a file whose whole content must have
    the given size and digest; CorpusError otherwise."""
    with open(path, "rb") as fh:
        if keep is None or keep >= size:
            data = fh.read(size + 1)
            _compare(name, len(data), hashlib.new(algorithm, data).hexdigest(), size, digest,
                     algorithm)
            return data
        verify_stream(fh, name, size, digest, algorithm)
        fh.seek(0)
        return fh.read(keep)


def materialise(stream, target, name: str, size: int, digest: str,
                algorithm: str = "sha256") -> None:
    """Write a stream (e.g. an xz or zip member being decompressed) to ``target``,
    checked on the way; on a mismatch nothing is left at target."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as out:
            verify_stream(stream, name, size, digest, algorithm, copy_to=out)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
