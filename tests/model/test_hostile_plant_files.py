"""Hostile plant files are refused with a clear error, never a traceback, a hang or gigabytes; and any mutation
of a valid file either is refused with a located error or loads into the database (issue 11, section 3)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factoryos.model.errors import FactoryosError
from factoryos.model.validate import MAX_BOM_LEVELS, PlantFileError, check_plant_file, check_plant_text, load_plant
from factoryos.model.yamlfile import MAX_DEPTH, read_yaml
from factoryos.store.db import make_engine, migrate
from factoryos.store.plants import read_plant, store_plant

DATA = Path(__file__).resolve().parents[1] / "data"
MINI = (DATA / "mini-plant.yaml").read_text(encoding="utf-8")


def only_issue(text: str) -> str:
    plant, issues = check_plant_text(text, "p.yaml")
    assert plant is None
    assert len(issues) == 1, [str(i) for i in issues]
    assert issues[0].line is not None
    assert issues[0].line >= 1
    return issues[0].message


def test_bytes_that_are_not_utf8_name_their_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(MINI.replace("Mini Co}", "Mini Co\xe9}", 1).encode("latin-1"))
    plant, issues = check_plant_file(path)
    assert plant is None
    (issue,) = issues
    bad_line = next(n for n, line in enumerate(MINI.splitlines(), 1) if "Mini Co}" in line)
    assert issue.line == bad_line
    assert "not UTF-8" in issue.message
    assert "0xe9" in issue.message


def test_a_byte_order_mark_at_the_start_is_fine(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINI.encode())
    assert check_plant_file(path)[1] == []


def test_deep_nesting_is_refused_without_recursion():
    assert "nest" in only_issue("a: " + "[" * 100_000 + "]" * 100_000)
    assert f"more than {MAX_DEPTH} levels" in only_issue("".join(f"{'  ' * i}k{i}:\n" for i in range(200)))


def test_an_alias_bomb_is_refused_before_it_expands():
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    assert "alias bomb" in only_issue("\n".join(lines))


def test_a_recursive_alias_is_refused():
    assert "contains it" in only_issue("a: &x [1, *x]")


def test_a_file_past_the_size_limit_says_so(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(MINI.encode() + b"#" * (6 * 2**20))
    plant, (issue,) = check_plant_file(path)
    assert plant is None
    assert "larger than 5 MB, the limit for a plant file" in issue.message


def test_a_bom_thousands_of_levels_deep_is_refused_not_a_recursion_error():
    depth = 3000
    text = MINI.replace("  coil: {uom: kg, kind: raw, source: buy, lead_time_days: 30}\n", "")
    text = text.replace("  panel:\n    - {component: coil, quantity: 3.5}\n", "")
    chain = "".join(f"  p{i}: {{kind: component, source: make}}\n" for i in range(depth))
    chain += "  coil: {uom: kg, kind: raw, source: buy, lead_time_days: 30}\n"
    boms = "  panel:\n    - {component: p0, quantity: 1}\n"
    boms += "".join(f"  p{i}:\n    - {{component: p{i + 1}, quantity: 1}}\n" for i in range(depth - 1))
    boms += f"  p{depth - 1}:\n    - {{component: coil, quantity: 1}}\n"
    routings = "".join(
        f"  p{i}: {{operations: [{{id: stamp, capability: stamp, run_minutes: 1}}]}}\n" for i in range(depth)
    )
    text = text.replace("materials:\n", "materials:\n" + chain, 1)
    text = text.replace("boms:\n", "boms:\n" + boms, 1)
    text = text.replace("routings:\n", "routings:\n" + routings, 1)
    message = only_issue(text)
    assert f"at most {MAX_BOM_LEVELS}" in message
    assert "levels deep" in message


def test_a_bom_cycle_is_found():
    text = MINI.replace(
        "  panel:\n    - {component: coil, quantity: 3.5}\n", "  panel:\n    - {component: body, quantity: 1}\n"
    )
    assert "cyclic BOM" in only_issue(text)


def test_merge_keys_apply_and_explicit_keys_win():
    document = read_yaml("base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n")
    assert document.issues == []
    assert document.data["child"] == {"x": 1, "y": 3}


def test_keys_are_taken_as_written():
    document = read_yaml("yes: 1\nno: 2\n1e3: 3\n010: 4\n")
    assert list(document.data) == ["yes", "no", "1e3", "010"]
    assert read_yaml("lights_out: yes\nflag: true\n").data == {"lights_out": "yes", "flag": True}


def test_load_plant_raises_a_user_error_on_a_hostile_file(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text("a: " + "[" * 5000)
    with pytest.raises(PlantFileError) as raised:
        load_plant(path)
    assert isinstance(raised.value, FactoryosError)
    assert str(path) in str(raised.value)


# Property: mutate a valid plant anywhere; the result is refused with a located error, or it loads.

LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=300),
    st.sampled_from(["yes", "no", "~", "", "06:00", "25:00", "2027-02-30", "Mars/Base", "x" * 65, "-1", "1e20"]),
)
VALUES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from paths(value, (*prefix, i))


def mutate(data, path, action, value):
    if not path:
        return value
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    if action == "delete":
        del parent[path[-1]]
    elif action == "rename" and isinstance(parent, dict):
        parent[str(value)[:80]] = parent.pop(path[-1])
    else:
        parent[path[-1]] = value
    return data


@pytest.fixture(scope="module")
def engine():
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/mutants.db")
        migrate(engine)
        yield engine
        engine.dispose()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_a_mutated_plant_is_refused_with_a_location_or_loads(data, engine):
    source = DATA / data.draw(st.sampled_from(["mini-plant.yaml", "two-cells.yaml"]))
    plant_data = read_yaml(source.read_text(encoding="utf-8")).data
    all_paths = list(paths(plant_data))
    path = data.draw(st.sampled_from(all_paths))
    action = data.draw(st.sampled_from(["replace", "delete", "rename"]))
    mutated = mutate(plant_data, path, action if path else "replace", data.draw(VALUES))
    text = yaml.safe_dump(mutated, allow_unicode=True, sort_keys=False, width=10_000)
    plant, issues = check_plant_text(text, "mutant.yaml")
    if issues:
        assert plant is None
        for issue in issues:
            assert issue.file == "mutant.yaml"
            assert isinstance(issue.line, int)
            assert issue.line >= 1
            assert issue.message
        return
    store_plant(engine, plant, "mutant.yaml")
    assert read_plant(engine, plant.site.id) == plant
