"""A probe: the floor's output, work in process and finished-goods stock sampled on a clock, for charts."""

from __future__ import annotations

from typing import Any

from factoryos.twin.floor import Floor


class Probe:
    """Samples the floor's completions, work in process and finished-goods stock every `every` seconds."""

    def __init__(self, floor: Floor, every: float = 3600.0) -> None:
        self.floor = floor
        self.every = every
        self.samples: list[tuple[float, int, int, int]] = []  # (seconds, completed (after the warm-up), wip, fg stock)
        floor.env.process(self._sample())

    def _sample(self) -> Any:
        env = self.floor.env
        sink = self.floor.sink
        fg = self.floor.finished_goods
        while True:
            self.samples.append((env.now, sink.completed, sink.wip, fg.level))
            yield env.timeout(self.every)
