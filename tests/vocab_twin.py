"""Pure-Python twin of quasi/vocab.py (tests only): the same context-mixing
model written plainly, coding through the big-integer twin of the range coder."""
from quasi.coder import PyRangeDecoder, PyRangeEncoder
from quasi.vocab import (COUNT_LIMIT, MIX_RATE, N_MODELS, N_SETS, RATE, SQUASH, STRETCH,
                         W_INIT)

M64 = (1 << 64) - 1


def _signed(x):
    x &= M64
    return x - (1 << 64) if x >> 63 else x


def _hash_bits(n_bytes):
    bits = 6
    while bits < 16 and (1 << bits) < n_bytes // 4:
        bits += 1
    return bits


def _bucket(h, hb):
    return (_signed(h * -7046029254386353131) >> 40) & ((1 << hb) - 1)


def _cls(b):
    if b == 0:
        return 0
    c = b - 1
    if 97 <= (c | 32) <= 122 or c >= 128:
        return 1
    return 2 if c in (32, 10, 13, 9) else 3


class Model:
    def __init__(self, n_bytes):
        self.hb = _hash_bits(n_bytes)
        size = 256 + 257 * 256 + 5 * (256 << self.hb)
        self.prob = [32768] * size
        self.cnt = [0] * size
        self.w = [[W_INIT] * N_MODELS + [0] for _ in range(N_SETS)]
        self.idx = [0] * N_MODELS

    def contexts(self, hist, pos):
        b1, hb = hist[0], self.hb
        idx = [0, 256 + b1 * 256]
        base = 256 + 257 * 256
        h = k = 0
        for m in range(2, 6):
            order = 6 if m == 5 else m
            while k < order:
                h = _signed((h + hist[k] + 1) * 0x2F0B3A5)
                k += 1
            idx.append(base + (_bucket(h + m, hb) << 8))
            base += 256 << hb
        idx.append(base + (_bucket((min(pos, 24) << 9) + b1 + 977, hb) << 8))
        self.idx = idx

    def predict(self, slot, wset):
        self.st = [int(STRETCH[self.prob[i + slot] >> 4]) for i in self.idx] + [256]
        w = self.w[wset]
        dot = sum(a * b for a, b in zip(w, self.st))
        p = int(SQUASH[max(-2047, min(2047, dot >> 16)) + 2047])
        self.p = max(1, min(4095, p))
        return (4096 - self.p) << 4

    def update(self, slot, wset, y):
        err = ((y << 12) - self.p) * MIX_RATE
        w = self.w[wset]
        for i, s in enumerate(self.st):
            w[i] += (s * err) >> 16
        for i in self.idx:
            j = i + slot
            q, n = self.prob[j], self.cnt[j]
            self.prob[j] = q + ((((y << 16) - q) * int(RATE[n])) >> 16)
            self.cnt[j] = min(n + 1, COUNT_LIMIT)


def _code_words(words, coder, decoding, n_words=0):
    n_bytes = sum(len(w) for w in words) if not decoding else words
    model = Model(n_bytes)
    out = []
    for wd in range(n_words if decoding else len(words)):
        hist, word, pos = [0] * 6, bytearray(), 0
        while True:
            model.contexts(hist, pos)
            cls = _cls(hist[0]) * 9
            c0 = 1
            for b in range(7, -1, -1):
                wset = cls + 8 - b
                p0 = model.predict(c0, wset)
                y = coder.decode_bit_p(p0) if decoding else (words[wd][pos] >> b) & 1
                if not decoding:
                    coder.encode_bit_p(p0, y)
                model.update(c0, wset, y)
                c0 = c0 << 1 | y
            word.append(c0 & 255)
            hist = [(c0 & 255) + 1] + hist[:5]
            pos += 1
            model.contexts(hist, pos)
            wset = _cls(hist[0]) * 9
            p0 = model.predict(0, wset)
            y = coder.decode_bit_p(p0) if decoding else int(pos == len(words[wd]))
            if not decoding:
                coder.encode_bit_p(p0, y)
            model.update(0, wset, y)
            if y:
                break
        out.append(bytes(word))
    return out


def py_encode_vocab(words):
    enc = PyRangeEncoder()
    _code_words(words, enc, False)
    return enc.finish()


def py_decode_vocab(data, n_words, n_bytes):
    return _code_words(n_bytes, PyRangeDecoder(data), True, n_words)
