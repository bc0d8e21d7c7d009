"""The engine: the Mesa model (World), markets, economy, policies, diplomacy, metrics."""
