"""``ychat auth status`` (which credentials and folder, then one cheap check) and ``ychat auth
login`` (an API key, read without echo, into the OS keyring). Neither ever prints a secret."""

from __future__ import annotations

import getpass
import os
import sys
import time
from collections.abc import Callable, Mapping

import typer

from ychat.api.registry import record
from ychat.cli.common import Debug, Profile, guarded, say, typer_app
from ychat.config import keystore
from ychat.config.settings import Settings, default_config_file, load_settings
from ychat.errors import ConfigError, MissingCredentials
from ychat.i18n import N_, _


def status(env: Mapping[str, str], profile: str | None, say: Callable[[str], None]) -> None:
    settings = load_settings({"profile": profile}, env=env, config_file=default_config_file(env))
    credentials = settings.credentials
    if credentials is None:
        raise MissingCredentials(
            _("no Yandex Cloud credentials found"), hint=_("docs/configuration.md lists the sources")
        )
    say(_("credentials: {source}").format(source=_(credentials.source)))
    say(
        _("folder: {folder}").format(
            folder=settings.folder_id or _("none (a service account uses its own; short model names need one)")
        )
    )
    say(_("api: {api} at {endpoint}").format(api=settings.api, endpoint=settings.endpoint))
    seen = _check(settings)
    expires = getattr(credentials, "expires_at", None)
    if expires:
        say(
            _("token expires: {expires}").format(expires=time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(expires)))
        )
    what = _("models listed") if record(settings.api).probe == "models" else _("tokens counted")
    say(_("ok: the credentials work ({what}: {seen})").format(what=what, seen=seen))


def _check(settings: Settings) -> int:
    from ychat.api.http.transport import Transport, build_http_client

    transport = Transport(build_http_client(timeout=settings.timeout), credentials=settings.credentials)
    try:
        return record(settings.api).check(
            transport, endpoint=settings.endpoint, folder_id=settings.folder_id, model=settings.model
        )
    finally:
        transport.close()


def login(say: Callable[[str], None], read_secret: Callable[[str], str] | None = None) -> None:
    """The key is read without echo from a terminal, or as the first line of a pipe
    (``pass show yc | ychat auth login``); a keyring that cannot keep it is said first."""
    if not keystore.available():
        raise ConfigError(
            _("ychat auth login needs the keyring package"),
            hint=_("Install it: {command}").format(command=keystore.INSTALL),
        )
    reason = keystore.unusable()
    if reason is not None:
        raise ConfigError(
            _("ychat auth login cannot store a key: {reason}").format(reason=reason),
            hint=_("Set YC_API_KEY in the environment instead."),
        )
    secret = (read_secret or _reader())(_("Yandex Cloud API key (not shown): ")).strip()
    if not secret:
        raise ConfigError(_("no key was entered; nothing stored"))
    keystore.store(secret)
    say(_("Stored in the OS keyring. ychat uses it whenever YC_API_KEY is not set."))


def _reader() -> Callable[[str], str]:
    if sys.stdin.isatty():
        return getpass.getpass
    return lambda prompt: sys.stdin.readline()


app = typer_app(commands=True, help=N_("Credentials: status (which and whether they work), login (store an API key)."))


@app.command("status")
def auth_status(profile: Profile = None, debug: Debug = False) -> None:
    """Which credentials and folder ychat would use, then one cheap check that they work."""

    raise typer.Exit(guarded(lambda: status(os.environ, profile, say), debug=debug))


@app.command("login")
def auth_login(profile: Profile = None) -> None:  # one stored key for every profile
    """Store an API key in the OS keyring (read without echo; never from the command line)."""

    raise typer.Exit(guarded(lambda: login(say), debug=False))
