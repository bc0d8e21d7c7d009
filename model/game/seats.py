"""The seats of a class game: who may do what, by the link's token, and who plays each seat.

Every link carries a random token: one for the teacher, one for the projector (which shows
nothing private), one per delegation. A short class code, projected for the room, opens a
picker of the seats not yet locked; the teacher locks a seat once its delegation has
joined, and can reissue a seat's link (the old one stops working). The number of devices
on each seat is counted while they are connected and never saved.
"""

import secrets
from collections import Counter

from model.game.refusals import ClassroomError
from model.game.replay import BOT, NOBODY, PEOPLE
from model.text import t

TEACHER, SEAT, SCREEN = "teacher", "seat", "screen"
# The default delegations: the four big consumers and China, and four producers at the
# centre of the 2025 news (Australia: rare earths and lithium; DR Congo: cobalt;
# Indonesia: nickel; Chile: lithium). Eight delegations of 3-5 suit a class of 24-40.
DEFAULT_SEATS = ("USA", "CHN", "EU", "JPN", "AUS", "COD", "IDN", "CHL")
# A class code is read off a projector and typed on phones: no 0/O, 1/I/L.
CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_token() -> str:
    return secrets.token_urlsafe(16)


def new_class_code() -> str:
    return "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))


class Seats:
    """Links, players and locks of one game's seats (``codes`` in the order of the game)."""

    def __init__(self, codes: list[str]):
        self.codes = list(codes)
        self.teacher_token = new_token()
        self.screen_token = new_token()
        self.class_code = new_class_code()
        self.tokens = {code: new_token() for code in self.codes}
        self.players = dict.fromkeys(self.codes, PEOPLE)
        self.locked: set[str] = set()
        self.connected: Counter[str] = Counter()  # devices on each seat now (never saved)

    # --- who is asking ------------------------------------------------------------------------
    def role(self, token: str | None) -> tuple[str, str | None] | None:
        """("teacher", None), ("screen", None), ("seat", code), or None for a token that is
        no link of this game."""
        if not isinstance(token, str) or not token:
            return None
        given = token.encode("utf-8", "replace")  # whatever a browser sends, compared safely
        if secrets.compare_digest(given, self.teacher_token.encode()):
            return TEACHER, None
        if secrets.compare_digest(given, self.screen_token.encode()):
            return SCREEN, None
        for code, known in self.tokens.items():
            if secrets.compare_digest(given, known.encode()):
                return SEAT, code
        return None

    def check_teacher(self, token: str | None) -> None:
        if self.role(token) != (TEACHER, None):
            raise ClassroomError(t("classroom.not_teacher"))

    def check_seat(self, token: str | None) -> str:
        role = self.role(token)
        if role is None or role[0] != SEAT:
            raise ClassroomError(t("classroom.not_seat"))
        return role[1]

    def links(self, base_url: str) -> dict[str, str]:
        """The teacher's link and every seat's join link."""
        base = base_url.rstrip("/")
        links = {TEACHER: f"{base}/teacher?token={self.teacher_token}"}
        for code in self.codes:
            links[code] = f"{base}/seat?token={self.tokens[code]}"
        return links

    # --- joining --------------------------------------------------------------------------------
    def open_seats(self, class_code: str) -> dict[str, str]:
        """The seats a student with ``class_code`` may pick, with their tokens; ClassroomError
        for a wrong code."""
        # "az7 cax" as read off the projector: spaces are not part of the code
        given = "".join((class_code or "").split()).upper().encode("utf-8", "replace")
        if not secrets.compare_digest(given, self.class_code.encode()):
            raise ClassroomError(t("lesson.bad_class_code"))
        return {code: self.tokens[code] for code in self.codes if code not in self.locked}

    def lock(self, code: str, locked: bool) -> bool:
        """Lock (or unlock) ``code`` in the picker; whether anything changed."""
        self.check_code(code)
        if (code in self.locked) == locked:
            return False
        (self.locked.add if locked else self.locked.discard)(code)
        return True

    def reissue(self, code: str) -> str:
        """A new link for ``code``: the old one stops working. Returns the new token."""
        self.check_code(code)
        self.tokens[code] = new_token()
        return self.tokens[code]

    # --- who plays ------------------------------------------------------------------------------
    def hand_over(self, code: str, to: str) -> bool:
        """Give a seat to its AI or back to its delegation; whether anything changed."""
        self.check_code(code)
        if to not in (PEOPLE, BOT):
            raise ClassroomError(t("classroom.bad_player", value=to, allowed=f"{PEOPLE}, {BOT}"))
        if self.players[code] == to:
            return False
        self.players[code] = to
        return True

    def check_code(self, code: str) -> None:
        if code not in self.codes:
            raise ClassroomError(
                t("classroom.not_a_seat", code=code, allowed=", ".join(self.codes))
            )

    # --- saving ---------------------------------------------------------------------------------
    def record(self, tokens: bool = True) -> dict:
        """The seats as JSON for game.json (with the links' keys only if ``tokens``)."""
        record = {"players": dict(self.players), "locked": sorted(self.locked)}
        if tokens:
            record |= {
                "teacher_token": self.teacher_token,
                "seat_tokens": dict(self.tokens),
                "screen_token": self.screen_token,
                "class_code": self.class_code,
            }
        return record

    def restore(self, saved: dict) -> None:
        """Take back the seats of a saved game (KeyError or ValueError if they do not fit).
        Saves from before the projector and the class code get new ones."""
        seats = set(self.codes)
        if set(saved["seat_tokens"]) != seats or set(saved["players"]) != seats:
            raise ValueError(t("classroom.seats_mismatch"))
        self.teacher_token = str(saved["teacher_token"])
        self.tokens = {code: str(token) for code, token in saved["seat_tokens"].items()}
        self.players = {code: one_of(p, (PEOPLE, BOT)) for code, p in saved["players"].items()}
        self.screen_token = str(saved.get("screen_token") or self.screen_token)
        self.class_code = str(saved.get("class_code") or self.class_code)
        self.locked = {code for code in saved.get("locked", []) if code in seats}


def seat_codes(codes: list[str], seats: list[str]) -> list[str]:
    """``seats`` checked against a world's economy ``codes``; ClassroomError naming the allowed."""
    allowed = [code for code in codes if code not in NOBODY]
    for code in seats:
        if code not in allowed:
            raise ClassroomError(t("classroom.bad_seat", code=code, allowed=", ".join(allowed)))
    if not seats or len(set(seats)) != len(seats):
        raise ClassroomError(t("classroom.seats_needed", allowed=", ".join(allowed)))
    return list(seats)


def one_of(value, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(t("classroom.bad_choice", value=value, allowed=", ".join(allowed)))
    return value
