"""Every parameter of the model with its value, unit and source, written from the data.

``python -m model.research.describe > docs/model-parameters.md`` regenerates the table that
docs/model.md (the ODD description) cites, so the description cannot drift from the world
data: a test compares the committed file with a fresh one. The world's parameters come
from world.toml and goods.csv; the engine's own constants are read from the source of
model/engine/ (each module-level number and the comment that explains it).
"""

import ast
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from model.data.world_data import PER_GOOD_PARAMETERS, WorldData, load_world, world_path
from model.text import t

ROOT = Path(__file__).parents[2]
# Where the model's constants live: the engine, and the bounds of every measure.
CONSTANT_FILES = (*sorted((ROOT / "model" / "engine").glob("*.py")), ROOT / "agents" / "actions.py")
WORLD = "world_2024"
OTHER_WORLDS = ("world_2026_ministerial",)
# goods.csv columns shown per good: (column, source column, unit key in describe.toml)
GOOD_COLUMNS = (
    ("world_tonnes", "world_tonnes_source", "unit_tonnes"),
    ("price_usd_t", "price_source", "unit_price"),
    ("demand_elasticity", "elasticity_source", "unit_elasticity"),
    ("supply_elasticity", "elasticity_source", "unit_elasticity"),
    ("build_lag_quarters", "build_lag_source", "unit_quarters"),
    ("capex_usd_per_tpa", "capex_source", "unit_capex"),
    ("demand_growth_pa", "growth_source", "unit_growth"),
    ("armington_sigma", PER_GOOD_PARAMETERS["armington_sigma"], "unit_sigma"),
    ("trade_cost", PER_GOOD_PARAMETERS["trade_cost"], "unit_share"),
    ("choke_price_multiple", PER_GOOD_PARAMETERS["choke_price_multiple"], "unit_ceiling"),
)


def describe(world_name: str = WORLD) -> str:
    """The parameter tables as Markdown."""
    folder = world_path(world_name)
    world = load_world(world_name)
    parts = [t("describe.intro", world=world.name, title=world.title, year=world.year)]
    parts += [_world_parameters(folder), _goods(folder), _inputs(folder)]
    parts += [
        _optional(folder, name)
        for name in ("routes", "commercial_stocks", "projects", "smuggling", "secondary", "stocks")
    ]
    parts += [_objectives(folder), _economies(world), _engine_constants(), _others(world)]
    return "\n\n".join(part for part in parts if part) + "\n"


def _cell(value) -> str:
    """A value or source as it may stand in a Markdown table cell."""
    if isinstance(value, float):
        text = f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    else:
        text = str(value)
    return " ".join(text.split()).replace("|", "/")


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def _world_parameters(folder: Path) -> str:
    parts = []
    for file in ("world.toml", "behaviour.toml"):  # markets, then governments
        if not (folder / file).is_file():
            continue
        with (folder / file).open("rb") as f:
            parameters = tomllib.load(f)["parameters"]
        rows = [
            [f"`{name}`", float(entry["value"]), entry["unit"], entry["source"]]
            for name, entry in parameters.items()
        ]
        parts += [
            t("describe.world_heading", file=file),
            _table([t("describe.col_parameter"), *_value_unit_source()], rows),
        ]
    return "\n\n".join(parts)


def _value_unit_source() -> list[str]:
    return [t("describe.col_value"), t("describe.col_unit"), t("describe.col_source")]


def _goods(folder: Path) -> str:
    goods = pd.read_csv(folder / "goods.csv")
    parts = [t("describe.goods_heading", file="goods.csv")]
    for column, source, unit in GOOD_COLUMNS:
        if column not in goods.columns:
            continue
        rows = [  # a blank per-good parameter is the world's value, shown with the world's
            [f"{row.mineral}/{row.stage}", float(getattr(row, column)), getattr(row, source)]
            for row in goods.itertuples()
            if not pd.isna(getattr(row, column))
        ]
        parts += [
            t("describe.good_column", column=column, unit=t(f"describe.{unit}")),
            _table(
                [t("describe.col_good"), t("describe.col_value"), t("describe.col_source")], rows
            ),
        ]
    return "\n\n".join(parts)


def _inputs(folder: Path) -> str:
    inputs = pd.read_csv(folder / "inputs.csv")
    if "intensity_elasticity" not in inputs.columns:
        inputs["intensity_elasticity"] = float("nan")
    rows = [
        [
            f"{row.mineral}/{row.stage}",
            f"{row.input_mineral}/{row.input_stage}",
            float(row.tonnes_per_tonne),
            "" if pd.isna(row.intensity_elasticity) else float(row.intensity_elasticity),
            row.source,
        ]
        for row in inputs.itertuples()
    ]
    header = [
        t("describe.col_good"),
        t("describe.col_input"),
        t("describe.col_coefficient"),
        t("describe.col_thrift"),
    ]
    return "\n\n".join(
        [
            t("describe.inputs_heading", file="inputs.csv"),
            _table([*header, t("describe.col_source")], rows),
        ]
    )


def _optional(folder: Path, name: str) -> str:
    """A small world-data file shown whole (routes, opening stocks, projects, smuggling,
    recycled feed, stockpiles)."""
    path = folder / f"{name}.csv"
    if not path.is_file():
        return ""
    frame = pd.read_csv(path)
    rows = [[*(_plain(v) for v in row)] for row in frame.itertuples(index=False)]
    return "\n\n".join(
        [t(f"describe.{name}_heading", file=path.name), _table(list(frame.columns), rows)]
    )


def _plain(value):
    return float(value) if isinstance(value, int | float | np.number) else value


def _objectives(folder: Path) -> str:
    frame = pd.read_csv(folder / "objectives.csv")
    rows = [[*(_plain(v) for v in row)] for row in frame.itertuples(index=False)]
    return "\n\n".join(
        [t("describe.objectives_heading", file="objectives.csv"), _table(list(frame.columns), rows)]
    )


def _economies(world: WorldData) -> str:
    year = world.steps_per_year
    rows = [
        [code, name, world.gdp[c] * year / 1e9, world.roles[c], world.strategies[c]]
        for c, (code, name) in enumerate(zip(world.codes, world.names, strict=True))
    ]
    header = ["code", "name", t("describe.col_gdp"), "role", "strategy"]
    return "\n\n".join(
        [t("describe.economies_heading", file="economies.csv"), _table(header, rows)]
    )


def engine_constants() -> list[tuple[str, str, str, str]]:
    """(module, name, value, comment) of every module-level number in CONSTANT_FILES."""
    found = []
    for path in CONSTANT_FILES:
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.parse(source).body:
            if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
                continue
            target = node.targets[0]
            if not (isinstance(target, ast.Name) and target.id.isupper()):
                continue
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            line = lines[node.lineno - 1]
            comment = line.split("#", 1)[1].strip() if "#" in line else ""
            if not comment:  # the comment may sit on the lines just above
                above = []
                for previous in reversed(lines[: node.lineno - 1]):
                    if not previous.startswith("#"):
                        break
                    above.insert(0, previous.lstrip("# ").strip())
                comment = " ".join(above)
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found.append((module, target.id, _cell(float(value)), comment or "–"))
    return found


def _engine_constants() -> str:
    rows = [
        [f"`{module}.{name}`", value, comment]
        for module, name, value, comment in engine_constants()
    ]
    header = [t("describe.col_constant"), t("describe.col_value"), t("describe.col_meaning")]
    return "\n\n".join([t("describe.engine_heading"), _table(header, rows)])


def _others(world: WorldData) -> str:
    """Whether the other bundled worlds share these parameters (they differ in economies)."""
    lines = []
    for name in OTHER_WORLDS:
        other = load_world(name)
        same = (
            other.goods == world.goods
            and other.parameters == world.parameters
            and np.array_equal(other.inputs, world.inputs)
            and np.array_equal(other.price0, world.price0)
            and all(
                np.array_equal(other.per_good(p), world.per_good(p), equal_nan=True)
                for p in PER_GOOD_PARAMETERS
            )
        )
        lines.append(t("describe.other_same" if same else "describe.other_differs", world=name))
    return "\n".join(lines)


def main() -> int:
    sys.stdout.write(describe())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
