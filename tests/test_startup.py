"""Start-up stays light: what each path imports and writes (no timing here: see benchmarks/).

The figures are in docs/performance.md; these tests fail when a change makes a path import
something it was kept from (so a slow start-up is caught without timing anything).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pexpect

from tests.conftest import ychat_env
from tests.helpers import spawn
from ychat.server.http import RunningServer
from ychat.testing import Reply

# Never needed before the first reply (or at all on these paths)
LAZY = ["markdown_it", "rich.markdown", "prompt_toolkit", "sqlite3", "llama_cpp", "keyring", "uvicorn", "pydantic"]
LAZY += [
    "jwt",
    "cryptography",
    "tomlkit",
    "ychat.api.iam",
    "jsonschema",
    "ychat.structured",
    "ychat.tools",
    "mcp",
    "ychat.mcp",
    "PIL",
    "ychat.attach.pictures",
    "ychat.attach.clipboard",
    "ychat.api.ocr",
]  # only for the sources and commands that need them
SHOW = "import atexit, sys; atexit.register(lambda: print('LOADED', sorted(m for m in {lazy} if m in sys.modules)))"


def loaded_after(argv: list[str], env: dict[str, str], stdin: str | None, lazy: list[str]) -> list[str]:
    """Which of ``lazy`` a run loaded. Each name must exist: a renamed or removed module would
    otherwise make the check pass without checking anything."""
    import importlib.util

    missing = [name for name in lazy if importlib.util.find_spec(name) is None]
    assert not missing, f"no such module (renamed?): {missing}"
    code = SHOW.format(lazy=lazy) + f"; sys.argv = {argv!r}; from ychat.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", code], input=stdin, env=env, capture_output=True, text=True, timeout=30
    )
    line = [x for x in result.stdout.splitlines() if x.startswith("LOADED")][-1]
    return ast.literal_eval(line.removeprefix("LOADED "))


def test_importing_the_cli_loads_no_chat_machinery() -> None:
    code = "import sys, ychat.cli; print(sorted(m.split('.')[0] for m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    lazy = ["httpx", "rich", "prompt_toolkit", "pygments", "markdown_it", "logging", "platformdirs"]
    for name in [*lazy, "sqlite3", "llama_cpp", "keyring", "pydantic", "uvicorn"]:
        assert f"'{name}'" not in loaded, name


def test_help_and_version_load_only_typer(tmp_path: Path) -> None:
    heavy = [*LAZY, "httpx", "rich.console", "ychat.api.client", "ychat.config.settings"]
    for flag in ["--help", "--version"]:
        assert loaded_after(["ychat", flag], ychat_env(tmp_path, None), None, heavy) == [], flag


def test_a_piped_one_off_never_loads_the_terminal_side(server: RunningServer, tmp_path: Path) -> None:
    server.emulator.enqueue(Reply.of("Summary."))
    lazy = [
        *LAZY,
        "ychat.render.markdown",
        "ychat.repl.terminal",
        "ychat.repl.prefetch",
        "ychat.server",
        "ychat.testing",
        "ychat.tools",  # issue 20: a tool-free one-off imports no tool module
        "ychat.repl.approve",
    ]
    lazy += [
        "ychat.api.dialects.v1alpha",
        "ychat.api.dialects.openai",
        "ychat.api.dialects.sse",
        "ychat.api.dialects.deferred",
    ]  # only when chosen
    lazy += ["rich", "pygments", "click"]  # httpx's own CLI (httpx._main) is not loaded: ychat/api/http/__init__.py
    argv = ["ychat", "--no-save", "summarize"]  # a saved one-off opens the store, so it needs sqlite3
    assert loaded_after(argv, ychat_env(tmp_path, server.url), "notes", lazy) == []
    assert server.emulator.requests[-1].body["messages"][-1]["text"] == "summarize\n\nnotes"


def test_a_russian_one_off_that_shows_no_message_reads_no_catalog(server: RunningServer, tmp_path: Path) -> None:
    """Issue 13: gettext must not slow start-up; the catalog is read when a message is first shown."""
    server.emulator.enqueue(Reply.of("Ответ."))
    code = (
        "import atexit, sys, ychat.i18n as i18n; calls = []; real = i18n.compile_po; "
        "i18n.compile_po = lambda text: calls.append(1) or real(text); "
        "atexit.register(lambda: print('CATALOG', len(calls), i18n._translations is not None)); "
        "sys.argv = ['ychat', '--no-save', 'вопрос']; from ychat.cli import main; main()"
    )
    env = ychat_env(tmp_path, server.url, LANG="ru_RU.UTF-8")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)
    assert result.stdout.splitlines() == ["Ответ.", "CATALOG 0 False"], result.stderr  # none read, none loaded
    env["YCHAT_ENDPOINT"] = "http://127.0.0.1:1"  # nothing listens: an error message, in Russian
    failed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert failed.stdout.splitlines() == ["CATALOG 1 True"] and "ychat: ошибка:" in failed.stderr


def test_httpx_cli_still_runs_when_asked_for() -> None:
    """The stand-in for httpx._main loads the real tool when its main is called."""
    code = "import ychat.api.http.transport, httpx, sys; sys.argv = ['httpx', '--help']; httpx.main()"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0 and "Usage" in result.stdout, result.stderr


def test_the_repl_prompt_comes_before_markdown_and_writes_nothing(tmp_path: Path) -> None:
    """Its first prompt needs no network (the endpoint is the real, unreachable one), no
    Markdown machinery (loaded on a worker thread after the prompt) and no disk writes."""
    env = ychat_env(tmp_path / "home", None, PYTHONPROFILEIMPORTTIME="1")
    child = spawn(env)
    child.expect_exact("›")
    before_prompt = child.before
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    imported = {line.rsplit("|", 1)[1].strip() for line in before_prompt.splitlines() if line.startswith("import time")}
    assert {"prompt_toolkit", "httpx", "ychat.repl.terminal"} <= imported  # the check can see imports
    assert not imported & {"markdown_it", "rich.markdown", "sqlite3", "llama_cpp", "pydantic"}
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*"))
