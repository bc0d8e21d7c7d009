"""The ``minerals`` command: list, validate and run scenarios without the browser.

Every user mistake ends as one message on stderr and exit code 2, before anything is
computed or written.
"""

from __future__ import annotations  # pandas and tqdm load only for the commands using them

import argparse
import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from model.data import provenance
from model.data.arguments import command_line
from model.data.files import reason, shown
from model.data.scenario import Scenario, ScenarioError, display_path, list_scenarios, load_scenario
from model.data.tables import FORMATS, TABLES, write_tables
from model.data.world_data import WorldDataError
from model.engine.policies import good_label
from model.text import (
    UnknownLanguage,
    allowed_list,
    check_language,
    country_name,
    environment_language,
    language,
    languages,
    recording_in,
    t,
    use_language,
)
from ui import argparse_words, lean_mesa

if TYPE_CHECKING:
    import pandas as pd

USAGE_ERROR = 2
RUNS_FAILED = 1  # `minerals sweep`: the table is written, but some runs failed
INTERRUPTED = 130
TOP_SCORES = 3
NOTABLE = 0.001  # changes and shortages below 0.1 % round to nothing in the summary


class UsageError(Exception):
    """A mistake on the command line; ``str(e)`` is the one message."""


MAX_NAME_BYTES = 255  # a file or folder name, as file systems allow
MAX_PATH_BYTES = 4000  # a whole path, under PATH_MAX


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        # argparse would print usage and exit; we want one message and a return code.
        raise UsageError(t("cli.usage_error", message=shown(message, 400), prog=self.prog))


VALIDATION_REPORT = Path("docs/validation.md")  # the calibrated world's, committed


def _whole_number(text: str) -> int:
    # Plain ASCII digits only: Python's int() also takes " 2 ", "+2", "1_0" and other scripts.
    if re.fullmatch(r"-?[0-9]{20,}", text):  # whole, but more than a 64-bit seed holds
        raise argparse.ArgumentTypeError(t("cli.whole_number_too_long", value=shown(text)))
    if not re.fullmatch(r"-?[0-9]{1,19}", text):
        raise argparse.ArgumentTypeError(t("cli.not_whole_number", value=shown(text)))
    return int(text)


def _path(text: str) -> Path:
    # Path("") is the current folder: an empty argument is a slip, not a choice.
    if not text.strip():
        raise argparse.ArgumentTypeError(t("cli.empty_path"))
    return Path(text)


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 600:
        raise argparse.ArgumentTypeError(t("sweep_safety.bad_timeout", value=shown(text)))
    return seconds


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(t("cli.bad_port", value=text))
    return port


def _table_format(text: str) -> str:
    if text not in FORMATS:
        raise argparse.ArgumentTypeError(
            t("cli.bad_format", value=text, allowed=allowed_list(text, FORMATS))
        )
    return text


# Arguments that several commands share, defined once: flags, options, catalogue key of
# the help. ``_add(parser, "seed", "quiet")`` gives a command its copies.
_FORMAT = {"type": _table_format, "default": FORMATS[0], "metavar": "{" + ",".join(FORMATS) + "}"}
_SHARED: dict[str, tuple[tuple[str, ...], dict, str]] = {
    "scenario": (("scenario",), {"metavar": "SCENARIO"}, "cli.help_scenario"),
    "steps": (("--steps",), {"type": _whole_number, "metavar": "N"}, "cli.help_steps"),
    "seed": (("--seed",), {"type": _whole_number, "metavar": "S"}, "cli.help_seed"),
    "format": (("--format",), _FORMAT, "cli.help_format"),
    "port": (("--port",), {"type": _port, "default": 8765, "metavar": "PORT"}, "cli.help_port"),
    "seats": (("--seats",), {"metavar": "CODES"}, "classroom.help_seats"),
    "force_resume": (("--force-resume",), {"action": "store_true"}, "provenance.help_force_resume"),
    "quiet": (("-q", "--quiet"), {"action": "store_true"}, "cli.help_quiet"),
    "set": (
        ("--set",),
        {"dest": "overrides", "action": "append", "default": [], "metavar": "KEY=VALUE"},
        "cli.help_set",
    ),
}


def _add(parser: argparse.ArgumentParser, *names: str, help_key: str | None = None) -> None:
    """Arguments several commands share; ``help_key`` words one command's help its way."""
    for name in names:
        flags, options, shared_help = _SHARED[name]
        parser.add_argument(*flags, **options, help=t(help_key or shared_help))


def _command(commands, name: str, help_key: str) -> argparse.ArgumentParser:
    """A subcommand whose one-line help is also its description."""
    return commands.add_parser(name, help=t(help_key), description=t(help_key))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="minerals", description=t("cli.description"))
    # Read by main() before parsing (the help must already be in that language); listed here
    # so --help shows it and argparse accepts it.
    parser.add_argument(
        "--lang", metavar="LANG", help=t("text.help_lang", allowed=", ".join(languages()))
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title=t("cli.commands"))
    _command(commands, "scenarios", "cli.help_scenarios")

    run = _command(commands, "run", "cli.help_run")
    _add(run, "scenario", "steps", "seed")
    run.add_argument("--out", type=_path, metavar="DIR", help=t("cli.help_out"))
    _add(run, "format", "set", "quiet")

    validate = _command(commands, "validate", "cli.help_validate")
    validate.add_argument("path", metavar="PATH", help=t("cli.help_path"))

    sweep = _command(commands, "sweep", "cli.help_sweep")
    sweep.add_argument("spec", metavar="SPEC", help=t("cli.help_spec"))
    sweep.add_argument("--workers", type=_whole_number, metavar="N", help=t("cli.help_workers"))
    sweep.add_argument("--scheduler", metavar="ADDRESS", help=t("cli.help_scheduler"))
    sweep.add_argument(
        "--scheduler-timeout",
        type=_seconds,
        default=10.0,
        metavar="SECONDS",
        help=t("sweep_safety.help_scheduler_timeout"),
    )
    sweep.add_argument("--out", type=_path, metavar="DIR", help=t("cli.help_sweep_out"))
    sweep.add_argument("--csv", action="store_true", help=t("cli.help_csv"))
    _add(sweep, "force_resume", "quiet")

    analyse = _command(commands, "analyse", "analysis.help")
    analyse.add_argument("out", type=_path, metavar="OUT_DIR", help=t("analysis.help_dir"))
    analyse.add_argument(
        "--outcome",
        dest="outcomes",
        action="extend",
        nargs="+",
        metavar="NAME",
        help=t("analysis.help_outcome"),
    )
    analyse.add_argument("--by", metavar="LEVER", help=t("analysis.help_by"))
    analyse.add_argument("--against", metavar="VALUE", help=t("analysis.help_against"))
    analyse.add_argument("--svg", type=_path, metavar="FILE", help=t("analysis.help_svg"))

    ui = _command(commands, "ui", "cli.help_ui")
    ui.add_argument("--host", default="127.0.0.1", metavar="HOST", help=t("cli.help_host"))
    _add(ui, "port")
    _classroom_parsers(commands)
    return parser


def _classroom_parsers(commands) -> None:
    """``host``, ``replay`` and ``briefing``: the class game's commands."""
    host = _command(commands, "host", "classroom.help_host")
    host.add_argument(
        "scenario", nargs="?", metavar="SCENARIO", help=t("classroom.help_host_scenario")
    )
    _add(host, "seats")
    host.add_argument(
        "--host", default="0.0.0.0", metavar="HOST", help=t("classroom.help_host_address")
    )
    _add(host, "port")
    host.add_argument("--state-dir", type=_path, metavar="DIR", help=t("classroom.help_state_dir"))
    _add(host, "seed")
    host.add_argument("--resume", type=_path, metavar="DIR", help=t("classroom.help_resume"))
    _add(host, "force_resume")
    host.add_argument("--rounds", type=_whole_number, metavar="N", help=t("lesson.help_rounds"))
    host.add_argument(
        "--quarters", type=_whole_number, default=1, metavar="N", help=t("lesson.help_quarters")
    )
    host.add_argument(
        "--deals-from", type=_whole_number, default=1, metavar="N", help=t("lesson.help_deals")
    )
    host.add_argument("--minutes", type=float, metavar="M", help=t("lesson.help_minutes"))
    host.add_argument("--auto-close", action="store_true", help=t("lesson.help_auto_close"))

    replay = _command(commands, "replay", "classroom.help_replay")
    replay.add_argument("archive", type=_path, metavar="ARCHIVE", help=t("classroom.help_archive"))
    replay.add_argument(
        "--change",
        dest="changes",
        action="append",
        default=[],
        metavar="STEP:CODE:JSON",
        help=t("classroom.help_change"),
    )
    replay.add_argument("--out", type=_path, metavar="DIR", help=t("classroom.help_replay_out"))
    _add(replay, "format")

    briefing = _command(commands, "briefing", "classroom.help_briefing")
    _add(briefing, "scenario", "seats")
    briefing.add_argument(
        "--out", type=_path, metavar="FILE", help=t("classroom.help_briefing_out")
    )
    briefing.add_argument(
        "--format", choices=("md", "html"), default="md", help=t("lesson.help_briefing_format")
    )
    briefing.add_argument("--key", action="store_true", help=t("lesson.help_briefing_key"))

    hindcast = _command(commands, "hindcast", "economics.help_hindcast")
    hindcast.add_argument(
        "--out",
        type=_path,
        default=VALIDATION_REPORT,
        metavar="FILE",
        help=t("economics.help_hindcast_out"),
    )
    _add(hindcast, "set", help_key="economics.help_hindcast_set")


def requested_language(argv: list[str]) -> tuple[str | None, list[str]]:
    """The ``--lang X`` (or ``--lang=X``) anywhere in ``argv``, and ``argv`` without it."""
    lang, rest = None, []
    words = iter(argv)
    for word in words:
        if word == "--lang":
            lang = next(words, "")
        elif word.startswith("--lang="):
            lang = word.removeprefix("--lang=")
        else:
            rest.append(word)
    return lang, rest


def main(argv: list[str] | None = None) -> int:
    """Run the command in ``argv`` (default: the process arguments); return the exit code.

    ``--lang`` (else ``MINERALS_LANG``) picks the language of everything printed; one that
    has no catalogue is a usage error naming the languages there are.
    """
    lang, argv = requested_language(sys.argv[1:] if argv is None else list(argv))
    try:
        lang = check_language(lang) if lang is not None else environment_language()
    except UnknownLanguage as error:
        print(t("cli.error", lang="en", message=error), file=sys.stderr)
        return USAGE_ERROR
    argparse_words.install()
    with use_language(lang), command_line():  # messages name flags, not Python keywords
        return _run(argv)


def _run(argv: list[str]) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            raise UsageError(t("cli.no_command", commands=", ".join(COMMANDS)))
        return COMMANDS[args.command](args)
    except (UsageError, ScenarioError, WorldDataError) as error:
        print(t("cli.error", message=error), file=sys.stderr)
        return USAGE_ERROR
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else 0
    except KeyboardInterrupt:
        print(t("cli.interrupted"), file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader (``| head``) left; silence the flush at exit, as the Python docs advise.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def scenarios_command(args: argparse.Namespace) -> int:
    listing = list_scenarios()
    width = max((len(name) for name, _ in listing), default=0)
    for name, title in listing:
        print(t("cli.scenario_line", name=name, title=title, width=width))
    return 0


def validate_command(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.path)
    print(
        t(
            "cli.valid",
            file=display_path(scenario.source),
            name=scenario.name,
            title=scenario.title,
            world=scenario.world,
            steps=scenario.steps,
            events=len(scenario.events),
        )
    )
    return 0


def run_command(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides, steps=args.steps, seed=args.seed)
    out = args.out if args.out is not None else Path("out") / scenario.name
    check_out_dir(out)
    check_no_other_run(out, scenario.name, args.format)
    lean_mesa.defer_optional_parts()  # before Mesa is imported: its spaces wait until used
    # Imported only here: listing and validating need none of the economics.
    from tqdm import tqdm

    from model.engine.world import World

    _check_strategies(scenario, args.overrides)
    world = World(scenario, rng=scenario.seed)
    quiet = args.quiet or not sys.stderr.isatty()
    with tqdm(
        total=scenario.steps,
        desc=scenario.name,
        unit=t("cli.progress_unit"),
        file=sys.stderr,
        disable=quiet,
    ) as progress:
        world.run(scenario.steps, progress=progress.update)
    tables = world.tables()
    replaced = holds_tables(out, args.format)
    try:
        write_tables(tables, out, args.format)
        provenance.write(out, provenance.describe(scenario))
    except OSError as error:
        raise UsageError(t("cli.cannot_write", out=shown(out), reason=reason(error))) from None
    for line in summary(world, scenario, tables, out, args.format, replaced):
        print(line)
    return 0


def _check_strategies(scenario: Scenario, overrides: list[str]) -> None:
    """A strategy set with --set decides only for an economy its AI plays (a sweep's
    factors are checked alike): refuse one that would change nothing."""
    from model.data.overrides import strategy_set_for
    from model.data.scenario import parse_override
    from model.engine.world import unplayed_strategy

    for text in overrides:
        code = strategy_set_for(parse_override(text)[0])
        controller = None if code is None else unplayed_strategy(scenario, code)
        if controller is not None:
            raise UsageError(
                t(
                    "cli.strategy_unplayed",
                    text=text,
                    code=code,
                    scenario=scenario.name,
                    controller=controller,
                )
            )


def sweep_command(args: argparse.Namespace) -> int:
    from model.research.scheduler import reach_scheduler

    if args.workers is not None and args.scheduler is not None:
        raise UsageError(t("sweep.workers_and_scheduler"))
    if args.workers is not None and args.workers < 1:
        raise UsageError(t("sweep.bad_workers", value=args.workers))
    if args.scheduler is not None:  # before the heavy imports and the design: seconds, not a minute
        reach_scheduler(args.scheduler, args.scheduler_timeout)
    # Imported only here: the other commands need none of it.
    from model.research.sweep import dask_client, load_spec, sweep

    spec = load_spec(args.spec)
    # Absolute before anything reaches a worker, whose current folder is not ours.
    out = (args.out if args.out is not None else Path("out") / "sweeps" / spec.name).absolute()
    check_out_dir(out)
    client = None
    if args.scheduler is not None:
        client = dask_client(args.scheduler, args.scheduler_timeout)
    try:
        runs = sweep(
            spec,
            out,
            executor=client.get_executor() if client is not None else None,
            workers=args.workers,
            csv=args.csv,
            progress=not args.quiet and sys.stderr.isatty(),
            force_resume=args.force_resume,
        )
    except KeyboardInterrupt:
        print(t("sweep.interrupted", out=display_path(out)), file=sys.stderr)
        return INTERRUPTED
    except OSError as error:
        raise UsageError(t("cli.cannot_write", out=shown(out), reason=reason(error))) from None
    finally:
        if client is not None:
            client.close()
    if "forced" in runs.attrs:
        why = runs.attrs["forced"]
        print(t("provenance.forced", dir=display_path(out), why=why), file=sys.stderr)
    failed = runs[runs["status"] == "failed"]
    print(
        t(
            "sweep.done",
            name=spec.name,
            runs=len(runs),
            ok=len(runs) - len(failed),
            failed=len(failed),
            skipped=runs.attrs["skipped"],
            scenario=spec.header.scenario,
        )
    )
    files = ["runs.parquet", *(["runs.csv"] if args.csv else []), "runs/"]
    print(t("sweep.written", files=", ".join(files), out=display_path(out)))
    if not failed.empty:
        first = failed.iloc[0]
        print(t("sweep.first_failure", run_id=first["run_id"], error=first["error"]))
        # A script, Makefile or batch job checks the exit status, not the text.
        message = t(
            "sweep_safety.runs_failed", failed=len(failed), runs=len(runs), out=display_path(out)
        )
        print(message, file=sys.stderr)
        return RUNS_FAILED
    return 0


def analyse_command(args: argparse.Namespace) -> int:
    """Summarise a finished sweep; the chart is written before anything is printed."""
    from model.research.analysis import (
        AnalysisError,
        distribution_svg,
        distributions,
        load_sweep,
        paired_effects,
        report,
        sensitivity,
    )
    from model.research.sensitivity import salib_indices, salib_report

    swept = load_sweep(args.out)
    sweep = swept
    if args.against is not None:
        if args.by is None:
            raise UsageError(t("analysis.against_needs_by", value=args.against))
        sweep = paired_effects(swept, args.by, args.against)
    table = distributions(sweep, args.outcomes, args.by)
    if args.svg is not None:
        if args.svg.is_dir():
            raise UsageError(t("analysis.svg_is_dir", path=args.svg))
        blocking = next((p for p in args.svg.parents if p.exists() and not p.is_dir()), None)
        if blocking is not None:  # "File exists" from mkdir says nothing to a person
            why = t("analysis.inside_a_file", file=blocking)
            raise UsageError(t("analysis.cannot_write", path=args.svg, reason=why))
        chart = distribution_svg(sweep, args.outcomes, args.by)
        try:
            args.svg.parent.mkdir(parents=True, exist_ok=True)
            args.svg.write_text(chart, encoding="utf-8")
        except OSError as error:
            why = reason(error)
            raise UsageError(t("analysis.cannot_write", path=args.svg, reason=why)) from None
    keys = sweep.group_keys(args.by)
    path = display_path(args.out)
    extra: list[str] = []
    if sweep.sampler:  # a Sobol' or Morris design: its own indices
        indices, note = None, ""
        try:
            extra = salib_report(salib_indices(sweep, args.outcomes, args.by), keys, sweep.sampler)
        except AnalysisError as why:
            note = str(why)
    else:
        try:
            indices, note = sensitivity(sweep, args.outcomes, args.by), ""
        except AnalysisError as why:  # the distributions still stand on their own
            indices, note = None, str(why)
    for line in [*report(swept, table, indices, keys, path, note, sweep.against), *extra]:
        print(line)
    if args.svg is not None:
        print(t("analysis.svg_written", path=display_path(args.svg)))
    return 0


def ui_command(args: argparse.Namespace) -> int:
    """Serve the browser game (ui/app.py) with Solara until interrupted."""
    _check_port(args.host, args.port)
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(t("cli.ui_address", url=f"http://{host}:{args.port}/"), flush=True)
    _serve(UI_DIR / "app.py", args.host, args.port)
    return 0  # not reached


UI_DIR = Path(__file__).resolve().parent


def _check_port(host: str, port: int) -> None:
    """A clear message now, rather than a traceback from the server later."""
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as error:
        raise UsageError(
            t("cli.port_unavailable", host=host, port=port, reason=error.strerror)
        ) from None


def _serve(app: Path, host: str, port: int, env: dict[str, str] | None = None) -> None:
    """Become a Solara server of ``app``: Ctrl+C and kill reach Solara, no child is orphaned."""
    command = [sys.executable, "-m", "solara", "run", str(app), "--host", host]
    command += ["--port", str(port), "--production", "--no-open"]
    env = {
        **os.environ,
        "SOLARA_KERNEL_CULL_TIMEOUT": os.environ.get("SOLARA_KERNEL_CULL_TIMEOUT", "10m"),
        # One browser opens a handful of tabs; a script opening hundreds is refused.
        "SOLARA_KERNEL_MAX_PER_SESSION": os.environ.get("SOLARA_KERNEL_MAX_PER_SESSION", "20"),
        # The pages send nothing to anyone but the server (no usage statistics).
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "MINERALS_LANG": language(),  # --lang: the pages' default language
        "SOLARA_THEME_SHOW_BANNER": "False",  # its corner banner covered the page's content
        **(env or {}),
    }
    os.execve(sys.executable, command, env)


def _seat_list(text: str | None) -> list[str] | None:
    """``--seats USA,CHN`` -> ["USA", "CHN"] (None: the default seats)."""
    if text is None:
        return None
    return [code.strip() for code in text.split(",") if code.strip()]


def host_command(args: argparse.Namespace) -> int:
    """Create (or resume) a class game, print its links, and serve the classroom pages."""
    import datetime
    import socket

    from model.game.classroom import ClassGame, ClassroomError
    from model.game.lesson import Lesson

    app = UI_DIR / "classroom.py"
    if args.resume is None and args.scenario is None:
        raise UsageError(t("classroom.scenario_or_resume"))
    if args.resume is not None and (args.seats or args.seed is not None or args.state_dir):
        raise UsageError(t("classroom.resume_conflict"))
    if args.force_resume and args.resume is None:
        raise UsageError(t("provenance.force_without_resume"))
    if not app.is_file():
        raise UsageError(t("classroom.no_app", app=display_path(app)))
    _check_port(args.host, args.port)
    try:
        if args.resume is not None:
            game = ClassGame.resume(args.resume)
            if args.scenario is not None and args.scenario != game.log.scenario:
                raise UsageError(
                    t(
                        "classroom.resume_mismatch",
                        dir=args.resume,
                        saved=game.log.scenario,
                        scenario=args.scenario,
                    )
                )
            _check_made_by(args.resume, game.table.spec, args.force_resume)
            print(
                t("classroom.host_resumed", name=game.name, dir=args.resume, rounds=game.round_no)
            )
        else:
            scenario = load_scenario(args.scenario, seed=args.seed)
            stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
            state_dir = args.state_dir or Path("out") / "class" / f"{scenario.name}-{stamp}"
            lesson = Lesson(
                rounds=args.rounds,
                quarters=args.quarters,
                deals_from=args.deals_from,
                minutes=args.minutes,
                auto_close=args.auto_close,
            )
            game = ClassGame.create(
                args.scenario, _seat_list(args.seats), state_dir, args.seed, lesson=lesson
            )
            print(
                t(
                    "classroom.host_created",
                    name=game.name,
                    scenario=scenario.name,
                    seed=game.log.seed,
                    dir=display_path(state_dir),
                )
            )
    except ClassroomError as error:
        raise UsageError(str(error)) from None
    host = args.host
    if host in ("0.0.0.0", "::", ""):  # every network: link with an address others can reach
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.connect(("192.0.2.1", 9))  # TEST-NET: picks the route, sends nothing
                host = probe.getsockname()[0]
        except OSError:
            host = socket.gethostname()
    base = f"http://{f'[{host}]' if ':' in host else host}:{args.port}"
    links = game.class_links(game.teacher_token, base)
    print(t("classroom.host_teacher", url=links.pop("teacher")))
    print(t("lesson.host_screen", url=links.pop("screen")))
    print(t("lesson.host_join", url=links.pop("join"), code=game.class_code))
    print(t("lesson.host_shape", total=game.rounds_total, quarters=game.lesson.quarters))
    data = game.world.data
    names = {c: country_name(c, n) for c, n in zip(data.codes, data.names, strict=True)}
    for code, url in links.items():
        print(t("classroom.host_seat", code=code, name=names[code], url=url))
    print(t("classroom.host_serving", url=base + "/", dir=display_path(game.state_dir)), flush=True)
    # ui/classroom.py finds the game, and the base of the join links it shows, here.
    env = {
        "MINERALS_CLASS_DIR": str(game.state_dir.resolve()),
        "MINERALS_CLASS_URL": base,
        # After a restart (minerals host --resume) open tabs reload by themselves.
        "SOLARA_THEME_FORCE_REFRESH": "True",
    }
    _serve(app, args.host, args.port, env)
    return 0  # reached only when serving is replaced (tests)


def _check_made_by(state_dir: Path, scenario: Scenario, force: bool) -> None:
    """Refuse to resume a class game made by another version, unless forced."""
    record = provenance.describe(scenario)
    why = provenance.mismatch(state_dir, record)
    if why is None:
        return
    if not force:
        raise UsageError(t("provenance.refuse_class", dir=display_path(state_dir), why=why))
    provenance.note_forced(state_dir, record)
    print(t("provenance.forced", dir=display_path(state_dir), why=why), file=sys.stderr)


def replay_command(args: argparse.Namespace) -> int:
    """Replay a class game headless, optionally with changed decisions, and write its tables."""
    lean_mesa.defer_optional_parts()
    from model.game.archive import ArchiveError, parse_change, read_log, replay_changed

    try:
        changes = [parse_change(text) for text in args.changes]
        log = read_log(args.archive)
        out = args.out if args.out is not None else Path("out") / "replay" / args.archive.stem
        check_out_dir(out)
        table = replay_changed(log, changes)
    except ArchiveError as error:
        raise UsageError(str(error)) from None
    except ValueError as error:  # the log's own checks: a message from the catalogue
        raise UsageError(t("classroom.replay_failed", reason=error)) from None
    except (KeyError, TypeError, IndexError) as error:  # a bug: one line to report, no trace
        problem = f"{type(error).__name__}: {error}"
        raise UsageError(t("classroom.replay_bug", problem=problem)) from None
    tables = table.world.tables()
    replaced = holds_tables(out, args.format)
    try:
        write_tables(tables, out, args.format)
        with recording_in(log.language):  # the language its sentences were recorded in
            provenance.write(out, provenance.describe(table.spec))
    except OSError as error:
        raise UsageError(t("cli.cannot_write", out=shown(out), reason=reason(error))) from None
    print(
        t(
            "classroom.replay_title",
            name=display_path(args.archive),
            rounds=len(log.turns),
            scenario=log.scenario,
            seed=log.seed,
            changes=len(changes),
        )
    )
    for step, code, offer in getattr(table, "dropped", []):
        print(t("classroom.replay_dropped_answer", step=step, code=code, offer=offer))
    for line in summary(table.world, table.spec, tables, out, args.format, replaced):
        print(line)
    return 0


def briefing_command(args: argparse.Namespace) -> int:
    """Write the delegations' role cards and briefing sheets from the world data: Markdown
    (cards, then the data sheets) or one printable HTML page; ``--key`` adds the teacher's
    answer key."""
    from model.game import roles
    from model.game.briefing import sheets
    from model.game.classroom import ClassroomError

    try:
        title, cards = roles.cards(args.scenario, _seat_list(args.seats))
        if args.format == "html":
            text = roles.html(title, cards, key=args.key)
        else:
            text = (
                roles.markdown(title, cards, key=args.key)
                + "\n"
                + sheets(args.scenario, _seat_list(args.seats))
            )
    except ClassroomError as error:
        raise UsageError(str(error)) from None
    if args.out is None:
        print(text, end="")
        return 0
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(
            t("cli.cannot_write", out=args.out, reason=error.strerror or error)
        ) from None
    print(t("classroom.briefing_written", count=len(cards), out=display_path(args.out)))
    return 0


def hindcast_command(args: argparse.Namespace) -> int:
    """Replay the recorded episodes and write the validation report (docs/validation.md)."""
    lean_mesa.defer_optional_parts()
    from model.research.hindcast import EPISODES, write

    if args.out.suffix != ".md":
        raise UsageError(t("economics.hindcast_not_md", out=args.out))
    if args.overrides and args.out == VALIDATION_REPORT:
        raise UsageError(t("economics.hindcast_set_needs_out", report=VALIDATION_REPORT))
    for name in EPISODES:  # a wrong --set is refused before anything runs
        load_scenario(name, args.overrides)
    check_out_dir(args.out.parent)
    try:
        results = write(args.out, args.overrides)
    except OSError as error:
        raise UsageError(
            t("cli.cannot_write", out=args.out, reason=error.strerror or error)
        ) from None
    passed = sum(result.passed for result in results)
    print(
        t(
            "economics.hindcast_written",
            out=display_path(args.out),
            passed=passed,
            total=len(results),
        )
    )
    if args.out == VALIDATION_REPORT and Path.cwd().resolve() != provenance.CHECKOUT:
        # The default is the checkout's committed report; from any other folder the same
        # relative path made a docs/ folder here, which a reader would not look for.
        out = args.out.resolve()
        print(t("economics.hindcast_outside_checkout", out=out, charts=out.with_suffix("")))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "scenarios": scenarios_command,
    "run": run_command,
    "validate": validate_command,
    "sweep": sweep_command,
    "analyse": analyse_command,
    "ui": ui_command,
    "host": host_command,
    "replay": replay_command,
    "briefing": briefing_command,
    "hindcast": hindcast_command,
}


def check_no_other_run(out: Path, scenario: str, fmt: str) -> None:
    """Refuse a folder holding another scenario's tables, or this one's in the other
    format: writing beside them would leave two runs mixed in one folder."""
    saved = provenance.read(out) if out.is_dir() else None
    made = saved.get("scenario") if isinstance(saved, dict) else None
    other = made.get("name") if isinstance(made, dict) else None  # a hand-edited file: no name
    if isinstance(other, str) and other != scenario:
        raise UsageError(t("cli.out_other_run", out=shown(out), other=other))
    stale = [f"{name}.{kind}" for name in TABLES for kind in FORMATS if kind != fmt]
    if out.is_dir() and any((out / name).exists() for name in stale):
        raise UsageError(t("cli.out_other_format", out=shown(out), fmt=fmt))


def holds_tables(out: Path, fmt: str) -> bool:
    """Whether ``out`` holds tables of an earlier run in ``fmt``, which writing replaces: a
    researcher reruns into the same folder on purpose, and is told it happened."""
    return out.is_dir() and any((out / f"{name}.{fmt}").exists() for name in TABLES)


def check_out_dir(out: Path) -> None:
    """Refuse an ``--out`` that cannot become a writable directory, before any work."""
    too_long = [part for part in out.parts if len(part.encode()) > MAX_NAME_BYTES]
    if too_long or len(str(out.absolute()).encode()) > MAX_PATH_BYTES:
        raise UsageError(t("cli.out_too_long", out=shown(out)))
    try:
        if out.is_symlink() and not out.exists():
            raise UsageError(t("cli.out_dangling", out=shown(out)))
        existing = next(p for p in (out, *out.absolute().parents) if p.exists())
    except OSError as error:
        raise UsageError(t("cli.cannot_write", out=shown(out), reason=reason(error))) from None
    if not existing.is_dir():
        raise UsageError(t("cli.out_not_dir", out=shown(out), blocker=shown(existing)))
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(t("cli.out_not_writable", out=shown(out), blocker=shown(existing)))


# --- the summary printed after a run ---------------------------------------------------


def summary(
    world,
    scenario: Scenario,
    tables: dict[str, pd.DataFrame],
    out: Path,
    fmt: str,
    replaced: bool = False,
) -> Iterator[str]:
    """The lines printed after a run: what ran, where it went (and whether it replaced an
    earlier run's tables there), and what stood out."""
    yield t("cli.run_title", name=scenario.name, title=scenario.title)
    yield t(
        "cli.run_span",
        steps=world.steps,
        first=world.quarter_label(1),
        last=world.quarter_label(world.steps),
        seed=scenario.seed,
    )
    yield t("cli.run_written", out=display_path(out), format=fmt, tables=", ".join(tables))
    if replaced:
        yield t("cli.run_replaced", out=display_path(out))
    countries, prices = tables["countries"], tables["prices"]
    if not countries.empty:
        yield _top_scores(world, countries)
    if not prices.empty:
        yield _price_rise(world, prices, tables["flows"])
    if not countries.empty:
        yield _worst_shortage(world, countries)


def _top_scores(world, countries: pd.DataFrame) -> str:
    last = countries["step"].max()
    final = countries[countries["step"] == last]
    if (final["score"].abs() < 0.005).all():  # a ranking of zeros says nothing
        return t("cli.run_scores_zero", quarter=world.quarter_label(last))
    top = final.nlargest(TOP_SCORES, "score")
    scores = ", ".join(
        t("cli.score_item", country=row.country, score=row.score) for row in top.itertuples()
    )
    return t("cli.run_scores", quarter=world.quarter_label(last), scores=scores)


def _price_rise(world, prices: pd.DataFrame, flows: pd.DataFrame) -> str:
    """The delivered price that rose most from step 1 (or the first step) to its peak in
    any later quarter, among prices somebody paid that quarter (an economy that gets none
    of a good only shows the ceiling of a price out of reach); and where it ended."""
    steps = prices["step"]
    first = 1 if (steps == 1).any() else steps.min()
    last = steps.max()
    key = ["country", "mineral", "stage"]
    before = prices[steps == first].set_index(key)["price"]
    later = prices[steps >= first].set_index(["step", *key])["price"]
    bought = flows.groupby(["step", "importer", "mineral", "stage"])["tonnes"].sum()
    later = later[later.index.isin(bought[bought > 0].index)]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = later / before.reindex(later.index.droplevel("step")).to_numpy()
    change = (ratio - 1).replace([np.inf, -np.inf], np.nan).dropna()
    if change.empty or change.max() < NOTABLE:
        return t("cli.run_no_price_rise", since=world.quarter_label(first))
    step, country, mineral, stage = change.idxmax()
    said = t(
        "cli.run_price_rise",
        good=good_label(mineral, stage),
        country=country,
        change=change.max(),
        before=before[(country, mineral, stage)],
        after=later[(step, country, mineral, stage)],
        since=world.quarter_label(first),
        quarter=world.quarter_label(step),
    )
    if step == last:
        return said
    now = change.get((last, country, mineral, stage))
    if now is None:
        return said
    return said + t("cli.run_price_rise_now", change=now, quarter=world.quarter_label(last))


def _worst_shortage(world, countries: pd.DataFrame) -> str:
    worst = countries.loc[countries["shortage_share"].idxmax()]
    if not worst["shortage_share"] >= NOTABLE:
        return t("cli.run_no_shortage")
    return t(
        "cli.run_shortage",
        country=worst["country"],
        share=worst["shortage_share"],
        quarter=world.quarter_label(worst["step"]),
    )
