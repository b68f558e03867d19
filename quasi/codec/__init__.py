"""A block's bytes and the container around them: the block codec that runs the parse
and the models (block), the codec configuration of each revision: its sections,
meta fields and their bounds, and the models a block runs (config), the LZMA2 and
raw fallbacks (fallback), the frame format with its index and checksums
(container), varints (varint), worker threads inside one block (workers) and
giving freed memory back between large blocks (heap)."""
