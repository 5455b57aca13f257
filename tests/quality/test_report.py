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
    fired = sorted({alarm.index for alarm in alarms})
    assert sorted(rules.x) == [i + 1 for i in fired]  # one mark a subgroup, whatever number of rules fired there
    by_mark = dict(zip(rules.x, rules.text, strict=True))
    for index in fired:
        assert by_mark[index + 1].split(", ") == [a.rule for a in alarms if a.index == index]


def test_capability_figure_shows_the_specification_limits():
    values = np.random.default_rng(1).normal(10, 1, 100)
    figure = capability_figure(values, capability(values, 6, 14), unit="mm")
    assert "Cpk" in figure.layout.title.text
    assert {shape.x0 for shape in figure.layout.shapes} == {6, 14}


def test_a_one_sided_capability_figure_shows_its_one_limit_and_one_sided_indices():
    values = np.random.default_rng(1).normal(10, 1, 100)
    figure = capability_figure(values, capability(values, None, 14), unit="mm")
    assert "Cpu" in figure.layout.title.text
    assert "Cp " not in figure.layout.title.text
    assert {shape.x0 for shape in figure.layout.shapes} == {14}


def test_quality_section_shows_yields_paretos_and_costs():
    from factoryos.quality.figures import TestResult, quality_figures
    from factoryos.report.quality import quality_section
    from tests.twin.small_plants import small_plant

    results = [
        TestResult("w/a/c/t1", "eol", "S1", True),
        TestResult("w/a/c/t1", "eol", "S2", False, ("gap",)),
        TestResult("w/a/c/t1", "eol", "S2", True),
    ]
    section = quality_section(quality_figures(small_plant(), results, []))
    assert section.facts["rolled throughput yield"] == "50.0%"
    assert section.tables[0][1] == [["eol", "2", "1", "50.00%"]]
    pareto = section.figures[1]
    assert list(pareto.data[0].x) == ["eol / gap"]
    assert list(pareto.data[1].y) == [1.0]


def test_spc_section_names_the_catch_and_charts_it():
    from factoryos.quality.watch import Watch
    from factoryos.report.quality import Catch, spc_section

    from .test_watch import T0, _feed

    watch = Watch(subgroup=4, baseline=10)
    rng = np.random.default_rng(2)
    signal = _feed(watch, np.r_[rng.normal(0, 1, 80), np.full(8, 4.0)])[-1]
    catch = Catch(
        "w/a/c/r1", "gap", "2027-03-01 00:00", "2027-03-01 01:25", 1.4, ("we1",), watch.chart(), signal.alarms, None
    )
    section = spc_section([catch], alarms=1, charted=3, rules="we", out_of_spec=0)
    assert section.facts["a/c/r1 caught after"] == "1.4 h"
    assert section.tables[0][1][0][:5] == ["a/c/r1", "gap", "2027-03-01 00:00", "2027-03-01 01:25", "we1"]
    assert [trace.name for trace in section.figures[0].data][:4] == ["UCL", "centre", "LCL", "xbar"]
    assert signal.at >= T0


def test_monitor_section_names_the_flagged_equipment_its_blame_and_the_catch_beside_spc():
    from factoryos.report.quality import Flagged, MonitorCatch, monitor_section

    flagged = [
        Flagged("w/a/c/r1", 400, 40, 3, "2027-03-02 06:00 .. open", (("gap", 0.7), ("flush", 0.2), ("height", 0.1))),
        Flagged("w/a/c/r2", 400, 8, 6, "2027-03-01 09:00 .. 2027-03-01 09:10", (("flush", 0.5), ("gap", 0.5))),
    ]
    catch = MonitorCatch("w/a/c/r1", "2027-03-02 00:00", "2027-03-02 06:00", 6.1, flagged[0].sensors, 7.5)
    section = monitor_section("pca", watched=5, judged=2000, flagged=flagged, catches=[catch])
    assert section.facts["samples alarmed"] == "2.4%"  # 48 of 2,000
    assert section.count("alarm episodes") == 9
    assert section.facts["a/c/r1 flagged after"] == "6.1 h"
    (catch_row,) = section.tables[0][1]
    assert catch_row == [
        "a/c/r1",
        "2027-03-02 00:00",
        "2027-03-02 06:00",
        "6.1",
        "gap 70%, flush 20%, height 10%",
        "7.5",
    ]
    assert [row[0] for row in section.tables[1][1]] == ["a/c/r1", "a/c/r2"]  # most alarmed first


def test_monitor_section_says_why_equipment_is_not_watched():
    from factoryos.report.quality import monitor_section

    reasons = {"1 varying series in its first 200 samples: that is for SPC, not a multivariate monitor": 12}
    section = monitor_section("pca", watched=0, judged=0, flagged=[], catches=[], unwatched=reasons)
    assert section.facts["equipment watched"] == 0
    assert [t for t in section.tables if t[0][0] == "not watched, because"] == [
        (["not watched, because", "equipment"], [[*reasons, "12"]])
    ]
    assert not any(t[0][0] == "not watched, because" for t in monitor_section("pca", 3, 10, [], []).tables)
