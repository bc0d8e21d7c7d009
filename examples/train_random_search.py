"""Train a learning agent to play a country in MineralsEnv, with numpy alone.

Augmented Random Search (Mania, Guy & Recht 2018, "Simple random search provides a
competitive approach to reinforcement learning", arXiv:1803.07055, algorithm V1-t): a
linear policy scores every level of every component of the compact action layout from
the bounded observation; the country takes, per component, the best-scoring level the
action mask allows. Each iteration tries the policy nudged along a few random directions,
plus and minus, on the same seeds (common random numbers), and moves towards the
directions whose episodes earned more. The return is the country's welfare gain over
the episode against the world where nobody acted (docs/scoring.md).

The United States learns against AI strategies for every other economy (the baseline
with ``scenario.controller = "ai"``); against passive economies doing nothing is already
best (a return of 0: the score is the welfare against the world where nobody acted).
Run it (40 iterations × (4 directions × 2 + 1) episodes × 8 quarters = 2,880 environment
steps; about 4 CPU-minutes, 83 ms a step with AI opponents, measured with 6 iterations):

    python examples/train_random_search.py --country USA --iterations 40

Stable-Baselines3 or CleanRL fit the same environment (PettingZoo parallel API, SuperSuit
wrappers), but need PyTorch; this learner needs nothing beyond the project's ``rl`` extra.
"""

import argparse
from dataclasses import dataclass, field

import numpy as np

from model.research.environment import MineralsEnv


@dataclass
class LinearPolicy:
    """Scores = weights @ observation, one score per level of every action component."""

    nvec: np.ndarray
    weights: np.ndarray

    @classmethod
    def zeros(cls, env: MineralsEnv, agent: str) -> "LinearPolicy":
        nvec = np.asarray(env.action_space(agent).nvec)
        size = env.observation_space(agent).shape[0]
        return cls(nvec, np.zeros((int(nvec.sum()), size)))

    def act(self, observation: np.ndarray, mask: np.ndarray, weights=None) -> np.ndarray:
        """Per component the allowed level with the highest score ("no change" on ties)."""
        scores = (self.weights if weights is None else weights) @ observation
        scores = np.where(mask > 0, scores, -np.inf)
        cuts = np.cumsum(self.nvec)[:-1]
        return np.array([int(np.argmax(part)) for part in np.split(scores, cuts)])


def episode_return(env: MineralsEnv, agent: str, policy: LinearPolicy, weights, seed: int):
    """The agent's return over one episode (other played countries, if any, do nothing)."""
    observations, infos = env.reset(seed=seed)
    total, steps = 0.0, 0
    while env.agents:
        action = policy.act(observations[agent], infos[agent]["action_mask"], weights)
        observations, rewards, _, _, infos = env.step({agent: action})
        total += rewards[agent]
        steps += 1
    return total, steps


@dataclass
class Training:
    policy: LinearPolicy
    returns: list[float] = field(default_factory=list)  # the policy's return per iteration
    steps: int = 0  # environment steps taken


def train(
    env: MineralsEnv,
    agent: str,
    iterations: int = 40,
    directions: int = 4,
    step_size: float = 0.02,
    noise: float = 0.03,
    seed: int = 0,
) -> Training:
    """ARS V1-t (top half of the directions) on a linear policy, from zero weights."""
    rng = np.random.default_rng(seed)
    policy = LinearPolicy.zeros(env, agent)
    training = Training(policy)
    top = max(1, directions // 2)
    for _ in range(iterations):
        episode_seed = int(rng.integers(2**31))
        deltas = rng.standard_normal((directions, *policy.weights.shape))
        gains = np.zeros((directions, 2))
        for d, delta in enumerate(deltas):
            for s, sign in enumerate((1.0, -1.0)):
                weights = policy.weights + sign * noise * delta
                gains[d, s], steps = episode_return(env, agent, policy, weights, episode_seed)
                training.steps += steps
        best = np.argsort(-gains.max(axis=1))[:top]
        spread = gains[best].std() or 1.0
        step = (gains[best, 0] - gains[best, 1])[:, None, None] * deltas[best]
        policy.weights += step_size / (top * spread) * step.sum(axis=0)
        value, steps = episode_return(env, agent, policy, None, episode_seed)
        training.returns.append(value)
        training.steps += steps
    return training


def main(argv: list[str] | None = None) -> Training:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="baseline")
    parser.add_argument("--country", default="USA")
    parser.add_argument("--steps", type=int, default=8, help="quarters per episode")
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--directions", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--others",
        choices=("ai", "scenario"),
        default="ai",
        help="the economies nobody plays: AI strategies, or the scenario's own controllers",
    )
    args = parser.parse_args(argv)
    overrides = ['scenario.controller="ai"'] if args.others == "ai" else []
    env = MineralsEnv(
        args.scenario, countries=(args.country,), steps=args.steps, overrides=overrides
    )
    training = train(env, args.country, args.iterations, args.directions, seed=args.seed)
    first, last = training.returns[0], training.returns[-1]
    print(
        f"{training.steps} environment steps; return {first:+.2f} after one iteration, "
        f"{last:+.2f} after {len(training.returns)}"
    )
    return training


if __name__ == "__main__":
    main()
