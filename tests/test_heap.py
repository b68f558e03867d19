"""quasi.codec.heap: freed memory goes back to the system between large blocks."""
import io
import platform

import quasi
import quasi.codec.heap as heap


def test_trim_runs_for_large_blocks_only(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "_trim", lambda pad: calls.append(pad))
    heap.release_if_large(heap.TRIM_AT_BYTES - 1)
    assert calls == []
    heap.release_if_large(heap.TRIM_AT_BYTES)
    assert calls == [0]


def test_jobs_trim_between_blocks_not_after_the_last(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "_trim", lambda pad: calls.append(pad))
    monkeypatch.setattr(heap, "TRIM_AT_BYTES", 1000)
    data = b"the quick brown fox jumps over the lazy dog\n" * 150  # 6,600 bytes
    one = quasi.compress(data, level=1, block_size=8192)
    assert len(calls) == 1  # in the block, once its token arrays are freed
    three = quasi.compress(data, level=1, block_size=2200)
    assert len(calls) == 1 + 3 + 2
    calls.clear()
    assert quasi.decompress(one) == data and len(calls) == 0
    assert quasi.decompress(three) == data and len(calls) == 3  # and before the join
    with quasi.open(io.BytesIO(three)) as f:
        assert f.read() == data
    assert len(calls) == 5


def test_malloc_trim_is_found_on_glibc(monkeypatch):
    monkeypatch.setattr(heap, "_trim", None)
    heap.release_freed_memory()
    if platform.libc_ver()[0] == "glibc":
        assert heap._trim
    else:
        assert heap._trim is not None
