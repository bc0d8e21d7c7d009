"""The action contract: what any controller (script, AI, a person in a browser) may return.

Both sides import this module: agents build actions, the model validates and applies them.
``targets`` and ``mineral``/``stage`` may be ``"all"``; the model expands them.
"""

from dataclasses import dataclass
from typing import ClassVar

ALL = "all"


@dataclass(frozen=True)
class Tariff:
    """The actor taxes imports from ``targets`` (ad valorem; 1.45 = 145 %)."""

    kind: ClassVar[str] = "tariff"
    actor: str
    targets: tuple[str, ...]
    mineral: str
    stage: str
    rate: float
    note: str = ""


@dataclass(frozen=True)
class ExportControl:
    """The actor lets ``targets`` have only ``level`` of their normal imports (0 = ban)."""

    kind: ClassVar[str] = "export_control"
    actor: str
    targets: tuple[str, ...]
    mineral: str
    stage: str
    level: float
    note: str = ""


@dataclass(frozen=True)
class Stockpile:
    """The actor buys (``tonnes`` > 0) or releases (< 0) stock this step."""

    kind: ClassVar[str] = "stockpile"
    actor: str
    mineral: str
    stage: str
    tonnes: float
    note: str = ""


@dataclass(frozen=True)
class Subsidy:
    """The actor pays ``usd`` for new domestic capacity, online after the build lag."""

    kind: ClassVar[str] = "subsidy"
    actor: str
    mineral: str
    stage: str
    usd: float
    note: str = ""


@dataclass(frozen=True)
class Shock:
    """Capacity in the actor's economy runs at ``capacity_factor`` for ``duration`` steps."""

    kind: ClassVar[str] = "shock"
    actor: str
    mineral: str
    stage: str
    capacity_factor: float
    duration: int
    note: str = ""


Action = Tariff | ExportControl | Stockpile | Subsidy | Shock
ACTION_TYPES: dict[str, type] = {
    cls.kind: cls for cls in (Tariff, ExportControl, Stockpile, Subsidy, Shock)
}
