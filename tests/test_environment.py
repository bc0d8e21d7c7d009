"""An outside policy plays countries through the parallel environment, like any controller."""

import sys

import numpy as np
import pytest

from agents.actions import ExportControl, Propose, Respond, Tariff, to_dict
from model.research.environment import MineralsEnv

STEPS = 3  # short episodes of the baseline, whose economies are passive and cheap
AI_OTHERS = ['scenario.controller="ai"']  # the baseline with every other economy an AI


def env(**options) -> MineralsEnv:
    return MineralsEnv("baseline", **{"countries": ("USA", "CHN"), "steps": STEPS, **options})


def vector(environment: MineralsEnv, agent: str, **chosen) -> np.ndarray:
    """An action vector with no change but in the components named kind_group_mineral."""
    layout = environment.action_layout(agent)
    action = np.zeros(len(layout), dtype=np.int64)
    for k, component in enumerate(layout):
        name = f"{component.kind}_{component.group}_{component.mineral}"
        if name in chosen:
            action[k] = component.levels.index(chosen[name]) + 1
    return action


def test_passes_the_pettingzoo_parallel_api_test():
    pytest.importorskip("pettingzoo")
    from pettingzoo.test import parallel_api_test

    game = env()
    for i, agent in enumerate(game.possible_agents):
        game.action_space(agent).seed(i)  # the same random actions, so the same cost, each run
    parallel_api_test(game, num_cycles=STEPS + 2)


def test_passes_the_pettingzoo_seed_test():
    pytest.importorskip("pettingzoo")
    from pettingzoo.test import parallel_seed_test

    parallel_seed_test(env, num_cycles=STEPS)


def test_a_us_tariff_on_china_is_in_the_world_and_the_news_and_the_reward_is_the_score():
    game = env(countries=("USA",))
    game.reset(seed=3)
    _, rewards, _, _, infos = game.step({"USA": [Tariff("USA", ("CHN",), "lithium", "all", 0.5)]})

    world = game.world
    usa, chn = world.data.country("USA"), world.data.country("CHN")
    lithium = [g for g, (mineral, _) in enumerate(world.data.goods) if mineral == "lithium"]
    assert np.allclose(world.state.tariff[lithium, usa, chn], 0.5)
    events = world.tables()["events"]
    assert ((events.actor == "USA") & (events.action == "tariff") & (events.target == "CHN")).any()
    assert any(row["action"] == "tariff" for row in infos["USA"]["news"])
    assert infos["USA"]["actions"][0]["rate"] == 0.5

    scores = world.tables()["countries"].query("country == 'USA'").score.tolist()
    assert rewards["USA"] == pytest.approx(scores[0])  # welfare against nobody acting
    # The tariff moves US welfare (lithium from China is a small share of US supply, so by
    # little: its cost to buyers and its revenue nearly cancel).
    assert rewards["USA"] != 0 and abs(rewards["USA"]) < 50
    _, rewards, _, _, _ = game.step({})
    scores = world.tables()["countries"].query("country == 'USA'").score.tolist()
    assert rewards["USA"] == pytest.approx(scores[1])


def test_countries_nobody_plays_keep_their_ai_strategy_and_answer_the_policy():
    game = env(countries=("USA",), overrides=AI_OTHERS)
    game.reset(seed=3)
    china = game.world.country_agent("CHN")
    assert china.controller.name == china.strategy == "leverage"
    game.step({"USA": [Tariff("USA", ("CHN",), "all", "all", 1.45)]})
    _, _, _, _, infos = game.step({})
    answers = [
        row
        for row in infos["USA"]["news"]
        if row["actor"] == "CHN" and row["action"] == "export_control" and row["target"] == "USA"
    ]
    assert answers, "China's leverage strategy answers tariffs with export controls"


def test_an_offer_to_a_played_country_waits_in_its_infos_for_its_answer():
    game = env()
    game.reset(seed=3)
    pact = {"mineral": "all", "stage": "all", "max_rate": 0.1}
    _, _, _, _, infos = game.step({"CHN": [Propose("CHN", "USA", "tariff_agreement", pact, 4)]})
    (offer,) = infos["USA"]["offers"]
    assert (offer["partner"], offer["deal"], offer["terms"]) == ("CHN", "tariff_agreement", pact)

    _, _, _, _, infos = game.step({"USA": [Respond("USA", offer["offer_id"], "accept")]})
    assert any(row["action"] == "accepted" for row in infos["USA"]["news"])
    assert [deal.parties for deal in game.world.state.deals] == [("CHN", "USA")]
    assert infos["USA"]["offers"] == []


def test_the_same_seed_gives_the_same_trajectory():
    def play(seed: int):
        game = env(partners=("CHN", "EU", "JPN"))  # a short vector: fewer measures to apply
        rng = np.random.default_rng(7)  # the policy's own randomness, the same both times
        trajectory = []
        observations, _ = game.reset(seed=seed)
        while game.agents:
            actions = {
                agent: rng.integers(0, game.action_space(agent).nvec) for agent in game.agents
            }
            observations, rewards, _, _, infos = game.step(actions)
            trajectory.append((observations, rewards, [infos[a]["news"] for a in infos]))
        return trajectory, game.world.tables()["countries"]

    pytest.importorskip("gymnasium")
    first, first_table = play(11)
    second, second_table = play(11)
    for (obs_a, rewards_a, news_a), (obs_b, rewards_b, news_b) in zip(first, second, strict=True):
        assert all(np.array_equal(obs_a[agent], obs_b[agent]) for agent in obs_a)
        assert rewards_a == rewards_b
        assert news_a == news_b
    assert first_table.equals(second_table)


def test_reset_without_a_seed_continues_the_seeded_sequence():
    def scores(game):
        game.reset(seed=5)
        game.reset()
        for _ in range(STEPS):
            game.step({})
        return game.world.tables()["countries"].score.tolist()

    assert scores(env()) == scores(env())


def test_an_invalid_action_is_refused_in_the_infos_and_changes_nothing():
    game = env()
    game.reset(seed=3)
    before = game.world.state.copy()
    actions = {
        "USA": [
            Tariff("USA", ("CHN",), "lithium", "all", 99.0),  # above the 1,000 % cap
            ExportControl("CHN", ("USA",), "all", "all", 0.0),  # not the USA's to decide
            Respond("USA", offer_id=12345, answer="accept"),  # no such offer waiting
        ]
    }
    _, _, _, _, infos = game.step(actions)

    refused = infos["USA"]["refused"]
    assert len(refused) == 3
    assert all(row["step"] == 1 for row in refused)
    assert not infos["CHN"]["refused"]
    assert np.array_equal(game.world.state.tariff, before.tariff)
    assert np.array_equal(game.world.state.export_level, before.export_level)


def test_the_episode_ends_by_truncation_at_the_scenarios_last_step():
    assert MineralsEnv("baseline").steps == 20  # baseline.toml: five years of quarters
    game = env()
    game.reset(seed=3)
    for step in range(1, STEPS + 1):
        _, _, terminations, truncations, infos = game.step({})
        assert not any(terminations.values())
        assert all(truncations.values()) == (step == STEPS)
        assert infos["USA"]["step"] == step
    assert game.agents == []
    with pytest.raises(RuntimeError, match="reset"):
        game.step({})


def test_a_vector_action_decodes_to_contract_actions_and_holds_steady_measures():
    pytest.importorskip("gymnasium")
    game = env(layout="full")
    observations, _ = game.reset(seed=3)
    assert game.observation_space("USA").contains(observations["USA"])
    assert game.decode("USA", np.zeros(len(game.action_layout("USA")), dtype=int)) == []

    action = vector(game, "USA", tariff_CHN_graphite=0.25, export_control_CHN_lithium=0.0)
    assert game.action_space("USA").contains(action)
    assert game.decode("USA", action) == [  # in action_layout order: lithium first
        ExportControl("USA", ("CHN",), "lithium", "all", 0.0),
        Tariff("USA", ("CHN",), "graphite", "all", 0.25),
    ]
    observations, _, _, _, infos = game.step({"USA": action})
    assert len(infos["USA"]["actions"]) == 2 and not infos["USA"]["refused"]
    assert game.observation_space("USA").contains(observations["USA"])
    assert game.decode("USA", action) == []  # already in force: nothing to announce


def test_partner_groups_aim_one_measure_at_several_economies():
    game = env(partners={"china": ["CHN"], "allies": ["EU", "JPN", "USA"]}, layout="full")
    game.reset(seed=3)
    action = vector(game, "USA", tariff_allies_cobalt=0.1)
    assert game.decode("USA", action) == [Tariff("USA", ("EU", "JPN"), "cobalt", "all", 0.1)]


def test_programs_may_send_action_records_without_the_actor():
    game = env()
    game.reset(seed=3)
    record = to_dict(Tariff("USA", ("CHN",), "nickel", "refined", 0.1))
    del record["actor"]
    _, _, _, _, infos = game.step({"USA": [record]})
    assert infos["USA"]["actions"] == [to_dict(Tariff("USA", ("CHN",), "nickel", "refined", 0.1))]
    assert not infos["USA"]["refused"]


def test_malformed_actions_are_stopped_at_the_edge_with_a_message():
    game = env()
    game.reset(seed=3)
    with pytest.raises(ValueError, match="no live agent EU"):
        game.step({"EU": []})
    with pytest.raises(ValueError, match="action vector"):
        game.step({"USA": np.zeros(3, dtype=int)})
    with pytest.raises(ValueError, match="countries: unknown economy XXX"):
        MineralsEnv("baseline", countries=("XXX",))


def test_without_gymnasium_the_environment_plays_but_spaces_say_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gymnasium", None)  # as if it were not installed
    game = env()
    observations, _ = game.reset(seed=3)
    game.step({"USA": [Tariff("USA", ("CHN",), "lithium", "all", 0.5)]})
    assert observations["USA"].dtype == np.float32
    with pytest.raises(ImportError, match=r"critical-minerals-game\[rl\]"):
        game.action_space("USA")


# --- for learning agents: compact actions, masks, bounded observations --------------------


def test_the_default_action_layout_is_a_handful_of_choices_on_the_rivals():
    pytest.importorskip("gymnasium")
    game = env()
    layout = game.action_layout("USA")
    assert [c.kind for c in layout] == ["tariff", "export_control", "stockpile", "subsidy"]
    assert layout[0].targets == ("CHN",) and layout[0].mineral == "all"
    assert list(game.action_space("USA").nvec) == [6, 6, 3, 3]
    assert len(env(layout="full").action_layout("USA")) > 100
    # Alone, a country's rivals are everyone else.
    assert len(env(countries=("USA",)).action_layout("USA")[0].targets) == 26

    game.reset(seed=3)
    action = np.array([3, 0, 0, 0])  # a 25 % tariff on China, every mineral
    game.step({"USA": action})
    world = game.world
    usa, chn = world.data.country("USA"), world.data.country("CHN")
    assert np.allclose(world.state.tariff[:, usa, chn], 0.25)


def test_the_mask_forbids_what_the_rules_would_refuse_and_masked_play_is_never_refused():
    pytest.importorskip("gymnasium")
    game = env(overrides=AI_OTHERS)
    _, infos = game.reset(seed=5)
    mask = infos["USA"]["action_mask"]
    assert mask.shape == (sum(game.action_space("USA").nvec),)
    assert mask[[0, 6, 12, 15]].all()  # "no change" is always allowed
    assert mask[14] == 0  # a release from an empty stock
    rng = np.random.default_rng(0)
    for _ in range(STEPS):
        actions = {}
        for agent in game.agents:
            allowed = np.split(
                infos[agent]["action_mask"], np.cumsum(game.action_space(agent).nvec)[:-1]
            )
            actions[agent] = np.array([rng.choice(np.flatnonzero(part)) for part in allowed])
        _, _, _, _, infos = game.step(actions)
        for agent in actions:
            assert infos[agent]["refused"] == []
    # Stock bought earlier may be released now
    bought = game.world.observe("USA").stock_days.max() > 0
    assert game.action_mask("USA")[14] == int(bought)


def test_observations_are_bounded_and_normalised():
    pytest.importorskip("gymnasium")
    game = env(overrides=AI_OTHERS)
    space = game.observation_space("USA")
    assert np.isfinite(space.low).all() and np.isfinite(space.high).all()
    assert space.low.min() == -1.0 and space.high.max() == 1.0
    observations, _ = game.reset(seed=2)
    blocks = game.observation_layout()
    start = 0
    for name, size, _, _ in blocks:
        if name == "price_index":
            assert np.allclose(observations["USA"][start : start + size], 0.5, atol=0.05)
        start += size
    for _ in range(STEPS):
        observations, *_ = game.step({"USA": game.action_space("USA").sample()})
        assert space.contains(observations["USA"])
    raw = env(observations="raw")
    assert np.isinf(raw.observation_space("USA").high).any()


def test_the_example_learner_trains_for_a_few_steps():
    pytest.importorskip("gymnasium")
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "examples" / "train_random_search.py"
    spec = importlib.util.spec_from_file_location("train_random_search", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    training = example.main(["--iterations", "2", "--directions", "2", "--steps", "2"])
    assert training.steps == 2 * (2 * 2 + 1) * 2  # iterations × episodes × quarters
    assert len(training.returns) == 2 and np.isfinite(training.returns).all()
    assert np.abs(training.policy.weights).sum() > 0  # it moved
