"""Mesa agents: each economy is a Country whose controller decides its actions."""

from agents.country import Country

__all__ = ["Country"]
