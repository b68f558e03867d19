"""The one exception type quasi raises for malformed, hostile or unusable input."""


class QuasiError(Exception):
    """Raised for every malformed or hostile compressed input and every invalid argument."""
