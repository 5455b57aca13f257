"""The twin's report sections: built from a real run, and the comparison's headline figure from its inputs."""

from __future__ import annotations

from factoryos.report.html import Section
from factoryos.report.twin import comparison_section, simulation_section
from factoryos.twin.scenarios import epoch_for
from factoryos.twin.simulation import simulate_plant


def test_a_run_gives_a_section_with_its_two_charts_and_no_oee_of_its_own(ev_plant) -> None:
    simulation = simulate_plant(ev_plant, days=1, seed=2)
    section = simulation_section(simulation, epoch_for(ev_plant), ev_plant.site.timezone)
    assert isinstance(section, Section)
    assert len(section.figures) == 2
    assert section.count("units completed") == simulation.figures_of_merit["completed"]
    assert "OEE" not in " ".join(section.facts)


def test_the_comparison_states_the_gain_in_output_per_labour_hour(appliance_plant) -> None:
    smart = simulate_plant(appliance_plant, days=1, seed=2).figures_of_merit  # a plant at its demand: output
    traditional = dict(smart, output_per_labour_hour=smart["output_per_labour_hour"] / 1.3, fg_inventory_avg=2000.0)
    assert comparison_section(traditional, smart).facts["output per labour hour"] == "+30%"


def test_the_text_words_a_one_day_run_and_a_schedule_with_nothing_late(ev_plant) -> None:
    simulation = simulate_plant(ev_plant, days=1, seed=2)
    simulation.figures_of_merit["on_time_rate"] = 0.5  # made late on the floor
    section = simulation_section(simulation, epoch_for(ev_plant), ev_plant.site.timezone, planned_late=(0, 40))
    assert "scenario for 1 day from" in section.text
    assert "planned none of its 40 units and lots late, so the 50% that shipped late" in section.text
    late = simulation_section(simulation, epoch_for(ev_plant), ev_plant.site.timezone, planned_late=(2, 40))
    assert "planned only 2 of its 40 units and lots late" in late.text
