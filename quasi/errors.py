"""The exception quasi raises for malformed, hostile or unusable input and settings."""


class QuasiError(ValueError):
    """Raised for every malformed or hostile compressed input and every setting out
    of range. A ValueError, as the standard library raises for bad data and values;
    an argument of the wrong type (a str level) raises TypeError instead."""


class TrailingGarbage(QuasiError):
    """Bytes after the last complete frame that do not start another frame. Everything
    before ``offset`` (the stream offset where the garbage starts) was valid."""

    def __init__(self, offset):
        super().__init__(f"trailing garbage after the last frame at offset {offset}")
        self.offset = offset
