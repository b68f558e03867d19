"""quasi.heap: freed memory goes back to the system after large blocks."""
import platform

import quasi.heap as heap


def test_trim_runs_after_large_blocks_only(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "_trim", lambda pad: calls.append(pad))
    heap.release_freed_memory(heap.TRIM_AT_BYTES - 1)
    assert calls == []
    heap.release_freed_memory(heap.TRIM_AT_BYTES)
    assert calls == [0]


def test_malloc_trim_is_found_on_glibc(monkeypatch):
    monkeypatch.setattr(heap, "_trim", None)
    heap.release_freed_memory(heap.TRIM_AT_BYTES)
    if platform.libc_ver()[0] == "glibc":
        assert heap._trim
    else:
        assert heap._trim is not None
