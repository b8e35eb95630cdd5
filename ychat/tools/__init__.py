"""Tools the model may call: the built-in ones (``builtin.py``), running a call with its limits
and approvals (``runner.py``). Imported only when a tool is enabled (``-T``)."""
