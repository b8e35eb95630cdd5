"""The local server's routes, one module per dialect it speaks (``v1``, ``v1alpha``,
``openai``) and the ``ChatWire`` they share (``base.py``)."""
