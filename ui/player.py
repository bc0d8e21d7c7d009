"""This browser's lasting key, so that "Continue" offers only the games it started.

ui/player.vue keeps a random key in the browser's ``localStorage`` (made the first time
with ``crypto.getRandomValues``; nothing is fetched) and sends it to the server once the
page is up. Saved games record it as their owner (ui/saves.py). It is not a password: a
game's address (``?game=<id>``) still opens the game for whoever has it.
"""

from collections.abc import Callable

import solara

from ui import saves


@solara.component_vue("player.vue")
def _Key(player: str, on_player: Callable[[str], None]):
    pass


@solara.component
def PlayerKey(player: str | None, on_player: Callable[[str | None], None]):
    """Draws nothing; calls ``on_player`` with the browser's key (None if it is no key)."""
    _Key(player=player or "", on_player=lambda value: on_player(saves.owner_key(value)))
