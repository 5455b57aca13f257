"""`factoryos quality spc` and `factoryos quality capability` on CSV columns, and their errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from factoryos.quality import constants, spc
from factoryos.quality.capability import capability
from factoryos.quality.rules import WESTERN_ELECTRIC, check

from .test_cli import run


@pytest.fixture
def table(tmp_path):
    """80 diameters, the last 20 shifted by 1.5 sigma, with a lot id and a sample size per row."""
    rng = np.random.default_rng(5)
    values = np.r_[rng.normal(10, 1, 60), rng.normal(11.5, 1, 20)]
    path = tmp_path / "diameters.csv"
    path.write_text(
        "lot,diameter,inspected,defective\n"
        + "".join(f"L{i},{v:.6f},{50 + i % 3},{i % 4}\n" for i, v in enumerate(values))
    )
    return path, np.round(values, 6)


def quality_json(monkeypatch, capsys, command, path, *options):
    """`factoryos quality COMMAND --csv PATH --column diameter OPTIONS --json`: its JSON answer, once it succeeded."""
    code, out, err = run(
        monkeypatch, capsys, "quality", command, "--csv", str(path), "--column", "diameter", *options, "--json"
    )
    assert code == 0, err
    return json.loads(out)


def test_spc_json_charts_the_column_with_phase_one_limits_and_phase_two_alarms(table, monkeypatch, capsys):
    path, values = table
    result = quality_json(monkeypatch, capsys, "spc", path, "--rules", "we", "--baseline", "50")
    study = spc.phase_one(spc.individuals, values[:50])
    assert result["center"] == pytest.approx(study.charts.params.center)
    assert result["sigma"] == pytest.approx(study.charts.params.sigma)
    assert result["phase_one"]["excluded"] == list(study.excluded)
    i_chart = result["charts"][0]
    assert i_chart["name"] == "i"
    assert i_chart["points"] == pytest.approx(list(values))
    assert result["charts"][1]["points"][0] is None  # no moving range at the first point
    expected = check(spc.individuals(values, study.charts.params)["i"], WESTERN_ELECTRIC)
    on_i = [(a["rule"], a["index"]) for a in result["alarms"] if a["chart"] == "i"]
    assert on_i == [(a.rule, a.index) for a in expected]
    assert sum(index >= 60 for _, index in on_i) > sum(index < 60 for _, index in on_i)  # the shift is caught
    assert {a["rule"] for a in result["alarms"] if a["chart"] == "mr"} <= {"we1"}  # only limits on ranges


@pytest.mark.parametrize("chart", ["cusum", "ewma"])
def test_a_cusum_or_ewma_baseline_is_set_by_the_individuals_chart_and_keeps_its_points(
    table, monkeypatch, capsys, chart
):
    """The whole shifted series as baseline: charted on itself, a CUSUM or EWMA puts every point after the shift
    out of control, so dropping them as phase I does would leave the limits to the points before it; the
    individuals chart's phase I sets the target and sigma, and the accumulated statistic still sees the shift."""
    path, values = table
    result = quality_json(monkeypatch, capsys, "spc", path, "--chart", chart)
    study = spc.phase_one(spc.individuals, values)
    assert result["phase_one"]["excluded"] == list(study.excluded)
    assert len(result["phase_one"]["excluded"]) < 10
    assert result["center"] == pytest.approx(study.charts.params.center)
    assert result["sigma"] == pytest.approx(study.charts.params.sigma)
    assert any(a["index"] >= 60 for a in result["alarms"])


@pytest.mark.parametrize(
    ("options", "chart"),
    [
        (["--chart", "xbar-s", "--subgroup", "4"], "xbar"),
        (["--chart", "p", "--size-column", "inspected", "--column", "defective"], "p"),
        (["--chart", "np", "--size", "50", "--column", "defective"], "np"),
        (["--chart", "c", "--column", "defective"], "c"),
        (["--chart", "u", "--size-column", "inspected", "--column", "defective"], "u"),
        (["--chart", "ewma"], "ewma"),
        (["--chart", "cusum"], "cusum+"),
        (["--chart", "I-MR"], "i"),  # as SPC texts write it
        (["--chart", "Xbar/S", "--subgroup", "4"], "xbar"),
    ],
)
def test_every_chart_is_available(table, monkeypatch, capsys, options, chart):
    path, _ = table
    assert quality_json(monkeypatch, capsys, "spc", path, *options)["charts"][0]["name"] == chart


def test_capability_json_is_the_engines(table, monkeypatch, capsys):
    path, values = table
    result = quality_json(monkeypatch, capsys, "capability", path, "--lsl", "6", "--usl", "15")
    expected = capability(values, 6, 15)
    assert result["n"] == 80
    assert result["cpk"]["value"] == pytest.approx(expected.cpk.value)
    assert result["ppk"]["lower"] == pytest.approx(expected.ppk.lower)
    assert result["normality"]["normal"] == expected.normality.normal
    code, out, _ = run(
        monkeypatch, capsys, "quality", "capability", "--csv", str(path), "--column", "diameter",
        "--lsl", "6", "--usl", "15", "--subgroup", "4",
    )  # fmt: skip
    assert code == 0
    assert "CPK" in out
    normality = capability(values, 6, 15).normality  # either test can say the data are not normal
    assert f"Shapiro-Wilk p {normality.shapiro_p:.3f}, Anderson-Darling p {normality.anderson_p:.3f}" in out


@pytest.mark.parametrize(("limit", "side", "alone"), [("--usl", "U", "a USL"), ("--lsl", "L", "an LSL")])
def test_capability_against_one_limit_gives_the_one_sided_indices(table, monkeypatch, capsys, limit, side, alone):
    """A USL alone (a leakage current's maximum) or an LSL alone (0 here, a torque's minimum): Cpu and Ppu or
    Cpl and Ppl, Cp and Pp said to be undefined, and the share expected beyond that limit."""
    path, values = table
    at = 15.0 if limit == "--usl" else 0.0
    lsl, usl = (None, at) if limit == "--usl" else (at, None)
    result = quality_json(monkeypatch, capsys, "capability", path, limit, str(at))
    expected = capability(values, lsl, usl)
    assert (result["cp"], result["pp"], result["lsl"], result["usl"]) == (None, None, lsl, usl)
    assert result["ppk"]["value"] == pytest.approx(abs(at - values.mean()) / (3 * values.std(ddof=1)))
    assert result["cpk"]["value"] == pytest.approx(expected.cpk.value)
    beyond = result["expected_out_of_spec"]
    assert beyond == {"below_lsl": expected.below_lsl, "above_usl": expected.above_usl}
    code, out, err = run(
        monkeypatch, capsys, "quality", "capability", "--csv", str(path), "--column", "diameter", limit, str(at)
    )
    assert code == 0, err
    assert f"  CP   not defined: the specification has {alone} only" in out
    assert f"  PP{side}  {result['ppk']['value']:.3f}" in out
    assert f"expected {'above the USL' if side == 'U' else 'below the LSL'}" in out


def test_counts_are_printed_with_thousands_separators(tmp_path, monkeypatch, capsys):
    path = tmp_path / "many.csv"
    path.write_text("diameter\n" + "".join(f"{v:.6f}\n" for v in np.random.default_rng(6).normal(10, 1, 1200)))
    code, out, err = run(
        monkeypatch,
        capsys,
        "quality",
        "capability",
        "--csv",
        str(path),
        "--column",
        "diameter",
        "--lsl",
        "6",
        "--usl",
        "15",
    )
    assert code == 0, err
    assert "diameter: 1,200 values, mean" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["spc", "--column", "width"], "no column 'width'; the columns are lot, diameter, inspected, defective"),
        (["spc", "--column", "lot"], "line 2: column 'lot' has 'L0', not a number"),
        (["spc", "--column", "diameter", "--chart", "pie"], "unknown chart 'pie'"),
        (["spc", "--column", "diameter", "--rules", "iso"], "unknown rule set 'iso'"),
        (["spc", "--column", "defective", "--chart", "p"], "needs the units inspected"),
        (["spc", "--column", "diameter", "--baseline", "1"], "baseline must be between 2 and the 80"),
        (["capability", "--column", "diameter", "--lsl", "15", "--usl", "6"], "lower specification limit (15.0)"),
        (["capability", "--column", "lot", "--lsl", "6", "--usl", "15"], "not a number"),
        (["capability", "--column", "diameter", "--lsl", "-1e308", "--usl", "15"], "--lsl is -1e+308, beyond ±1e+150"),
        (["capability", "--column", "diameter", "--lsl", "nan", "--usl", "15"], "--lsl is nan, not a number"),
        (["capability", "--column", "diameter"], "give --lsl, --usl or both"),
    ],
)
def test_bad_input_is_one_clear_line(table, monkeypatch, capsys, args, message):
    path, _ = table
    code, out, err = run(monkeypatch, capsys, "quality", args[0], "--csv", str(path), *args[1:])
    assert code != 0
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("x,y\n1,2\n,3\n", "line 3: column 'x' is empty"),
        ("x,y\n1,2\n3,4,5\n6,7\n", "line 3: 3 fields under a header of 2 columns"),  # was charted, the 5 unread
        ("x\n1\n-1e300\n2\n", "line 3: column 'x' is -1e300, beyond ±1e+150: too large to chart"),  # was inf
        ("x\n10.0\n", "a control chart needs 2 subgroups or more; the data make 1"),  # was "between 2 and the 1"
    ],
)
def test_a_csv_that_cannot_be_charted_says_why(tmp_path, monkeypatch, capsys, content, message):
    path = tmp_path / "data.csv"
    path.write_text(content)
    code, _, err = run(monkeypatch, capsys, "quality", "spc", "--csv", str(path), "--column", "x")
    assert code != 0
    assert message in err


def test_a_missing_file_is_clear(tmp_path, monkeypatch, capsys):
    code, _, err = run(monkeypatch, capsys, "quality", "spc", "--csv", str(tmp_path / "nope.csv"), "--column", "x")
    assert code != 0
    assert "nope.csv: no such CSV of measurements" in err


def test_a_csv_past_its_limit_or_a_device_is_refused_before_it_is_read(tmp_path, monkeypatch, capsys):
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as handle:
        handle.truncate(8 * 2**30)  # sparse: free to make, 8 GB to read
    code, _, err = run(monkeypatch, capsys, "quality", "spc", "--csv", str(huge), "--column", "x")
    assert code != 0
    assert "huge.csv: larger than 64 MB, the limit for a CSV of measurements" in err
    code, _, err = run(monkeypatch, capsys, "quality", "spc", "--csv", "/dev/zero", "--column", "x")
    assert code != 0
    assert "/dev/zero: not a regular file" in err


def test_an_np_chart_says_its_centre_line_is_n_times_the_fraction(table, monkeypatch, capsys):
    path, _ = table
    inspected = 60
    code, out, err = run(
        monkeypatch, capsys, "quality", "spc", "--csv", str(path), "--column", "defective", "--chart", "np",
        "--size", str(inspected),
    )  # fmt: skip
    assert code == 0, err
    defectives = [i % 4 for i in range(80)]
    p = sum(defectives) / (inspected * len(defectives))
    assert f"centre {inspected * p:.6g} (p {p:.6g})" in out


def test_a_c_chart_baseline_with_one_wild_day_is_set_by_the_ordinary_days(tmp_path, monkeypatch, capsys):
    """20 ordinary days and one of 250 defects: the limits are the ordinary days' (c-bar their mean), the wild
    day alone is excluded and alone out of control."""
    days = [7, 8, 1, 2, 8, 6, 5, 7, 0, 7, 0, 4, 6, 2, 2, 8, 3, 0, 3, 8]
    path = tmp_path / "audit.csv"
    path.write_text("day,defective\n" + "".join(f"{k},{n}\n" for k, n in enumerate([*days, 250])))
    code, out, err = run(
        monkeypatch, capsys, "quality", "spc", "--csv", str(path), "--column", "defective", "--chart", "c", "--json"
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["center"] == pytest.approx(sum(days) / len(days))
    assert result["phase_one"]["excluded"] == [20]
    assert [a["index"] for a in result["alarms"] if a["rule"] == "nelson1"] == [20]


def test_a_cusum_says_its_target_and_sigma_and_names_its_own_rule(table, monkeypatch, capsys):
    """A CUSUM's sums are charted from 0 about the target the individuals chart's phase I sets; its alarms are
    sums beyond h = 5 sigma, not a point beyond 3 sigma."""
    path, values = table
    code, out, err = run(
        monkeypatch, capsys, "quality", "spc", "--csv", str(path), "--column", "diameter", "--chart", "cusum"
    )
    assert code == 0, err
    params = spc.phase_one(spc.individuals, values).charts.params
    assert f"cusum of diameter: target {params.center:.6g}, sigma {params.sigma:.6g}, limits from" in out
    alarms = out.splitlines()[1:]
    assert alarms
    assert all(": cusum, upper sum beyond h = 5 sigma" in line or ": cusum, lower sum" in line for line in alarms)
    assert "beyond its limits" in out.splitlines()[0]


def test_a_partial_last_subgroup_is_left_out_with_a_note(table, monkeypatch, capsys):
    """80 values in subgroups of 3: 26 whole subgroups are charted, and the within sigma of capability is theirs;
    the last 2 values are left out, and said to be, rather than the file refused."""
    path, values = table
    whole = values[:78].reshape(26, 3)
    chart = quality_json(monkeypatch, capsys, "spc", path, "--chart", "xbar-r", "--subgroup", "3")
    assert chart["left_out"] == 2
    assert chart["charts"][0]["points"] == pytest.approx(list(whole.mean(axis=1)))
    study = quality_json(monkeypatch, capsys, "capability", path, "--lsl", "6", "--usl", "15", "--subgroup", "3")
    assert (study["left_out"], study["n"]) == (2, 80)
    assert study["sigma_within"] == pytest.approx(np.ptp(whole, axis=1).mean() / constants.d2(3))
    for command, options, what in (
        ("spc", ["--chart", "xbar-r"], "not charted"),
        ("capability", ["--lsl", "6", "--usl", "15"], "left out of the within sigma"),
    ):
        code, out, err = run(
            monkeypatch, capsys, "quality", command, "--csv", str(path), "--column", "diameter", "--subgroup", "3",
            *options,
        )  # fmt: skip
        assert code == 0, err
        assert f"note: the last 2 values make no whole subgroup of 3: {what}" in out
