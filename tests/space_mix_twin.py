"""Pure-Python twin of codec revision 9's whitespace mixing model (quasi/models/spaces.py,
_code_mixed), written plainly with dicts and lists (slow; tests
only): both must write and accept the same bytes."""
from quasi.models.coder import P_EDGE
from quasi.models.mixing import RATE, SQUASH, STRETCH
from quasi.models.spaces import (APM_RATE, APM_ROWS, BUCKET, ESC_BODY, ESC_EXP, LARGE_BLOCK_TOKENS,
                                 MAX_COLUMN_BUCKET, MIX_COUNT_LIMIT, MIX_DIRECT_LARGE,
                                 MIX_DIRECT_SMALL, MIX_MODELS, MIX_RATE, MIX_W_INIT)

M64 = (1 << 64) - 1


def _signed(x):
    x &= M64
    return x - (1 << 64) if x >> 63 else x


def _mix(a, b):
    return _signed((a * -7046029254386353131 + b + 1) * 0x2545F4914F6CDD1D)


def _squash(d):
    return int(SQUASH[max(-2047, min(2047, d)) + 2047])


def _contexts(ids, t, n_words, head, last, length, last_ws, prev, prev2, col, indent,
              prev_indent, line_pos):
    """(the models' context hashes, the APM's key, the weight-set selector)."""
    n = len(ids)
    w = ids[t]
    at = lambda q: ids[q] if 0 <= q < n else n_words  # noqa: E731
    pt, nx, nx2, nx3 = at(t - 1), at(t + 1), at(t + 2), at(t + 3)
    hn = head[nx] if nx < n_words else 257
    end = col + 1 + (length[nx] if nx < n_words else 0)
    pw = min(prev, 3)
    cb = min(end >> 2, MAX_COLUMN_BUCKET)
    hashes = [
        _mix(((last[w] * 263 + hn) * 4 + pw) * 24 + cb, min(indent, 31)),
        _mix(_mix(nx, nx2), prev),
        _mix(_mix(w, last_ws.get(w, 0)), hn),
        _mix(end, indent * 64 + prev),
        _mix(_mix(prev, prev2), last[w] * 300 + hn),
        _mix(line_pos, _mix(hn, prev)),
        _mix(_mix(pt, w), nx),
        _mix(_mix(nx, nx2), nx3),
        _mix(_mix(w, nx), nx2),
        _mix(_mix(ids[t - line_pos], indent), hn * 4 + pw),
        _mix(_mix(indent, prev_indent), _mix(hn, prev)),
    ]
    assert len(hashes) == MIX_MODELS
    return hashes, (last[w] * 263 + hn) * 4 + pw, pw + (4 if hn == 256 else 0)


class MixedModel:
    def __init__(self, bits):
        self.bits = bits
        self.counters = {}  # (model, bucket, slot) -> [P(bit = 1) in 1/65536, count]
        self.esc = {}  # escape counter -> [P(bit = 1), count]
        self.w = {}  # weight set -> weights (then the bias's)
        self.apm = {}  # (row, knot) -> P(bit = 1) in 1/65536

    def buckets(self, hashes, group):
        mask = (1 << self.bits) - 1
        self.idx = [(_mix(h + m, group) >> 24) & mask for m, h in enumerate(hashes)]

    def predict(self, k, sel, apm_key):
        """The coder's P(decision k = 0) in 1/65536."""
        self.cells = [self.counters.setdefault((m, b, k % BUCKET), [32768, 0])
                      for m, b in enumerate(self.idx)]
        self.st = [int(STRETCH[c[0] >> 4]) for c in self.cells] + [256]
        self.ws = self.w.setdefault(k * 8 + sel, [MIX_W_INIT] * MIX_MODELS + [0])
        d = max(-2047, min(2047, sum(a * b for a, b in zip(self.ws, self.st)) >> 16))
        self.p = _squash(d)
        x = d + 2048
        row = (_mix(apm_key, k) >> 24) & (APM_ROWS - 1)
        lo, hi = (row, x >> 7), (row, (x >> 7) + 1)
        a = (self._knot(lo) * (128 - (x & 127)) + self._knot(hi) * (x & 127)) >> 7
        self.knot = hi if (x & 127) >= 64 else lo
        p = max(P_EDGE, min(65536 - P_EDGE, ((self.p << 4) + 3 * a) >> 2))
        return 65536 - p

    def _knot(self, key):
        return self.apm.get(key, _squash((key[1] - 16) * 128) << 4)

    def update(self, y):
        err = ((y << 12) - self.p) * MIX_RATE
        for i, s in enumerate(self.st):
            self.ws[i] += (s * err) >> 16
        v = self._knot(self.knot)
        self.apm[self.knot] = v + (((y << 16) - v) >> APM_RATE)
        for cell in self.cells:
            _count(cell, y)

    def esc_bit(self, coder, decoding, j, y=0):
        cell = self.esc.setdefault(j, [32768, 0])
        p0 = max(P_EDGE, min(65536 - P_EDGE, 65536 - cell[0]))
        y = coder.decode_bit_p(p0) if decoding else (coder.encode_bit_p(p0, y), y)[1]
        _count(cell, y)
        return y


def _count(cell, y):
    cell[0] += (((y << 16) - cell[0]) * int(RATE[cell[1]])) >> 16
    cell[1] = min(cell[1] + 1, MIX_COUNT_LIMIT)


def py_code_mixed(ids, head, last, length, ws_len, ws_tail, bits, coder, ws_ids=None):
    """Code ws_ids (one whitespace entry per token) into coder, or decode them
    from it when ws_ids is None; returns the entries."""
    decoding = ws_ids is None
    n, n_ws, n_words = len(ids), len(ws_len), len(head)
    direct = min(MIX_DIRECT_LARGE if n >= LARGE_BLOCK_TOKENS else MIX_DIRECT_SMALL, n_ws - 1)
    top = (n_ws - direct).bit_length() - 1
    model = MixedModel(bits)
    out, last_ws = [], {}
    col = prev = prev2 = indent = prev_indent = line_pos = 0
    for t in range(n):
        col += length[ids[t]]
        hashes, apm_key, sel = _contexts(ids, t, n_words, head, last, length, last_ws, prev,
                                         prev2, col, indent, prev_indent, line_pos)
        s = direct if decoding else ws_ids[t]
        for k in range(direct):
            if k % BUCKET == 0:
                model.buckets(hashes, k // BUCKET)
            p0 = model.predict(k, sel, apm_key)
            if decoding:
                y = coder.decode_bit_p(p0)
            else:
                y = int(s == k)
                coder.encode_bit_p(p0, y)
            model.update(y)
            if y:
                s = k
                break
        if s >= direct and direct < n_ws - 1:  # Elias-gamma of s - direct + 1
            v = s - direct + 1
            nb = top
            for e in range(top):
                if model.esc_bit(coder, decoding, e, int(e == v.bit_length() - 1)):
                    nb = e
                    break
            body = 1
            for b in range(nb - 1, -1, -1):
                j = (1 << nb) + body if nb < 13 else ESC_BODY - 1
                body = 2 * body + model.esc_bit(coder, decoding, ESC_EXP + j, (v >> b) & 1)
            if decoding:
                assert body <= n_ws - direct
                s = body + direct - 1
        out.append(s)
        last_ws[ids[t]] = s
        if ws_tail[s] >= 0:
            col, prev_indent, indent, line_pos = ws_tail[s], indent, ws_tail[s], 0
        else:
            col, line_pos = col + ws_len[s], line_pos + 1
        prev2, prev = prev, s
    return out
