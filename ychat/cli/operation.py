"""``ychat operation``."""

from __future__ import annotations

from typing import Annotated

import typer

from ychat.cli.common import Debug, Profile, guarded, typer_app
from ychat.i18n import N_

app = typer_app()


@app.command()
def operation(
    operation_id: Annotated[str, typer.Argument(metavar="ID", help=N_("The id --async printed."))],
    debug: Debug = False,
    profile: Profile = None,
) -> None:
    """Print a deferred operation's reply, waiting while it runs (credentials and endpoints as for the chat)."""
    from ychat.program import fetch_operation

    raise typer.Exit(guarded(lambda: fetch_operation(operation_id, profile), debug=debug))
