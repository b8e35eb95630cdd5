"""What ychat knows of models: context windows (``windows.py``), prices (``prices.py``), the
names offered for ``/model`` and Tab (``catalog.py``). Pure data and arithmetic."""
