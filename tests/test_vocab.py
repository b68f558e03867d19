"""The vocabulary coder (context mixing over the bytes of new words) against
its pure-Python twin, and its decoder on corrupt input."""
import numpy as np
from hypothesis import given, settings, strategies as st

from quasi.vocab import FULL, LIGHT, SQUASH, STRETCH, decode_vocab, encode_vocab

from vocab_twin import py_decode_vocab, py_encode_vocab

words = st.lists(st.binary(min_size=1, max_size=12), min_size=1, max_size=40)


def packed(ws):
    offs = np.concatenate([[0], np.cumsum([len(w) for w in ws])]).astype(np.int64)
    return np.frombuffer(b"".join(ws), np.uint8), offs


def test_stretch_inverts_squash():
    assert SQUASH[0] >= 0 and SQUASH[-1] <= 4095 and (np.diff(SQUASH) >= 0).all()
    for d in range(-2047, 2048, 7):
        assert abs(int(STRETCH[SQUASH[d + 2047]]) - d) <= 128 or abs(d) > 1800


@settings(max_examples=40, deadline=None)
@given(words, st.sampled_from((LIGHT, FULL)))
def test_vocab_coder_matches_twin_and_round_trips(ws, model_set):
    vb, vo = packed(ws)
    coded = encode_vocab(vb, vo, model_set).tobytes()
    assert py_encode_vocab(ws, model_set) == coded
    assert py_decode_vocab(coded, len(ws), len(vb), model_set) == ws
    got, offs, ok = decode_vocab(np.frombuffer(coded, np.uint8), len(ws), len(vb), model_set)
    assert ok and got[:len(vb)].tobytes() == vb.tobytes() and offs.tolist() == vo.tolist()


def test_vocab_coder_compresses_english_words():
    ws = [w.encode() for w in ("the of and to in a is that for it as was with be by on not he "
                               "this are or his from at which but have an they you were her "
                               "she there been one all we their has would when").split()] * 3
    vb, vo = packed(ws)
    assert len(encode_vocab(vb, vo, FULL)) < len(encode_vocab(vb, vo, LIGHT)) < 0.6 * len(vb)


def test_vocab_decoder_stops_on_garbage():
    rng = np.random.default_rng(1)
    for n in (0, 3, 50, 500):
        junk = rng.integers(0, 256, n).astype(np.uint8)
        for n_words, n_bytes in ((1, 1), (10, 40), (100, 300)):
            got, offs, ok = decode_vocab(junk, n_words, n_bytes, n_bytes % 2)
            assert got.shape[0] == n_bytes + 8
            if ok:
                assert offs[-1] == n_bytes and (np.diff(offs) >= 1).all()
