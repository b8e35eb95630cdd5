"""The models the REPL can switch to: the names ychat knows, plus the server's own list, asked
once (on the first ``/model`` alone or ``/model <Tab>``) and kept for the session.

>>> catalog = ModelCatalog(lambda: [("gpt://b1g/yandexgpt/rc", 32768)], known=("yandexgpt",))
>>> catalog.names()
['yandexgpt', 'yandexgpt/rc']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ychat.errors import YChatError
from ychat.i18n import _

Listed = list[tuple[str, int | None]]  # (model id, context window when known)


def short_name(model: str) -> str:
    """``gpt://b1g…/yandexgpt-lite/latest`` -> ``yandexgpt-lite``; other ids stay as they are."""
    if "://" not in model:
        return model
    parts = model.split("://", 1)[1].split("/")
    name = parts[1] if len(parts) > 1 else parts[0]
    return name + (f"/{parts[2]}" if len(parts) > 2 and parts[2] not in ("latest", "") else "")


class ModelCatalog:
    def __init__(self, fetch: Callable[[], Listed] | None, *, known: Sequence[str] = ()) -> None:
        self._fetch = fetch
        self.known = tuple(known)
        self._listed: Listed | None = None
        self._error: YChatError | None = None

    def listed(self) -> Listed:
        """The server's models; raises the YChatError of the one attempt when it failed."""
        if self._listed is None and self._error is None and self._fetch is not None:
            try:
                self._listed = self._fetch()
            except YChatError as error:
                self._error = error
        if self._error is not None:
            raise self._error
        return self._listed or []

    def names(self) -> list[str]:
        """What ``/model`` completes: known names first, then the listed ones; never raises."""
        try:
            listed = [short_name(model) for model, _ in self.listed()]
        except YChatError:
            listed = []
        return list(dict.fromkeys([*self.known, *listed]))

    def describe(self, *, local: bool) -> str:
        """What ``/model`` alone shows: each model's short name and context window, or why not."""
        try:
            found = self.listed()
        except YChatError as error:
            return _("The model list is not available: {message}").format(message=error.message)
        if not found:
            return _("The server lists no models.")
        rows = "\n".join(f"  {short_name(name):<40} {f'{window:,}' if window else '?':>9}" for name, window in found)
        if local:
            return _("The local model, context window in tokens:\n") + rows
        return _("Models (/model NAME; Tab completes), context window in tokens:\n") + rows
