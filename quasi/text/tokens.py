"""Tokeniser, case split and vocabulary.

A token is a core, a maximal run of letters (ASCII letters or any byte >= 0x80)
or of digits, or any other single byte, plus the whitespace after it (space,
LF, CR, tab). Case goes to a flag per token: 0 as stored,
1 Title (first byte upper-cased), 2 ALL CAPS (more than one ASCII letter). A
token whose case cannot be rebuilt from (lowered, flag) is stored verbatim.

Kernels take and return numpy arrays; each has a pure-Python twin (``py_*``)
used by the tests.
"""
import numpy as np

from ..models._jit import njit, njit_leaf

FLAG_LOWER = 0
FLAG_TITLE = 1
FLAG_UPPER = 2


@njit
def _is_letter(b):
    return (b >= 65 and b <= 90) or (b >= 97 and b <= 122) or b >= 128


@njit
def _is_digit(b):
    return b >= 48 and b <= 57


@njit
def _is_space(b):
    return b == 32 or b == 10 or b == 13 or b == 9


@njit
def token_starts(buf):
    """Start offset of every token, plus len(buf) as a final sentinel (int32:
    a block is at most 2**30 bytes)."""
    n = buf.shape[0]
    starts = np.empty(n + 1, np.int32)
    count = 0
    i = 0
    while i < n:
        starts[count] = i
        count += 1
        if _is_letter(buf[i]):
            i += 1
            while i < n and _is_letter(buf[i]):
                i += 1
        elif _is_digit(buf[i]):
            i += 1
            while i < n and _is_digit(buf[i]):
                i += 1
        else:
            i += 1
        while i < n and _is_space(buf[i]):
            i += 1
    starts[count] = n
    return starts[: count + 1].copy()


@njit
def core_ends(buf, starts):
    """End of every token's core, where its trailing whitespace begins: after
    the run of letters or digits, or after the single byte of any other token."""
    n_tok = starts.shape[0] - 1
    ends = np.empty(n_tok, np.int32)
    n = buf.shape[0]
    for t in range(n_tok):
        i = starts[t] + 1
        if _is_letter(buf[starts[t]]):
            while i < n and _is_letter(buf[i]):
                i += 1
        elif _is_digit(buf[starts[t]]):
            while i < n and _is_digit(buf[i]):
                i += 1
        ends[t] = i
    return ends


@njit
def case_split(buf, starts):
    """Lower-case every token that can be rebuilt from (lowered, flag).

    Returns (lowered bytes, flags per token)."""
    n_tok = starts.shape[0] - 1
    low = buf.copy()
    flags = np.zeros(n_tok, np.uint8)
    for t in range(n_tok):
        a = starts[t]
        b = starts[t + 1]
        n_upper = 0
        n_lower = 0
        for i in range(a, b):
            c = buf[i]
            if c >= 65 and c <= 90:
                n_upper += 1
            elif c >= 97 and c <= 122:
                n_lower += 1
        if n_upper == 0:
            continue
        first = buf[a]
        if n_upper == 1 and first >= 65 and first <= 90:
            flags[t] = FLAG_TITLE
        elif n_lower == 0 and n_upper > 1:
            flags[t] = FLAG_UPPER
        else:
            continue  # mixed case: kept verbatim, flag 0
        for i in range(a, b):
            c = buf[i]
            if c >= 65 and c <= 90:
                low[i] = c + 32
    return low, flags


@njit
def _hash_bytes(buf, a, b):
    h = np.uint64(14695981039346656037)
    prime = np.uint64(1099511628211)
    for i in range(a, b):
        h = (h ^ np.uint64(buf[i])) * prime
    return h


@njit
def _rehash(low, starts, ends, first, n_ids, size):
    """A table of the given size holding ids 0..n_ids-1 (see build_vocab)."""
    table = np.full(size, -1, np.int32)
    mask = np.uint64(size - 1)
    for v in range(n_ids):
        t = first[v]
        slot = _hash_bytes(low, starts[t], ends[t]) & mask
        while table[slot] >= 0:
            slot = (slot + np.uint64(1)) & mask
        table[slot] = v
    return table


@njit
def build_vocab(low, starts, ends):
    """Number the distinct strings low[starts[t]:ends[t]] (possibly empty) in
    order of first occurrence.

    Returns (ids per token as int32, token index of each id's first occurrence).
    Exact: candidate matches are confirmed byte by byte."""
    n_tok = ends.shape[0]
    table = np.full(1 << 12, -1, np.int32)  # slot -> id; doubled at half load
    ids = np.empty(n_tok, np.int32)
    first = np.empty(n_tok, np.int64)
    n_ids = 0
    for t in range(n_tok):
        a = starts[t]
        b = ends[t]
        mask = np.uint64(table.shape[0] - 1)
        slot = _hash_bytes(low, a, b) & mask
        while True:
            v = table[slot]
            if v < 0:
                table[slot] = n_ids
                first[n_ids] = t
                ids[t] = n_ids
                n_ids += 1
                if 2 * n_ids > table.shape[0]:
                    table = _rehash(low, starts, ends, first, n_ids, 2 * table.shape[0])
                break
            f = first[v]
            fa = starts[f]
            fb = ends[f]
            if fb - fa == b - a:
                same = True
                for k in range(b - a):
                    if low[fa + k] != low[a + k]:
                        same = False
                        break
                if same:
                    ids[t] = v
                    break
            slot = (slot + np.uint64(1)) & mask
    return ids, first[:n_ids].copy()


@njit
def gather_strings(src, starts, ends, which):
    """(bytes, offsets): the strings src[starts[t]:ends[t]] for t in which, back to back."""
    n = which.shape[0]
    offs = np.zeros(n + 1, np.int64)
    for i in range(n):
        offs[i + 1] = offs[i] + ends[which[i]] - starts[which[i]]
    out = np.empty(offs[n], np.uint8)
    for i in range(n):
        a = starts[which[i]]
        out[offs[i]:offs[i + 1]] = src[a:a + offs[i + 1] - offs[i]]
    return out, offs


# The fields of a word's info (word_info): bit 0, bits 1-3, 5-6, 7-8 and 9-14.
INFO_LAST_FLAG = 5
INFO_FLAG_BEFORE = 7
INFO_SEEN = 9


@njit_leaf
def info_caseable(info):
    """1 if a case flag is coded for the word (its core has a lower-case ASCII letter
    and no upper-case one), else 0."""
    return info & 1


@njit_leaf
def info_class(info):
    """The class of the word's core, 0..7 (see word_info)."""
    return (info >> 1) & 7


@njit_leaf
def info_flags(info):
    """The word's last two case flags, 4 x the last + the one before (3: none yet)."""
    return ((info >> INFO_LAST_FLAG) & 3) * 4 + ((info >> INFO_FLAG_BEFORE) & 3)


@njit_leaf
def info_seen(info):
    """How many of the word's tokens the event coders have coded (as they count them)."""
    return info >> INFO_SEEN


@njit
def word_info(vbytes, voffs):
    """One uint16 per vocabulary entry: bit 0 whether a case flag is coded for it,
    bits 1-3 its class, bits 5-6 its last flag and bits 7-8 the one before (3 =
    none yet), bits 9-14 how many of its tokens were coded (the event coders
    update bits 5-14). Read them with info_caseable, info_class, info_flags and
    info_seen.

    A flag is coded only when the entry has a lower-case ASCII letter and no
    upper-case one. Class (0..7): letter word / '.!?' / other byte / whitespace
    start, times whether the entry holds a line feed."""
    n = voffs.shape[0] - 1
    info = np.zeros(n, np.uint16)
    for v in range(n):
        a = voffs[v]
        b = voffs[v + 1]
        has_low = False
        has_up = False
        has_lf = False
        for i in range(a, b):
            c = vbytes[i]
            if c >= 97 and c <= 122:
                has_low = True
            elif c >= 65 and c <= 90:
                has_up = True
            elif c == 10:
                has_lf = True
        k = 0
        if b > a:
            c = vbytes[a]
            if _is_letter(c):
                k = 0
            elif c == 46 or c == 33 or c == 63:
                k = 1
            elif _is_space(c):
                k = 3
            else:
                k = 2
        info[v] = ((1 if has_low and not has_up else 0) | ((k * 2 + (1 if has_lf else 0)) << 1)
                   | (3 << INFO_LAST_FLAG) | (3 << INFO_FLAG_BEFORE))
    return info


@njit_leaf
def emit_token(out, pos, vbytes, a, b, flag):
    """Write vocabulary bytes [a, b) at out[pos:] with case flag applied.

    Copies in fixed 8-byte chunks (one machine move each), so out and vbytes
    must both have 8 bytes of slack past their ends."""
    n = b - a
    for k in range(0, n, 8):
        for i in range(8):
            out[pos + k + i] = vbytes[a + k + i]
    if flag == FLAG_TITLE:
        c = out[pos]
        if c >= 97 and c <= 122:
            out[pos] = c - 32
    elif flag == FLAG_UPPER:
        for i in range(pos, pos + n):
            c = out[i]
            if c >= 97 and c <= 122:
                out[i] = c - 32


@njit
def emit_text(ids, flags, ws_ids, vbytes, voffs, wbytes, woffs, out_size):
    """Rebuild a block's bytes: for every token its core (vocabulary entry ids[t]
    with case flag flags[t]) and then its trailing whitespace (entry ws_ids[t] of
    the whitespace vocabulary; with no ws_ids the cores carry their own).
    vbytes and wbytes need 8 bytes of slack. Returns (bytes, ok)."""
    out = np.empty(out_size + 8, np.uint8)
    pos = 0
    has_ws = ws_ids.shape[0] > 0
    for t in range(ids.shape[0]):
        w = ids[t]
        a = voffs[w]
        b = voffs[w + 1]
        if pos + b - a > out_size:
            return out[:out_size], False
        emit_token(out, pos, vbytes, a, b, flags[t])
        pos += b - a
        if has_ws:
            s = ws_ids[t]
            a = woffs[s]
            b = woffs[s + 1]
            if pos + b - a > out_size:
                return out[:out_size], False
            emit_token(out, pos, wbytes, a, b, 0)
            pos += b - a
    return out[:out_size], pos == out_size


# ---------------------------------------------------------------------------
# Pure-Python twins (tests only)

def _py_is_letter(b):
    return 65 <= b <= 90 or 97 <= b <= 122 or b >= 128


def py_tokens(data: bytes) -> list:
    """The token list of ``data`` (twin of token_starts)."""
    out, i, n = [], 0, len(data)
    while i < n:
        j = i + 1
        if _py_is_letter(data[i]):
            while j < n and _py_is_letter(data[j]):
                j += 1
        elif 48 <= data[i] <= 57:
            while j < n and 48 <= data[j] <= 57:
                j += 1
        while j < n and data[j] in b" \n\r\t":
            j += 1
        out.append(data[i:j])
        i = j
    return out


def py_case_split(token: bytes):
    """(stored form, flag) of one token (twin of case_split)."""
    low = token.translate(_LOWER)
    if low == token:
        return token, FLAG_LOWER
    if token == low[:1].upper() + low[1:] and token[:1] != low[:1]:
        return low, FLAG_TITLE
    letters = sum(1 for c in token if 65 <= c <= 90 or 97 <= c <= 122)
    if token == low.translate(_UPPER) and letters > 1:
        return low, FLAG_UPPER
    return token, FLAG_LOWER


_LOWER = bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123)))
_UPPER = bytes.maketrans(bytes(range(97, 123)), bytes(range(65, 91)))
