"""The configurator benchmark: per-call latency of check, of complete + explode and of the selectable options
(with the reason for each greyed-out one) on random partial configurations, and the time to count a
product's valid configurations (compiling included).

Partial configurations are drawn from the product itself: a uniformly sampled valid configuration keeps
each family with probability one half, and one time in four one kept family is switched to a random option,
so some break a rule and some cannot be completed, as a shop's requests do. Timed loops run with the garbage
collector paused, as `timeit` does, so the figures are the configurator's and not a collection pass's.

The synthetic product has `families` option families of `options` options and `rules` random rules. Each
rule ties a family to one of its `reach` nearest neighbours in the product's order (options of one module,
such as trim, battery and wheels, constrain each other; a rule across the whole product is rare): `when` one
or two options, then `requires` one to all but one option of the other family, or `excludes` one or two.
"""

from __future__ import annotations

import gc
import math
import os
import random
import time
from collections.abc import Callable
from typing import Any

from factoryos.c2m.configurator import build, check, complete, count, sample, selectable
from factoryos.c2m.counting import Diagram, TooEntangled
from factoryos.model.plant import Plant, Product

SELECTABLE_REQUESTS = 200
"""What a screen greys out, with every reason, is asked of the first requests only: it is the slow call."""


def synthetic_product(families: int = 60, options: int = 8, rules: int = 400, reach: int = 3, seed: int = 1) -> Product:
    """A product of `families` x `options` with `rules` random rules between near families (module doc)."""
    rng = random.Random(seed)
    ids = [f"family-{f + 1:02d}" for f in range(families)]
    option_ids = [f"option-{k + 1}" for k in range(options)]
    spec: dict[str, Any] = {
        f: {
            "name": f"Family {i + 1}",
            "default": option_ids[0],
            "options": {
                o: {"name": f"Option {i + 1}.{k + 1}", "price": 100 * rng.randint(0, 9)}
                for k, o in enumerate(option_ids)
            },
        }
        for i, f in enumerate(ids)
    }
    drawn = []
    for _ in range(rules):
        i = rng.randrange(families)
        near = [j for j in range(i - reach, i + reach + 1) if 0 <= j < families and j != i]
        j = rng.choice(near)
        rule: dict[str, Any] = {"when": {ids[i]: rng.sample(option_ids, rng.randint(1, 2))}}
        if rng.random() < 0.5:
            rule["requires"] = {ids[j]: rng.sample(option_ids, rng.randint(1, options - 1))}
        else:
            rule["excludes"] = {ids[j]: rng.sample(option_ids, rng.randint(1, 2))}
        drawn.append(rule)
    return Product.model_validate(
        {"name": "Synthetic", "material": "synthetic", "tenant": "synthetic", "option_families": spec, "rules": drawn}
    )


def partial_configurations(product: Product, n: int, seed: int) -> list[dict[str, str]]:
    """`n` shop requests drawn from the product (module doc)."""
    rng = random.Random(seed)
    requests = []
    for configuration in sample(product, n, seed=seed):
        kept = {f: o for f, o in configuration.items() if rng.random() < 0.5}
        if kept and rng.random() < 0.25:
            family = rng.choice(sorted(kept))
            kept[family] = rng.choice(list(product.option_families[family].options))
        requests.append(kept)
    return requests


def latency(call: Callable[[dict[str, str]], object], requests: list[dict[str, str]]) -> dict[str, float]:
    """p50, p99 and max of `call` over `requests` in milliseconds, the garbage collector paused: wall clock,
    and the thread's CPU time (what the call costs when the machine is shared and the thread is preempted)."""
    wall, cpu = [], []
    gc.collect()
    gc.disable()
    try:
        for request in requests:
            started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
            call(request)
            cpu.append(time.thread_time_ns() - started_cpu)
            wall.append(time.perf_counter_ns() - started)
    finally:
        gc.enable()
    return _percentiles(wall, "") | _percentiles(cpu, "cpu_")


def _percentiles(times: list[int], prefix: str) -> dict[str, float]:
    times = sorted(times)
    return {
        f"{prefix}p50_ms": round(times[len(times) // 2] / 1e6, 4),
        f"{prefix}p99_ms": round(times[min(len(times) - 1, math.ceil(0.99 * len(times)) - 1)] / 1e6, 4),
        f"{prefix}max_ms": round(times[-1] / 1e6, 4),
    }


def bench_product(
    product: Product, requests: int, seed: int, plant: Plant | None = None, product_id: str = ""
) -> dict[str, Any]:
    """Count (timed on a fresh copy, compiling included), then the per-call latencies. A product too entangled
    to compile reports how long it took to say so: its requests cannot be drawn uniformly."""
    fresh = product.model_copy()
    started, started_cpu = time.perf_counter(), time.thread_time()
    try:
        total = count(fresh)
    except TooEntangled as error:
        return {
            "families": len(product.option_families),
            "rules": len(product.rules),
            "count_error": str(error),
            "count_seconds": round(time.perf_counter() - started, 4),
            "count_cpu_seconds": round(time.thread_time() - started_cpu, 4),
        }
    seconds, cpu_seconds = time.perf_counter() - started, time.thread_time() - started_cpu
    nodes, edges = Diagram(product).size()
    asked = partial_configurations(product, requests, seed)
    completions = [complete(product, request) for request in asked]
    result: dict[str, Any] = {
        "families": len(product.option_families),
        "options": sum(len(f.options) for f in product.option_families.values()),
        "rules": len(product.rules),
        "configurations": str(total),
        "configurations_log10": round(math.log10(total), 2) if total else None,
        "count_seconds": round(seconds, 4),
        "count_cpu_seconds": round(cpu_seconds, 4),
        "diagram_nodes": nodes,
        "diagram_edges": edges,
        "requests": len(asked),
        "consistent": sum(check(product, r).consistent for r in asked),
        "completable": sum(c.found for c in completions),
        "check": latency(lambda r: check(product, r), asked),
        "complete": latency(lambda r: complete(product, r), asked),
        "selectable": latency(lambda r: selectable(product, r), asked[:SELECTABLE_REQUESTS]),
    }
    if plant is not None:
        valid = [c.configuration for c in completions if c.configuration is not None]
        result["explode"] = latency(lambda c: build(plant, product_id, c), valid)

        def complete_and_explode(request: dict[str, str]) -> None:
            completion = complete(product, request)
            if completion.configuration is not None:
                build(plant, product_id, completion.configuration)

        result["complete_explode"] = latency(complete_and_explode, asked)
    return result


def bench_configure(
    plant: Plant | None, *, synthetic: bool = False, requests: int = 2000, seed: int = 1, reach: int = 3
) -> dict[str, Any]:
    """Every product of `plant`, and the synthetic product when asked; plain figures."""
    result: dict[str, Any] = {"requests": requests, "seed": seed, "load_average": os.getloadavg()[0], "products": {}}
    if plant is not None:
        result["site"] = plant.site.id
        for product_id, product in plant.products.items():
            result["products"][product_id] = bench_product(product, requests, seed, plant, product_id)
    if synthetic:
        product = synthetic_product(reach=reach, seed=seed)
        result["synthetic"] = {"reach": reach, **bench_product(product, requests, seed)}
    return result
