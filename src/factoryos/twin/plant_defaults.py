"""What the plant file does not say and the twin needs: variability and transport times. Yields, rework and
tests are the plant file's (`quality`), and so are the sensors it simulates (`sensor_limits`).

The figures are round, plausible values, not measurements.
"""

from __future__ import annotations

RUN_CV = 0.1  # coefficient of variation of processing times around the routing's run time
MTTR_CV = 0.8  # repair times are skewed: most are quick, a few take long
TRANSPORT_SECONDS = 300.0  # conveyor or AGV between areas
STOCK_COVER_DAYS = (
    3.0  # reorder point of stocked components, in days of use: covers a lot's lead time and a long weekend
)
PURCHASE_COVER_DAYS = 2.0  # the stand-in purchase plan has a delivery due this many days before its parts are used
