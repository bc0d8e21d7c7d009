"""Writing a run's output tables to a directory, one file per table."""

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from model.text import t

FORMATS = ("csv", "parquet")


def write_tables(
    tables: Mapping[str, pd.DataFrame], out_dir: str | Path, fmt: str = "csv"
) -> list[Path]:
    """Write each table as ``out_dir/NAME.csv`` (or ``.parquet``); return the paths written.

    The directory is created if needed; existing files of the same names are replaced.
    """
    if fmt not in FORMATS:
        raise ValueError(t("cli.bad_format", value=fmt, allowed=", ".join(FORMATS)))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        path = out_dir / f"{name}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
        written.append(path)
    return written
