"""Writing a run's output tables to a directory, one file per table.

Parquet files carry each column's unit and definition (model/data/dictionary.csv) as
field metadata, so a file explains itself without this code.
"""

from __future__ import annotations  # pandas is imported by the tables' owner

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from model.data.files import all_or_nothing
from model.text import t

if TYPE_CHECKING:
    import pandas as pd

FORMATS = ("csv", "parquet")


def write_tables(
    tables: Mapping[str, pd.DataFrame], out_dir: str | Path, fmt: str = "csv"
) -> list[Path]:
    """Write each table as ``out_dir/NAME.csv`` (or ``.parquet``); return the paths written.

    All or nothing: the tables are written beside the folder first and moved in once every
    one is complete, so a full disk leaves no truncated table (and a folder made for the
    occasion is removed). Existing files of the same names are replaced.
    """
    if fmt not in FORMATS:
        raise ValueError(t("cli.bad_format", value=fmt, allowed=", ".join(FORMATS)))
    out_dir = Path(out_dir)
    with all_or_nothing(out_dir) as staging:
        for name, frame in tables.items():
            path = staging / f"{name}.{fmt}"
            if fmt == "csv":
                frame.to_csv(path, index=False)
            else:
                write_parquet(name, frame, path)
    return [out_dir / f"{name}.{fmt}" for name in tables]


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
