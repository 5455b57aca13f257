"""Idling and minor stops kept as its causes, blocked and starved, on state intervals built by hand: per
equipment, per line and per window the causes add up to the loss, and each is the time in its state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from factoryos.iot.oee import Losses, Window, by_line, by_window, equipment_oee, state_intervals

T0 = datetime(2027, 2, 1, 6, 0, tzinfo=UTC)
LINE = "ev/body/line-1"
PRESS, WELDER = f"{LINE}/press", f"{LINE}/welder"
MINUTE = 60.0


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


# Four hours. The press: blocked 60-90 and 160-200 (70 min), starved 90-100 (10 min), idle at the end.
# The welder: starved 0-30 (30 min), blocked 100-110 (10 min).
CHANGES = [
    (at(0), PRESS, "running"),
    (at(60), PRESS, "blocked"),
    (at(90), PRESS, "starved"),
    (at(100), PRESS, "running"),
    (at(160), PRESS, "blocked"),
    (at(200), PRESS, "idle"),
    (at(0), WELDER, "starved"),
    (at(30), WELDER, "running"),
    (at(100), WELDER, "blocked"),
    (at(110), WELDER, "running"),
]
INTERVALS = state_intervals(CHANGES, T0, at(240))


def minutes(losses: Losses) -> tuple[float, float, float]:
    return losses.blocked_s / MINUTE, losses.starved_s / MINUTE, losses.minor_stops_s / MINUTE


def test_each_equipment_and_its_line_split_idling_and_minor_stops_into_blocked_and_starved() -> None:
    per_equipment = equipment_oee(INTERVALS, [], ideal_cycle_s=60.0)
    assert minutes(per_equipment[PRESS].losses) == pytest.approx((70, 10, 80))
    assert minutes(per_equipment[WELDER].losses) == pytest.approx((10, 30, 40))
    line = by_line(per_equipment)[LINE]
    assert minutes(line.losses) == pytest.approx((80, 40, 120))
    assert line.production_s == pytest.approx((200 + 240) * MINUTE)  # minor stops stay production time
    figures = line.as_dict()
    assert figures["idling_and_minor_stops_s"] == {"blocked": 80 * MINUTE, "starved": 40 * MINUTE}
    assert figures["losses_s"]["idling and minor stops"] == pytest.approx(120 * MINUTE)


def test_a_window_splits_the_minor_stops_inside_it() -> None:
    """A window boundary at 3 h cuts the press's second blockage: 20 min of it in each window."""
    windows = [Window("first", T0, at(180)), Window("second", at(180), at(240))]
    per_window = by_window(INTERVALS, [], 60.0, windows)
    assert minutes(per_window["first"].losses) == pytest.approx((30 + 20 + 10, 10 + 30, 100))
    assert minutes(per_window["second"].losses) == pytest.approx((20, 0, 20))


def test_the_cause_of_most_of_the_minor_stops_is_named() -> None:
    """The press's 70 of 80 min blocked is most of its minor stops; the welder's 30 of 40 starved and the line's 80
    of 120 blocked are not, and no minor stops have no cause."""
    per_equipment = equipment_oee(INTERVALS, [], ideal_cycle_s=60.0)
    assert per_equipment[PRESS].losses.dominant_minor_stop() == "blocked"
    assert per_equipment[WELDER].losses.dominant_minor_stop() is None
    assert by_line(per_equipment)[LINE].losses.dominant_minor_stop() is None
    assert Losses(starved_s=MINUTE).dominant_minor_stop() == "starved"
    assert Losses(setup_s=MINUTE).dominant_minor_stop() is None


def test_losses_add_cause_by_cause() -> None:
    total = Losses(blocked_s=1.0, starved_s=2.0, setup_s=4.0) + Losses(blocked_s=8.0, material_shortage_s=16.0)
    assert total == Losses(blocked_s=9.0, starved_s=2.0, setup_s=4.0, material_shortage_s=16.0)
    assert total.as_tuple() == (0.0, 4.0, 11.0, 0.0, 0.0, 0.0, 16.0)
