"""ychat: a terminal chat client for YandexGPT."""

__version__ = "0.1.0"
