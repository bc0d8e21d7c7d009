"""Mesa agents: each economy is a Country whose controller decides its actions.

``Country`` is imported on first use, not with the package: the action contract
(``agents.actions``) is read by the scenario format and the command line, which must not
pay for importing Mesa (about a second) just to print ``minerals --help``.
"""

__all__ = ["Country"]


def __getattr__(name: str):
    if name == "Country":
        from agents.country import Country

        return Country
    raise AttributeError(f"module 'agents' has no attribute {name!r}")
