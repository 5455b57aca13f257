"""JSON bodies read strictly. The standard library keeps the last of a key given twice, takes NaN and Infinity
(which JSON has not) and turns a number past a float's range into infinity, all in silence; an order's body is
refused instead, as `orders import` refuses such a line, with a 422 that says what."""

from __future__ import annotations

import codecs
import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from factoryos.api.limits import replayed
from factoryos.model.files import unique_keys

MAX_INTEGER_DIGITS = 30
"""Past any count or quantity an order may carry, and well inside what Python converts."""


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is beyond the range of a number")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def _integer(text: str) -> int:
    """An integer, but not one of thousands of digits (Python refuses those with advice for its own users)."""
    if len(text) > MAX_INTEGER_DIGITS:
        raise ValueError(f"an integer of {len(text):,} digits is beyond the range of a number")
    return int(text)


def _utf8(body: bytes) -> str:
    """The body as text: JSON between systems is UTF-8 without a byte-order mark (RFC 8259), and the standard
    library would also read UTF-16 and UTF-32 and skip a mark, as `orders import` does not."""
    if body.startswith(codecs.BOM_UTF8):
        raise ValueError("the body starts with a byte-order mark; JSON is sent as UTF-8 without one")
    encoding = json.detect_encoding(body)
    if encoding != "utf-8":
        raise ValueError(f"the body is {encoding.upper()} text; JSON is sent as UTF-8")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"the body is not UTF-8 text (byte {error.start + 1:,})") from None


def strict_loads(body: bytes) -> Any:
    """The JSON document `body`; what the standard library would take in silence is a JSONDecodeError."""
    try:
        document = json.loads(
            _utf8(body),
            object_pairs_hook=unique_keys,
            parse_float=_finite,
            parse_int=_integer,
            parse_constant=_no_constant,
        )
        if b"\\u" in body:  # only an escape can put a lone surrogate in a string
            json.dumps(document, ensure_ascii=False).encode("utf-8")
        return document
    except json.JSONDecodeError:
        raise
    except RecursionError:
        reason = "nested deeper than a JSON body may be"
    except UnicodeEncodeError:
        reason = "a string holds a lone surrogate escape (\\ud800-\\udfff alone), which is not text"
    except ValueError as error:
        reason = str(error)
    raise json.JSONDecodeError(reason, body.decode("utf-8", "replace"), 0)


class StrictJsonRequest(Request):
    """A request whose `json()` is `strict_loads` of its body."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = strict_loads(await self.body())
        return self._json


class StrictJsonRoute(APIRoute):
    """A route whose JSON body is read with `strict_loads` (FastAPI answers its JSONDecodeError with a 422). The
    body is read on the route's own request first, so an exception handler given that request still reads it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def strict(request: Request) -> Response:
            return await handle(StrictJsonRequest(request.scope, replayed(await request.body(), request.receive)))

        return strict
