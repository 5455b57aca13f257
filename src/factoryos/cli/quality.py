"""`factoryos quality`: control charts and capability of a CSV column, multivariate monitoring of sensor tables,
and the quality figures of the stored events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from factoryos.cli.common import DbOption, JsonOption, SiteOption, console, open_store
from factoryos.report.wording import counted, reworked, scrapped, share

app = typer.Typer(
    help="Quality: control charts, capability, multivariate monitoring and the plant's quality figures.",
    no_args_is_help=True,
)


@app.command("monitor")
def monitor(
    train: Annotated[Path, typer.Option(help="CSV of normal operation: a header of sensor names, a sample a row.")],
    test: Annotated[Path, typer.Option(help="CSV of the samples to judge, with the same sensors.")],
    method: Annotated[
        str,
        typer.Option(
            help="Model of normal operation: pca, dpca (dynamic PCA) or ewma-dpca (dynamic PCA of smoothed samples, "
            "sharpest on slow drifts)."
        ),
    ] = "pca",
    as_json: JsonOption = False,
) -> None:
    """Learn normal operation from TRAIN, flag abnormal rows of TEST and name the sensors behind each alarm."""
    from factoryos.services.quality import monitor_files

    result = monitor_files(train, test, method)
    if as_json:
        typer.echo(json.dumps(result))
        return
    alarms = result["alarms"]
    console.print(
        f"{result['method']}: {sum(alarms):,} of {counted(len(alarms), 'row')} alarmed (limit {result['limit']:.3f})",
        highlight=False,
    )
    for item in result["contributions"]:
        top = ", ".join(f"{name} {share:.0%}" for name, share in item["sensors"][:3])
        console.print(f"  row {item['row'] + 1}: {top}", highlight=False)


CsvOption = Annotated[Path, typer.Option("--csv", help="CSV with a header row of column names, a value a row.")]
ColumnOption = Annotated[str, typer.Option(help="The column to study.")]
SubgroupOption = Annotated[
    int, typer.Option(min=1, help="Consecutive rows per subgroup (X-bar charts; capability's within sigma).")
]


@app.command("spc")
def spc(
    csv_file: CsvOption,
    column: ColumnOption,
    chart: Annotated[str, typer.Option(help="xbar-r, xbar-s, imr, p, np, c, u, ewma or cusum.")] = "imr",
    rules: Annotated[str, typer.Option(help="Run rules: we (Western Electric) or nelson.")] = "nelson",
    subgroup: SubgroupOption = 5,
    size: Annotated[int | None, typer.Option(help="Units inspected per row (p, np, u charts).")] = None,
    size_column: Annotated[str | None, typer.Option(help="Column of the units inspected per row (p, u).")] = None,
    baseline: Annotated[
        int | None, typer.Option(help="Estimate the limits on the first N subgroups (phase I), monitor the rest.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Chart a column with limits from a phase I study and list the run rules' alarms."""
    from factoryos.services.quality import spc_of_file

    result = spc_of_file(
        csv_file, column, chart, rules, subgroup=subgroup, size=size, size_column=size_column, baseline=baseline
    )
    if as_json:
        typer.echo(json.dumps(result))
        return
    first = result["phase_one"]
    excluded = f", {len(first['excluded']):,} excluded as out of control" if first["excluded"] else ""
    console.print(
        f"{chart} of {column}: {_centre(result)}, limits from "
        f"{counted(first['subgroups'], 'subgroup')}{excluded}; "
        f"{counted(len(result['alarms']), 'alarm')} ({_rules(result)})",
        highlight=False,
    )
    _print_left_out(result["left_out"], subgroup, "not charted")
    for alarm in result["alarms"]:
        console.print(
            f"  {alarm['chart']} point {alarm['index'] + 1}: {alarm['rule']}, {alarm['meaning']}", highlight=False
        )


def _centre(result: dict[str, Any]) -> str:
    """What the chart's limits rest on: the centre line (n p for an np chart, with the fraction p kept), or a
    CUSUM's target and sigma, since its sums are charted from 0."""
    kept = result["center"]
    if result["chart"] == "cusum":
        return f"target {kept:.6g}, sigma {result['sigma']:.6g}"
    line = result["charts"][0]["center"][0]
    return f"centre {kept:.6g}" if line is None or abs(line - kept) < 1e-9 else f"centre {line:.6g} (p {kept:.6g})"


def _rules(result: dict[str, Any]) -> str:
    """What raises the alarms: the run rules, or an EWMA's or a CUSUM's own limits, on which none applies."""
    return "beyond its limits" if result["chart"] in ("ewma", "cusum") else f"{result['rules']} rules"


@app.command("capability")
def capability(
    csv_file: CsvOption,
    column: ColumnOption,
    lsl: Annotated[float | None, typer.Option(help="Lower specification limit (alone: Cpl and Ppl).")] = None,
    usl: Annotated[float | None, typer.Option(help="Upper specification limit (alone: Cpu and Ppu).")] = None,
    subgroup: SubgroupOption = 1,
    confidence: Annotated[float, typer.Option(help="Confidence level of the intervals.")] = 0.95,
    as_json: JsonOption = False,
) -> None:
    """Cp, Cpk, Pp and Ppk of a column with confidence intervals (Cpu and Ppu, or Cpl and Ppl, against one
    limit), the share expected out of specification, and whether it looks normal."""
    from factoryos.services.quality import capability_of_file

    result = capability_of_file(csv_file, column, lsl, usl, subgroup=subgroup, confidence=confidence)
    if as_json:
        typer.echo(json.dumps(result))
        return
    console.print(f"{column}: {counted(result['n'], 'value')}, mean {result['mean']:.6g}", highlight=False)
    _print_left_out(result["left_out"], subgroup, "left out of the within sigma")
    _print_indices(result)
    _print_normality(result["normality"])


def _print_left_out(values: int, subgroup: int, what: str) -> None:
    if values:
        console.print(
            f"  note: the last {counted(values, 'value')} make no whole subgroup of {subgroup}: {what}",
            highlight=False,
        )


def _print_indices(result: dict[str, Any]) -> None:
    """The indices with their intervals, Cp and Pp said to be undefined against one limit, and the share
    expected beyond each limit given."""
    lower, upper = result["lsl"] is not None, result["usl"] is not None
    side, alone = ("K", "") if lower and upper else ("U", "a USL") if upper else ("L", "an LSL")
    for letter in ("C", "P"):
        for name, key in ((f"{letter}P", f"{letter.lower()}p"), (f"{letter}P{side}", f"{letter.lower()}pk")):
            index = result[key]
            if index is None:
                console.print(f"  {name:4} not defined: the specification has {alone} only", highlight=False)
                continue
            console.print(
                f"  {name:4} {index['value']:.3f}  ({result['confidence']:.0%}: {index['lower']:.3f} .. "
                f"{index['upper']:.3f})",
                highlight=False,
            )
    expected = result["expected_out_of_spec"]
    for where, key in (("below the LSL", "below_lsl"), ("above the USL", "above_usl")):
        if expected[key] is not None:
            console.print(
                f"  expected {where}: {expected[key]:.3%} ({expected[key] * 1e6:,.0f} ppm, a normal law with the "
                "overall sigma)",
                highlight=False,
            )


def _print_normality(normality: dict[str, Any]) -> None:
    from factoryos.quality.capability import SHAPIRO_WILK_MAX

    verdict = "normal" if normality["normal"] else "NOT normal: the indices assume normal data"
    shapiro, anderson = normality["shapiro_wilk"]["p"], normality["anderson_darling"]["p"]
    shapiro_wilk = (
        f"Shapiro-Wilk p {shapiro:.3f}"
        if shapiro is not None
        else f"Shapiro-Wilk not run past {SHAPIRO_WILK_MAX:,} values"
    )
    console.print(f"  {verdict} ({shapiro_wilk}, Anderson-Darling p {anderson:.3f})", highlight=False)


@app.command("figures")
def figures(
    site: SiteOption = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """First-pass and rolled throughput yield, defect Paretos and the cost of scrap and rework from the stored
    events."""
    from factoryos.services.quality_figures import figures_as_dict, stored_figures

    result = figures_as_dict(stored_figures(open_store(db, create=False), site))
    if as_json:
        typer.echo(json.dumps(result))
        return
    rty = share(result["rty"])
    costs = result["costs"]
    console.print(
        f"RTY {rty}; {scrapped(costs['scrap_units'], costs['scrap_cost'], decimals=2)}; "
        f"{reworked(costs['rework_units'], costs['rework_hours'], costs['rework_cost'], decimals=2)} "
        "(costs in the plant file's unit_cost currency)",
        highlight=False,
    )
    for row in result["tests"]:
        console.print(f"  {row['test']}: FPY {row['fpy']:.1%} of {counted(row['units'], 'unit')}", highlight=False)
    for bar in result["pareto_characteristics"][:5]:
        console.print(
            f"  {'/'.join(bar['key'])}: {counted(bar['defects'], 'defect')} ({bar['cumulative']:.0%} cumulative)",
            highlight=False,
        )
