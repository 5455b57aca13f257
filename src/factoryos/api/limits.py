"""Limits at the door: a cap on request body sizes (413) and a token bucket per API key (429).

The token buckets are in-process: right for one worker; with several uvicorn workers each keeps its own,
so a key's effective limit is the per-worker rate times the number of workers.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


Refused = Callable[[Scope, bytes], Awaitable[None]]


class BodySizeLimit:
    """ASGI middleware: a body over `max_bytes` (by Content-Length, or counted as it streams) answers 413
    before the app sees it, and `on_refused` gets the request and the body's first `max_bytes` (to keep a
    refused order). The body is buffered, which is fine at the sizes an order has."""

    def __init__(self, app: App, max_bytes: int, on_refused: Refused | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.on_refused = on_refused

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_large = declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes)
        body, complete = await self._read(receive)
        if too_large or not complete:
            if self.on_refused is not None:
                await self.on_refused(scope, body[: self.max_bytes])
            await self._too_large(send)
            return
        await self.app(scope, replayed(body, receive), send)

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        """The body, read until it ends or passes `max_bytes`; and whether it ended within the limit."""
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_bytes:
                return b"".join(chunks), False
            more = message.get("more_body", False)
        return b"".join(chunks), True

    async def _too_large(self, send: Send) -> None:
        content = json.dumps({"detail": f"the request body is larger than {self.max_bytes:,} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": content})


class TokenBuckets:
    """One bucket per key: `burst` tokens, refilled at `rate` per second; a request takes one."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds until a token is back."""
        with self._lock:
            now = self.clock()
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


def replayed(body: bytes, receive: Receive) -> Receive:
    """A body already read, as one message, then what the connection says next (a disconnect)."""
    told = False

    async def replay() -> Message:
        nonlocal told
        if told:
            return await receive()
        told = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
