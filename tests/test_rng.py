"""Random streams: one per (seed, future, process kind), deterministic and independent, so that changing one
process's parameters never reshuffles another process's draws (common random numbers)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import futures, seeds

from sovsim.model.rng import STREAMS, stream
from sovsim.model.world import World
from sovsim.scenario import scenario_from_dict

NAMES = sorted(STREAMS)


def draws(seed: int, future: int, name: str, n: int = 8) -> np.ndarray:
    return stream(seed, future, name).random(n)


def test_stream_ids_are_the_reproducibility_contract():
    # ids are never renumbered, only appended
    first = {"treasury": 0, "workforce": 1, "frontier": 2, "lifecycle": 3, "compute": 4, "procurement": 5,
             "export": 6, "deployment": 7, "billing": 8}
    assert {k: STREAMS[k] for k in first} == first
    assert sorted(STREAMS.values()) == list(range(len(STREAMS)))


@given(seeds, futures, st.sampled_from(NAMES))
def test_a_stream_is_deterministic(seed, future, name):
    assert np.array_equal(draws(seed, future, name), draws(seed, future, name))


@given(seeds, futures, st.sampled_from(NAMES), st.sampled_from(NAMES))
def test_streams_of_different_processes_differ(seed, future, a, b):
    if a != b:
        assert not np.array_equal(draws(seed, future, a), draws(seed, future, b))


@given(seeds, futures, st.sampled_from(NAMES), st.integers(1, 1000))
def test_streams_of_different_futures_and_seeds_differ(seed, future, name, step):
    base = draws(seed, future, name)
    assert not np.array_equal(base, draws(seed, future + step, name))
    assert not np.array_equal(base, draws(seed + step, future, name))


def test_streams_are_statistically_independent():
    # correlations between neighbouring streams, futures and seeds are those of independent uniforms:
    # |r| < 4/√n
    n = 20_000
    pairs = [(stream(1, 0, "treasury"), stream(1, 0, "workforce")),
             (stream(1, 0, "treasury"), stream(1, 1, "treasury")),
             (stream(1, 0, "treasury"), stream(2, 0, "treasury")),
             (stream(0, 1, "treasury"), stream(1, 0, "treasury"))]
    for a, b in pairs:
        x, y = a.random(n), b.random(n)
        assert abs(np.corrcoef(x, y)[0, 1]) < 4 / np.sqrt(n)
        assert abs(x.mean() - 0.5) < 4 * np.sqrt(1 / 12 / n)


def test_future_and_stream_do_not_alias():
    # (future 0, stream 1) and (future 1, stream 0) are different streams
    assert not np.array_equal(draws(3, 0, "workforce"), draws(3, 1, "treasury"))


# -- common random numbers in the world ------------------------------------------------------------------------

#: Rich enough that every process runs, with no death to cut a future short and no freeze to tie the
#: workforce to the treasury's cash.
RICH = {
    "calendar.horizon_years": 3.0,
    "treasury.initial_cash_usd": 1e10,
    "treasury.appropriation_usd_per_year": 1e12,
    "treasury.first_election_years": 0.25,
    "treasury.election_interval_years": 0.25,
    "treasury.election_cut_probability": 0.4,
    "treasury.election_cancel_probability": 0.0,
    "staff.minimum_crew_fte": 0.0,
    "staff.museum_months": 240.0,
    "staff.attrition_per_year": 0.5,
    "staff.poaching_waves_per_year": 1.0,
    "model.first_release_deadline_months": 240.0,
    "data.open_local_deficit_log10": 10.0, "data.open_deficit_halving_years": 100.0,
    "frontier.jumps_per_year": 2.0,
}


def world(seed: int = 9, future: int = 0, **changes) -> World:
    scenario = scenario_from_dict({}, {**RICH, **{k.replace("__", "."): v for k, v in changes.items()}})
    return World(scenario, seed, future).run()


def events_of(w: World, process: str, kinds: tuple[str, ...] | None = None) -> list[tuple]:
    return [(e.time_days, e.kind, e.details) for e in w.log.events
            if e.process == process and (kinds is None or e.kind in kinds)]


ELECTIONS = ("election", "cut", "cancel")


def test_world_streams_are_the_rng_streams():
    w = World(scenario_from_dict({}, RICH), 5, 6)
    for name, rng in w._rngs.items():
        assert np.array_equal(rng.random(4), stream(5, 6, name).random(4))


def test_frontier_parameters_leave_the_elections_and_the_workforce_unchanged():
    base = world()
    changed = world(frontier__jumps_per_year=10.0, frontier__jump_mean_log10=0.1)
    assert events_of(base, "frontier") != events_of(changed, "frontier")
    assert events_of(base, "treasury", ELECTIONS) == events_of(changed, "treasury", ELECTIONS)
    assert len(events_of(base, "treasury", ELECTIONS)) == 12
    assert len(events_of(base, "workforce", ("quit", "hire"))) > 10
    assert events_of(base, "workforce") == events_of(changed, "workforce")


def test_election_parameters_leave_the_frontier_and_the_workforce_unchanged():
    base = world()
    changed = world(treasury__election_cut_probability=0.9, treasury__election_cut_fraction_min=0.5)
    assert events_of(base, "treasury", ELECTIONS) != events_of(changed, "treasury", ELECTIONS)
    assert events_of(base, "frontier") == events_of(changed, "frontier")
    assert events_of(base, "workforce") == events_of(changed, "workforce")


def test_staff_parameters_leave_the_elections_and_the_frontier_unchanged():
    base = world()
    changed = world(staff__attrition_per_year=2.0, staff__poaching_waves_per_year=3.0)
    assert events_of(base, "workforce") != events_of(changed, "workforce")
    assert events_of(base, "treasury", ELECTIONS) == events_of(changed, "treasury", ELECTIONS)
    assert events_of(base, "frontier") == events_of(changed, "frontier")


def test_election_outcomes_are_the_same_under_every_policy_lever():
    # a policy lever (pay premium, cadence, fleet) changes the programme, not the world it lives in
    base = world()
    for lever in ({"staff__salary_premium": 2.0}, {"model__release_interval_months": 4.0},
                  {"compute__gpu_count": 2048}):
        other = world(**lever)
        assert events_of(base, "treasury", ELECTIONS) == events_of(other, "treasury", ELECTIONS), lever
        assert events_of(base, "frontier") == events_of(other, "frontier"), lever


@pytest.mark.parametrize(("a", "b"), [((9, 0), (9, 1)), ((9, 0), (10, 0))])
def test_other_futures_and_seeds_give_other_elections(a, b):
    assert events_of(world(*a), "treasury", ELECTIONS) != events_of(world(*b), "treasury", ELECTIONS)
