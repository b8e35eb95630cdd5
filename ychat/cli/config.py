"""``ychat config path | show | set KEY VALUE | unset KEY``: the config file, edited in place.

``set`` and ``unset`` keep the rest of the file as it was — comments, order, layout (tomlkit,
imported only here) — validate the value with the same validators as every other source, and
write the file 0600 atomically: a temporary file beside it, then a rename. ``show`` prints the
settings in effect, each with where it came from, and never a secret.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from ychat.cli.common import Profile, guarded, say, typer_app
from ychat.config.file import check_key, default_config_file, read_regular_file
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
    return _edit(target, profile, lambda table: table.__setitem__(key, value), _("{key} set").format(key=key))


def unset(env: Mapping[str, str], key: str, profile: str | None) -> str:
    target = default_config_file(env, must_exist=False)

    def remove(table: Any) -> None:
        if key not in table:
            raise ConfigError(
                _("{key} is not set in {target}").format(key=key, target=target)
                + (_(" [profiles.{profile}]").format(profile=profile) if profile else "")
            )
        del table[key]

    return _edit(target, profile, remove, _("{key} removed").format(key=key))


def _edit(target: Path, profile: str | None, change: Callable[[Any], None], done: str) -> str:
    """Read, change and write under a lock: two ``ychat config set`` at once lose no update.
    A symlinked config is edited through the link (the link stays)."""
    with _locked(target):
        _write(target, _changed(target, profile, change))
    return _("{done} in {target}").format(done=done, target=target) + (
        _(" [profiles.{profile}]").format(profile=profile) if profile else ""
    )


def _changed(target: Path, profile: str | None, change: Callable[[Any], None]) -> str:
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        text = read_regular_file(target).decode("utf-8")
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(_("cannot read config file {path}: {strerror}").format(path=target, strerror=exc)) from None
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(
            _("{target} is not valid TOML: {exc}; it was left as it is").format(target=target, exc=exc)
        ) from None
    change(_table(document, profile))
    updated = tomlkit.dumps(document)
    if updated and not updated.endswith("\n"):
        updated += "\n"  # removing the last key can take the file's final newline with it
    return updated


@contextmanager
def _locked(target: Path) -> Iterator[None]:
    """An exclusive lock on a file beside the config (the config itself is replaced by a rename)."""
    import fcntl

    folder = target.resolve().parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(folder / f".{target.resolve().name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _table(document: Any, profile: str | None) -> Any:
    import tomlkit

    if profile is None:
        return document
    profiles = document.setdefault("profiles", tomlkit.table(is_super_table=True))
    if profile not in profiles:
        profiles[profile] = tomlkit.table()
    return profiles[profile]


def _write(target: Path, text: str) -> None:
    from ychat.privatefile import write_private

    write_private(target, text, follow_link=True, make_folder=True)


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
