"""The HTTP side of ychat: the dialect registry (``registry.py``, stdlib only, read by the layers
above to know what each wire protocol can do), the client a run talks to (``client.py``), the
transport (``http/``: the only importer of httpx), retries (``retry.py``), credentials on the wire
(``auth.py``, ``iam.py``) and one module per wire protocol (``dialects/``)."""
