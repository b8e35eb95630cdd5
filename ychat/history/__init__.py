"""Saved conversations: the SQLite store (``store.py``), the session's saving as it goes and
resuming (``keeper.py``), exports to Markdown and JSON (``export.py``)."""
