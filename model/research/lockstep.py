"""Runs stepped in lockstep, their markets cleared together.

A quarter's clearing is some hundred numpy calls an iteration on arrays so small that the
call costs more than the arithmetic. A sweep's runs of one world step side by side here:
each quarter every run goes as far as its next market, and the markets of all of them
clear in one call (markets.clear_together), a third of the time they take one by one
(benchmarks/README.md, "Session 14"). Each run's numbers are the ones it gets alone, bit for
bit (tests/test_lockstep.py); a run that fails stops alone, the others go on.
"""

from collections.abc import Generator
from contextlib import ExitStack

from model.engine.markets import Clearing, clear, clear_together, one_blas_thread
from model.engine.world import World


def run_together(worlds: list[World]) -> list[Exception | None]:
    """Run every world its scenario's steps, in lockstep; each one's error, or None."""
    errors: list[Exception | None] = [None] * len(worlds)
    steps_left = [world.spec.steps for world in worlds]
    with one_blas_thread(), ExitStack() as unwatched:
        for world in worlds:
            unwatched.enter_context(world.unwatched())
        while running := [n for n, left in enumerate(steps_left) if left and errors[n] is None]:
            quarters = {}
            for n in running:
                steps_left[n] -= 1
                try:
                    quarters[n] = worlds[n].start_quarter()
                except Exception as error:  # a failing run is data, not a crash
                    errors[n] = error
            _run_quarters(quarters, errors)
    return errors


def _run_quarters(quarters: dict[int, Generator], errors: list[Exception | None]) -> None:
    """Run every quarter to its end, clearing the markets they wait on together."""
    clearings: dict[int, Clearing | None] = dict.fromkeys(quarters)  # None: start it
    while quarters:
        requests = {}
        for n, quarter in list(quarters.items()):
            try:
                requests[n] = quarter.send(clearings[n])
            except StopIteration:
                del quarters[n]
            except Exception as error:
                errors[n] = error
                del quarters[n]
        clearings = dict(zip(requests, _cleared(list(requests.values())), strict=True))
        for n, clearing in clearings.items():
            if isinstance(clearing, Exception):
                errors[n] = clearing
                quarters.pop(n).close()


def _cleared(requests: list[tuple]) -> list[Clearing | Exception]:
    """Every request cleared together; if that fails, each alone, its own error kept."""
    try:
        return clear_together(requests)
    except Exception:
        cleared: list[Clearing | Exception] = []
        for market, start in requests:
            try:
                cleared.append(clear(market, start))
            except Exception as error:
                cleared.append(error)
        return cleared
