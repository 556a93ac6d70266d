"""The client's version, sent in hello so gateway logs can tell clients apart."""

__version__ = "0.1.0"
