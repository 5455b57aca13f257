"""`factoryos bench ingest`: MQTT ingestion throughput against a bare paho pair (`factoryos.bench.ingest`)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from factoryos.cli.common import DbOption, JsonOption, console, open_store


def ingest(
    broker: Annotated[str, typer.Option(help="MQTT broker, mqtt://host:port.")] = "mqtt://127.0.0.1:1883",
    messages: Annotated[int, typer.Option(min=1, help="Messages to publish.")] = 50_000,
    sparkplug: Annotated[bool, typer.Option("--sparkplug", help="Sparkplug B DDATA, 20 metrics each.")] = False,
    as_json: JsonOption = False,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the benchmark's rows in the store.")] = False,
    db: DbOption = None,
) -> None:
    """Publish N QoS 1 messages and ingest them into the store; compare with a bare paho pair."""
    from factoryos.bench.ingest import ingest_benchmark

    figures = ingest_benchmark(broker, messages, sparkplug, open_store(db), keep=keep)
    if as_json:
        print(json.dumps(figures))
        return
    unit = "metrics" if sparkplug else "msgs"
    console.print(
        f"{figures['mode']}: {figures['stored']:,}/{figures['expected']:,} {unit} stored in {figures['seconds']:.2f} s "
        f"({figures['msgs_per_s']} msg/s); bare paho pair {figures['bare_msgs_per_s']} msg/s; "
        f"ratio {figures['ratio_to_bare']}"
    )
