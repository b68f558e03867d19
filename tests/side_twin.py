"""Pure-Python twin of the mixed side model of codec revisions 14 and 15
(quasi/models/decisions.py), written plainly with dicts (slow; tests only); event_twin.py
codes the side stream's decisions through it when side_bits > 0, and with
mixed_levels the levels of events other than a word (revision 15)."""
from quasi.models.coder import P_EDGE
from quasi.models.decisions import (APM_RATE, KIND_LEVEL, KIND_OTHER, KIND_SALT, LEVEL_ORDER,
                                    LEVEL_SELECT, NO_CORE_SHAPE, SIDE_COUNT_LIMIT,
                                    SIDE_MODELS, SIDE_RATE, SIDE_W_INIT)
from quasi.models.mixing import RATE, STRETCH

from space_mix_twin import _mix, _squash


def py_side_shapes(cores):
    """decisions.side_shapes of a list of cores (bytes)."""
    out = []
    for core in cores:
        c = core[0]
        if ord("a") <= (c | 32) <= ord("z") or c >= 128:
            head = 97
        elif ord("0") <= c <= ord("9"):
            head = 48
        else:
            head = c
        out.append(head * 4 + (0 if len(core) == 1 else 1 if len(core) == 2
                               else 2 if len(core) <= 4 else 3))
    return out + [NO_CORE_SHAPE]


class SideMix:
    def __init__(self, bits, n_words, shapes):
        self.mask = (1 << bits) - 1
        self.n_words = n_words
        self.shapes = shapes
        self.counters, self.weights, self.apm = {}, {}, {}
        self.follow = {}  # word -> 1 if an event other than a word followed it last time
        self.hist_new = 0  # the last eight "new word?" decisions
        self.hist_lev = 0  # the last four levels (other than a word: its level, else 0)

    def _cores(self, ids, q):
        """The previous four cores of token q and their shapes."""
        at = lambda i: ids[i] if i >= 0 else self.n_words  # noqa: E731
        cores = [at(q - i) for i in range(1, 5)]
        return cores, [self.shapes[c] for c in cores]

    def code(self, coder, kind, kk, bctx, lv1, prev_cls, ids, q, y=None):
        """Code decision y (decode it when y is None) of kind at token q; returns it."""
        (pt, ppt, p3, _), (s1, s2, s3, s4) = self._cores(ids, q)
        base = (kind >> 1) * KIND_SALT
        fl = self.follow.get(pt, -1) + 1
        hashes = [
            _mix(base + 1, bctx),
            _mix(_mix(base + 2, pt), kk * 16 + lv1),
            _mix(_mix(base + 3, pt), ppt),
            _mix(_mix(base + 6, pt), fl * 16 + (self.hist_lev & 0xFF)),
            _mix(base + 7, self.hist_lev * 4 + min(kk, 3)),
            _mix(_mix(base + 10, ppt), kk),
            _mix(_mix(_mix(base + 14, pt), ppt), p3 * 16 + kk),
            _mix(_mix(base + 16, p3), kk),
            _mix(base + 21, ((s1 * 1024 + s2) * 16 + lv1) * 16 + kk),
            _mix(base + 22, ((s1 * 1024 + s2) * 1024 + s3) * 16 + kk),
            _mix(base + 23, ((((s1 >> 2) * 256 + (s2 >> 2)) * 256 + (s3 >> 2)) * 256
                             + (s4 >> 2)) * 16 + kk),
        ]
        sel = (kind * 8 + prev_cls) * 8 + min(bin(self.hist_new).count("1"), 7)
        y = self._code(coder, hashes, kind & 1, sel, y)
        if kind == KIND_OTHER:
            self.follow[pt] = y
        else:
            self.hist_new = ((self.hist_new << 1) | y) & 0xFF
        return y

    def code_level(self, coder, bctx, lv1, lv2, ids, q, sym=None):
        """Code sym, the level less 2 of an event other than a word at token q (decode
        it when None), as "LEVEL_ORDER[i]?" decisions; returns it."""
        (pt, ppt, p3, _), (s1, s2, s3, s4) = self._cores(ids, q)
        base = (KIND_LEVEL >> 1) * KIND_SALT
        for i, cand in enumerate(LEVEL_ORDER[:-1]):
            node = i + 1
            hashes = [
                _mix(base + 1, bctx * 16 + node),
                _mix(_mix(base + 2, pt), node * 16 + lv1),
                _mix(_mix(_mix(base + 3, pt), ppt), node),
                _mix(base + 4, (lv1 * 16 + lv2) * 16 + node),
                _mix(base + 7, self.hist_lev * 16 + node),
                _mix(_mix(base + 10, ppt), node),
                _mix(_mix(_mix(base + 14, pt), ppt), p3 * 16 + node),
                _mix(_mix(base + 6, pt), (self.hist_lev & 0xFF) * 16 + node),
                _mix(base + 21, ((s1 * 1024 + s2) * 16 + lv1) * 16 + node),
                _mix(base + 22, ((s1 * 1024 + s2) * 1024 + s3) * 16 + node),
                _mix(base + 23, ((((s1 >> 2) * 256 + (s2 >> 2)) * 256 + (s3 >> 2)) * 256
                                 + (s4 >> 2)) * 16 + node),
            ]
            y = None if sym is None else int(sym == cand)
            if self._code(coder, hashes, 0, LEVEL_SELECT + node * 16 + lv1, y):
                return int(cand)
        return int(LEVEL_ORDER[-1])

    def _code(self, coder, hashes, slot, sel, y):
        """Mix the counters at slot of the hashes' buckets with weight set sel, refine
        by APM row sel, code y (decode when None) and learn it; returns it."""
        assert len(hashes) == SIDE_MODELS
        cells = [self.counters.setdefault(((h >> 24) & self.mask) * 2 + slot, [32768, 0])
                 for h in hashes]
        st = [int(STRETCH[c[0] >> 4]) for c in cells] + [256]
        ws = self.weights.setdefault(sel, [SIDE_W_INIT] * SIDE_MODELS + [0])
        d = max(-2047, min(2047, sum(a * b for a, b in zip(ws, st)) >> 16))
        p = _squash(d)
        x = d + 2048
        knot = lambda k: self.apm.get((sel, k), _squash((k - 16) * 128) << 4)  # noqa: E731
        a = (knot(x >> 7) * (128 - (x & 127)) + knot((x >> 7) + 1) * (x & 127)) >> 7
        p1 = max(P_EDGE, min(65536 - P_EDGE, (3 * (p << 4) + a) >> 2))
        if y is None:
            y = coder.decode_bit_p(65536 - p1)
        else:
            coder.encode_bit_p(65536 - p1, y)
        err = ((y << 12) - p) * SIDE_RATE
        for i, s in enumerate(st):
            ws[i] += (s * err) >> 16
        k = (x >> 7) + (1 if (x & 127) >= 64 else 0)
        self.apm[(sel, k)] = knot(k) + (((y << 16) - knot(k)) >> APM_RATE)
        for cell in cells:
            cell[0] += (((y << 16) - cell[0]) * int(RATE[cell[1]])) >> 16
            cell[1] = min(cell[1] + 1, SIDE_COUNT_LIMIT)
        return y

    def level(self, other_lev):
        """An event's level is known (other than a word: other_lev, else 0)."""
        self.hist_lev = ((self.hist_lev << 4) | other_lev) & 0xFFFF
