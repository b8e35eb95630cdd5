"""``--each-line``: bounded concurrency with ordered output (``pool.py``) and what one batch run
does (``run.py``)."""
