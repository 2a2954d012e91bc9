"""Python side of `client_vs_python` (run by bench/python-client.ts).

The stack of ToopherPython, the SDK passport-toopher replaces: one
requests_oauthlib.OAuth1Session (HMAC-SHA1, Authorization header, one
keep-alive connection), each call a signed GET with a timeout, the status
checked and the JSON body parsed.

Arguments: URL, consumer key, consumer secret, expected id. Then reads
commands from stdin, one a line: `run <ms>` makes sequential calls for that
long and prints `{"calls", "elapsed_ms", "cpu_us"}` as one JSON line;
`quit` ends. With a fifth argument N it makes N calls and exits instead
(for bench/client-instructions.ts).
"""

import json
import sys
import time

from requests_oauthlib import OAuth1Session


def main() -> None:
    url, key, secret, expected_id = sys.argv[1:5]
    session = OAuth1Session(key, client_secret=secret)
    session.headers["User-Agent"] = "ToopherPython/bench"

    def call() -> None:
        response = session.get(url, timeout=10)
        if response.status_code != 200:
            raise RuntimeError(f"status {response.status_code}")
        if response.json()["id"] != expected_id:
            raise RuntimeError("wrong id")

    if len(sys.argv) > 5:
        for _ in range(int(sys.argv[5])):
            call()
        return

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command or command[0] == "quit":
            break
        duration = int(command[1]) / 1000
        cpu0 = time.process_time()
        start = time.perf_counter()
        deadline = start + duration
        calls = 0
        while time.perf_counter() < deadline:
            call()
            calls += 1
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - cpu0
        print(json.dumps({"calls": calls, "elapsed_ms": elapsed * 1000, "cpu_us": cpu * 1e6}), flush=True)


if __name__ == "__main__":
    main()
