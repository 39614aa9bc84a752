"""Data files as health offices keep them: the one import for reading and evaluating them.

The work is split by concept, one module each; this module gathers their public names
so that ``from spmkit._files.datafiles import read_data, evaluate_table`` keeps working:

- :mod:`spmkit._files.notation`: numbers written as text (``3.582``, ``96,81``);
- :mod:`spmkit._files.records`: raw rows of CSV, Excel, JSON and YAML files;
- :mod:`spmkit._files.mapping`: which column is which input (names, labels, mapping file);
- :mod:`spmkit._files.reading`: header rows, totals and footnotes, rows of input values;
- :mod:`spmkit._files.table`: evaluating the rows on the batch engine, checking totals.
"""

from __future__ import annotations

from spmkit._files.mapping import PERIOD_COLUMNS, REGION_COLUMNS, ColumnMapping, load_mapping
from spmkit._files.notation import NumberFormat, detect_number_format, parse_number
from spmkit._files.reading import DataRow, DataTable, read_data
from spmkit._files.table import RowOutcome, TableEvaluation, TotalsCheck, evaluate_table
from spmkit.errors import DataFileError

__all__ = [
    "PERIOD_COLUMNS",
    "REGION_COLUMNS",
    "ColumnMapping",
    "DataFileError",
    "DataRow",
    "DataTable",
    "NumberFormat",
    "RowOutcome",
    "TableEvaluation",
    "TotalsCheck",
    "detect_number_format",
    "evaluate_table",
    "load_mapping",
    "parse_number",
    "read_data",
]
