"""The newcomer's map stays true: the README's architecture section and docs/architecture.md name every
package, state the layers import-linter enforces, and point only at modules and names that exist."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "factoryos"
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAP = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def packages() -> set[str]:
    return {p.parent.name for p in PACKAGE.glob("*/__init__.py")}


def readme_tree() -> str:
    section = README[README.index("## Architecture") :]
    return section[section.index("```") : section.index("```", section.index("```") + 3)]


def test_readme_tree_names_every_package_and_only_those() -> None:
    named = set(re.findall(r"^  (\w+)/", readme_tree(), flags=re.MULTILINE))
    assert named == packages()


def test_map_names_every_package() -> None:
    diagram = MAP[MAP.index("```") : MAP.index("```", MAP.index("```") + 3)]
    assert set(re.findall(r"\b(\w+)/", diagram)) >= packages() - {"examples"}
    assert "factoryos.examples" in MAP


@pytest.mark.parametrize("document", ["README.md", "CONTRIBUTING.md"])
def test_the_layers_stated_are_those_import_linter_enforces(document: str) -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    layers = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")["layers"]
    enforced = [[m.strip().removeprefix("factoryos.") for m in layer.split("|")] for layer in layers]
    engines = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "forbidden")
    text = (ROOT / document).read_text(encoding="utf-8")
    sentence = re.search(r"Imports point down only[: (]+((?:`\w+`[,>\s]*)+)", text)
    assert sentence is not None
    stated = [re.findall(r"`(\w+)`", layer) for layer in sentence.group(1).split(">")]
    assert stated == enforced
    pure = re.search(r"Engines \(((?:`\w+`[, and]*)+)\) are pure", text)
    if pure:
        named = {f"factoryos.{name}" for name in re.findall(r"`(\w+)`", pure.group(1))}
        assert named == set(engines["source_modules"])


@pytest.mark.parametrize("document", ["README.md", "docs/architecture.md", "CONTRIBUTING.md"])
def test_module_paths_exist(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    paths = set(re.findall(r"`((?:" + "|".join(sorted(packages())) + r")/[\w/]*\.py)`", text))
    missing = sorted(p for p in paths if not (PACKAGE / p).is_file())
    assert not missing


def test_named_classes_and_modules_exist() -> None:
    dotted = set(re.findall(r"`(?:factoryos\.)?((?:" + "|".join(sorted(packages())) + r")\.[\w.]+)`", MAP))
    assert dotted
    for name in sorted(dotted):
        module, _, attribute = name.rpartition(".")
        try:
            importlib.import_module(f"factoryos.{name}")
        except ModuleNotFoundError:
            assert hasattr(importlib.import_module(f"factoryos.{module}"), attribute), name
