"""ychat as an MCP (Model Context Protocol) client: servers from ``mcp.json`` whose tools the
model may call, with the approvals, limits and storage of every other tool.

``servers.py`` reads the file (stdlib), ``edit.py`` writes it (``ychat mcp add|remove|import``),
``names.py`` names the tools for the model, ``hub.py`` — the only importer of the ``mcp`` SDK —
runs the servers on one background event loop, and ``tools.py`` turns their tools into ychat's.
"""
