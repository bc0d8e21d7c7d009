"""What the pages' server may do, and nothing more: the pages are served on a school network.

Solara, left to itself, fetches any ``/_solara/cdn/<path>`` a visitor asks for from a public
CDN (a server-side fetch on anyone's behalf) and logs a full traceback for every junk
websocket frame. Here the CDN cache filled at set-up (``ui/fetch-solara-assets.sh``) is
all it serves, and junk is logged in one line. Called by each page module at import,
which runs inside the server process.
"""

import logging
import os

import solara.server.cdn_helper as cdn_helper

JUNK = (ValueError, UnicodeDecodeError)  # json.JSONDecodeError is a ValueError


def _refuse_fetch(url: str) -> bytes:
    # StaticCdn turns any exception into a 404: a missing asset is not fetched for anyone.
    raise FileNotFoundError(url)


class _OneLineForJunk(logging.Filter):
    """A malformed websocket frame is the client's mistake: one line, not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, JUNK):
            record.msg = f"refused a malformed message from a client: {type(error).__name__}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def harden() -> None:
    """Serve cached assets only, keep junk out of the log and draw pages with reacton's fast
    renderer; safe to call more than once."""
    # The fast renderer (opt-in since reacton 1.11, checked against the default by its own
    # fuzz tests) skips the unchanged parts of a page when it redraws: a game Step's server
    # CPU 95 -> 75 ms. It is read when a page is first drawn, so pages set it at import.
    os.environ.setdefault("REACTON_FAST", "1")
    cdn_helper.fetch_from_cdn = _refuse_fetch
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _OneLineForJunk) for f in logger.filters):
        logger.addFilter(_OneLineForJunk())
