"""Units of measure a reading may carry, shared by the plant file (sensor limits, test limits) and the
ingester, so that the twin publishes only what its own ingester accepts."""

from __future__ import annotations

# Units a reading may carry: SI and the customary shop-floor ones, UCUM-style spellings, "1" for none.
UNITS = frozenset().union(
    {"1", "%", "ppm", "%RH", "count", "pcs", "pH", "dB", "dBA", "lx", "cd", "mol"},
    {"degC", "C", "degF", "F", "K", "mK"},
    {"Pa", "hPa", "kPa", "MPa", "bar", "mbar", "psi", "N/m2", "Pa.s", "cP"},
    {"m", "cm", "mm", "um", "nm", "km", "in", "m2", "m3", "l", "L", "ml", "mL"},
    {"l/min", "L/min", "l/h", "m3/h", "kg/h", "kg/s", "g/s", "m/s", "mm/s", "m/s2", "g0"},
    {"kg", "g", "mg", "t", "lb", "N", "kN", "Nm", "kNm"},
    {"J", "kJ", "MJ", "Wh", "kWh", "W", "kW", "MW", "VA", "kVA", "var"},
    {"V", "mV", "kV", "A", "mA", "uA", "kA", "ohm", "Ohm", "mOhm", "kOhm", "MOhm", "GOhm", "S", "uS", "mS"},
    {"Hz", "kHz", "rpm", "rad", "deg", "arcmin", "arcsec"},
    {"mbar.l/s", "Pa.m3/s", "g/yr", "g/a", "sccm"},
    {"s", "ms", "us", "min", "h", "d"},
)
PHYSICAL_MINIMUM = {"K": 0.0, "mK": 0.0, "degC": -273.15, "C": -273.15, "degF": -459.67, "F": -459.67}
