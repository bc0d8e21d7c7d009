"""The shape of a lesson: how many rounds, how many quarters each plays, when deals open.

A teacher sets it when hosting (``minerals host --rounds 5``); the class game reads it to
say "round 3 of 5", to refuse a deal before the round deals open, to announce the last
round, to time rounds and, if asked, to close a round when its time is up.
"""

import math
from dataclasses import asdict, dataclass

from model.game.refusals import ClassroomError
from model.text import t

MAX_MINUTES = 180.0  # a round timer longer than a double lesson is a typing mistake
MAX_QUARTERS = 8  # two years in one round is already a leap


@dataclass(frozen=True)
class Lesson:
    rounds: int | None = None  # None: as many rounds as the scenario has quarters
    quarters: int = 1  # quarters each round plays: the first with the class's decisions
    deals_from: int = 1  # the first round in which delegations may propose or answer deals
    minutes: float | None = None  # each round's timer when the teacher gives none
    auto_close: bool = False  # close the round by itself when its time is up

    def __post_init__(self):
        _whole("rounds", self.rounds, 1, None, optional=True)
        _whole("quarters", self.quarters, 1, MAX_QUARTERS)
        _whole("deals_from", self.deals_from, 1, None)
        if self.minutes is not None and (
            isinstance(self.minutes, bool)
            or not isinstance(self.minutes, int | float)
            or not 0 < self.minutes <= MAX_MINUTES
        ):
            raise ClassroomError(t("classroom.bad_minutes", value=self.minutes, most=MAX_MINUTES))
        if not isinstance(self.auto_close, bool):
            raise ClassroomError(t("lesson.bad_auto_close", value=self.auto_close))

    def total(self, steps: int) -> int:
        """Rounds in the lesson for a scenario of ``steps`` quarters."""
        fit = math.ceil(steps / self.quarters)
        return fit if self.rounds is None else min(self.rounds, fit)

    def played(self, quarters_played: int) -> int:
        """Rounds played after ``quarters_played`` quarters (a partial round counts)."""
        return math.ceil(quarters_played / self.quarters)

    def record(self) -> dict:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict | None) -> "Lesson":
        """The lesson saved in game.json (games saved before lessons had shapes: the default)."""
        if record is None:
            return cls()
        if not isinstance(record, dict):
            raise ValueError(t("lesson.bad_record"))
        allowed = set(cls.__dataclass_fields__)
        unknown = set(record) - allowed
        if unknown:
            raise ValueError(t("lesson.bad_record"))
        try:
            return cls(**record)
        except ClassroomError as error:
            raise ValueError(str(error)) from None


def _whole(name: str, value, least: int, most: int | None, optional: bool = False) -> None:
    if optional and value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < least
        or (most is not None and value > most)
    ):
        allowed = f"{least}–{most}" if most is not None else f"{least} or more"
        raise ClassroomError(t("lesson.bad_number", name=name, value=value, allowed=allowed))
