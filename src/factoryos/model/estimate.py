"""A figure estimated from a sample, with its confidence interval: what the engines report where one number
would hide how sure it is (a process capability index, an experiment's mean over replications)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    """`value` estimated from a sample, with the `lower` and `upper` ends of its confidence interval."""

    value: float
    lower: float
    upper: float
