"""Equipment states as small integers, so that state-time accounting on the hot path is a list index."""

from __future__ import annotations

from factoryos.model.events import EquipmentState

WORKING, SETUP, BLOCKED, STARVED, DOWN, IDLE, MAINTENANCE, STARVED_MATERIAL = range(8)

NAMES = ("working", "setup", "blocked", "starved", "down", "idle", "maintenance", "starved-material")

# What a state is called on the floor's event stream.
EVENT_STATE = (
    EquipmentState.RUNNING,
    EquipmentState.SETUP,
    EquipmentState.BLOCKED,
    EquipmentState.STARVED,
    EquipmentState.DOWN,
    EquipmentState.IDLE,
    EquipmentState.MAINTENANCE,
    EquipmentState.STARVED_MATERIAL,
)

# The active-period method counts a station as active while it works, sets up or is repaired.
ACTIVE = (True, True, False, False, True, False, True, False)
