"""Yandex's hosted tools (the Responses API): the search indexes ychat knows by name (``indexes.py``)."""
