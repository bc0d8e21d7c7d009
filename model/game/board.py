"""The class's message board: short notes between delegations, the teacher reading them all.

A message goes to one seat, to the teacher or to everyone ("all"). A seat reads what was
sent to it, to everyone, and what it sent; the teacher reads everything. The board only
keeps and filters messages: who may post is the class game's question.
"""

import time

from model.game.refusals import ClassroomError
from model.text import Said, economy_name, language, said_from_record, said_record, t

TEACHER = "teacher"
EVERYONE = "all"
BOARD = "board"  # the kind of change a new message is (ClassGame.page_version)
MAX_MESSAGE = 500  # characters: a short note, as in a chat
MAX_MESSAGES = 5000  # per game, so a runaway script cannot fill the disk


class MessageBoard:
    """Every message of one game, in the order they were posted.

    The game's own notices (a card fired, a submission dropped) are sentences of the
    catalogues: saved with how to say them (``said``), they read in each reader's language
    after a restart too. A delegation's note is kept as typed.
    """

    def __init__(self, messages: list[dict] | None = None):
        self.messages: list[dict] = [_said_again(message) for message in messages or []]

    def record(self) -> list[dict]:
        """The messages as JSON keeps them (``MessageBoard(board.record())`` is the board)."""
        return [
            message | {"said": said_record(message["text"])}
            if isinstance(message["text"], Said)
            else dict(message)
            for message in self.messages
        ]

    def send(self, sender: str, to: str, text: str, seats: list[str], round_no: int) -> dict:
        """Post ``text`` from ``sender`` after checking it; ClassroomError says what is wrong."""
        allowed = [EVERYONE, TEACHER, *seats]
        if to not in allowed or to == sender:
            raise ClassroomError(
                t(
                    "classroom.bad_recipient",
                    value=to,
                    allowed=", ".join(_recipient(code) for code in allowed if code != sender),
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


def _recipient(code: str) -> str:
    """Where a message may go, as the reader says it: "everyone", "the United States"."""
    named = {EVERYONE: "classroom.recipient_all", TEACHER: "classroom.recipient_teacher"}
    return t(named[code]) if code in named else economy_name(code, language())


def _said_again(message: dict) -> dict:
    """A saved message, its text said again in each reader's language if it was a notice
    (a game saved before notices kept ``said`` has none: its text stays as written)."""
    message = dict(message)
    said = message.pop("said", None)
    if said is not None:
        message["text"] = said_from_record(said, message["text"])
    return message
