"""The timeline's cumulative spending columns add up to the result row's cost split, to the cent."""

from __future__ import annotations

import numpy as np
import pytest

import sovsim

KINDS = {"paid_capex_usd": "capex_usd", "paid_staff_usd": "staff_usd", "paid_consultants_usd": "consultants_usd",
         "paid_energy_usd": "energy_cost_usd", "paid_cloud_usd": "cloud_usd", "paid_facility_usd": "facility_usd"}


@pytest.mark.parametrize("preset", ["midsize-nation", "rented-cloud"])
def test_last_timeline_row_holds_the_row_totals_and_spending_never_falls(preset):
    scenario = sovsim.load_scenario(preset)
    for future in range(12):
        result = sovsim.run(scenario, seed=3, future=future)
        timeline = result.timeline
        for column, total in KINDS.items():
            values = timeline[column].to_numpy()
            assert values[0] >= 0
            assert np.all(np.diff(values) >= 0), (column, future)
            assert values[-1] == pytest.approx(result.row[total], abs=0.01), (column, future)
        spent = timeline[list(KINDS)].iloc[-1].sum()
        assert spent == pytest.approx(result.row["total_cost_usd"], abs=0.05)
