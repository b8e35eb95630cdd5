"""An API key kept in the OS keyring by ``ychat auth login`` (the optional ``keyring`` extra).

``keyring`` is imported only here and only when asked: users of environment variables never
pay for it. Without it installed, reading finds nothing and storing says how to install it.
"""

from __future__ import annotations

import importlib.util

from ychat.errors import ConfigError
from ychat.i18n import _

SERVICE, USER = "ychat", "yandex-cloud-api-key"
INSTALL = "pip install 'ychat-cli[keyring]'"


def available() -> bool:
    return importlib.util.find_spec("keyring") is not None


def read() -> str | None:
    if not available():
        return None
    import keyring
    import keyring.errors

    try:
        return keyring.get_password(SERVICE, USER)
    except keyring.errors.KeyringError:
        return None  # no usable backend (a headless machine): as if nothing were stored


def unusable() -> str | None:
    """Why the OS keyring cannot keep a key here (no backend: a headless machine), or None."""
    import keyring
    from keyring.backends import fail

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "backends", None) == []:
        return _("no OS keyring is available here (no Secret Service, KWallet or macOS Keychain)")
    return None


def store(secret: str) -> None:
    if not available():
        raise ConfigError(
            _("storing a key needs the keyring package"), hint=_("Install it: {command}").format(command=INSTALL)
        )
    import keyring
    import keyring.errors

    try:
        keyring.set_password(SERVICE, USER, secret)
    except keyring.errors.KeyringError as exc:
        raise ConfigError(_("the OS keyring refused the key: {kind}").format(kind=type(exc).__name__)) from None
