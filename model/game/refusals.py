"""The class game's refusals: one exception whose message says what is wrong and what is allowed."""


class ClassroomError(ValueError):
    """A refused request; ``str(e)`` says what is wrong and what is allowed."""


class SaveError(ClassroomError):
    """The game could not be saved: the change is undone, so memory and disk agree."""
