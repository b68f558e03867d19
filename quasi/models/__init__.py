"""The adaptive models and the range coder, compiled by numba: the coder (coder), the
context-mixing pieces (mixing), the event models of the parse (events), the vocabulary
(vocab), the whitespace (spaces), the case flags (case) and the side decisions
(decisions). _jit holds the numba set-up and the kernel cache every kernel module shares."""
