"""The market's magnitudes against history: recorded episodes and stylised facts (issue 11).

Bands come from the issue; the real figures and their sources are in docs/validation.md
(written by ``minerals hindcast``) and /shared/data/wave2/history/.
"""

import pytest
from builders import event, scenario

from model.data.world_data import load_world
from model.engine.world import World

WORLD_2024 = load_world("world_2024")


def world_price(world: World, mineral: str, stage: str) -> float:
    """Output-weighted producer price of a good, relative to its 2024 price."""
    g = world.data.good(mineral, stage)
    made = world.outcome.production[:, g]
    return float((world.outcome.price[g] * made).sum() / max(made.sum(), 1e-12))


def run_2024(events=(), steps=4, **parameters) -> World:
    world = World(scenario(events, steps, shock_rate=0.0, **parameters), world=WORLD_2024)
    return world


@pytest.mark.parametrize(
    ("mineral", "stage"),
    [("rare_earths", "magnets"), ("cobalt", "refined"), ("lithium", "refined")],
)
def test_a_stockpile_of_two_percent_of_a_years_demand_moves_the_price_less_than_15_percent(
    mineral, stage
):
    g = WORLD_2024.good(mineral, stage)
    tonnes = 0.02 * WORLD_2024.demand0[:, g].sum() * WORLD_2024.steps_per_year
    buy = event(2, "EU", "stockpile", mineral, stage, tonnes=float(tonnes))
    quiet, bought = run_2024(), run_2024([buy])
    for _ in range(2):
        quiet.step()
        bought.step()
    rise = world_price(bought, mineral, stage) / world_price(quiet, mineral, stage) - 1
    assert 0.0 < rise < 0.15


def test_a_long_ore_ban_does_not_overbuild_refining_that_has_no_ore():
    """Review E3: refined cobalt capacity went to 10× at 11 % utilisation in a DRC replay."""
    ban = event(1, "COD", "export_control", "cobalt", "mined", targets=["all"], level=0.0)
    world = run_2024([ban], steps=24)
    g = world.data.good("cobalt", "refined")
    start = world.state.capacity[:, g].sum()
    world.run()
    assert world.state.capacity[:, g].sum() < 1.5 * start
    # Ore is never worth more than the metal made from it (per tonne contained).
    ore = world.data.good("cobalt", "mined")
    ore_usd = world_price(world, "cobalt", "mined") * world.data.price0[ore]
    assert ore_usd < world_price(world, "cobalt", "refined") * world.data.price0[g]
