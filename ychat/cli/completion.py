"""``ychat completion bash|zsh|fish``: a completion script for the shell (static text: nothing
runs at Tab but ``ychat completion profiles|ids|keys``, which read the config file, the store
(never creating it) or the settings' names; their words are never evaluated by the shell).

The chat command's options are handed in (``ychat.cli.chat.option_names``), so a new flag
completes without editing this file.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Annotated

import typer

from ychat.cli.common import guarded, typer_app
from ychat.config.options import CHOICES
from ychat.i18n import N_
from ychat.repl.commands import MODEL_NAMES

SUBCOMMANDS: Mapping[str, tuple[str, ...]] = {
    "serve": ("--host", "--port", "--local-model", "--threads", "--debug", "-p", "--profile"),
    "operation": ("--debug", "-p", "--profile"),
    "config": ("path", "show", "set", "unset", "-p", "--profile"),
    "auth": ("status", "login", "-p", "--profile"),
    "history": ("list", "show", "export", "delete", "search", "--json", "--limit", "-o", "--output"),
    "completion": ("bash", "zsh", "fish"),
    "models": ("--json", "--local", "--api", "--endpoint", "--debug", "-p", "--profile"),
    "tools": ("list", "allow", "forget", "--json", "-p", "--profile"),
    "mcp": (
        "add",
        "remove",
        "list",
        "import",
        "--json",
        "--env",
        "--url",
        "--header",
        "--sse",
        "--yandex-auth",
        "--trust",
    ),
    "index": ("create", "list", "add", "delete", "--json", "-p", "--profile"),
}
VALUES = CHOICES  # --api, --reasoning: the options schema's choices
FILES = ("--input", "--local-model", "-o", "--output")


def bash(chat_options: list[str]) -> str:
    options, models = " ".join(chat_options), " ".join(MODEL_NAMES)
    cases = "\n".join(f"    {word}) words='{' '.join(after)}' ;;" for word, after in SUBCOMMANDS.items())
    values = "\n".join(
        f"    {flag}) COMPREPLY=($(compgen -W '{' '.join(v)}' -- \"$cur\")); return ;;" for flag, v in VALUES.items()
    )
    return f"""# ychat completion for bash: source <(ychat completion bash)
# Words read at Tab time (profile names, conversation ids) are matched as plain text and inserted
# quoted: compgen -W would expand $(...), backticks and $((...)) in them.
_ychat_words() {{
  local word
  COMPREPLY=()
  while IFS= read -r word; do
    [[ "$word" == "$cur"* ]] && COMPREPLY+=("$(printf '%q' "$word")")
  done < <(ychat completion "$1" 2>/dev/null)
}}
_ychat() {{
  local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}" words
  case "$prev" in
{values}
    -m|--model) COMPREPLY=($(compgen -W '{models}' -- "$cur")); return ;;
    -p|--profile) _ychat_words profiles; return ;;
    {"|".join(FILES)}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [ "$COMP_CWORD" -eq 3 ]; then
    case "${{COMP_WORDS[1]}} ${{COMP_WORDS[2]}}" in
      "history show"|"history export"|"history delete") _ychat_words ids; return ;;
      "config set"|"config unset") _ychat_words keys; return ;;
    esac
  fi
  case "${{COMP_WORDS[1]}}" in
{cases}
    *) words='{options}'
       [ "$COMP_CWORD" -eq 1 ] && words="$words {" ".join(SUBCOMMANDS)}" ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}}
complete -F _ychat ychat
"""


def zsh(chat_options: list[str]) -> str:
    head = (
        "# ychat completion for zsh: source <(ychat completion zsh)\n"
        "(( $+functions[compdef] )) || { autoload -U +X compinit && compinit -u; }\n"
        "autoload -U +X bashcompinit && bashcompinit\n"
    )
    return head + bash(chat_options)


def fish(chat_options: list[str]) -> str:
    lines = ["# ychat completion for fish: ychat completion fish | source"]
    top = "not __fish_seen_subcommand_from " + " ".join(SUBCOMMANDS)
    lines += [f"complete -c ychat -n '{top}' -f -a '{word}'" for word in SUBCOMMANDS]
    for option in chat_options:
        flag = f"-l {option[2:]}" if option.startswith("--") else f"-s {option[1:]}"
        values = VALUES.get(option)
        extra = f" -xa '{' '.join(values)}'" if values else ""
        if option in ("-m", "--model"):
            extra = f" -xa '{' '.join(MODEL_NAMES)}'"
        if option in ("-p", "--profile"):
            extra = " -xa '(ychat completion profiles 2>/dev/null)'"
        lines.append(f"complete -c ychat -n '{top}' {flag}{extra}")
    for words, kind in (("history show export delete", "ids"), ("config set unset", "keys")):
        first, *second = words.split()
        seen = f"__fish_seen_subcommand_from {first}; and __fish_seen_subcommand_from {' '.join(second)}"
        offered = f"(ychat completion {kind} 2>/dev/null)"
        lines.append(f"complete -c ychat -n '{seen}' -f -a '{offered}'")
    for word, after in SUBCOMMANDS.items():
        words = " ".join(a for a in after if not a.startswith("-"))
        if words:
            lines.append(f"complete -c ychat -n '__fish_seen_subcommand_from {word}' -f -a '{words}'")
    return "\n".join(lines) + "\n"


SCRIPTS = {"bash": bash, "zsh": zsh, "fish": fish}
WORDS = ("profiles", "ids", "keys")  # ychat completion WORDS: what Tab offers, read at Tab time


def words(kind: str) -> list[str]:
    """The words ``ychat completion KIND`` prints, one a line."""
    if kind == "keys":
        from ychat.config.settings import SOURCES

        return sorted(SOURCES)
    if kind == "ids":
        from ychat.history.keeper import existing_store, store_path

        store = existing_store(store_path(os.environ))
        if store is None:
            return []
        try:
            return [saved.id[:8] for saved in store.recent(50)]
        finally:
            store.close()
    from ychat.program import ConfigProfiles

    return ConfigProfiles({}, os.environ).names()


app = typer_app()


@app.command()
def completion(
    shell: Annotated[str, typer.Argument(metavar="bash|zsh|fish", help=N_("Your shell ('profiles': the config's)."))],
) -> None:
    """Print a completion script: source <(ychat completion bash)."""

    def action() -> None:

        if shell in WORDS:  # what Tab offers, read at Tab time
            sys.stdout.write("".join(f"{word}\n" for word in words(shell)))
            return
        if shell not in SCRIPTS:
            from ychat.errors import UsageError
            from ychat.i18n import _

            raise UsageError(_("no completion for {shell!r}: bash, zsh or fish").format(shell=shell))
        from ychat.cli.chat import option_names

        typer.echo(SCRIPTS[shell](option_names()), nl=False)

    raise typer.Exit(guarded(action, debug=False))
