"""The REPL: the chat loop (``session.py``, no UI or HTTP import), its command table
(``commands.py``) and handlers (``handlers.py``), the prompt (``terminal.py``, prompt_toolkit),
``/edit``, ``/copy`` and ``/file`` (``editor.py``), ``/compact`` and the first reply's warm-up."""
