"""``ychat models`` (ychat/cli/models.py, api/dialects/openai.py): the OpenAI-compatible model list, short
names and context windows; offline, the local GGUF."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.conftest import needs_model
from tests.helpers import ychat
from ychat.api.dialects.openai import list_models
from ychat.api.http.transport import Transport
from ychat.models.catalog import short_name
from ychat.server.http import RunningServer

YANDEX_LIST = {
    "object": "list",
    "data": [
        {"id": f"gpt://b1g/{name}", "object": "model"}
        for name in ("yandexgpt/latest", "yandexgpt/rc", "qwen3-235b-a22b-fp8/latest")
    ],
}


def test_the_list_is_read_with_the_folder_in_openai_project() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=YANDEX_LIST)

    transport = Transport(httpx.Client(transport=httpx.MockTransport(handler)), credentials=None)
    found = list_models(transport, base_url="https://llm.api.cloud.yandex.net/v1", folder_id="b1g")
    assert found == [item["id"] for item in YANDEX_LIST["data"]]
    assert seen[0].url == "https://llm.api.cloud.yandex.net/v1/models" and seen[0].headers["OpenAI-Project"] == "b1g"
    assert [short_name(name) for name in found] == ["yandexgpt", "yandexgpt/rc", "qwen3-235b-a22b-fp8"]


def test_models_against_the_double(server: RunningServer, tmp_path: Path) -> None:
    result = ychat(server.url, tmp_path, "models", "--json")
    assert result.returncode == 0
    assert [json.loads(line)["id"] for line in result.stdout.decode().splitlines()] == ["echo"]
    assert server.emulator.requests[-1].path == "/v1/models"
    assert server.emulator.requests[-1].headers["openai-project"] == "b1gtestfolder"


def test_models_with_refused_credentials_exits_3(server: RunningServer, tmp_path: Path) -> None:
    from ychat.server.http import serve
    from ychat.testing import Emulator

    with serve(Emulator(api_keys=["other"])) as strict:
        result = ychat(strict.url, tmp_path, "models")
    assert result.returncode == 3 and "ychat: error:" in result.stderr.decode()


@needs_model
def test_models_offline_is_the_gguf_with_its_window(tmp_path: Path) -> None:
    result = ychat(None, tmp_path, "models", "--local", "--json")
    record = json.loads(result.stdout.decode())
    assert record["id"] == "SmolLM2-135M-Instruct.Q4_1" and record["context_window"] == 4096


def test_the_catalog_asks_once_and_keeps_a_failure() -> None:
    from ychat.errors import AuthError
    from ychat.models.catalog import ModelCatalog

    asked: list[int] = []

    def fetch() -> list[tuple[str, int | None]]:
        asked.append(1)
        return [("gpt://b1g/yandexgpt/rc", 32768), ("gpt://b1g/yandexgpt-lite/latest", None)]

    catalog = ModelCatalog(fetch, known=("yandexgpt", "yandexgpt-lite"))
    assert catalog.names() == ["yandexgpt", "yandexgpt-lite", "yandexgpt/rc"]
    assert catalog.listed()[0] == ("gpt://b1g/yandexgpt/rc", 32768) and len(asked) == 1

    def refused() -> list[tuple[str, int | None]]:
        asked.append(2)
        raise AuthError("Unknown api key", http_status=401)

    failing = ModelCatalog(refused, known=("yandexgpt",))
    assert failing.names() == ["yandexgpt"]  # Tab still completes the known names
    with pytest.raises(AuthError):
        failing.listed()
    assert asked.count(2) == 1  # not asked again on every Tab


def test_model_alone_lists_the_servers_models_and_a_failure_is_one_line(emulator) -> None:
    from tests.conftest import in_process_client
    from tests.helpers import Recorder
    from ychat.conversation import Conversation
    from ychat.errors import NetworkError
    from ychat.models.catalog import ModelCatalog
    from ychat.repl.session import ChatOptions, Session

    def listed() -> list[tuple[str, int | None]]:
        return [("gpt://b1g/yandexgpt/latest", 32768), ("gpt://b1g/qwen3-235b-a22b-fp8/latest", None)]

    def unreachable() -> list[tuple[str, int | None]]:
        raise NetworkError("could not connect to llm.api.cloud.yandex.net")

    for fetch, expected in [(listed, "qwen3-235b-a22b-fp8"), (unreachable, "not available: could not connect")]:
        renderer = Recorder()
        session = Session(in_process_client(emulator), renderer, Conversation(), ChatOptions(model="yandexgpt"))
        session.catalog = ModelCatalog(fetch)
        session.run(iter(["/model", "/exit"]).__next__)
        infos = renderer.named("info")
        assert infos[0] == "Model: yandexgpt" and expected in str(infos[1]) and not renderer.named("error")


def test_model_alone_in_the_repl_lists_the_server_and_tab_completes_its_names(server: RunningServer, tmp_path) -> None:
    from tests.conftest import ychat_env
    from tests.helpers import Dialogue, sent

    server.emulator.models = [
        f"gpt://b1gtestfolder/{name}" for name in ("yandexgpt/latest", "qwen3-235b-a22b-fp8/latest")
    ]
    chat = Dialogue.start(ychat_env(tmp_path, server.url))
    chat.ask("/model", "32,768", "qwen3-235b-a22b-fp8")  # yandexgpt's window, from ychat's table
    chat.ask("/model qw\t", "Model: qwen3-235b-a22b-fp8")
    chat.ask("hi", "Echo: hi")
    chat.leave(eof=True)
    assert server.emulator.requests[-1].body["modelUri"] == "gpt://b1gtestfolder/qwen3-235b-a22b-fp8/latest"
    assert sent(server.emulator) == [("user", "hi")]
    assert [r.path for r in server.emulator.requests].count("/v1/models") == 1  # asked once, kept


def test_model_alone_offline_lists_the_gguf_without_promising_tab(emulator) -> None:
    from tests.conftest import in_process_client
    from tests.helpers import Recorder
    from ychat.conversation import Conversation
    from ychat.models.catalog import ModelCatalog
    from ychat.repl.session import ChatOptions, Session

    renderer = Recorder()
    options = ChatOptions(model="SmolLM2-135M-Instruct.Q4_1", model_fixed=True)
    session = Session(in_process_client(emulator), renderer, Conversation(), options)
    session.catalog = ModelCatalog(lambda: [("SmolLM2-135M-Instruct.Q4_1", 4096)])
    session.run(iter(["/model", "/exit"]).__next__)
    listing = str(renderer.named("info")[1])
    assert listing.startswith("The local model") and "4,096" in listing and "Tab" not in listing
