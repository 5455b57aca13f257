"""The command as a user meets it: help everywhere, one clear line on a user error, the demo end to end."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factoryos.cli import app
from factoryos.examples import FOLDER as EXAMPLES
from factoryos.model.validate import check_plant_text

SRC = Path(__file__).resolve().parents[2] / "src"


def factoryos(*args: str, cwd: Path, env_db: str | None = None) -> subprocess.CompletedProcess:
    """The command in a process of its own with a bare environment, run from this checkout's source (not
    whichever factoryos the interpreter has installed)."""
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(cwd), "COLUMNS": "200", "PYTHONPATH": str(SRC)}
    if env_db:
        env["FACTORYOS_DATABASE_URL"] = env_db
    return subprocess.run(
        [sys.executable, "-m", "factoryos", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["init"],
        ["demo"],
        ["plant"],
        ["plant", "validate"],
        ["plant", "load"],
        ["plant", "show"],
        ["orders"],
        ["orders", "generate"],
        ["orders", "list"],
        ["orders", "import"],
        ["orders", "rejected"],
        ["plan"],
        ["plan", "exceptions"],
        ["plan", "peg"],
        ["plan", "release"],
        ["bench"],
        ["bench", "mrp"],
    ],
)
def test_every_command_has_help(command, tmp_path):
    result = factoryos(*command, "--help", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout


def test_a_user_error_is_one_line_without_traceback(tmp_path):
    result = factoryos("plant", "load", "missing.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == "error: missing.yaml: no such plant file"


def test_a_bad_option_value_is_a_usage_error_with_exit_code_1(tmp_path):
    result = factoryos("orders", "generate", "--days", "many", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "--days" in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["orders", "list"],
        ["orders", "rejected"],
        ["plan", "exceptions"],
        ["plan", "compare"],
        ["schedule", "show"],
        ["trace", "S1"],
        ["iot", "dead-letters"],
    ],
)
def test_a_negative_limit_is_refused_by_every_listing(command, tmp_path):
    """`--limit N` means the same everywhere: at most N rows, 0 for all; a negative one is no count at all (a
    listing had sliced it from the end, dropping the last rows)."""
    result = CliRunner().invoke(app, [*command, "--limit", "-1", "--db", f"sqlite:///{tmp_path / 'f.db'}"])
    assert result.exit_code == 2
    assert "Invalid value for '--limit': Input should be greater than or equal to 0" in result.output


def test_validate_reports_each_broken_file_and_fails(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXAMPLES / "ev-plant.yaml").read_text().replace("source:", "sauce:", 1))
    result = factoryos("plant", "validate", str(EXAMPLES / "ev-plant.yaml"), str(bad), cwd=tmp_path)
    assert result.returncode == 1
    assert "ev-plant.yaml: valid" in result.stdout
    _, issues = check_plant_text(bad.read_text(), str(bad))
    for issue in issues:
        assert issue.path in result.stderr


def test_the_database_url_from_the_environment_is_honoured(tmp_path):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    assert factoryos("plant", "load", str(EXAMPLES / "ev-plant.yaml"), cwd=tmp_path, env_db=url).returncode == 0
    assert (tmp_path / "elsewhere.db").exists()
    assert not (tmp_path / "factoryos.db").exists()
    again = factoryos("plant", "load", str(EXAMPLES / "ev-plant.yaml"), cwd=tmp_path, env_db=url)
    assert "nothing changed" in again.stdout
    generated = factoryos("orders", "generate", "--days", "2", "--seed", "4", cwd=tmp_path, env_db=url)
    assert generated.returncode == 0, generated.stderr
    listed = factoryos("orders", "list", "--limit", "3", cwd=tmp_path, env_db=url)
    assert listed.stdout.count("CO000000") == 3


def test_imported_orders_are_kept_or_rejected_with_the_reason(tmp_path, ev_plant):
    db = f"sqlite:///{tmp_path / 'f.db'}"
    factoryos("plant", "load", str(EXAMPLES / "ev-plant.yaml"), "--db", db, cwd=tmp_path)
    product_id, product = next(iter(ev_plant.products.items()))
    customer = next(cid for cid, c in ev_plant.customers.items() if c.tenant == product.tenant)
    good = {
        "id": "W1",
        "customer": customer,
        "product": product_id,
        "quantity": 1,
        "ordered_at": "2027-01-05T09:00:00Z",
        "due_date": "2027-02-01",
    }
    lines = [json.dumps(good), "{not json", json.dumps({**good, "id": "W2", "product": "hovercraft"})]
    (tmp_path / "orders.jsonl").write_text("\n".join(lines))
    result = factoryos("orders", "import", "orders.jsonl", "--db", db, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "accepted 1 order, rejected 2" in result.stdout
    rejected = factoryos("orders", "rejected", "--db", db, cwd=tmp_path).stdout
    assert "orders.jsonl:2" in rejected
    assert "orders.jsonl:3" in rejected
    assert "hovercraft" in rejected


def test_a_count_of_one_takes_the_singular(tmp_path):
    plant = Path(__file__).resolve().parents[1] / "data" / "mini-plant.yaml"
    result = factoryos("simulate", "--plant", str(plant), "--days", "1", "--no-events", "--workers", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "mini-plant.yaml: smart, 1 day, 1 run" in result.stdout
    assert "; 0 events published" in result.stdout
    rows = {
        line.split("│")[1].strip(): line.split("│")[2].strip() for line in result.stdout.splitlines() if "│" in line
    }
    assert rows["on_time_rate"].endswith("%")  # a share as a plant manager reads it
    assert "." not in rows["completed"]  # whole units


def test_few_replications_are_said_to_give_wide_intervals(tmp_path):
    plant = Path(__file__).resolve().parents[1] / "data" / "mini-plant.yaml"
    args = ("simulate", "--plant", str(plant), "--days", "1", "--no-events", "--workers", "1", "--replications")
    said = [" ".join(factoryos(*args, runs, cwd=tmp_path).stdout.split()) for runs in ("2", "5")]
    assert "2 runs give wide intervals (Student's t with 1 degree of freedom): 5 or more narrow them" in said[0]
    assert "wide intervals" not in said[1]


def test_the_demo_writes_a_self_contained_report(tmp_path):
    result = factoryos("demo", "--days", "7", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = (tmp_path / "factoryos-report" / "index.html").read_text()
    assert "<script src=" not in report  # nothing fetched from the network
    assert "Plotly" in report
    for section in ("Plant", "Orders", "Ramp-up", "Schedule", "Digital twin", "OEE", "Quality"):
        assert f"<h2>{section}</h2>" in report
    assert "<h2>Statistical process control</h2>" in report
    assert "report" in result.stdout
    assert "RTY" in result.stdout


def test_a_user_error_longer_than_a_wide_terminal_stays_one_line_when_piped(tmp_path):
    missing = "x" * 240 + ".yaml"
    result = factoryos("plant", "load", missing, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == f"error: {missing}: no such plant file\n"


def test_a_path_the_system_refuses_is_a_one_line_error(tmp_path):
    too_long = "x" * 300 + ".yaml"  # past the 255 bytes a file name may have
    for command in (("plant", "load"), ("plant", "validate"), ("orders", "import")):
        result = factoryos(*command, too_long, cwd=tmp_path)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert result.stderr.startswith("error: [Errno 36] File name too long")
        assert result.stderr.count("\n") == 1
