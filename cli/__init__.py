"""The quasi command line (installed as the ``quasi`` console script)."""
