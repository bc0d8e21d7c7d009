"""The class's message board: short notes between delegations, the teacher reading them all.

A message goes to one seat, to the teacher or to everyone ("all"). A seat reads what was
sent to it, to everyone, and what it sent; the teacher reads everything. The board only
keeps and filters messages: who may post is the class game's question.
"""

import time

from model.game.refusals import ClassroomError
from model.text import t

TEACHER = "teacher"
EVERYONE = "all"
BOARD = "board"  # the kind of change a new message is (ClassGame.page_version)
MAX_MESSAGE = 500  # characters: a short note, as in a chat
MAX_MESSAGES = 5000  # per game, so a runaway script cannot fill the disk


class MessageBoard:
    """Every message of one game, in the order they were posted."""

    def __init__(self, messages: list[dict] | None = None):
        self.messages: list[dict] = list(messages or [])

    def send(self, sender: str, to: str, text: str, seats: list[str], round_no: int) -> dict:
        """Post ``text`` from ``sender`` after checking it; ClassroomError says what is wrong."""
        allowed = [EVERYONE, TEACHER, *seats]
        if to not in allowed or to == sender:
            raise ClassroomError(
                t(
                    "classroom.bad_recipient",
                    value=to,
                    allowed=", ".join(code for code in allowed if code != sender),
                )
            )
        if not isinstance(text, str) or not text.strip():
            raise ClassroomError(t("classroom.empty_message"))
        if len(text.strip()) > MAX_MESSAGE:
            raise ClassroomError(
                t("classroom.long_message", length=len(text.strip()), most=MAX_MESSAGE)
            )
        if len(self.messages) >= MAX_MESSAGES:
            raise ClassroomError(t("classroom.board_full", most=MAX_MESSAGES))
        return self.post(sender, to, text.strip(), round_no)

    def post(self, sender: str, to: str, text: str, round_no: int) -> dict:
        """Post without checks (the game's own notices)."""
        message = {
            "id": len(self.messages) + 1,
            "round": round_no,
            "time": time.time(),
            "sender": sender,
            "to": to,
            "text": text,
        }
        self.messages.append(message)
        return message

    def count_for(self, code: str | None) -> int:
        """How many messages ``code`` may read (None: the teacher): a tab redraws when it grows."""
        return sum(1 for _ in self._readable(code))

    def read_by(self, code: str | None) -> list[dict]:
        """Copies of the messages ``code`` may read (None: the teacher, who reads them all)."""
        return [dict(m) for m in self._readable(code)]

    def _readable(self, code: str | None):
        """The messages ``code`` may read: to or from it, or to everyone (the teacher: all)."""
        return (
            m
            for m in self.messages
            if code is None or code in (m["sender"], m["to"]) or m["to"] == EVERYONE
        )
