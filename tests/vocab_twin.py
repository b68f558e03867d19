"""Pure-Python twin of quasi/models/vocab.py (tests only): the same context-mixing
model written plainly, coding through the big-integer twin of the range coder."""
from coder_twin import PyRangeDecoder, PyRangeEncoder
from quasi.models.coder import P_EDGE
from quasi.models.mixing import RATE, SQUASH, STRETCH
from quasi.models.vocab import (APM_BITS2, APM_RATE, APM_ROWS1, COUNT_LIMIT, MIX_RATE, MODEL_SETS,
                                N_SETS, N_SETS2, REFINED, W_INIT)

M64 = (1 << 64) - 1
K1, K2 = 0x2F0B3A5, 0x9E3779B1


def _signed(x):
    x &= M64
    return x - (1 << 64) if x >> 63 else x


def _bucket(h, bits):
    return (_signed(h * -7046029254386353131) >> 40) & ((1 << bits) - 1)


def _cls(b):
    if b == 0:
        return 0
    c = b - 1
    if 97 <= (c | 32) <= 122 or c >= 128:
        return 1
    return 2 if c in (32, 10, 13, 9) else 3


class Model:
    def __init__(self, n_bytes, model_set, max_bits):
        self.models = [tuple(int(x) for x in m) for m in MODEL_SETS[model_set]]
        self.bits = []
        for order, with_pos in self.models:
            bits = 6
            while bits < max_bits and (1 << bits) < n_bytes // 2:
                bits += 1
            self.bits.append(min(bits, 5 + 9 * order + 5 * with_pos))
        self.tables = [dict() for _ in self.models]  # slot -> [prob, count]
        n = len(self.models)
        self.refined = REFINED[model_set]
        self.w = [[W_INIT] * n + [0] for _ in range(N_SETS + (N_SETS2 if self.refined else 0))]
        self.apm = {}  # (row, knot) -> P(bit = 1) in 1/65536, when refined

    def byte_contexts(self, hist, pos):
        self.hashes = []
        for m, (order, with_pos) in enumerate(self.models):
            h = m + 1
            for k in range(order):
                h = _signed((h + hist[k] + 1) * K1)
            if with_pos:
                h = _signed((h + min(pos, 24) + 977) * K1)
            self.hashes.append(h)
        self.idx = [_bucket(h, b) << 4 for h, b in zip(self.hashes, self.bits)]

    def low_nibble_contexts(self, high):
        self.idx = [_bucket(h + high * K2, b) << 4 for h, b in zip(self.hashes, self.bits)]

    def _cell(self, m, slot):
        return self.tables[m].setdefault(self.idx[m] + slot, [32768, 0])

    def predict(self, slot, wset, set2, row2):
        """The coder's P(bit = 0) in 1/65536; set2, row2: the refined stages'
        contexts (STRONG: the second mixer's set and first APM's row, the second
        APM's row)."""
        self.st = [int(STRETCH[self._cell(m, slot)[0] >> 4]) for m in range(len(self.models))]
        self.st.append(256)
        d = self._dot(wset)
        if not self.refined:
            self.sets = [(wset, max(1, min(4095, _squash(d))))]
            return (4096 - self.sets[0][1]) << 4
        d2 = self._dot(N_SETS + set2)
        self.sets = [(wset, _squash(d)), (N_SETS + set2, _squash(d2))]
        d = (d + d2) >> 1
        (a1, k1), (a2, k2) = self._apm(set2, d), self._apm(APM_ROWS1 + row2, d)
        self.knots = (k1, k2)
        p = ((_squash(d) << 4) + a1 + 2 * a2) >> 2
        return (1 << 16) - max(P_EDGE, min((1 << 16) - P_EDGE, p))

    def _dot(self, wset):
        return max(-2047, min(2047, sum(a * b for a, b in zip(self.w[wset], self.st)) >> 16))

    def _apm(self, row, d):
        x = d + 2048
        k = (row, x >> 7)
        lo = self.apm.get(k, _squash(((x >> 7) - 16) * 128) << 4)
        hi = self.apm.get((row, (x >> 7) + 1), _squash(((x >> 7) - 15) * 128) << 4)
        wt = x & 127
        return (lo * (128 - wt) + hi * wt) >> 7, (row, (x >> 7) + (wt >> 6))

    def update(self, slot, y):
        for wset, p in self.sets:
            err = ((y << 12) - p) * MIX_RATE
            w = self.w[wset]
            for i, s in enumerate(self.st):
                w[i] += (s * err) >> 16
        if self.refined:
            for k in self.knots:
                v = self.apm.get(k, _squash((k[1] - 16) * 128) << 4)
                self.apm[k] = v + (((y << 16) - v) >> APM_RATE)
        for m in range(len(self.models)):
            cell = self._cell(m, slot)
            cell[0] += (((y << 16) - cell[0]) * int(RATE[cell[1]])) >> 16
            cell[1] = min(cell[1] + 1, COUNT_LIMIT)


def _squash(d):
    return int(SQUASH[max(-2047, min(2047, d)) + 2047])


def _apm_row(hist, extra):
    """The second APM's row: a hash of the last two bytes and extra."""
    return _bucket((hist[0] * 263 + hist[1]) * 1031 + extra, APM_BITS2)


def _code_words(words, coder, decoding, model, n_words=0):
    out = []
    for wd in range(n_words if decoding else len(words)):
        hist, word = [0] * 6, bytearray()
        model.byte_contexts(hist, 0)
        while True:
            cls = _cls(hist[0]) * 9
            c0 = slot = 1
            for b in range(7, -1, -1):
                if b == 3:
                    model.low_nibble_contexts(c0)
                    slot = 1
                p0 = model.predict(slot, cls + 8 - b, c0, _apm_row(hist, c0))
                y = coder.decode_bit_p(p0) if decoding else (words[wd][len(word)] >> b) & 1
                if not decoding:
                    coder.encode_bit_p(p0, y)
                model.update(slot, y)
                c0, slot = c0 << 1 | y, slot << 1 | y
            word.append(c0 & 255)
            hist = [(c0 & 255) + 1] + hist[:5]
            model.byte_contexts(hist, len(word))
            p0 = model.predict(0, _cls(hist[0]) * 9, 256 + min(len(word), 31),
                               _apm_row(hist, 7777))
            y = coder.decode_bit_p(p0) if decoding else int(len(word) == len(words[wd]))
            if not decoding:
                coder.encode_bit_p(p0, y)
            model.update(0, y)
            if y:
                break
        out.append(bytes(word))
    return out


def _primed(n_bytes, model_set, max_bits, prime):
    model = Model(n_bytes + sum(len(w) for w in prime), model_set, max_bits)
    _code_words(prime, PyRangeEncoder(), False, model)
    return model


def py_encode_vocab(words, model_set, max_bits, prime=()):
    enc = PyRangeEncoder()
    _code_words(words, enc, False, _primed(sum(len(w) for w in words), model_set, max_bits,
                                           prime))
    return enc.finish()


def py_decode_vocab(data, n_words, n_bytes, model_set, max_bits, prime=()):
    return _code_words(None, PyRangeDecoder(data), True,
                       _primed(n_bytes, model_set, max_bits, prime), n_words)
