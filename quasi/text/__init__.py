"""From bytes to a phrase parse: the tokeniser (tokens), the Fibonacci tilings and their
lookup positions (tiling, hierarchy), the phrase codebooks (codebook) and the greedy parse
of a block's word stream (parse); structure describes what a tiling offers the parse
(used by the benchmarks and tests)."""
