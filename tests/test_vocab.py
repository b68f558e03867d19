"""The vocabulary coder (context mixing over the bytes of new words) against
its pure-Python twin, and its decoder on corrupt input."""
import itertools

import numpy as np
from hypothesis import given, settings, strategies as st

from quasi.models.mixing import SQUASH, STRETCH
from quasi.codec.config import FULL, LIGHT, STRONG, TABLE_BITS
from quasi.models.vocab import decode_vocab, encode_vocab, priming_words

from vocab_twin import py_decode_vocab, py_encode_vocab

words = st.lists(st.binary(min_size=1, max_size=12), min_size=1, max_size=40)


def packed(ws):
    offs = np.concatenate([[0], np.cumsum([len(w) for w in ws])]).astype(np.int64)
    return np.frombuffer(b"".join(ws) + bytes(8), np.uint8).copy(), offs  # writable, as in use


def test_stretch_inverts_squash():
    assert SQUASH[0] >= 0 and SQUASH[-1] <= 4095 and (np.diff(SQUASH) >= 0).all()
    for d in range(-2047, 2048, 7):
        assert abs(int(STRETCH[SQUASH[d + 2047]]) - d) <= 128 or abs(d) > 1800


NO_PRIMING = packed([])


@settings(max_examples=40, deadline=None)
@given(words, st.sampled_from((LIGHT, FULL, STRONG)), st.lists(st.binary(min_size=1, max_size=6),
                                                        max_size=20), st.sampled_from((7, 8, 20)))
def test_vocab_coder_matches_twin_and_round_trips(ws, model_set, prime, max_bits):
    """max_bits 7 and 8 bind on these few words (the tables follow the data below it)."""
    vb, vo = packed(ws)
    coded = encode_vocab(vb, vo, model_set, max_bits, *packed(prime)).tobytes()
    assert py_encode_vocab(ws, model_set, max_bits, prime) == coded
    assert py_decode_vocab(coded, len(ws), int(vo[-1]), model_set, max_bits, prime) == ws
    got, offs, ok = decode_vocab(np.frombuffer(coded, np.uint8), len(ws), vo[-1], model_set,
                                 max_bits, *packed(prime))
    assert ok and got[:vo[-1]].tobytes() == b"".join(ws) and offs.tolist() == vo.tolist()


def test_dictionary_is_the_committed_one():
    pbytes, poffs = priming_words(1)
    assert len(poffs) == 8001 and pbytes[poffs[-2]:poffs[-1]].tobytes() == b"self"
    assert priming_words(0)[1].tolist() == [0]


def test_vocab_coder_compresses_english_words():
    ws = [w.encode() for w in ("the of and to in a is that for it as was with be by on not he "
                               "this are or his from at which but have an they you were her "
                               "she there been one all we their has would when").split()]
    vb, vo = packed(ws)
    light = len(encode_vocab(vb, vo, LIGHT, TABLE_BITS, *NO_PRIMING))
    assert len(encode_vocab(vb, vo, FULL, TABLE_BITS, *NO_PRIMING)) < light < vo[-1]
    primed = encode_vocab(vb, vo, LIGHT, TABLE_BITS, *priming_words(1))
    assert len(primed) < 0.75 * light  # every word is in the dictionary


def test_vocab_decoder_stops_on_garbage():
    rng = np.random.default_rng(1)
    for n in (0, 3, 50, 500):
        junk = np.frombuffer(rng.bytes(n), np.uint8)  # read-only, as decode_block passes it
        for (n_words, n_bytes), model_set in itertools.product(((1, 1), (10, 40), (100, 300)),
                                                               (LIGHT, FULL, STRONG)):
            got, offs, ok = decode_vocab(junk, n_words, n_bytes, model_set, TABLE_BITS,
                                         *NO_PRIMING)
            assert got.shape[0] == n_bytes + 8
            if ok:
                assert offs[-1] == n_bytes and (np.diff(offs) >= 1).all()
