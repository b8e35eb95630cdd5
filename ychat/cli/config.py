"""``ychat config path | show | set KEY VALUE | unset KEY``: the config file, edited in place.

``set`` and ``unset`` keep the rest of the file as it was — comments, order, layout (tomlkit,
imported only here) — validate the value with the same validators as every other source, and
write the file 0600 atomically: a temporary file beside it, then a rename. ``show`` prints the
settings in effect, each with where it came from, and never a secret.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import typer

from ychat.cli.common import Profile, guarded, say, typer_app
from ychat.config.edit import edit
from ychat.config.file import check_key, default_config_file
from ychat.config.settings import SOURCES, load_settings, validated
from ychat.errors import ConfigError
from ychat.i18n import N_, _

SHOWN = (
    "api",
    "model",
    "endpoint",
    "folder_id",
    "system",
    "temperature",
    "max_tokens",
    "stream",
    "timeout",
    "max_time",
    "data_logging",
    "local_model",
    "profile",
)


def path(env: Mapping[str, str]) -> str:
    return str(default_config_file(env, must_exist=False))


def show(env: Mapping[str, str], profile: str | None) -> str:
    settings = load_settings({"profile": profile}, env=env, config_file=default_config_file(env))
    lines = [
        f"# {default_config_file(env)}"
        + (_(", profile {profile}").format(profile=settings.profile) if settings.profile else "")
    ]
    for name in SHOWN:
        value = getattr(settings, name)
        if value is not None:
            lines.append(f"{name} = {_toml(value)}")
    auth = settings.auth
    for name in ("auth", "service_account_key_file", "yc_profile"):
        if getattr(auth, name):
            lines.append(f"{name} = {_toml(getattr(auth, name))}")
    credentials = settings.credentials
    lines.append(
        _("# credentials: {found} (values never shown)").format(
            found=_(credentials.source) if credentials else _("none found")
        )
    )
    return "\n".join(lines)


def _toml(value: object) -> str:
    import tomlkit

    return tomlkit.item(value).as_string()


def typed(key: str, raw: str) -> Any:
    """The value as its TOML type (a number, a boolean, a string), validated like every source."""
    check_key(key, SOURCES)
    return validated(SOURCES[key][1], raw, key)


def set_value(env: Mapping[str, str], key: str, raw: str, profile: str | None) -> str:
    value = typed(key, raw)
    target = default_config_file(env, must_exist=False)
    return edit(target, profile, lambda table: table.__setitem__(key, value), _("{key} set").format(key=key))


def unset(env: Mapping[str, str], key: str, profile: str | None) -> str:
    target = default_config_file(env, must_exist=False)

    def remove(table: Any) -> None:
        if key not in table:
            raise ConfigError(
                _("{key} is not set in {target}").format(key=key, target=target)
                + (_(" [profiles.{profile}]").format(profile=profile) if profile else "")
            )
        del table[key]

    return edit(target, profile, remove, _("{key} removed").format(key=key))


app = typer_app(commands=True, help=N_("The config file: path, show, set KEY VALUE, unset KEY."))


@app.command("path")
def config_path(profile: Profile = None) -> None:  # one file for every profile
    """Print where the config file is (YCHAT_CONFIG overrides it)."""

    raise typer.Exit(guarded(lambda: say(path(os.environ)), debug=False))


@app.command("show")
def config_show(profile: Profile = None) -> None:
    """Print the settings in effect and where credentials come from (never their values)."""

    raise typer.Exit(guarded(lambda: say(show(os.environ, profile)), debug=False))


@app.command("set")
def config_set(key: str, value: str, profile: Profile = None) -> None:
    """Set KEY to VALUE (validated), keeping the rest of the file as it is."""

    raise typer.Exit(guarded(lambda: say(set_value(os.environ, key, value, profile)), debug=False))


@app.command("unset")
def config_unset(key: str, profile: Profile = None) -> None:
    """Remove KEY from the file (or from the profile)."""

    raise typer.Exit(guarded(lambda: say(unset(os.environ, key, profile)), debug=False))
