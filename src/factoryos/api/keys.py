"""Who is behind a Bearer key, remembered for a few seconds: looking a key up costs a hash and a database
round trip, which an order does not need to pay each time. A revoked key (or a tenant dropped from the plant)
is refused once its entry is older than `seconds`, on every worker."""

from __future__ import annotations

import time
from collections.abc import Callable

from factoryos.services.tenants import Caller, hash_key

MAX_ENTRIES = 10_000
"""Past this many remembered keys, the expired ones are dropped (and all of them if none had expired)."""


class KeyCache:
    """Callers by the SHA-256 of their key, each kept `seconds` from when it was looked up."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self._entries: dict[str, tuple[Caller, float]] = {}

    def get(self, presented: str) -> Caller | None:
        entry = self._entries.get(hash_key(presented))
        if entry is None or self.clock() >= entry[1]:
            return None
        return entry[0]

    def put(self, presented: str, caller: Caller) -> None:
        if len(self._entries) >= MAX_ENTRIES:
            now = self.clock()
            self._entries = {k: e for k, e in self._entries.items() if e[1] > now}
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
        self._entries[hash_key(presented)] = (caller, self.clock() + self.seconds)
