"""Plant-file validation: the reference plants pass; every broken file reports exactly its known errors.

Each file under tests/data/broken/ lists what it expects in header comments, one error a line:
`# expect: <path>: <fragment of the message>` (`(file)` for errors about the whole file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, get_args, get_origin

import pytest
import yaml

from factoryos.model.errors import FactoryosError
from factoryos.model.plant import Number, Part
from factoryos.model.validate import PlantFileError, check_plant_text, load_plant

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
BROKEN = sorted((DATA / "broken").glob("*.yaml"))
EXAMPLES = ROOT / "examples"
VALID = sorted([*EXAMPLES.glob("*.yaml"), *DATA.glob("*.yaml")])
"""Every plant shipped or kept for tests: each must validate as it is."""


def expectations(text: str) -> list[tuple[str, str]]:
    found = []
    for line in text.splitlines():
        if line.startswith("# expect: "):
            path, fragment = line.removeprefix("# expect: ").split(": ", 1)
            found.append(("" if path == "(file)" else path, fragment))
    return found


def test_there_are_enough_broken_files():
    assert len(BROKEN) >= 12
    assert all(expectations(f.read_text(encoding="utf-8")) for f in BROKEN), "a broken file expects nothing"


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_plants_have_no_errors(path):
    plant, issues = check_plant_text(path.read_text(encoding="utf-8"), str(path))
    assert [str(i) for i in issues] == []
    assert plant is not None


def test_the_valid_plants_are_the_examples_and_the_test_plants():
    assert {p.parent.name for p in VALID} == {"examples", "data"}
    assert len(VALID) >= 10


REFUSES_BOOLEANS = get_args(Number)[1]


def bare_figures(annotation: object) -> bool:
    """Whether a float or an int sits in `annotation` without the refusal of booleans that `Number` carries."""
    if get_origin(annotation) is Annotated:
        base, *metadata = get_args(annotation)
        return REFUSES_BOOLEANS not in metadata and bare_figures(base)
    return annotation in (float, int) or any(bare_figures(a) for a in get_args(annotation))


def parts(kind: type[Part] = Part) -> list[type[Part]]:
    return [kind] + [sub for child in kind.__subclasses__() for sub in parts(child)]


def test_no_figure_of_a_plant_file_takes_a_boolean():
    """`quantity: true` is a slip pydantic would read as 1: every float and int field says so instead
    (tests/data/broken/boolean-figures.yaml shows the message)."""
    bare = [
        f"{part.__name__}.{name}"
        for part in parts()
        for name, field in part.model_fields.items()
        if bare_figures(field.rebuild_annotation())
    ]
    assert len(parts()) > 30
    assert bare == []


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_file_reports_exactly_its_errors(path):
    text = path.read_text(encoding="utf-8")
    plant, issues = check_plant_text(text, str(path))
    assert plant is None
    unmatched = list(issues)
    missing = []
    for where, fragment in expectations(text):
        match = next((i for i in unmatched if i.path == where and fragment in i.message), None)
        if match is None:
            missing.append(f"{where or '(file)'}: {fragment}")
        else:
            unmatched.remove(match)
    assert missing == [], f"expected errors not reported; got {[str(i) for i in issues]}"
    assert [str(i) for i in unmatched] == [], "errors reported that the file does not expect"


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_every_error_names_file_and_line(path):
    _, issues = check_plant_text(path.read_text(encoding="utf-8"), str(path))
    for issue in issues:
        assert issue.file == str(path)
        assert isinstance(issue.line, int), str(issue)
        assert issue.line >= 1, str(issue)
        assert str(issue).startswith(f"{path}:{issue.line}: ")


def test_error_line_points_at_the_offending_entry():
    path = DATA / "broken" / "cyclic-bom.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    _, issues = check_plant_text("\n".join(lines), str(path))
    (issue,) = issues
    assert "component: body" in lines[issue.line - 1]


def test_load_plant_raises_with_every_issue():
    path = DATA / "broken" / "zero-negative.yaml"
    with pytest.raises(PlantFileError) as raised:
        load_plant(path)
    expected = expectations(path.read_text(encoding="utf-8"))
    assert len(raised.value.issues) == len(expected)
    assert f"{len(expected)} errors in plant file" in str(raised.value)
    for where, _ in expected:
        assert where in str(raised.value)


def test_load_plant_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(FactoryosError, match="no such plant file"):
        load_plant(tmp_path / "nope.yaml")


def test_unquoted_clock_times_are_times_of_day():
    """YAML 1.1 reads `14:00` as the base-60 number 840; a shift must still end at 14:00, not 00:14."""
    plant = load_plant(DATA / "mini-plant.yaml")
    shift = plant.calendars["day"].shifts[0]
    assert (shift.start.hour, shift.end.hour, shift.end.minute) == (6, 14, 0)
    assert shift.hours == pytest.approx(8 - 0.5)


@pytest.mark.parametrize(
    ("terms", "smallest"),
    [
        ({"weekly_capacity": 1, "min_order": 50}, "50"),
        ({"weekly_capacity": 70, "min_order": 50, "order_multiple": 40}, "80"),
    ],
)
def test_a_supplier_that_could_never_ship_an_order_is_refused(terms, smallest):
    """A week's capacity below the smallest order it takes (the minimum rounded up to the multiple): MRP could
    never place a lot there, and the orders needing it waited for ever."""
    data = yaml.safe_load((DATA / "open-po-plant.yaml").read_text(encoding="utf-8"))
    data["suppliers"]["chips-inc"].update(terms)
    _, issues = check_plant_text(yaml.safe_dump(data))
    assert any(
        i.path == "suppliers.chips-inc" and f"less than its smallest order ({smallest}" in i.message for i in issues
    ), [str(i) for i in issues]


ASSEMBLE = "{id: assemble, capability: assemble, run_minutes: 6}"
CUT = "{id: cut, capability: cut, run_minutes: 2, changeover_group: blade}"
CREWED = "assembly: {calendar: two-shifts, operators_per_shift: 2,"


@pytest.mark.parametrize(
    ("old", "new", "refused"),
    [
        (ASSEMBLE, "{id: assemble, capability: assemble, run_minutes: 461}", True),
        (ASSEMBLE, "{id: assemble, capability: assemble, setup_minutes: 6, run_minutes: 455}", True),
        (ASSEMBLE, "{id: assemble, capability: assemble, run_minutes: 460}", False),
        (CUT, "{id: cut, capability: cut, run_minutes: 10000}", False),  # a lot pauses over breaks and shifts off
        (CREWED, "assembly: {calendar: two-shifts, lights_out: true,", True),  # lights-out still works its calendar
    ],
)
def test_a_unit_operation_longer_than_any_stretch_its_units_work_is_refused(old, new, refused):
    """A unit's operation does not pause over a break: one that no calendar of a unit able to do it holds in one
    stretch could never be scheduled (the scheduler laid out calendars for ever looking for room). The two-cells
    calendar works 7 h 40 min at the most without a stop: from the night shift's break at 02:20 through the day
    shift's start at 06:00 to its break at 10:00 (counted from a day away from daylight-saving changes)."""
    text = (
        (DATA / "two-cells.yaml")
        .read_text(encoding="utf-8")
        .replace("\nenterprise:", "\nas_of: 2027-01-11\nenterprise:")
    )
    if old == CREWED:
        text = text.replace(ASSEMBLE, "{id: assemble, capability: assemble, run_minutes: 10000}")
    assert text.count(old) == 1
    _, issues = check_plant_text(text.replace(old, new))
    found = [i for i in issues if i.path == "routings.stool.operations[1].run_minutes"]
    assert bool(found) is refused, [str(i) for i in issues]
    if refused:
        assert "at most 7.7 h between breaks and shifts off" in found[0].message
    else:
        assert issues == []


@pytest.mark.parametrize(
    ("old", "new", "refused"),
    [
        ("default_minutes: 5, matrix: {seat: {seat: 0}}", "default_minutes: 461, matrix: {seat: {seat: 0}}", True),
        ("default_minutes: 5, matrix: {seat: {seat: 0}}", "default_minutes: 5, matrix: {seat: {leg: 461}}", True),
        ("default_minutes: 5, matrix: {seat: {seat: 0}}", "default_minutes: 460, matrix: {seat: {seat: 0}}", False),
        (CUT, "{id: cut, capability: cut, run_minutes: 2, setup_minutes: 461}", True),
    ],
)
def test_a_changeover_longer_than_any_stretch_its_units_work_is_refused(old, new, refused):
    """A changeover runs in one piece just before its operation, in working time, even before a lot's operation
    that may pause: one longer than the two-cells calendar's 7 h 40 min at a stretch could never be scheduled
    (the scheduler would look for room past every calendar laid out)."""
    text = (
        (DATA / "two-cells.yaml")
        .read_text(encoding="utf-8")
        .replace("\nenterprise:", "\nas_of: 2027-01-11\nenterprise:")
    )
    assert text.count(old) == 1
    _, issues = check_plant_text(text.replace(old, new))
    found = [i for i in issues if i.path.startswith("routings.") and "changeover before it" in i.message]
    assert bool(found) is refused, [str(i) for i in issues]
    if refused:
        assert "at most 7.7 h between breaks and shifts off" in found[0].message
    else:
        assert issues == []


PACED = "kind: paced-line\n        takt_seconds: 120\n"


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("  line: line\n", "  line: body-cell\n", "body-cell"),  # a cell
        (PACED, "kind: line\n", "line"),  # a line without a takt
    ],
    ids=["cell", "line-without-takt"],
)
def test_a_ramp_up_on_a_work_center_without_a_takt_is_refused(old, new, line):
    """The ramp-up's curve counts units at the line's takt: on a center without one it would limit nothing."""
    text = (DATA / "mini-plant.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    text = text.replace(old, new)
    _, issues = check_plant_text(text)
    assert [(i.path, i.message) for i in issues] == [
        ("ramp_up.line", f"{line!r} is not a paced line (no takt_seconds); a ramp-up paces a line")
    ]
    assert text.splitlines()[issues[0].line - 1] == f"  line: {line}"


def test_an_unknown_reference_names_the_close_id_it_may_mean():
    """A typo's fix is named even when the list of known ids, alphabetical and cut short, leaves it out."""
    path = EXAMPLES / "appliance-plant.yaml"
    text = path.read_text(encoding="utf-8").replace("component: remote-control,", "component: remote-contrl,")
    _, issues = check_plant_text(text, str(path))
    (issue,) = issues
    guess, _, listed = issue.message.partition("; expected one of ")
    assert guess == "unknown material 'remote-contrl' (did you mean 'remote-control'?)"
    assert "'remote-control'" not in listed
