"""How far a block's coding is (quasi.progress), read from another thread while the
kernels run, as the command line's progress line does."""
import threading
import time

import quasi
from quasi import progress

from conftest import word_soup

TEXT = word_soup(400_000, seed=31)        # about 1.8 MB: one block, about a second


def _sample_while(job):
    """Run job() in a thread; bytes_done() sampled meanwhile."""
    seen = []
    worker = threading.Thread(target=job)
    worker.start()
    while worker.is_alive():
        seen.append(progress.bytes_done())
        time.sleep(0.005)
    worker.join()
    return seen


def test_a_block_reports_its_progress_while_it_is_coded():
    out = {}
    seen = _sample_while(lambda: out.setdefault("packed", quasi.compress(TEXT, 9)))
    inside = [v for v in seen if 0 < v < len(TEXT)]
    assert len(set(inside)) >= 3, seen[:50]          # it moved within the block
    assert all(0 <= v <= len(TEXT) for v in seen) and progress.bytes_done() == 0
    seen = _sample_while(lambda: out.setdefault("raw", quasi.decompress(out["packed"])))
    assert out["raw"] == TEXT
    assert len({v for v in seen if 0 < v < len(TEXT)}) >= 2, seen[:50]
    assert progress.bytes_done() == 0


def test_meter_fraction():
    with progress.metering(1000) as meter:
        meter.start(100, 4)
        assert progress.bytes_done() == 0
        meter.position[0] = 50
        assert progress.bytes_done() == 125
        meter.next_pass()
        meter.position[0] = 10**6                     # never past its pass
        assert progress.bytes_done() == 500
    assert progress.bytes_done() == 0
