"""Large, varied, English-like text for scale tests (never for ratio claims).

The text for a seed is one endless byte stream, cut into segments; segment k is a
pure function of (seed, k), so any prefix is the same however it is chunked. Words
come from a seeded vocabulary of 50,000 made-up words behind ~100 real function
words, drawn from a Zipf law; every paragraph has a topic (a set of 400 words
that supply a quarter of its words), 2% of positions start one of 4,096 stock
phrases, sentences start with a capital and end in . ? or !, commas, numbers,
proper nouns and rare capitalised words appear, lines are wrapped near 72
columns and paragraphs end with a blank line. Only ``Generator.random`` is drawn
from (PCG64) and per-segment arithmetic avoids transcendental functions (whose
last bit may vary with the CPU's vector unit), so the bytes depend only on the
seed.

    >>> b"".join(chunks(1000, seed=1)) == next(chunks(1000, seed=1, chunk_size=1000))
    True

Shell: ``python -m quasi_corpora synth 1GiB -o big.txt`` (or to standard output).
"""
from functools import lru_cache

import numpy as np

FUNCTION_WORDS = (
    "the of and to in a is that for it as was with be by on not he I this are or his from "
    "at which but have an they you were her she there been one all we their has would when "
    "if so no will more can who what out up said about into them some could him than its "
    "only other new time then these two may first any like now my such over very after "
    "also our most made before must through back where much your way well down should "
    "because each just those how too little good under same right still between").split()
ONSETS = ("b c d f g h j k l m n p r s t v w z bl br ch cl cr dr fl fr gl gr pl pr sc sh "
          "sl sm sn sp st str th tr wh").split() + [""] * 6
NUCLEI = "a e i o u a e i o ea ee ai ou oo ie y".split()
CODAS = ("n r s t l d m ng nd st rt ck th ss ll nt rd ct".split()) + [""] * 14
VOCABULARY = 50_000
N_TOPICS = 256
TOPIC_WORDS = 400
N_PHRASES = 4096
SEGMENT_PARAGRAPHS = 48
LINE_WIDTH = 72
# separators: (after a word, at a line break), same length
SEPARATORS = ((b" ", b"\n"), (b", ", b",\n"), (b". ", b".\n"), (b"? ", b"?\n"),
              (b"! ", b"!\n"), (b"; ", b";\n"))
SP, COMMA, PERIOD, QUESTION, EXCLAIM, SEMI = range(len(SEPARATORS))


def _zipf_cdf(n: int, exponent: float, offset: float) -> np.ndarray:
    weights = 1.0 / (np.arange(n) + offset) ** exponent
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def _pick(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Indices drawn by inverse CDF from uniform u in [0, 1)."""
    return np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)


class _Model:
    """Everything that depends on the seed only: vocabulary, topics, phrases."""

    def __init__(self, seed: int):
        rng = np.random.default_rng([seed, 0x5EED])
        made = set(FUNCTION_WORDS)
        words = []
        while len(words) < VOCABULARY - len(FUNCTION_WORDS):
            u = rng.random((VOCABULARY, 18))   # syllable count, then (onset, nucleus, coda) x 5
            n_syl = (1 + np.floor(u[:, 0] * 4 * u[:, 1] + u[:, 2]).astype(np.int64)).tolist()
            onset = np.floor(u[:, 3::3] * len(ONSETS)).astype(np.int64).tolist()
            nucleus = np.floor(u[:, 4::3] * len(NUCLEI)).astype(np.int64).tolist()
            coda = np.floor(u[:, 5::3] * len(CODAS)).astype(np.int64).tolist()
            for i in range(VOCABULARY):
                word = "".join(ONSETS[o] + NUCLEI[n] + CODAS[c] for o, n, c in
                               zip(onset[i][:n_syl[i]], nucleus[i], coda[i]))
                if word not in made and len(words) < VOCABULARY - len(FUNCTION_WORDS):
                    made.add(word)
                    words.append(word)
        words.sort(key=len)   # frequent ranks get the short words
        words = FUNCTION_WORDS + words
        proper = rng.random(len(words)) < 0.04
        proper[:len(FUNCTION_WORDS)] = False
        lower = [w.encode() for w in words]
        capital = [w[:1].upper().encode() + w[1:].encode() for w in words]
        upper = [w.upper().encode() for w in words]
        numbers = [str(i).encode() for i in range(2100)]
        # lexicon: lower | Capitalised | UPPER | numbers 0..2099
        self.lexicon = np.array(lower + capital + upper + numbers, dtype=object)
        self.lengths = np.array([len(w) for w in self.lexicon], dtype=np.int64)
        self.proper = proper
        self.number_base = 3 * len(words)
        self.word_cdf = _zipf_cdf(len(words), 1.05, 1.0)
        self.topic_cdf = _zipf_cdf(TOPIC_WORDS, 0.9, 1.5)
        u = rng.random((N_TOPICS, TOPIC_WORDS))
        self.topics = len(FUNCTION_WORDS) + np.floor(
            u * u * (len(words) - len(FUNCTION_WORDS))).astype(np.int64)
        u = rng.random(N_PHRASES)
        lens = 2 + np.floor(u * u * 7).astype(np.int64)
        self.phrases = [_pick(self.word_cdf, rng.random(n)) for n in lens]
        self.phrase_cdf = _zipf_cdf(N_PHRASES, 1.1, 1.0)


@lru_cache(maxsize=4)
def _model(seed: int) -> _Model:
    return _Model(seed)


def segment(seed: int, index: int) -> bytes:
    """Segment ``index`` of the stream for ``seed`` (about 100 KB of text)."""
    m = _model(seed)
    rng = np.random.default_rng([seed, index])
    # paragraphs of 2..8 sentences, sentences of 4..33 words
    sent_per_para = 2 + np.floor(rng.random(SEGMENT_PARAGRAPHS) * 7).astype(np.int64)
    n_sent = int(sent_per_para.sum())
    u = rng.random(n_sent)
    sent_len = 4 + np.floor(u * np.sqrt(u) * 30).astype(np.int64)
    n = int(sent_len.sum())
    sent_end = np.cumsum(sent_len) - 1
    sent_start = sent_end - sent_len + 1
    para_of_sent = np.repeat(np.arange(SEGMENT_PARAGRAPHS), sent_per_para)
    para_end = sent_end[np.cumsum(sent_per_para) - 1]
    para_of_word = np.repeat(para_of_sent, sent_len)

    # words: global Zipf, or the paragraph's topic
    words = _pick(m.word_cdf, rng.random(n))
    topic = np.floor(rng.random(SEGMENT_PARAGRAPHS) * N_TOPICS).astype(np.int64)[para_of_word]
    from_topic = rng.random(n) < 0.25
    words[from_topic] = m.topics[topic[from_topic],
                                 _pick(m.topic_cdf, rng.random(int(from_topic.sum())))]
    starts = np.flatnonzero(rng.random(n) < 0.02)
    for pos, which in zip(starts, _pick(m.phrase_cdf, rng.random(len(starts)))):
        phrase = m.phrases[which]
        k = min(len(phrase), n - pos)
        words[pos:pos + k] = phrase[:k]

    # case and numbers -> lexicon ids
    vocab = len(m.proper)
    u = rng.random(n)
    ids = words.copy()
    capital = m.proper[words]
    capital[sent_start] = True
    ids[capital] += vocab
    ids[u < 0.002] = words[u < 0.002] + 2 * vocab
    is_number = (u > 0.985)
    year = rng.random(n) < 0.5
    u_year, u_small = rng.random(int(is_number.sum())), rng.random(int(is_number.sum()))
    ids[is_number] = m.number_base + np.where(
        year[is_number], 1000 + np.floor(u_year * 1100),
        np.floor(u_small * u_small * u_small * 1000)).astype(np.int64)

    # separators, line breaks near LINE_WIDTH, blank line after each paragraph
    sep = np.full(n, SP, dtype=np.int64)
    sep[rng.random(n) < 0.07] = COMMA
    sep[rng.random(n) < 0.005] = SEMI
    v = rng.random(n_sent)
    sep[sent_end] = np.where(v < 0.05, QUESTION, np.where(v < 0.07, EXCLAIM, PERIOD))
    sep_len = np.array([len(s[0]) for s in SEPARATORS])[sep]
    end = np.cumsum(m.lengths[ids] + sep_len)
    para_base = np.concatenate(([0], end[para_end[:-1]]))[para_of_word]
    col_end = end - para_base
    col_next = np.concatenate((col_end[1:], [0]))
    broken = (col_next // LINE_WIDTH > col_end // LINE_WIDTH)
    seps = np.array([s[0] for s in SEPARATORS] + [s[1] for s in SEPARATORS], dtype=object)
    sep_ids = sep + broken * len(SEPARATORS)
    sep_ids[para_end] = sep[para_end] + len(SEPARATORS)
    out = np.empty(2 * n, dtype=object)
    out[0::2] = m.lexicon[ids]
    out[1::2] = seps[sep_ids]
    out[2 * para_end + 1] = np.array([s + b"\n" for s in out[2 * para_end + 1]], dtype=object)
    return b"".join(out)


def chunks(total: int, seed: int = 0, chunk_size: int = 1 << 20):
    """Yield the first ``total`` bytes of the stream for ``seed`` in pieces of
    ``chunk_size`` bytes (the last one shorter); the bytes do not depend on chunk_size."""
    if total < 0 or chunk_size < 1:
        raise ValueError("total must be >= 0 and chunk_size >= 1")
    pending = bytearray()
    produced = 0
    index = 0
    while produced < total:
        while len(pending) < min(chunk_size, total - produced):
            pending += segment(seed, index)
            index += 1
        take = min(chunk_size, total - produced)
        yield bytes(pending[:take])
        del pending[:take]
        produced += take


def generate(total: int, seed: int = 0) -> bytes:
    """The first ``total`` bytes of the stream for ``seed``."""
    return b"".join(chunks(total, seed, chunk_size=max(total, 1)))


def write(out, total: int, seed: int = 0, chunk_size: int = 1 << 20) -> None:
    """Write the first ``total`` bytes of the stream to a binary file object."""
    for chunk in chunks(total, seed, chunk_size):
        out.write(chunk)
