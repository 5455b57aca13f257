"""The report's loss chart and text show idling and minor stops as its causes, blocked by the next station and
starved for parts from upstream, on figures of our own."""

from __future__ import annotations

import pytest

from factoryos.iot.oee import Losses, Oee
from factoryos.report.oee import loss_steps, loss_waterfall, oee_section

HOUR = 3600.0
LINE = "site/battery/modules"


def blocked_line() -> Oee:
    """100 planned busy hours: 2 h broken down, 60 h blocked, 8 h starved, 30 h of ideal time of good units."""
    losses = Losses(breakdowns_s=2 * HOUR, blocked_s=60 * HOUR, starved_s=8 * HOUR)
    return Oee(LINE, 100 * HOUR, 98 * HOUR, 30 * HOUR, 30, 30, losses)


def test_the_loss_chart_steps_down_by_blocked_and_starved_in_place_of_idling_and_minor_stops() -> None:
    steps = loss_steps(blocked_line().losses)
    assert list(steps) == [
        "breakdowns",
        "setup and adjustments",
        "idling and minor stops: blocked by the next station",
        "idling and minor stops: starved for parts from upstream",
        "reduced speed",
        "process defects",
        "reduced yield (startup)",
        "material shortage",
    ]
    assert steps["idling and minor stops: blocked by the next station"] == 60 * HOUR
    assert steps["idling and minor stops: starved for parts from upstream"] == 8 * HOUR
    [trace] = loss_waterfall({LINE: blocked_line()}).data
    assert list(trace.y) == pytest.approx([100, -2, 0, -60, -8, 0, 0, 0, 0, 30])  # down to the good units' ideal time
    assert trace.x[3] == "idling and minor<br>stops: blocked by<br>the next station"


def test_the_text_says_how_much_of_the_largest_loss_each_cause_is() -> None:
    section = oee_section({f"{LINE}/tester-1": blocked_line()}, {LINE: blocked_line()}, LINE, {})
    assert (
        "Its largest loss is idling and minor stops: 68 h, 68% of its planned busy time, of which blocked by the "
        "next station 60 h and starved for parts from upstream 8 h."
    ) in section.text


def test_a_ramping_headline_line_says_how_much_of_its_shifts_the_ramp_opened() -> None:
    section = oee_section({LINE: blocked_line()}, {LINE: blocked_line()}, LINE, {}, ramp_opened=(33.0, 160.0))
    assert "the ramp-up plan opened it 33 of the 160 hours its crew was on shift (21%" in section.text
    assert section.facts["shift hours the ramp-up opened"] == "21%"
    plain = oee_section({LINE: blocked_line()}, {LINE: blocked_line()}, LINE, {})
    assert "ramping up" not in plain.text


def test_the_text_names_the_lowest_line_below_the_headline_and_its_largest_loss() -> None:
    """Beside the headline line (30 % OEE), a paint line at 20 % starved 50 h of its 100: the text names it and
    what it lost most; a line above the headline's is not named."""
    starved = Oee(
        "site/paint/line-1", 100 * HOUR, 90 * HOUR, 20 * HOUR, 20, 20, Losses(setup_s=10 * HOUR, starved_s=50 * HOUR)
    )
    better = Oee("site/press/line-2", 100 * HOUR, 100 * HOUR, 90 * HOUR, 90, 90, Losses())
    lines = {LINE: blocked_line(), starved.key: starved, better.key: better}
    section = oee_section({key: f for key, f in lines.items()}, lines, LINE, {})
    assert (
        "The lowest line is paint/line-1, at 20%; its largest loss is idling and minor stops: 50 h, 50% of its planned "
        "busy time, of which starved for parts from upstream 50 h."
    ) in section.text
    alone = oee_section(
        {LINE: blocked_line(), better.key: better}, {LINE: blocked_line(), better.key: better}, LINE, {}
    )
    assert "lowest line" not in alone.text
