"""CSV that spreadsheets open as data: a text cell that would start a formula gets a leading quote (OWASP)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any
from typing import TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
"""First characters that Excel, LibreOffice or Google Sheets may read as a formula (with their full-width forms)."""


def cell(value: Any) -> Any:
    """`value` as a cell that is never run as a formula: text starting with one of FORMULA_STARTS gets a `'`.

    Numbers stay numbers; a phone number such as +4917612345678 becomes '+4917612345678 (text, all digits and the
    plus kept, instead of 4.92E+12 or a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer whose every row passes through `cell`."""

    def __init__(self, out: TextIO, **options: Any):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, **options: Any) -> SafeWriter:
    """A csv.writer (same options) for exports that people open in a spreadsheet program."""
    return SafeWriter(out, **options)
