"""The whitespace split: core_ends, the whitespace coder against its pure-Python
twin, and emit_text rebuilding the bytes."""
import numpy as np
from hypothesis import given, settings, strategies as st

from coder_twin import PyRangeDecoder, PyRangeEncoder
from quasi.models.spaces import (DIRECT, ESCAPE, INC, INDENT_BUCKET, INHERIT, LARGE_BLOCK_TOKENS,
                                 LIMIT, MAX_COLUMN_BUCKET, core_shapes, decode_spaces,
                                 encode_spaces, space_shapes)
from quasi.codec.config import MIN_MIX_BITS, mix_bits_for
from quasi.text.tokens import build_vocab, case_split, core_ends, emit_text, py_tokens, token_starts

from conftest import word_soup
from event_twin import Small, M64
from space_mix_twin import py_code_mixed

texts = st.one_of(st.binary(max_size=400),
                  st.text("ab1 2\n,", max_size=200).map(str.encode),
                  st.builds(lambda n, s, pad: word_soup(n, s).replace(b" ", pad),
                            st.integers(0, 300), st.integers(0, 99),
                            st.sampled_from((b" ", b"  ", b"\n\t", b" \r\n "))))


def split(data):
    """Kernel split: (low, flags, core ids, ws ids, vocab bytes/offsets, ws bytes/offsets)."""
    buf = np.frombuffer(data, np.uint8)
    starts = token_starts(buf)
    ends = core_ends(buf, starts)
    low, flags = case_split(buf, starts)
    ids, first = build_vocab(low, starts, ends)
    ws_ids, ws_first = build_vocab(low, ends, starts[1:])
    vocab = [bytes(low[starts[f]:ends[f]]) for f in first]
    spaces = [bytes(low[ends[f]:starts[f + 1]]) for f in ws_first]
    return flags, ids, ws_ids, vocab, spaces


def read_only(coded):
    """coded as decode_block passes a section: a read-only view of bytes (a writable
    array would compile the decoder a second time)."""
    return np.frombuffer(coded.tobytes(), np.uint8)


def packed(strings):
    offs = np.concatenate([[0], np.cumsum([len(s) for s in strings])]).astype(np.int64)
    return np.frombuffer(b"".join(strings) + bytes(8), np.uint8), offs


@settings(max_examples=200, deadline=None)
@given(texts)
def test_core_and_whitespace_split_matches_the_token_rule(data):
    _, ids, ws_ids, vocab, spaces = split(data)
    for tok, w, s in zip(py_tokens(data), ids, ws_ids):
        core = tok[:1] + tok[1:].rstrip(b" \n\r\t")  # a token's tail is one run
        assert vocab[w].lower() == core.lower() and spaces[s] == tok[len(core):]


def py_hash(h):
    prod = (h * -7046029254386353131) & M64
    return (prod - (1 << 64) if prod >> 63 else prod) >> 16


class PySpacesModel:
    """Twin of the whitespace model of codec revision 2 or 3."""

    def __init__(self, n_tok, revision):
        self.n_ctx = 1 << 8
        while self.n_ctx < 1 << 16 and self.n_ctx < n_tok // 4:
            self.n_ctx <<= 1
        self.small = Small(self.n_ctx, DIRECT + 1, INC, LIMIT)
        self.tags = [0] * self.n_ctx
        self.revision = revision

    def contexts(self, last_prev, head_next, prev_ws, col, n_next, indent):
        """(context, low-order context or None), as spaces._shared_context and spaces._contexts."""
        cb = min((col + 1 + n_next) >> 2, MAX_COLUMN_BUCKET)
        h = ((last_prev * 263 + head_next) * 4 + min(prev_ws, 3)) * 24 + cb
        if self.revision < 3:
            return (py_hash(h) >> 16) & (self.n_ctx - 1), None
        h = h * 10 + int(INDENT_BUCKET[min(indent, 31)])
        low = self._claim(py_hash(((last_prev * 263 + head_next) * 4 + min(prev_ws, 3)) * 7 + 5))
        ctx = self._claim(py_hash(h))
        counts = self.small.c
        if sum(counts[ctx]) == DIRECT + 1 and sum(counts[low]) != DIRECT + 1:
            total = sum(counts[low])
            counts[ctx] = [1 + c * INHERIT // total for c in counts[low]]
        return ctx, low

    def _claim(self, h):
        ctx, tag = (h >> 16) & (self.n_ctx - 1), (h >> 32) & 0xFFFF
        if self.tags[ctx] != tag:
            self.tags[ctx] = tag
            self.small.c[ctx] = [1] * (DIRECT + 1)
        return ctx


def py_code_spaces(ids, vocab, spaces, coder, ws_ids=None, revision=3):
    """Twin of encode_spaces (ws_ids given) and decode_spaces (coder a decoder)."""
    def ctx_byte(c):
        return 256 if 97 <= (c | 32) <= 122 or c >= 128 else c
    model = PySpacesModel(len(ids), revision)
    col, prev, indent, got = 0, 0, 0, []
    for t, w in enumerate(ids):
        col += len(vocab[w])
        nxt = vocab[ids[t + 1]] if t + 1 < len(ids) else None
        ctx, low = model.contexts(ctx_byte(vocab[w][-1]), ctx_byte(nxt[0]) if nxt else 257,
                                  prev, col, len(nxt) if nxt else 0, indent)
        if ws_ids is not None:
            s = ws_ids[t]
            model.small.encode(coder, ctx, min(s, ESCAPE))
        else:
            s = model.small.decode(coder, ctx)
        if low is not None:
            model.small._update(low, min(s, ESCAPE))
        if ws_ids is not None and s >= DIRECT:
            coder.encode(s - DIRECT, 1, len(spaces) - DIRECT)
        elif ws_ids is None and s == ESCAPE:
            s = DIRECT + coder.target(len(spaces) - DIRECT)
            coder.consume(s - DIRECT, 1)
        got.append(s)
        tail = spaces[s].rfind(b"\n")
        col = len(spaces[s]) - tail - 1 if tail >= 0 else col + len(spaces[s])
        indent = len(spaces[s]) - tail - 1 if tail >= 0 else indent
        prev = s
    return got


@settings(max_examples=60, deadline=None)
@given(texts, st.integers(0, 30), st.sampled_from((2, 3)))
def test_spaces_coder_matches_twin_and_round_trips(data, n_rare, revision):
    data += b"".join(b"x" + b" " * (k + 2) + b"\t" for k in range(n_rare))  # escapes
    flags, ids, ws_ids, vocab, spaces = split(data)
    if not len(ids):
        return
    vb, vo = packed(vocab)
    wb, wo = packed(spaces)
    shapes = core_shapes(vb, vo) + space_shapes(wb, wo)
    enc = PyRangeEncoder()
    py_code_spaces(ids.tolist(), vocab, spaces, enc, ws_ids.tolist(), revision)
    coded = enc.finish()
    if revision == 3:  # quasi writes revision 3 only; revision 2 is the twin's
        assert encode_spaces(ids, ws_ids, *shapes, 0).tobytes() == coded
    assert py_code_spaces(ids.tolist(), vocab, spaces, PyRangeDecoder(coded),
                          revision=revision) == ws_ids.tolist()
    got, ok = decode_spaces(np.frombuffer(coded, np.uint8), ids, *shapes, revision >= 3)
    assert ok and got.tolist() == ws_ids.tolist()
    out, ok = emit_text(ids, flags, got, vb, vo, wb, wo, len(data))
    assert ok and out.tobytes() == data


def test_spaces_decoder_rejects_garbage_without_crashing():
    flags, ids, ws_ids, vocab, spaces = split(word_soup(400, 3))
    vb, vo = packed(vocab)
    wb, wo = packed(spaces)
    shapes = core_shapes(vb, vo) + space_shapes(wb, wo)
    rng = np.random.default_rng(5)
    for n in (0, 1, 9, 200):
        junk = read_only(rng.integers(0, 256, n).astype(np.uint8))
        got, ok = decode_spaces(junk, ids, *shapes, True)
        assert not ok or got.max(initial=0) < len(spaces)


def test_emit_text_refuses_a_wrong_size():
    flags, ids, ws_ids, vocab, spaces = split(b"Hello  world,\nagain")
    vb, vo = packed(vocab)
    wb, wo = packed(spaces)
    assert emit_text(ids, flags, ws_ids, vb, vo, wb, wo, 19)[1]
    assert not emit_text(ids, flags, ws_ids, vb, vo, wb, wo, 18)[1]
    assert not emit_text(ids, flags, ws_ids, vb, vo, wb, wo, 20)[1]


def test_spaces_twin_agrees_on_indented_source():
    """Revision 3's indentation context and inheritance on real indented text
    (a module Python ships), beyond the small tables of the generated inputs."""
    import inspect
    import json.decoder
    data = inspect.getsource(json.decoder).encode() * 3
    flags, ids, ws_ids, vocab, spaces = split(data)
    vb, vo = packed(vocab)
    wb, wo = packed(spaces)
    shapes = core_shapes(vb, vo) + space_shapes(wb, wo)
    sizes = {}
    for revision in (2, 3):
        enc = PyRangeEncoder()
        py_code_spaces(ids.tolist(), vocab, spaces, enc, ws_ids.tolist(), revision)
        coded = enc.finish()
        if revision == 3:
            assert encode_spaces(ids, ws_ids, *shapes, 0).tobytes() == coded
        got, ok = decode_spaces(np.frombuffer(coded, np.uint8), ids, *shapes, revision >= 3)
        assert ok and got.tolist() == ws_ids.tolist()
        sizes[revision] = len(coded)
    assert sizes[3] < 0.9 * sizes[2]


@settings(max_examples=60, deadline=None)
@given(texts, st.integers(0, 40), st.sampled_from((MIN_MIX_BITS, 12)))
def test_mixed_spaces_coder_round_trips(data, n_rare, bits):
    """Revision 9's mixing model against its twin, escapes included (n_rare distinct runs)."""
    data += b"".join(b"x" + b" " * (k + 2) + b"\t" for k in range(n_rare))
    flags, ids, ws_ids, vocab, spaces = split(data)
    if len(ids):
        vb, vo = packed(vocab)
        wb, wo = packed(spaces)
        shapes = core_shapes(vb, vo) + space_shapes(wb, wo)
        coded = encode_spaces(ids, ws_ids, *shapes, bits)
        enc = PyRangeEncoder()
        py_code_mixed(ids.tolist(), *(a.tolist() for a in shapes), bits, enc, ws_ids.tolist())
        assert enc.finish() == coded.tobytes()
        assert py_code_mixed(ids.tolist(), *(a.tolist() for a in shapes), bits,
                             PyRangeDecoder(coded.tobytes())) == ws_ids.tolist()
        got, ok = decode_spaces(read_only(coded), ids, *shapes, True, bits)
        assert ok and got.tolist() == ws_ids.tolist()
        assert emit_text(ids, flags, got, vb, vo, wb, wo, len(data))[0].tobytes() == data


def test_mixed_spaces_escapes_in_a_large_block():
    """From LARGE_BLOCK_TOKENS tokens on, 31 entries are coded directly; the rest
    (hundreds of distinct runs here) escape, and all come back."""
    rng = np.random.default_rng(9)
    runs = [b" " * int(k) for k in rng.integers(1, 400, LARGE_BLOCK_TOKENS)]
    data = b"".join(b"w" + r for r in runs)
    flags, ids, ws_ids, vocab, spaces = split(data)
    assert len(ids) >= LARGE_BLOCK_TOKENS and len(spaces) > 300
    vb, vo = packed(vocab)
    wb, wo = packed(spaces)
    shapes = core_shapes(vb, vo) + space_shapes(wb, wo)
    bits = mix_bits_for(len(ids), 16)
    coded = encode_spaces(ids, ws_ids, *shapes, bits)
    got, ok = decode_spaces(read_only(coded), ids, *shapes, True, bits)
    assert ok and got.tolist() == ws_ids.tolist()


def test_mixed_spaces_decoder_rejects_garbage_without_crashing():
    flags, ids, ws_ids, vocab, spaces = split(word_soup(400, 3) + b"".join(
        b"x" + b" " * k + b"\t" for k in range(2, 60)))
    vb, vo = packed(vocab)
    wb, wo = packed(spaces)
    shapes = core_shapes(vb, vo) + space_shapes(wb, wo)
    rng = np.random.default_rng(5)
    for n in (0, 1, 9, 200, 2000):
        junk = read_only(rng.integers(0, 256, n).astype(np.uint8))
        got, ok = decode_spaces(junk, ids, *shapes, True, MIN_MIX_BITS)
        assert not ok or got.max(initial=0) < len(spaces)


def test_mixed_spaces_model_beats_counting_model_on_indented_source():
    """On real indented text (a module Python ships), against the twin too."""
    import inspect
    import json.decoder
    data = inspect.getsource(json.decoder).encode() * 3
    flags, ids, ws_ids, vocab, spaces = split(data)
    vb, vo = packed(vocab)
    wb, wo = packed(spaces)
    shapes = core_shapes(vb, vo) + space_shapes(wb, wo)
    counted = encode_spaces(ids, ws_ids, *shapes, 0)
    bits = mix_bits_for(len(ids), 16)
    mixed = encode_spaces(ids, ws_ids, *shapes, bits)
    assert len(mixed) < 0.8 * len(counted)
    enc = PyRangeEncoder()
    py_code_mixed(ids.tolist(), *(a.tolist() for a in shapes), bits, enc, ws_ids.tolist())
    assert enc.finish() == mixed.tobytes()
