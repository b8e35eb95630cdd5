"""ychat: a terminal chat client for YandexGPT."""

__all__ = ["__version__"]
__version__ = "0.1.0"
