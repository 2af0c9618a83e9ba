"""Reading a server-sent event stream in a test, through the app itself.

The test client waits for a response to end, and an event stream (`/events`,
`/presence/events`) never ends while its session lasts; so the app is called directly as
an ASGI application with the session's cookies, its first events are read, and then the
"browser" hangs up (`http.disconnect`), which ends the stream as closing a tab does.

    streamed = open_stream(app, "/presence/events", dict(client.cookies.items()), events=1)
    streamed.status, streamed.events[0]["event"], json.loads(streamed.events[0]["data"])
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import anyio
from fastapi import FastAPI


@dataclass
class Streamed:
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    events: list[dict[str, str]] = field(default_factory=list)
    """Each event's fields (`event`, `data`…), a multi-line `data` joined with newlines."""


def parse_events(text: str) -> list[dict[str, str]]:
    """The complete events in `text` (an event ends with a blank line)."""
    found = []
    for block in text.replace("\r\n", "\n").split("\n\n")[:-1]:
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if not line or line.startswith(":"):
                continue
            name, _colon, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            fields[name] = f"{fields[name]}\n{value}" if name in fields else value
        if fields:
            found.append(fields)
    return found


def open_stream(
    app: FastAPI, path: str, cookies: dict[str, str], *, events: int = 0, timeout: float = 10
) -> Streamed:
    """GET `path` as the session in `cookies`; return once the response has started and
    `events` events have come (at once if it is not a 200), then hang up."""

    async def run() -> Streamed:
        answer = Streamed()
        body: list[str] = []
        done = anyio.Event()
        asked = False

        async def receive() -> dict[str, Any]:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                answer.headers = {key.decode(): value.decode() for key, value in message["headers"]}
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b"").decode())
                answer.events = parse_events("".join(body))
            if answer.status and (answer.status != 200 or len(answer.events) >= events):
                done.set()

        raw_path, _q, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "https",
            "path": raw_path,
            "raw_path": raw_path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [
                (b"host", b"testserver"),
                (b"accept", b"text/event-stream"),
                (b"cookie", "; ".join(f"{name}={value}" for name, value in cookies.items()).encode()),
            ],
            "client": ("testclient", 50000),
            "server": ("testserver", 443),
        }
        with anyio.fail_after(timeout):
            await app(scope, receive, send)
        return answer

    # In a thread of its own: Playwright's sync API keeps an event loop running in the test
    # thread once a browser test has run, and anyio.run refuses to start inside it.
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(anyio.run, run).result()
