import string

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factoryos.model.errors import FactoryosError
from factoryos.services.quality import LARGEST, read_sensor_table

names = st.lists(st.text(string.ascii_lowercase + "_", min_size=1, max_size=8), min_size=1, max_size=5, unique=True)
finite = st.floats(min_value=-LARGEST, max_value=LARGEST, width=64)  # what a measurement may be


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(data=st.data(), sensors=names)
def test_a_written_table_reads_back_exactly(tmp_path, data, sensors):
    rows = data.draw(st.lists(st.lists(finite, min_size=len(sensors), max_size=len(sensors)), max_size=6))
    path = tmp_path / "table.csv"
    path.write_text("\n".join([",".join(sensors), *(",".join(repr(v) for v in row) for row in rows)]) + "\n")
    read, values = read_sensor_table(path)
    assert read == tuple(sensors)
    assert values.shape == (len(rows), len(sensors))
    assert np.array_equal(values, np.array(rows, dtype=float).reshape(len(rows), len(sensors)))


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_is_read_or_refused_with_a_clear_error(tmp_path, text):
    path = tmp_path / "any.csv"
    path.write_text(text, encoding="utf-8")
    try:
        sensors, values = read_sensor_table(path)
    except FactoryosError as error:
        refused = str(error)
    else:
        refused = ""
        assert values.shape[1] == len(sensors)
        assert (np.abs(values) <= LARGEST).all()
    assert not refused or refused.startswith(str(path))


def test_duplicate_and_empty_names_are_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,a\n1,2,3\n")
    with pytest.raises(FactoryosError, match="'a' appears twice"):
        read_sensor_table(path)
    path.write_text("a,,c\n1,2,3\n")
    with pytest.raises(FactoryosError, match="empty sensor name"):
        read_sensor_table(path)
