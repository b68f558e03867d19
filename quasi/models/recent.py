"""The recency cache of the word-context chain: the last RECENT_WORDS distinct words of the
text, in order of use and sorted, for order 0's "one of the recent words?" decision
(numba)."""
import numpy as np

from ._jit import njit_leaf

RECENT_WORDS = 128
NO_WORD = np.iinfo(np.int64).max  # pads the cache's sorted words
@njit_leaf
def _recent_touch(rword, rlink, rslot, rsorted, w):
    """Word w, just used, becomes the recency cache's newest word; a word new to
    the cache takes the oldest slot (an empty one first, the lowest first)."""
    r = rword.shape[0]
    s = rslot[w]
    if s < 0:
        s = rlink[2 * r + 1]
        if rword[s] >= 0:
            rslot[rword[s]] = -1
            _sorted_remove(rsorted, rword[s])
        rword[s] = w
        rslot[w] = s
        _sorted_insert(rsorted, w)
    head = rlink[2 * r]
    if s != head:  # unlink s, then link it in front of the newest
        newer = rlink[2 * s]
        older = rlink[2 * s + 1]
        rlink[2 * newer + 1] = older
        if older >= 0:
            rlink[2 * older] = newer
        else:
            rlink[2 * r + 1] = newer
        rlink[2 * s] = -1
        rlink[2 * s + 1] = head
        rlink[2 * head] = s
        rlink[2 * r] = s


@njit_leaf
def _sorted_remove(a, x):
    """Remove x from ascending a (NO_WORD-padded)."""
    i = 0
    while a[i] != x:
        i += 1
    while i + 1 < a.shape[0] and a[i + 1] != NO_WORD:
        a[i] = a[i + 1]
        i += 1
    a[i] = NO_WORD


@njit_leaf
def _sorted_insert(a, x):
    """Insert x into ascending a, which has a NO_WORD left."""
    i = 0
    while a[i] < x:
        i += 1
    while x != NO_WORD:
        a[i], x = x, a[i]
        i += 1


@njit_leaf
def _recent_offer(ex0, n, rsorted, o0_cnt, stamp, gone):
    """Append the cached words not stamped gone (order 0's exclusions) to ex0[n:],
    ascending; returns (how many, their total order-0 count)."""
    m = 0
    tot = 0
    for i in range(rsorted.shape[0]):
        c = rsorted[i]
        if c == NO_WORD:
            break
        if stamp[c] != gone:
            ex0[n + m] = c
            m += 1
            tot += o0_cnt[c]
    return m, tot
