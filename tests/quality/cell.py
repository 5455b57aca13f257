"""Simulated sensors for the monitor's tests and benchmark. A machining cell: eight correlated sensors driven by two
slow latent states (spindle load, coolant supply), with temperatures that follow the power with a lag, and
optionally a slow drift injected from a known row: a coolant temperature creeping up while nothing else
changes (fouling in the heat exchanger), which breaks the sensors' normal relationship long before the
temperature itself leaves its normal range. And six sensors on two independent factors, samples independent of
each other, with one sensor drifting off its relation to the others."""

from __future__ import annotations

import numpy as np

SENSORS = (
    "spindle_power",
    "motor_current",
    "torque",
    "vibration",
    "spindle_temp",
    "coolant_temp",
    "coolant_flow",
    "coolant_pressure",
)


def simulate_cell(rows: int, seed: int, drift_from: int | None = None, drift_per_row: float = 0.004) -> np.ndarray:
    """`rows` samples (one per row, columns as SENSORS); from row `drift_from` on, coolant_temp gains
    `drift_per_row` of its own standard deviation per row."""
    rng = np.random.default_rng(seed)
    warm = 200
    total = rows + warm
    load, supply = np.zeros(total), np.zeros(total)
    spindle_temp, coolant_temp = np.zeros(total), np.zeros(total)
    for t in range(1, total):
        load[t] = 0.9 * load[t - 1] + rng.normal(0, 0.44)
        supply[t] = 0.95 * supply[t - 1] + rng.normal(0, 0.31)
        spindle_temp[t] = 0.8 * spindle_temp[t - 1] + 0.2 * load[t - 1] + rng.normal(0, 0.05)
        coolant_temp[t] = (
            0.85 * coolant_temp[t - 1] + 0.15 * spindle_temp[t - 1] - 0.05 * supply[t] + rng.normal(0, 0.03)
        )
    noise = rng.normal(0, 1, (total, len(SENSORS)))
    data = np.column_stack(
        [
            2.0 * load + 0.1 * noise[:, 0],
            1.5 * load + 0.1 * noise[:, 1],
            np.concatenate([[0.0], load[:-1]]) + 0.5 * load + 0.1 * noise[:, 2],
            0.7 * np.concatenate([[0.0], load[:-1]]) + 0.3 * noise[:, 3],
            spindle_temp + 0.02 * noise[:, 4],
            coolant_temp + 0.02 * noise[:, 5],
            supply + 0.1 * noise[:, 6],
            0.8 * supply + 0.1 * noise[:, 7],
        ]
    )[warm:]
    if drift_from is not None:
        sd = data[:, 5].std()
        ramp = np.clip(np.arange(rows) - drift_from + 1, 0, None) * drift_per_row * sd
        data[:, 5] += ramp
    return data


NAMES = tuple(f"s{j}" for j in range(6))


def correlated(rows: int, seed: int, drift_from: int | None = None, per_row: float = 0.01) -> np.ndarray:
    """Six sensors driven by two independent factors, with noise of a fifth of their spread; from row
    `drift_from` sensor s3 moves by `per_row` of its standard deviation a row, off its relation to the others."""
    rng = np.random.default_rng(seed)
    factors = rng.normal(0, 1, (rows, 2))
    loadings = np.array([[1.0, 0.8, 0.6, 0.0, 0.3, 0.5], [0.0, 0.4, 0.8, 1.0, 0.9, -0.5]])
    data = factors @ loadings + rng.normal(0, 0.2, (rows, 6))
    if drift_from is not None:
        data[drift_from:, 3] += np.arange(1, rows - drift_from + 1) * per_row * data[:, 3].std()
    return data
