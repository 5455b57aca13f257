"""Readers for the public benchmark formats: JSSP (OR-Library, 0-based machines) and FJSP (Brandimarte,
1-based machines). Machines are named by their number in the file, so results can be written back in it."""

from __future__ import annotations

from pathlib import Path

from factoryos.model.errors import FactoryosError
from factoryos.model.files import read_bounded
from factoryos.scheduling.model import Model
from factoryos.scheduling.problem import Problem

INSTANCE_BYTES = 16 * 2**20
"""The largest public instances (Taillard's 100 x 20, Brandimarte's) are tens of KB."""


def read_instance(path: str | Path) -> Problem:
    """Read a `.fjs` file as FJSP and anything else as JSSP."""
    path = Path(path)
    return read_fjsp(path) if path.suffix == ".fjs" else read_jssp(path)


def machine_number_offset(path: str | Path) -> int:
    """What to add to a machine index to get its number in the file."""
    return 1 if Path(path).suffix == ".fjs" else 0


def read_jssp(path: str | Path) -> Problem:
    """First line `n_jobs n_machines`, then per job its route as `machine duration` pairs."""
    lines = _numbers(path)
    (line_no, header), jobs = lines[0], lines[1:]
    _expect(len(header) >= 2, path, line_no, "expected 'n_jobs n_machines'")
    n_jobs, n_machines = header[0], header[1]
    _expect(len(jobs) >= n_jobs, path, line_no, f"expected {n_jobs} job lines, found {len(jobs)}")
    model = Model()
    for machine in range(n_machines):
        model.add_machine(str(machine))
    for j, (line_no, numbers) in enumerate(jobs[:n_jobs]):
        _expect(len(numbers) % 2 == 0 and numbers, path, line_no, "expected 'machine duration' pairs")
        job = model.add_job(str(j))
        for machine, duration in zip(numbers[::2], numbers[1::2], strict=True):
            _expect(0 <= machine < n_machines, path, line_no, f"machine {machine} not in 0..{n_machines - 1}")
            _expect(duration >= 0, path, line_no, f"negative duration {duration}")
            model.add_operation(job, {machine: duration})
    return model.problem()


def read_fjsp(path: str | Path) -> Problem:
    """First line `n_jobs n_machines [avg]`, then per job: n_operations, and per operation `k` followed
    by k pairs `machine duration` (machines 1-based)."""
    lines = _numbers(path, allow_float_header=True)
    (line_no, header), jobs = lines[0], lines[1:]
    _expect(len(header) >= 2, path, line_no, "expected 'n_jobs n_machines [average]'")
    n_jobs, n_machines = int(header[0]), int(header[1])
    _expect(len(jobs) >= n_jobs, path, line_no, f"expected {n_jobs} job lines, found {len(jobs)}")
    model = Model()
    for machine in range(n_machines):
        model.add_machine(str(machine + 1))
    for j, (line_no, numbers) in enumerate(jobs[:n_jobs]):
        job = model.add_job(str(j))
        _expect(bool(numbers), path, line_no, "empty job line")
        position = 1
        for _ in range(numbers[0]):
            _expect(position < len(numbers), path, line_no, "line ends before all its operations")
            k = numbers[position]
            pairs = numbers[position + 1 : position + 1 + 2 * k]
            _expect(k > 0 and len(pairs) == 2 * k, path, line_no, "operation needs k >= 1 'machine duration' pairs")
            durations = {}
            for machine, duration in zip(pairs[::2], pairs[1::2], strict=True):
                _expect(1 <= machine <= n_machines, path, line_no, f"machine {machine} not in 1..{n_machines}")
                _expect(duration >= 0, path, line_no, f"negative duration {duration}")
                durations[machine - 1] = duration
            model.add_operation(job, durations)
            position += 1 + 2 * k
        _expect(position == len(numbers), path, line_no, "extra numbers after the job's operations")
    return model.problem()


def _numbers(path: str | Path, allow_float_header: bool = False) -> list[tuple[int, list[int]]]:
    """Non-empty lines as (line number, integers)."""
    try:
        text = read_bounded(Path(path), INSTANCE_BYTES, "scheduling instance").decode("utf-8")
    except UnicodeDecodeError as error:
        raise FactoryosError(f"{path}: not UTF-8 text (byte {error.start})") from None
    lines: list[tuple[int, list[int]]] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        if allow_float_header and not lines:
            tokens = tokens[:2]
        try:
            lines.append((line_no, [int(token) for token in tokens]))
        except ValueError:
            raise FactoryosError(f"{path}, line {line_no}: expected whole numbers, got {line.strip()!r}") from None
    _expect(bool(lines), path, 0, "file is empty")
    return lines


def _expect(condition: object, path: str | Path, line_no: int, message: str) -> None:
    if not condition:
        raise FactoryosError(f"{path}, line {line_no}: {message}")
