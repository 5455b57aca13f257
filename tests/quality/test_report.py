import numpy as np

from factoryos.quality.capability import capability
from factoryos.quality.rules import check
from factoryos.quality.spc import p_chart
from factoryos.report.spc import capability_figure, control_chart_figure


def test_control_chart_figure_marks_out_of_control_points_and_rule_alarms():
    counts = [12, 15, 8, 10, 4, 7, 16, 9, 14, 10, 5, 6, 17, 12, 22, 8, 10, 5, 13, 11, 20, 18, 24, 15, 9]
    chart = p_chart(counts, [50] * len(counts))["p"]
    alarms = check(chart, ["nelson1", "nelson5"])
    figure = control_chart_figure(chart, alarms)
    names = [trace.name for trace in figure.data]
    assert names[:4] == ["UCL", "centre", "LCL", "p"]
    out = next(trace for trace in figure.data if trace.name == "out of control")
    assert list(out.x) == [i + 1 for i in chart.out_of_control]
    rules = next(trace for trace in figure.data if trace.name == "run rule")
    assert list(rules.text) == [alarm.rule for alarm in alarms]


def test_capability_figure_shows_the_specification_limits():
    values = np.random.default_rng(1).normal(10, 1, 100)
    figure = capability_figure(values, 6, 14, capability(values, 6, 14), unit="mm")
    assert "Cpk" in figure.layout.title.text
    assert {shape.x0 for shape in figure.layout.shapes} == {6, 14}
