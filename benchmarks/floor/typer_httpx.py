"""The floor of this stack for one turn: typer + httpx, stream one completion, print the deltas.

No retries, no config, no error handling: what any client on this stack must at least do.
Reads YC_API_KEY, YC_FOLDER_ID and YCHAT_ENDPOINT like ychat.
"""

import json
import os
import sys

import httpx
import typer


def main(prompt: str) -> None:
    folder = os.environ["YC_FOLDER_ID"]
    body = {
        "modelUri": f"gpt://{folder}/yandexgpt/latest",
        "completionOptions": {"stream": True},
        "messages": [{"role": "user", "text": prompt}],
    }
    headers = {"Authorization": f"Api-Key {os.environ['YC_API_KEY']}", "x-folder-id": folder}
    url = os.environ["YCHAT_ENDPOINT"] + "/foundationModels/v1/completion"
    shown = ""
    with httpx.Client(timeout=60) as client, client.stream("POST", url, json=body, headers=headers) as reply:
        for line in reply.iter_lines():
            text = json.loads(line)["result"]["alternatives"][0]["message"]["text"]
            sys.stdout.write(text[len(shown) :])
            shown = text
    sys.stdout.write("\n")


if __name__ == "__main__":
    typer.run(main)
