"""The ``minerals`` parser defines each shared argument once (ui/cli.py ``_SHARED``); folding
the repetition changed no flag: every command keeps its arguments, in the same order, and
a shared one means the same thing wherever it appears."""

import argparse

from ui.cli import _SHARED, build_parser

FLAGS = {
    "scenarios": ["-h/--help"],
    "run": ["-h/--help", "scenario", "--steps", "--seed", "--out", "--format", "--set",
            "-q/--quiet"],
    "validate": ["-h/--help", "path"],
    "sweep": ["-h/--help", "spec", "--workers", "--scheduler", "--scheduler-timeout", "--out",
              "--csv", "--force-resume", "-q/--quiet"],
    "analyse": ["-h/--help", "out", "--outcome", "--by", "--against", "--svg"],
    "ui": ["-h/--help", "--host", "--port"],
    "host": ["-h/--help", "scenario", "--seats", "--host", "--port", "--state-dir", "--seed",
             "--resume", "--force-resume", "--rounds", "--quarters", "--deals-from",
             "--minutes", "--auto-close"],
    "replay": ["-h/--help", "archive", "--change", "--out", "--format"],
    "briefing": ["-h/--help", "scenario", "--seats", "--out", "--format", "--key"],
    "hindcast": ["-h/--help", "--out", "--set"],
}  # as the parser had them before the shared definitions (commit abc627e)


def commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def name(action: argparse.Action) -> str:
    return "/".join(action.option_strings) or action.dest


def test_every_command_keeps_its_arguments_in_their_order():
    found = {command: [name(a) for a in p._actions] for command, p in commands().items()}
    assert found == FLAGS


SHARED_BY = {
    "scenario": ["run", "briefing"],
    "seed": ["run", "host"],
    "format": ["run", "replay"],
    "port": ["ui", "host"],
    "seats": ["host", "briefing"],
    "force_resume": ["sweep", "host"],
    "quiet": ["run", "sweep"],
}


def test_a_shared_argument_is_the_same_in_every_command_that_has_it():
    parsers = commands()
    for shared, users in SHARED_BY.items():
        flags = _SHARED[shared][0]
        shapes = set()
        for command in users:
            [action] = [a for a in parsers[command]._actions if a.option_strings == list(flags)
                        or (not a.option_strings and a.dest == flags[0])]
            shapes.add((action.dest, action.type, action.default, action.metavar, action.help))
        assert len(shapes) == 1, (shared, shapes)
