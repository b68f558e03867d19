"""How far the blocks being coded or decoded right now are, for progress displays.

One block takes seconds to minutes (64 MiB at level 9) inside numba kernels. Each
block in flight holds a Meter; the event coders, which take most of a block's time,
write how many of its tokens they have passed into the meter's ``position`` every
few thousand events, and a display in another thread reads ``bytes_done()``: the
raw bytes of the blocks in flight, each weighted by how far its coder is. The kernels
release the GIL, so the display runs while they do. Nothing here changes what is
coded.
"""
import threading
from contextlib import contextmanager

import numpy as np

__all__ = ["Meter", "metering", "bytes_done"]


class Meter:
    """One block's progress: ``passes`` runs of an event coder over ``n_tokens``
    tokens (the encoder tries several parses), the current one at ``position``."""

    def __init__(self, raw_size: int):
        self.raw_size = raw_size
        self.position = np.zeros(1, np.int64)   # tokens passed; written by the kernels
        self.n_tokens = 1
        self.passes = 1
        self.done_passes = 0

    def start(self, n_tokens: int, passes: int) -> None:
        """The block has ``n_tokens`` tokens and will take at most ``passes`` passes."""
        self.n_tokens = max(n_tokens, 1)
        self.passes = max(passes, 1)

    def next_pass(self) -> None:
        """A pass has ended."""
        self.done_passes += 1
        self.position[0] = 0

    def fraction(self) -> float:
        """The share of the block's coding done, 0 to 1."""
        passed = self.done_passes + min(int(self.position[0]), self.n_tokens) / self.n_tokens
        return min(passed / self.passes, 1.0)


_active: list = []
_lock = threading.Lock()


@contextmanager
def metering(raw_size: int):
    """A Meter for a block of ``raw_size`` bytes, counted by bytes_done while the
    block is coded."""
    meter = Meter(raw_size)
    with _lock:
        _active.append(meter)
    try:
        yield meter
    finally:
        with _lock:
            _active.remove(meter)


def bytes_done() -> float:
    """Raw bytes of the blocks in flight, each weighted by how far its coding is."""
    with _lock:
        return sum(m.fraction() * m.raw_size for m in _active)
