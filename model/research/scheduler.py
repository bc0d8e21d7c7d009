"""Is a Dask scheduler there? Asked with a plain socket, before anything heavy is imported.

Dask's own ``Client`` retries until its timeout, after the imports and the sweep's design
have cost their seconds; a closed port answers a socket at once.
"""

import socket
from urllib.parse import urlsplit

from model.data.scenario import ScenarioError
from model.text import t

SCHEDULER_TIMEOUT = 10.0  # seconds to reach a Dask scheduler before giving up


class SchedulerError(ScenarioError):
    """No scheduler answers at the address given; ``str(e)`` is the one message."""


def reach_scheduler(address: str, timeout: float = SCHEDULER_TIMEOUT) -> None:
    """Raise ``SchedulerError`` if a ``tcp://host:port`` scheduler does not answer in time."""
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "tcp" or not parts.hostname or port is None:
        return  # another protocol (tls, inproc, ucx): Dask itself tries it
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as error:
        why = t("sweep_safety.no_answer", seconds=f"{timeout:g}", reason=error.strerror or error)
        raise SchedulerError(t("sweep.no_scheduler", address=address, reason=why)) from None
