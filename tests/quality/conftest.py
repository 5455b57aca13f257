"""The fixture the genealogy, trace and hold tests share: the hand-built history stored (history.py)."""

from __future__ import annotations

import pytest

from .history import store_history


@pytest.fixture
def traced(engine):
    """The mini plant with its orders and the hand-built floor history stored, on SQLite and PostgreSQL."""
    store_history(engine)
    return engine
