"""``ychat completion bash|zsh|fish`` (ychat/completion.py): the scripts load in their shells and
complete ychat's options, subcommands, values and profile names."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ychat_argv, ychat_env


def complete_bash(tmp_path: Path, line: str, **env: str) -> list[str]:
    """What Tab offers after ``line`` (the last word is the one being completed)."""
    words = line.split(" ")
    bin_dir = Path(ychat_argv()[0]).parent
    script = f"""
source <("{ychat_argv()[0]}" completion bash)
complete -p ychat
COMP_WORDS=({" ".join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}
_ychat; printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    environment = {**ychat_env(tmp_path, None, **env), "PATH": f"{bin_dir}:/usr/bin:/bin"}
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=environment, timeout=30)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "complete -F _ychat ychat"
    return lines[1:]


def test_bash_completes_options_subcommands_and_values(tmp_path: Path) -> None:
    assert {"--api", "--each-line", "--continue", "--help"} <= set(complete_bash(tmp_path, "ychat --"))
    assert set(complete_bash(tmp_path, "ychat h")) == {"history"}
    assert complete_bash(tmp_path, "ychat --api v1") == ["v1", "v1alpha"]
    assert complete_bash(tmp_path, "ychat --reasoning ") == ["hidden", "off"]
    assert "yandexgpt-lite" in complete_bash(tmp_path, "ychat -m yandexgpt-")
    assert set(complete_bash(tmp_path, "ychat config ")) >= {"path", "show", "set", "unset"}


def test_bash_completes_profile_names_from_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[profiles.work]\nmodel = 'yandexgpt'\n[profiles.translate]\nsystem = 'x'\n")
    assert complete_bash(tmp_path, "ychat -p ", YCHAT_CONFIG=str(config)) == ["translate", "work"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_scripts_load(shell: str, tmp_path: Path) -> None:
    script = subprocess.run([*ychat_argv(), "completion", shell], capture_output=True, text=True, check=True).stdout
    assert "each-line" in script and "v1alpha" in script
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed here; the script's text was checked")
    path = tmp_path / f"ychat.{shell}"
    path.write_text(script)
    check = f"source {path}; complete -C 'ychat --ap'" if shell == "fish" else f"source {path}; whence -w _ychat"
    result = subprocess.run(
        [shell, "-c", check], capture_output=True, text=True, timeout=30, env=ychat_env(tmp_path, None)
    )
    assert result.returncode == 0 and not result.stderr, result.stderr
    assert ("--api" if shell == "fish" else "_ychat: function") in result.stdout


def test_an_unknown_shell_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run([*ychat_argv(), "completion", "tcsh"], capture_output=True, text=True)
    assert result.returncode == 2 and "bash, zsh or fish" in result.stderr


HOSTILE_PROFILES = ["$(touch PWNED1)", "`touch PWNED2`", "$((6*7))", "a b"]


def test_words_read_at_tab_time_are_never_evaluated(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("".join(f'[profiles."{name}"]\nmodel = "yandexgpt"\n' for name in HOSTILE_PROFILES))
    offered = complete_bash(tmp_path, "ychat -p ", YCHAT_CONFIG=str(config))
    assert sorted(offered) == sorted(
        ["\\$\\(touch\\ PWNED1\\)", "\\`touch\\ PWNED2\\`", "\\$\\(\\(6\\*7\\)\\)", "a\\ b"]
    )
    assert sorted(complete_bash(tmp_path, "ychat -p $(", YCHAT_CONFIG=str(config))) == [
        "\\$\\(\\(6\\*7\\)\\)",
        "\\$\\(touch\\ PWNED1\\)",
    ]
    assert not list(tmp_path.rglob("PWNED*")) and not list(Path.cwd().glob("PWNED*"))
    if shutil.which("fish"):
        script = tmp_path / "ychat.fish"
        script.write_text(subprocess.run([*ychat_argv(), "completion", "fish"], capture_output=True, text=True).stdout)
        environment = {
            **ychat_env(tmp_path, None, YCHAT_CONFIG=str(config)),
            "PATH": f"{Path(ychat_argv()[0]).parent}:/usr/bin:/bin",
        }
        found = subprocess.run(
            ["fish", "-c", f"source {script}; complete -C 'ychat -p '"],
            capture_output=True,
            text=True,
            env=environment,
            cwd=tmp_path,
        )
        assert "$(touch PWNED1)" in found.stdout and not list(tmp_path.rglob("PWNED*"))


def test_completion_one_level_down(tmp_path: Path) -> None:
    from ychat.history.store import Store

    store = Store(tmp_path / "data" / "ychat.db")
    cid = store.create(title="t", dialect="v1", model="m", system=None, options={})
    store.close()
    env = {"YCHAT_DATA_DIR": str(tmp_path / "data")}
    assert complete_bash(tmp_path, "ychat history show ", **env) == [cid[:8]]
    assert complete_bash(tmp_path, "ychat history delete " + cid[:3], **env) == [cid[:8]]
    assert {"model", "temperature", "system"} <= set(complete_bash(tmp_path, "ychat config set "))
    assert complete_bash(tmp_path, "ychat config set temp") == ["temperature"]
    empty = {"YCHAT_DATA_DIR": str(tmp_path / "none")}
    assert complete_bash(tmp_path, "ychat history show ", **empty) in ([], [""]) and not (tmp_path / "none").exists()


def test_completion_knows_every_subcommand() -> None:
    from ychat.cli import SUBCOMMANDS
    from ychat.cli.completion import SUBCOMMANDS as COMPLETED

    assert set(COMPLETED) == set(SUBCOMMANDS)
