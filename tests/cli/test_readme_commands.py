"""The README names only commands that exist, and its Commands table has a row for every command `--help` lists."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from factoryos.cli import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
COMMAND = typer.main.get_command(app)


def named_commands() -> set[str]:
    """Each `factoryos WORD...` in the README's code spans and code blocks, up to its first option or argument;
    a word may list alternatives (`hold place|list|release`)."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.DOTALL)
    spans = re.findall(r"`([^`]+)`", re.sub(r"```.*?```", "", README, flags=re.DOTALL))
    found = set()
    for text in [*blocks, *spans]:
        for words in re.findall(r"\bfactoryos((?:\s+[a-z][a-z-]*(?:\\?\|[a-z-]+)*)*)", text):
            found.add(" ".join(words.replace("\\|", "|").split()))
    return found


def test_every_command_the_readme_names_exists():
    for named in named_commands():
        group = COMMAND
        for word in named.split():
            if not hasattr(group, "commands"):
                break  # the command's own arguments follow
            for alternative in word.split("|"):
                assert alternative in group.commands, f"README: `factoryos {named}`: no command {alternative!r}"
            group = group.commands[word.split("|")[0]]


def test_the_commands_table_has_a_row_for_every_command():
    table = README[README.index("## Commands") : README.index("## Plant files")]
    rows = {m.split()[0] for m in re.findall(r"^\| `factoryos ([a-z-]+)", table, flags=re.MULTILINE)}
    assert rows == set(COMMAND.commands)
