import math

import pytest

from factoryos.quality import constants

# Montgomery, Introduction to Statistical Quality Control (6th ed.), Appendix VI, "Factors for constructing
# variables control charts": n -> (A2, A3, c4, B3, B4, d2, d3, D3, D4).
PUBLISHED = {
    2: (1.880, 2.659, 0.7979, 0.0, 3.267, 1.128, 0.853, 0.0, 3.267),
    3: (1.023, 1.954, 0.8862, 0.0, 2.568, 1.693, 0.888, 0.0, 2.574),
    4: (0.729, 1.628, 0.9213, 0.0, 2.266, 2.059, 0.880, 0.0, 2.282),
    5: (0.577, 1.427, 0.9400, 0.0, 2.089, 2.326, 0.864, 0.0, 2.114),
    6: (0.483, 1.287, 0.9515, 0.030, 1.970, 2.534, 0.848, 0.0, 2.004),
    7: (0.419, 1.182, 0.9594, 0.118, 1.882, 2.704, 0.833, 0.076, 1.924),
    8: (0.373, 1.099, 0.9650, 0.185, 1.815, 2.847, 0.820, 0.136, 1.864),
    9: (0.337, 1.032, 0.9693, 0.239, 1.761, 2.970, 0.808, 0.184, 1.816),
    10: (0.308, 0.975, 0.9727, 0.284, 1.716, 3.078, 0.797, 0.223, 1.777),
    25: (0.153, 0.606, 0.9896, 0.565, 1.435, 3.931, 0.708, 0.459, 1.541),
}


@pytest.mark.parametrize("n", sorted(PUBLISHED))
def test_constants_computed_from_theory_match_the_published_table(n):
    """The table is printed to 3 or 4 decimals, from rounded d2 and d3: agreement to the last printed digit."""
    a2, a3, c4, b3, b4, d2, d3, d3f, d4f = PUBLISHED[n]
    assert constants.c4(n) == pytest.approx(c4, abs=6e-5)
    for computed, table in [
        (constants.a2(n), a2),
        (constants.a3(n), a3),
        (constants.b3(n), b3),
        (constants.b4(n), b4),
        (constants.d2(n), d2),
        (constants.d3(n), d3),
        (constants.d3_factor(n), d3f),
        (constants.d4_factor(n), d4f),
    ]:
        assert computed == pytest.approx(table, abs=1.5e-3)


def test_d2_and_c4_agree_with_closed_forms():
    """E[range of 2] = 2/sqrt(pi); sd[range of 2] = sqrt(2 - 4/pi); c4(2) = sqrt(2/pi)."""
    assert constants.d2(2) == pytest.approx(2 / math.sqrt(math.pi), abs=1e-9)
    assert constants.d3(2) == pytest.approx(math.sqrt(2 - 4 / math.pi), abs=1e-7)
    assert constants.c4(2) == pytest.approx(math.sqrt(2 / math.pi), abs=1e-12)
