import numpy as np
import pytest

from factoryos.model.errors import FactoryosError
from factoryos.quality.monitor import METHODS, fit, monitor, score

from .cell import SENSORS, simulate_cell

DRIFT_FROM = 200


@pytest.fixture(scope="module")
def cell():
    """Normal operation to learn from, fresh normal operation, and a run whose coolant temperature starts to
    drift at row 200: three independent simulations."""
    return simulate_cell(1500, seed=21), simulate_cell(800, seed=22), simulate_cell(800, seed=23, drift_from=DRIFT_FROM)


@pytest.fixture(scope="module")
def verdicts(cell):
    train, normal, drifting = cell
    return {m: (monitor(train, normal, SENSORS, m), monitor(train, drifting, SENSORS, m)) for m in METHODS}


@pytest.mark.parametrize("method", METHODS)
def test_false_alarms_on_fresh_normal_data_are_rare(verdicts, method):
    """Each limit is a quantile on held-back training data (0.5 % in all); on independent normal data at most 5 % of
    rows alarm."""
    normal, _ = verdicts[method]
    assert np.mean(normal.alarms) <= 0.05


@pytest.mark.parametrize("method", METHODS)
def test_drift_is_detected_after_it_starts(verdicts, method):
    _, drifting = verdicts[method]
    alarms = np.array(drifting.alarms)
    assert alarms[DRIFT_FROM:].mean() > 3 * max(alarms[:DRIFT_FROM].mean(), 0.01)


def test_smoothed_dynamic_pca_detects_the_drift_far_more_often_than_pca(verdicts):
    rate = {m: np.mean(verdicts[m][1].alarms[DRIFT_FROM:]) for m in METHODS}
    assert rate["ewma-dpca"] > rate["pca"] + 0.2


def test_contributions_name_the_drifting_sensor(verdicts):
    """Late in the drift, the coolant temperature is one of the two sensors most to blame in most alarms (the
    other, when it is not first, is the spindle temperature it is correlated with)."""
    _, drifting = verdicts["ewma-dpca"]
    late = [[name for name, _ in sensors[:2]] for row, sensors in drifting.contributions if row >= 600]
    assert late
    assert sum("coolant_temp" in top for top in late) / len(late) > 0.8
    for _, sensors in drifting.contributions:
        shares = [share for _, share in sensors]
        assert shares == sorted(shares, reverse=True)
        assert 0 < sum(shares) <= 1.0001


def test_contributions_are_given_for_alarmed_rows_only(verdicts):
    _, drifting = verdicts["pca"]
    assert [row for row, _ in drifting.contributions] == [i for i, a in enumerate(drifting.alarms) if a]


def test_lagged_model_does_not_judge_rows_without_a_past(cell):
    train, normal, _ = cell
    verdict = monitor(train, normal[:10], SENSORS, "dpca")
    assert verdict.statistic[:2] == (None, None)
    assert verdict.alarms[:2] == (0, 0)
    assert all(value is not None for value in verdict.statistic[2:])


def test_a_sample_breaking_the_correlation_scores_high_on_q(cell):
    """Power and current move together; a sample where current rises alone is off the model's plane."""
    train, normal, _ = cell
    model = fit(train, SENSORS, "pca")
    broken = normal[:50].copy()
    broken[25, 1] += 6 * train[:, 1].std()
    scores = score(model, broken)
    assert scores.statistic[25] > 1.0
    assert int(np.argmax(scores.contributions[25])) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t[:40], "too few training rows"),
        (lambda t: np.column_stack([t, np.full(len(t), 2.0)]), "constant"),
        (lambda t: np.where(np.arange(t.size).reshape(t.shape) == 50, np.nan, t), "row 7"),
    ],
)
def test_bad_training_data_is_a_clear_error(cell, change, message):
    train = change(cell[0])
    sensors = SENSORS + ("spare",) if train.shape[1] > len(SENSORS) else SENSORS
    with pytest.raises(FactoryosError, match=message):
        fit(train, sensors, "pca")


@pytest.mark.parametrize("method", METHODS)
def test_one_sensor_is_refused_and_sent_to_spc(cell, method):
    """One sensor has no correlation to break: its residual is nothing, every statistic was NaN (0 of 50 rows
    alarmed, whatever the data) after divide-by-zero warnings."""
    with pytest.raises(FactoryosError, match="needs two sensors or more, got 1 .*quality spc"):
        fit(cell[0][:, :1], SENSORS[:1], method)


def test_unknown_method_is_a_clear_error(cell):
    with pytest.raises(FactoryosError, match="unknown monitoring method"):
        fit(cell[0], SENSORS, "magic")
