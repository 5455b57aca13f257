"""`factoryos --help` stays quick because the command's modules load no engine, database, network or chart
library until a command runs; this checks the cause, not a time."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("sqlalchemy", "ortools", "simpy", "numba", "numpy", "scipy", "paho", "asyncua", "plotly", "fastapi", "dask")


def test_the_command_loads_no_heavy_library_before_a_command_runs():
    probe = "import sys, json; import factoryos.cli; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(
        subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    )
    heavy = sorted({name.split(".")[0] for name in loaded} & set(HEAVY))
    assert heavy == []
