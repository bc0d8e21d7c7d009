"""Headless uses of the engine: sweeps, their analysis, the PettingZoo environment."""
