"""What the plant file does not say and the twin needs: yields and rework loops, end-of-line test limits,
which sensors the twin can simulate, variability and transport times. Plain data, by capability.

The figures are round, plausible values for automotive and appliance plants, not measurements.
"""

from __future__ import annotations

from factoryos.twin.part import TestSpec

# First-pass yield of an operation by capability, and what a failed unit does: re-run the listed
# capabilities of its own route (a re-spray), go to repair for the given minutes, or be scrapped (None).
YIELDS: dict[str, tuple[float, tuple[str, ...] | float | None]] = {
    "inspect-paint": (0.93, ("basecoat", "clearcoat", "cure")),
    "align-wheels": (0.99, 20.0),
    "roll-test": (0.98, 45.0),
    "water-test": (0.985, 60.0),
    "electrical-safety": (0.995, 90.0),
    "test-pack": (0.99, 120.0),
    "test-module": (0.995, None),
    "leak-test": (0.98, 30.0),
    "function-test": (0.97, 25.0),
    "run-test": (0.97, 25.0),
    "electrical-test": (0.99, 30.0),
}

# End-of-line tests: (name, unit, nominal, low, high) per measurement.
TESTS: dict[str, TestSpec] = {
    "align-wheels": TestSpec("wheel-alignment", (("toe_deviation", "arcmin", 2.0, 0.0, 6.0),)),
    "roll-test": TestSpec(
        "rolling-road", (("brake_imbalance", "%", 8.0, 0.0, 20.0), ("drive_vibration", "mm/s", 1.5, 0.0, 4.0))
    ),
    "water-test": TestSpec("water-leak", (("cabin_humidity_rise", "%RH", 1.0, 0.0, 5.0),)),
    "electrical-safety": TestSpec(
        "hv-safety", (("hv_leakage_current", "mA", 0.8, 0.0, 2.0), ("bonding_resistance", "mOhm", 40.0, 0.0, 100.0))
    ),
    "test-pack": TestSpec(
        "pack-eol", (("leak_rate", "1e-6 mbar l/s", 2.0, 0.0, 10.0), ("isolation_leakage", "uA", 20.0, 0.0, 100.0))
    ),
    "leak-test": TestSpec("leak", (("refrigerant_leak", "g/yr", 1.0, 0.0, 5.0),)),
    "function-test": TestSpec("function", (("power_draw", "W", 120.0, 90.0, 150.0),)),
    "run-test": TestSpec("run", (("noise", "dB(A)", 42.0, 30.0, 48.0),)),
    "electrical-test": TestSpec("electrical", (("earth_resistance", "mOhm", 50.0, 0.0, 100.0),)),
}

# Plant sensor names the twin simulates, and the sensor kind (factoryos.twin.sensors) that produces them.
SENSOR_OF: dict[str, str] = {
    "weld-current": "weld",
    "press-tonnage": "press",
    "booth-temperature": "paint_booth",
    "booth-humidity": "paint_booth",
    "spindle-vibration": "spindle",
}

RUN_CV = 0.1  # coefficient of variation of processing times around the routing's run time
MTTR_CV = 0.8  # repair times are skewed: most are quick, a few take long
TRANSPORT_SECONDS = 300.0  # conveyor or AGV between areas
STOCK_COVER_DAYS = (
    3.0  # reorder point of stocked components, in days of use: covers a lot's lead time and a long weekend
)
