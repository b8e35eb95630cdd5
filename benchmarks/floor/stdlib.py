"""For information: one turn with the standard library only (http.client), no typer, no httpx."""

import http.client
import json
import os
import sys
import urllib.parse


def main(prompt: str) -> None:
    folder = os.environ["YC_FOLDER_ID"]
    body = {
        "modelUri": f"gpt://{folder}/yandexgpt/latest",
        "completionOptions": {"stream": True},
        "messages": [{"role": "user", "text": prompt}],
    }
    headers = {"Authorization": f"Api-Key {os.environ['YC_API_KEY']}", "x-folder-id": folder}
    url = urllib.parse.urlsplit(os.environ["YCHAT_ENDPOINT"])
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=60)
    connection.request("POST", "/foundationModels/v1/completion", json.dumps(body), headers)
    shown = ""
    for line in connection.getresponse():
        text = json.loads(line)["result"]["alternatives"][0]["message"]["text"]
        sys.stdout.write(text[len(shown) :])
        shown = text
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
