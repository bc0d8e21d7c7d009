"""Writing a run's output tables to a directory, one file per table.

Parquet files carry each column's unit and definition (model/data/dictionary.csv) as
field metadata, so a file explains itself without this code.
"""

from __future__ import annotations  # pandas is imported by the tables' owner

import io
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from model.data.files import all_or_nothing
from model.text import allowed_list, t

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("csv", "parquet")
# The tables a World writes, in order (model/engine/recorder.py records them).
TABLES = ("countries", "prices", "flows", "production", "events", "event_targets", "deals")


def write_tables(
    tables: Mapping[str, pd.DataFrame], out_dir: str | Path, fmt: str = "csv"
) -> list[Path]:
    """Write each table as ``out_dir/NAME.csv`` (or ``.parquet``); return the paths written.

    All or nothing: the tables are written beside the folder first and moved in once every
    one is complete, so a full disk leaves no truncated table (and a folder made for the
    occasion is removed). Existing files of the same names are replaced.
    """
    if fmt not in FORMATS:
        raise ValueError(t("cli.bad_format", value=fmt, allowed=allowed_list(fmt, FORMATS)))
    out_dir = Path(out_dir)
    with all_or_nothing(out_dir) as staging:
        for name, frame in tables.items():
            path = staging / f"{name}.{fmt}"
            if fmt == "csv":
                write_csv(frame, path)
            else:
                write_parquet(name, frame, path)
    return [out_dir / f"{name}.{fmt}" for name in tables]


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """One table as a CSV file (``csv_bytes``)."""
    Path(path).write_bytes(csv_bytes(frame))


def csv_bytes(frame: pd.DataFrame, header: bool = True) -> bytes:
    r"""A table as CSV, numbers written by Arrow. A run's tables, a class game's rounds as
    they are appended and its archive all come from here, so they match byte for byte.

    pandas formats every float in Python: a 40-quarter run's 260,000 numbers took 0.25 s of
    a 1.5 s ``minerals run``; Arrow takes 0.04 s. Each number is written in the shortest
    form that reads back exactly, as pandas does, but Arrow turns to an exponent sooner
    (1.2e+10, not 12000000000.0) and writes a whole number bare ("0"), so ".0" is added: a
    column of whole numbers still reads back as floats. Lines end in "\n" on every system.
    Arrow writes no quotes; a table whose text needs them (the news in events and deals)
    is written field by field here instead, its numbers formatted by Arrow all the same.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv

    table = pa.Table.from_pandas(frame, preserve_index=False)
    for i, field in enumerate(table.schema):
        column = table.column(i)
        if pa.types.is_floating(field.type):
            text = pc.cast(column, pa.string())
            whole = pc.match_substring_regex(text, r"^-?[0-9]+$")
            decimal = pc.binary_join_element_wise(text, ".0", "")
            table = table.set_column(i, field.name, pc.if_else(whole, decimal, text))
        elif pa.types.is_boolean(field.type):  # as pandas writes them, on both paths
            table = table.set_column(i, field.name, pc.if_else(column, "True", "False"))
    head = ",".join(_field(str(name)) for name in frame.columns) + "\n" if header else ""
    out = io.BytesIO()
    out.write(head.encode())
    options = pyarrow.csv.WriteOptions(include_header=False, quoting_style="none")
    try:
        pyarrow.csv.write_csv(table, out, options)
    except pa.ArrowInvalid:  # a comma, quote or line break in a text
        rows = zip(*(column.to_pylist() for column in table.columns), strict=True)
        return (head + "".join(",".join(map(_field, row)) + "\n" for row in rows)).encode()
    return out.getvalue()


def _field(value) -> str:
    r"""One CSV field, quoted where it holds a comma, a quote or a line break: "\r" too,
    which pandas left bare (and read back as the end of a row)."""
    if value is None:
        return ""
    text = str(value)
    if any(mark in text for mark in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_parquet(name: str, frame: pd.DataFrame, path: Path) -> None:
    """One table as Parquet, each field with the dictionary's unit and definition."""
    import pyarrow as pa  # here: the command line starts without it (and without pandas)
    import pyarrow.parquet as pq

    from model.data.dictionary import dictionary, field_metadata

    table = pa.Table.from_pandas(frame, preserve_index=False)
    described = {column.name: column for column in dictionary().get(name, [])}
    fields = [
        field.with_metadata(field_metadata(described[field.name]))
        if field.name in described
        else field
        for field in table.schema
    ]
    schema = pa.schema(fields, metadata=table.schema.metadata)
    pq.write_table(table.cast(schema), path)
