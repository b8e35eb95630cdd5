"""``ychat models`` (ychat/modelscmd.py, api/probe.py): the OpenAI-compatible model list, short
names and context windows; offline, the local GGUF."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.conftest import needs_model
from tests.helpers import ychat
from ychat.api.probe import models
from ychat.api.transport import Transport
from ychat.modelscmd import short_name
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
    found = models(transport, base_url="https://llm.api.cloud.yandex.net/v1", folder_id="b1g")
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
