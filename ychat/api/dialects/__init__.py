"""One module per wire protocol (``v1``, ``deferred``, ``v1alpha``, ``openai``), what the Yandex
ones share (``yandex.py``) and the stream framings (``ndjson.py``, ``sse.py``)."""
