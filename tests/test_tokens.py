"""Tokeniser, case split, vocabulary and varints against their pure-Python twins."""
import numpy as np
from hypothesis import given, settings, strategies as st

from quasi.models._jit import njit
from quasi.text.tokens import (build_vocab, case_split, emit_token, gather_strings, py_case_split,
                               py_tokens, token_starts, word_info)
from quasi.codec.varint import decode_varints, encode_varints

from conftest import word_soup

texts = st.one_of(
    st.binary(max_size=400),
    st.text(alphabet="abcABC xyZ\n\t\r.,;!?0123é\x00", max_size=400).map(lambda s: s.encode("utf-8")),
)


@njit
def rebuild(ids, flags, vbytes, voffs, out_size):
    """The decoder's use of emit_token: every token's bytes with its case flag."""
    out = np.zeros(out_size + 8, np.uint8)
    pos = 0
    for t in range(ids.shape[0]):
        a = voffs[ids[t]]
        b = voffs[ids[t] + 1]
        emit_token(out, pos, vbytes, a, b, flags[t])
        pos += b - a
    return out[:out_size], pos


def kernel_tokens(data: bytes):
    buf = np.frombuffer(data, np.uint8)
    starts = token_starts(buf)
    return [data[a:b] for a, b in zip(starts[:-1], starts[1:])], buf, starts


@settings(max_examples=300, deadline=None)
@given(texts)
def test_tokens_match_twin(data):
    toks, _, _ = kernel_tokens(data)
    assert toks == py_tokens(data)
    assert b"".join(toks) == data


@settings(max_examples=300, deadline=None)
@given(texts)
def test_case_split_matches_twin_and_rebuilds(data):
    toks, buf, starts = kernel_tokens(data)
    low, flags = case_split(buf, starts)
    for i, tok in enumerate(toks):
        stored, flag = py_case_split(tok)
        assert bytes(low[starts[i]:starts[i + 1]]) == stored
        assert flags[i] == flag
    ids, first = build_vocab(low, starts, starts[1:])
    vstart = starts[first]
    vlen = starts[first + 1] - vstart
    voffs = np.concatenate([[0], np.cumsum(vlen)]).astype(np.int64)
    vbytes = np.concatenate([low[a:a + n] for a, n in zip(vstart, vlen)]
                            + [np.zeros(8, np.uint8)])
    out, size = rebuild(ids, flags, vbytes, voffs, len(data))
    assert size == len(data) and out.tobytes() == data


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.data())
def test_gather_strings_matches_twin(src, draw):
    cuts = sorted(draw.draw(st.lists(st.integers(0, len(src)), min_size=2, max_size=40)))
    starts = np.array(cuts[:-1], np.int32)
    ends = np.array(cuts[1:], np.int32)
    which = np.array(draw.draw(st.lists(st.integers(0, len(starts) - 1), max_size=30)), np.int64)
    out, offs = gather_strings(np.frombuffer(src, np.uint8), starts, ends, which)
    twin = [src[starts[t]:ends[t]] for t in which]
    assert out.tobytes() == b"".join(twin)
    assert [out[offs[i]:offs[i + 1]].tobytes() for i in range(len(twin))] == twin


@settings(max_examples=200, deadline=None)
@given(texts)
def test_vocab_is_exact_first_occurrence_numbering(data):
    toks, buf, starts = kernel_tokens(data)
    low, _ = case_split(buf, starts)
    ids, first = build_vocab(low, starts, starts[1:])
    seen = {}
    for i in range(len(toks)):
        key = bytes(low[starts[i]:starts[i + 1]])
        seen.setdefault(key, len(seen))
        assert ids[i] == seen[key]
    assert len(first) == len(seen)


def test_word_info_matches_definition():
    data = word_soup(3000) + b"McDonald 123 . \n! ?\t  x"
    toks, buf, starts = kernel_tokens(data)
    vocab = sorted(set(toks))
    voffs = np.concatenate([[0], np.cumsum([len(v) for v in vocab])]).astype(np.int64)
    info = word_info(np.frombuffer(b"".join(vocab), np.uint8), voffs)
    for v, byte in zip(vocab, info.tolist()):
        has_low = any(97 <= b <= 122 for b in v)
        has_up = any(65 <= b <= 90 for b in v)
        first = v[0]
        kind = (0 if (65 <= first <= 90 or 97 <= first <= 122 or first >= 128) else
                1 if first in b".!?" else 3 if first in b" \n\r\t" else 2)
        assert byte == (has_low and not has_up) | (kind * 2 + (b"\n" in v)) << 1 | 3 << 5 | 3 << 7


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**63 - 1), max_size=50))
def test_varints_roundtrip_and_match_leb128(values):
    arr = np.array(values, np.int64)
    enc = encode_varints(arr).tobytes()
    twin = bytearray()
    for v in values:
        while v >= 0x80:
            twin.append(v & 0x7F | 0x80)
            v >>= 7
        twin.append(v)
    assert enc == bytes(twin)
    dec = decode_varints(np.frombuffer(enc, np.uint8), len(values))
    assert dec is not None and list(dec) == values
    assert decode_varints(np.frombuffer(enc + b"\x00", np.uint8), len(values)) is None
    if enc:
        assert decode_varints(np.frombuffer(enc[:-1], np.uint8), len(values)) is None
