"""Pure-Python twin of codec revision 13's case stream (quasi/models/case.py), written
plainly with dicts and lists (slow; tests only): both must write and accept the
same bytes."""
from quasi.models.coder import P_EDGE
from quasi.models.case import (APM_RATE, CASE_COUNT_LIMIT, CASE_MODELS, CASE_RATE, CASE_W_INIT,
                               WS_START)
from quasi.models.mixing import RATE, STRETCH

from space_mix_twin import _mix, _squash


def _contexts(ids, t, n_words, w, hw, prev_flag, prev_cls, wsb, prev_id, pprev_id, last_word,
              last_flag, line_pos, line_first, since_stop):
    at = lambda q: ids[q] if q < len(ids) else n_words  # noqa: E731
    nxt, nxt2 = at(t + 1), at(t + 2)
    return [
        _mix(1, w),
        _mix(2 + (hw * 3 + prev_flag) * 8 + prev_cls, wsb),
        _mix(_mix(3, prev_id), wsb * 3 + prev_flag),
        _mix(_mix(4, w), prev_id),
        _mix(_mix(5, w), nxt),
        _mix(_mix(6, w), wsb * 3 + prev_flag),
        _mix(_mix(7, prev_id * 3 + prev_flag), last_word * 3 + last_flag),
        _mix(_mix(8, hw), nxt),
        _mix(_mix(9, prev_id), pprev_id * 16 + wsb),
        _mix(_mix(10, min(line_pos, 7)), line_first * 16 + wsb),
        _mix(_mix(11, min(since_stop, 3) * 3 + prev_flag), wsb * 8 + prev_cls),
        _mix(_mix(12, nxt), nxt2),
    ]


def py_code_case(ids, winfo, ws_ids, ws_cls, bits, coder, flags=None):
    """Code flags (one per token; only those of words that carry case are coded) into
    coder, or decode them from it when flags is None; returns the flags."""
    decoding = flags is None
    n_words = len(winfo)
    mask = (1 << bits) - 1
    counters, weights, apm = {}, {}, {}
    hist = {v: ((i >> 5) & 3) * 4 + ((i >> 7) & 3) for v, i in enumerate(winfo)}
    out = []
    prev_flag, prev_cls, prev_id, last_word, last_flag = 0, 6, n_words, n_words, 0
    pprev_id, line_pos, line_first, since_stop = n_words, 0, n_words, 0
    for t, v in enumerate(ids):
        info = winfo[v]
        wsb = ws_cls[ws_ids[t - 1]] if t > 0 else WS_START
        if wsb >= 4:
            line_pos, line_first = 0, v
        f = 0
        if info & 1:
            hw = hist[v]
            hashes = _contexts(ids, t, n_words, v, hw, prev_flag, prev_cls, wsb, prev_id,
                               pprev_id, last_word, last_flag, line_pos, line_first, since_stop)
            assert len(hashes) == CASE_MODELS
            buckets = [(h >> 24) & mask for h in hashes]
            sel = (hw * 3 + prev_flag) * 8 + prev_cls
            for j in range(2):
                cells = [counters.setdefault((b, j), [32768, 0]) for b in buckets]
                st = [int(STRETCH[c[0] >> 4]) for c in cells] + [256]
                ws = weights.setdefault((sel, j), [CASE_W_INIT] * CASE_MODELS + [0])
                d = max(-2047, min(2047, sum(a * b for a, b in zip(ws, st)) >> 16))
                p = _squash(d)
                row, x = (hw * 3 + prev_flag) * 2 + j, d + 2048
                knot = lambda k: apm.get((row, k), _squash((k - 16) * 128) << 4)  # noqa: E731
                a = (knot(x >> 7) * (128 - (x & 127)) + knot((x >> 7) + 1) * (x & 127)) >> 7
                p1 = max(P_EDGE, min(65536 - P_EDGE, ((p << 4) + 3 * a) >> 2))
                if decoding:
                    y = coder.decode_bit_p(65536 - p1)
                else:
                    y = int(flags[t] != 0) if j == 0 else int(flags[t] == 2)
                    coder.encode_bit_p(65536 - p1, y)
                err = ((y << 12) - p) * CASE_RATE
                for i, s in enumerate(st):
                    ws[i] += (s * err) >> 16
                k = (x >> 7) + (1 if (x & 127) >= 64 else 0)
                apm[(row, k)] = knot(k) + (((y << 16) - knot(k)) >> APM_RATE)
                for cell in cells:
                    cell[0] += (((y << 16) - cell[0]) * int(RATE[cell[1]])) >> 16
                    cell[1] = min(cell[1] + 1, CASE_COUNT_LIMIT)
                f += y
                if y == 0:
                    break
            hist[v] = f * 4 + (hw >> 2)
            prev_flag, last_word, last_flag = f, v, f
        out.append(f)
        prev_cls = (info >> 1) & 7
        if prev_cls >> 1 == 1:
            since_stop = 0
        elif info & 1:
            since_stop += 1
        pprev_id, prev_id, line_pos = prev_id, v, line_pos + 1
    return out
