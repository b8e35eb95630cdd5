"""The floor of --each-line on this stack: httpx and 8 threads, one question per stdin line,
answers printed in input order. No typer, no retries, no config, no error handling: what any
batch client on this stack must at least do. Reads YC_API_KEY, YC_FOLDER_ID and YCHAT_ENDPOINT
like ychat.
"""

import os
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx

URL = os.environ["YCHAT_ENDPOINT"] + "/foundationModels/v1/completion"
FOLDER = os.environ["YC_FOLDER_ID"]
HEADERS = {"Authorization": f"Api-Key {os.environ['YC_API_KEY']}", "x-folder-id": FOLDER}
client = httpx.Client(timeout=60)


def ask(question: str) -> str:
    body = {
        "modelUri": f"gpt://{FOLDER}/yandexgpt/latest",
        "completionOptions": {"stream": False},
        "messages": [{"role": "user", "text": question}],
    }
    return client.post(URL, json=body, headers=HEADERS).json()["result"]["alternatives"][0]["message"]["text"]


with ThreadPoolExecutor(int(sys.argv[1]) if len(sys.argv) > 1 else 8) as pool:
    for answer in pool.map(ask, (line.strip() for line in sys.stdin if line.strip())):
        print(answer + "\n")
