"""The ingestion pipeline: decode, validate, batch, store, and only then acknowledge.

Connectors `submit` messages into a bounded queue; `submit` blocks when the queue is full, which stops the
connector reading, so a slow store makes the broker hold the messages (MQTT QoS 1 with manual acks and a
receive maximum). A decoding thread takes up to `batch_size` messages and turns them into rows; a writing
thread stores each batch in one transaction and then acks every message of it (batched `Ack`s in one call
per sender). A message that cannot be decoded or whose readings fail validation (the database could not
store them, they are out of range, ...) goes to the dead letters in that same transaction, with its raw
payload and the reason; so does a message with a reading that conflicts with one stored under the same
(source, seq), and one the database refuses all the same (found by halving the batch). Nothing makes the
worker stop, and no message is retried for its data. If the store fails (down, locked), the batch is retried
and never acked, so after a crash the broker delivers it again and the idempotent insert drops what was
already stored.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from factoryos.iot.jsonlayout import DEFAULT_PREFIX, decode_json
from factoryos.iot.messages import Ack, Decoded, DecodeError, Inbound, Row
from factoryos.iot.sparkplug import NAMESPACE, SparkplugHost, parse_topic
from factoryos.iot.validate import Checker, Rules
from factoryos.store.db import describe
from factoryos.store.timeseries import Batch, Conflict, DeadLetterRow, TelemetryStore, Written, rejects_data

log = logging.getLogger(__name__)

POLL_S = 0.005  # how often a batch being gathered looks for more messages


@dataclass(frozen=True)
class PipelineSettings:
    """What the pipeline accepts (JSON prefixes, rules, payload size) and how it batches."""

    json_prefixes: tuple[str, ...] = (DEFAULT_PREFIX,)
    check_seq: bool = True
    rules: Rules = field(default_factory=Rules)
    batch_size: int = 5000
    queue_size: int = 20000
    max_wait_s: float = 0.05
    max_payload_bytes: int = 256 * 1024
    rollup_every_s: float = 5.0


@dataclass
class Stats:
    """What a pipeline has done so far: messages, readings stored, identical redeliveries of stored readings
    (not stored again), dead letters, batches, store failures."""

    received: int = 0
    stored_rows: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    batches: int = 0
    store_failures: int = 0


class Pipeline:
    """Decodes, validates, stores and acknowledges what connectors submit (see the module docstring)."""

    def __init__(
        self,
        store: TelemetryStore,
        settings: PipelineSettings | None = None,
        on_rebirth: Callable[[str, str], None] | None = None,
        on_stored: Callable[[Batch], None] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or PipelineSettings()
        self.on_rebirth = on_rebirth
        self.on_stored = on_stored  # live consumers of what was stored (SPC); their failure stops nothing
        self.host = SparkplugHost(check_seq=self.settings.check_seq)
        self.host.restore(store.births())
        self.stats = Stats()
        self._check = Checker(self.settings.rules)
        self._queue: queue.SimpleQueue[Inbound] = queue.SimpleQueue()
        self._decoded: queue.Queue[tuple | None] = queue.Queue(1)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pending_rollup: tuple[int, int] | None = None
        self._letter_channels: set[str] = set()
        self._last_rollup = time.monotonic()
        self._submitted_lock = threading.Lock()
        self._submitted = 0
        self._finished = 0
        self._idle = threading.Condition()

    # connectors' side

    def submit(self, message: Inbound) -> None:
        """Queue a message; blocks while the queue is full.

        The queue is a `SimpleQueue` (no Python-level lock or condition) with the bound checked here, as this
        runs once per message in the connector's network thread; a connector that bounds what it receives
        (MQTT's receive maximum at most `queue_size`) never waits."""
        while self._queue.qsize() >= self.settings.queue_size:
            time.sleep(0.001)
        with self._submitted_lock:
            self._submitted += 1
        self._queue.put(message)

    # lifecycle

    def start(self) -> Pipeline:
        """Run a decoding and a writing thread: batch n+1 is decoded while batch n is written.

        What is alive now (modules, the ORM's mappers, ...) is first hidden from the garbage collector
        (`gc.freeze`, after a collection so that no garbage is kept): ingestion allocates rows fast enough
        to set off a full collection every few seconds, and each would walk all of that again (about a
        quarter of a second each in the ingestion benchmark, whose CLI imports the solvers too)."""
        gc.collect()
        gc.freeze()
        self._threads = [
            threading.Thread(target=self._decode_loop, name="factoryos-decode", daemon=True),
            threading.Thread(target=self._write_loop, name="factoryos-write", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Store what is queued, then stop."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until every submitted message is stored or dead-lettered (for tests and benchmarks)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._submitted == self._finished, timeout)

    # the work

    def decode(self, message: Inbound, now_us: int) -> Decoded | list[Row]:
        """A Sparkplug message's `Decoded`, or a JSON message's rows alone (no object per message)."""
        payload, topic = message.payload, message.topic
        if len(payload) > self.settings.max_payload_bytes:
            raise DecodeError(f"payload of {len(payload)} bytes exceeds {self.settings.max_payload_bytes}")
        if topic.startswith(NAMESPACE + "/"):
            parsed = parse_topic(topic)
            return Decoded() if parsed is None else self.host.decode(parsed, payload, now_us / 1e6)
        for prefix in self.settings.json_prefixes:
            if topic.startswith(prefix) and topic[len(prefix) : len(prefix) + 1] == "/":
                return decode_json(topic[len(prefix) + 1 :].split("/"), payload, now_us)
        raise DecodeError(f"unknown topic {topic!r}: expected {NAMESPACE}/... or one of {self.settings.json_prefixes}")

    def process(self, messages: list[Inbound]) -> tuple[Batch, list[tuple[str, str]]]:
        """Decode and validate messages into one batch; returns it and the rebirths to request."""
        batch = Batch()
        rebirths = []
        sort, sort_measurements, measurements = self._check.sort, self._check.measurements, batch.measurements
        add, mark = batch.add, batch.mark
        now_us = time.time_ns() // 1000
        self._check.arrived(now_us)
        for message in messages:
            try:
                decoded = self.decode(message, now_us)
                problems: list[str]
                accepted: list[tuple] = []
                if isinstance(decoded, list):
                    rows, problems = decoded, []
                else:
                    rows, problems = decoded.rows, decoded.problems
                    sort_measurements(decoded.measurements, accepted, problems)
                others: list[Row] = []
                sort(rows, accepted, others, problems)
            except DecodeError as error:
                self._dead_letter(batch, message, str(error))
                mark()
                continue
            except Exception as error:  # a decoder's or a check's bug must not stop the ingester either
                log.exception("decoding or checking failed on %s", message.topic)
                self._dead_letter(batch, message, f"decoder error: {type(error).__name__}: {error}")
                mark()
                continue
            if not isinstance(decoded, list):
                batch.births.extend(decoded.births)
                if decoded.rebirth is not None:
                    rebirths.append(decoded.rebirth)
            measurements.extend(accepted)
            for row in others:
                add(row)
            if problems:
                self._dead_letter(batch, message, "; ".join(problems))
            mark()
        return batch, rebirths

    def _dead_letter(self, batch: Batch, message: Inbound, reason: str) -> None:
        batch.dead_letters.append(DeadLetterRow(message.channel, message.topic, reason[:2000], message.payload))

    def _decode_loop(self) -> None:
        while True:
            messages = self._take()
            if messages:
                self._decoded.put((messages, *self.process(messages)))
            elif self._stop.is_set():
                self._decoded.put(None)
                return

    def _write_loop(self) -> None:
        while (work := self._decoded.get()) is not None:
            messages, batch, rebirths = work
            if not self._store(batch, messages):
                return  # stopping while the store is down: nothing acked, the broker keeps it
            _acknowledge(messages)
            self._done(messages, batch)
            if self.on_stored is not None:
                try:
                    self.on_stored(batch)
                except Exception:
                    log.exception("a live consumer of the stored readings failed on a batch; ingestion goes on")
            if self.on_rebirth is not None:
                for group, node in rebirths:
                    self.on_rebirth(group, node)
            self._refresh_rollups()
        self._refresh_rollups(force=True)

    def _take(self) -> list[Inbound]:
        """Up to `batch_size` messages: the first one waited for, then what arrives within `max_wait_s`.

        While the queue is empty this sleeps in short steps instead of waiting on the queue: a wait there
        would wake this thread, and make the connector's thread wake it, once per message."""
        try:
            first = self._queue.get(timeout=0.1)
        except queue.Empty:
            return []
        messages = [first]
        size, get = self.settings.batch_size, self._queue.get_nowait
        deadline = time.monotonic() + self.settings.max_wait_s
        while True:
            try:
                while len(messages) < size:
                    messages.append(get())
                return messages
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return messages
                time.sleep(min(remaining, POLL_S))

    def _store(self, batch: Batch, messages: list[Inbound]) -> bool:
        """Store a batch of `messages`; False if stopped while the store is down (nothing is then acked).

        What the database refuses is found by halving the batch (by message) down to the one message it
        refuses, which becomes a dead letter: a poison message is never retried, nor holds up the others.
        A reading that conflicts with a stored one makes its message a dead letter too."""
        outcome = self._write(batch)
        if outcome is None:
            return False
        if isinstance(outcome, BaseException):
            if len(messages) == 1:
                return self._refused(batch, messages[0], outcome)
            half = len(messages) // 2
            return self._store(batch.part(0, half), messages[:half]) and self._store(
                batch.part(half, len(messages)), messages[half:]
            )
        self.stats.stored_rows += outcome.stored
        self.stats.duplicates += outcome.duplicates
        self._count_dead_letters(batch.dead_letters)
        if outcome.conflicts:
            return self._conflicted(batch, messages, outcome.conflicts)
        return True

    def _write(self, batch: Batch) -> Written | BaseException | None:
        """What writing a batch did, the error if the database refuses its data, or None if stopped while
        the database is failing (which is retried until then)."""
        delay = 0.1
        while True:
            try:
                return self.store.write(batch)
            except Exception as error:
                if rejects_data(error):
                    return error
                self.stats.store_failures += 1
                log.exception("storing a batch failed; retrying in %.1f s", delay)
                if self._stop.wait(delay):
                    return None
                delay = min(delay * 2, 5.0)

    def _refused(self, batch: Batch, message: Inbound, error: BaseException) -> bool:
        refusal = describe(error)[:500]
        reasons = [letter.reason for letter in batch.dead_letters] + [f"the database refused it: {refusal}"]
        letter = DeadLetterRow(message.channel, message.topic, "; ".join(reasons), message.payload)
        return self._letters([letter])

    def _conflicted(self, batch: Batch, messages: list[Inbound], conflicts: list[Conflict]) -> bool:
        reasons: dict[int, list[str]] = {}
        for conflict in conflicts:
            reasons.setdefault(batch.message_of(conflict.rows, conflict.position), []).append(conflict.reason)
        letters = [
            DeadLetterRow(messages[i].channel, messages[i].topic, "; ".join(why)[:2000], messages[i].payload)
            for i, why in reasons.items()
        ]
        return self._letters(letters)

    def _letters(self, letters: list[DeadLetterRow]) -> bool:
        outcome = self._write(Batch(dead_letters=letters))
        if outcome is None:
            return False
        if isinstance(outcome, BaseException):
            log.error("the database refuses even the dead letters %s: %s", [d.reason for d in letters], outcome)
        else:
            self._count_dead_letters(letters)
        return True

    def _count_dead_letters(self, letters: list[DeadLetterRow]) -> None:
        self.stats.dead_letters += len(letters)
        self._letter_channels.update(letter.channel for letter in letters)

    def _done(self, messages: list[Inbound], batch: Batch) -> None:
        self.stats.received += len(messages)
        self.stats.batches += 1
        span = batch.ts_range()
        if span is not None:
            lo, hi = span if self._pending_rollup is None else self._pending_rollup
            self._pending_rollup = (min(lo, span[0]), max(hi, span[1]))
        with self._idle:
            self._finished += len(messages)
            self._idle.notify_all()

    def _refresh_rollups(self, force: bool = False) -> None:
        """Every `rollup_every_s`: the rollups of what arrived, and the dead letters kept within their cap.

        Each is retried on its own if the database fails it: neither holds up the other. An hour of one
        equipment whose sum the database refuses is left without rollups and logged (its raw rows are
        kept), not retried: trying again could not help."""
        if self._pending_rollup is None and not self._letter_channels:
            return
        if not force and time.monotonic() - self._last_rollup < self.settings.rollup_every_s:
            return
        self._last_rollup = time.monotonic()
        if self._pending_rollup is not None:
            try:
                refused = self.store.refresh_rollups(*self._pending_rollup)
            except Exception:
                log.exception("refreshing rollups failed; will retry")
            else:
                self._pending_rollup = None
                for hour in refused:
                    log.error(
                        "no %s for %s in the hour from %s: the database refused its sum (%s)",
                        hour.table,
                        hour.equipment,
                        hour.hour.isoformat(timespec="minutes"),
                        hour.reason,
                    )
        if self._letter_channels:
            try:
                self.store.prune_dead_letters(datetime.now(UTC), self._letter_channels)
            except Exception:
                log.exception("pruning dead letters failed; will retry")
            else:
                self._letter_channels = set()


def _acknowledge(messages: list[Inbound]) -> None:
    """Ack stored messages: batched `Ack`s with one call per sender, any other ack one by one."""
    batched: dict[Callable[[list[int]], None], list[int]] = {}
    for message in messages:
        ack = message.ack
        if type(ack) is Ack:
            batched.setdefault(ack.send, []).append(ack.token)
        elif ack is not None:
            ack()
    for send, tokens in batched.items():
        send(tokens)
