"""Output tables a researcher can cite: a shipped data dictionary, units in Parquet, fixed
types, ``date`` everywhere, no list-valued cells (issue 17 §1; research review §1)."""

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.actions import Propose
from model.data.dictionary import DTYPES, dictionary, markdown
from model.data.tables import TABLES, write_csv, write_tables
from model.engine.world import World
from support.builders import event, run, scenario, tiny_world
from support.seats import Scripted

DOCS = Path(__file__).parents[1] / "docs" / "tables.md"


@pytest.fixture(scope="module")
def tables():
    tariff = event(1, "USA", "tariff", "lithium", "refined", targets=["CHN"], rate=0.5)
    return run([tariff], steps=3).tables()


def test_the_dictionary_describes_every_column_of_every_table_and_nothing_else(tables):
    assert set(dictionary()) == set(TABLES)
    for name, frame in tables.items():
        assert list(frame.columns) == [c.name for c in dictionary()[name]], name
        for column in dictionary()[name]:
            assert column.dtype in DTYPES and column.definition, (name, column.name)


def test_every_table_has_step_and_date_beside_it(tables):
    dates = tables["countries"].drop_duplicates("step").set_index("step")["date"]
    for name, frame in tables.items():
        assert list(frame.columns[:2]) == ["step", "date"], name
        assert (frame["date"].to_numpy() == dates.loc[frame["step"]].to_numpy()).all(), name


@pytest.mark.parametrize("steps", [0, 2])
def test_types_are_the_dictionarys_even_when_a_table_is_empty(steps):
    # Review §1.7: an empty deals table came out with object columns.
    world = World(scenario(steps=2), world=tiny_world()).run(steps)
    for name, frame in world.tables().items():
        expected = {c.name: DTYPES[c.dtype] for c in dictionary()[name]}
        assert dict(frame.dtypes) == expected, name
    assert world.tables()["deals"].empty


def test_deals_name_their_two_parties_and_keep_terms_as_a_json_object():
    world = World(scenario(steps=1), world=tiny_world())
    world.country_agent("USA").controller = Scripted({1: [Propose("USA", "CHN", "truce", {}, 4)]})
    world.country_agent("CHN").controller = Scripted(answer=None)
    world.run()
    deals = world.tables()["deals"]
    assert not deals.empty
    assert (deals["proposer"] == "USA").all() and (deals["partner"] == "CHN").all()
    assert all(isinstance(json.loads(terms), dict) for terms in deals["terms"])


def test_parquet_files_carry_each_columns_unit_and_definition(tables, tmp_path):
    write_tables(tables, tmp_path, "parquet")
    for name in TABLES:
        schema = pq.read_schema(tmp_path / f"{name}.parquet")
        for column in dictionary()[name]:
            metadata = schema.field(column.name).metadata
            assert metadata[b"unit"].decode() == column.unit
            assert metadata[b"definition"].decode() == column.definition
        assert pd.read_parquet(tmp_path / f"{name}.parquet").equals(tables[name])
    price = pq.read_schema(tmp_path / "prices.parquet").field("price").metadata
    assert price[b"unit"] == b"USD/t"  # review §1.4: a price, not an index


def test_the_committed_docs_tables_md_is_current():
    assert DOCS.read_text(encoding="utf-8") == markdown(), (
        "run `python -m model.data.dictionary > docs/tables.md`"
    )


def test_an_event_aimed_at_several_economies_has_one_target_row_each():
    # Review §1.5: events.target held comma-joined codes that a researcher had to split.
    both = event(1, "USA", "tariff", "lithium", "refined", targets=["CHN", "JPN"], rate=0.25)
    ban = event(2, "CHN", "export_control", "lithium", "refined", targets=["all"], level=0.0)
    tables = run([both, ban], steps=2).tables()
    events, targets = tables["events"], tables["event_targets"]
    assert events["event"].tolist() == list(range(len(events)))  # the key: unique, in order
    joined = targets.merge(events[["event", "actor", "action"]], on="event")
    tariff = joined[joined["action"] == "tariff"]
    assert sorted(tariff["target"]) == ["CHN", "JPN"] and (tariff["step"] == 1).all()
    assert joined.loc[joined["action"] == "export_control", "target"].tolist() == ["all"]
    # Every event's readable text is exactly its rows in the long table, in order.
    by_event = targets.groupby("event")["target"].agg(",".join)
    assert (
        events.set_index("event")["target"]
        .replace("", None)
        .dropna()
        .equals(by_event.rename("target"))
    )
    assert not targets["target"].str.contains(",").any()


def test_no_cell_of_a_table_holds_a_list(tables):
    # Text columns hold one value each; only sentences (detail), the readable target and
    # the deal terms (a documented JSON object) may contain commas.
    free_text = {("events", "detail"), ("events", "target"), ("deals", "terms")}
    for name, frame in tables.items():
        for column in dictionary()[name]:
            if column.dtype == "text" and (name, column.name) not in free_text:
                assert not frame[column.name].astype(str).str.contains(",").any(), column


NUMBERS = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**6), 10**6).map(
    float
)  # whole numbers too: written "0.0", not "0", they read back as floats
TEXTS = st.text(st.sampled_from("ab ,\"'\n\rQ2é"), max_size=6)  # commas, quotes, line breaks


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 40), TEXTS, NUMBERS, NUMBERS), min_size=1, max_size=12),
    with_text=st.booleans(),
)
def test_a_csv_table_reads_back_as_it_was_written(tmp_path_factory, rows, with_text):
    """Numbers are written by Arrow, text quoted by us (model/data/tables.py): a reader
    gets back every number exactly, each column with its type, and every text whole."""
    frame = pd.DataFrame(rows, columns=["step", "news", "tonnes", "value"]).astype(
        {"step": "int64", "news": "str", "tonnes": "float64", "value": "float64"}
    )
    if not with_text:
        frame = frame.assign(news="CHN")
    path = tmp_path_factory.mktemp("csv") / "table.csv"
    write_csv(frame, path)
    read = pd.read_csv(
        path,
        dtype={"news": "str"},
        keep_default_na=False,
        na_values={"tonnes": [""], "value": [""]},
    )
    pd.testing.assert_frame_equal(read, frame, check_exact=True)
