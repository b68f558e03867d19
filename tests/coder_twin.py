"""Pure-Python twin of the range coder (quasi/models/coder.py) with exact big-integer
arithmetic: the tests' models code through it and must write and read the same bytes."""
from quasi.models.coder import COUNT_LIMIT, COUNTED, P_EDGE, PROB_MASK, PROB_ONE, RATE



def _py_bit_update(v, bit):
    if v < COUNTED:
        return v + (((1 << 16) - v) >> 5) if bit == 0 else v - (v >> 5)
    p, c = v & PROB_MASK, (v >> 16) & 255
    r = int(RATE[c])
    p = p + ((((1 << 16) - p) * r) >> 16) if bit == 0 else p - ((p * r) >> 16)
    p = min(max(p, P_EDGE), PROB_ONE - P_EDGE)
    return COUNTED + (min(c + 1, COUNT_LIMIT) << 16) + p


class PyRangeEncoder:
    """Twin of the coder encoding (code_interval, code_bit_p, coder_finish)."""

    def __init__(self):
        self.low, self.rng, self.out = 0, (1 << 64) - 1, bytearray()

    def encode(self, start, size, total, *, add=None, rng=None):
        if rng is None:
            r = self.rng // total
            add, rng = r * start, r * size
        elif add is None:
            add = 0
        self.low += add
        if self.low >> 64:
            self.low &= (1 << 64) - 1
            i = len(self.out) - 1
            while self.out[i] == 255:
                self.out[i] = 0
                i -= 1
            self.out[i] += 1
        self.rng = rng
        while self.rng < 1 << 56:
            self.out.append(self.low >> 56)
            self.low = (self.low << 8) & ((1 << 64) - 1)
            self.rng <<= 8

    def encode_bit(self, probs, i, bit):
        self.encode_bit_p(probs[i] & PROB_MASK, bit)
        probs[i] = _py_bit_update(probs[i], bit)

    def encode_bit_p(self, p0, bit):
        bound = (self.rng >> 16) * p0
        if bit == 0:
            self.encode(0, 0, 0, rng=bound)
        else:
            self.encode(0, 0, 0, add=bound, rng=self.rng - bound)

    def finish(self):
        for _ in range(8):
            self.out.append(self.low >> 56)
            self.low = (self.low << 8) & ((1 << 64) - 1)
        return bytes(self.out)


class PyRangeDecoder:
    """Twin of the coder decoding (code_target, code_interval, code_bit_p)."""

    def __init__(self, data):
        self.data, self.pos = data, 8
        self.code = int.from_bytes(data[:8].ljust(8, b"\0"), "big")
        self.rng, self.r = (1 << 64) - 1, 1

    def target(self, total):
        self.r = self.rng // total
        return min(self.code // self.r, total - 1)

    def decode_bit(self, probs, i):
        bit = self.decode_bit_p(probs[i] & PROB_MASK)
        probs[i] = _py_bit_update(probs[i], bit)
        return bit

    def decode_bit_p(self, p0):
        bound = (self.rng >> 16) * p0
        if self.code < bound:
            self._settle(0, bound)
            return 0
        self._settle(bound, self.rng - bound)
        return 1

    def consume(self, start, size):
        self._settle(self.r * start, self.r * size)

    def _settle(self, sub, rng):
        self.code -= sub
        self.rng = rng
        while self.rng < 1 << 56:
            b = self.data[self.pos] if self.pos < len(self.data) else 0
            self.pos += 1
            self.code = ((self.code << 8) | b) & ((1 << 64) - 1)
            self.rng <<= 8
