"""SVG charts: well-formed, values in tooltips, labels escaped, no external references."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ivr.web.supervisors import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == SVG + "svg"
    assert "http" not in str(markup).replace("http://www.w3.org/2000/svg", "")  # nothing from elsewhere
    return root


def test_stacked_columns_stack_series_per_label():
    svg = charts.stacked_columns("Anrufe", ["23.11.", "24.11."], {"info": [1, 2], "zebera": [0, 3]},
                                 names={"info": "Information <Foyer>"})
    root = _parse(svg)
    tips = [t.text for t in root.iter(SVG + "title")]
    assert "Information <Foyer>, 24.11.: 2" in tips
    assert "zebera, 24.11.: 3" in tips
    assert not any(t.startswith("zebera, 23.11.") for t in tips)  # zero values draw nothing
    assert "&lt;Foyer&gt;" in str(svg)


def test_bars_and_heatmap():
    root = _parse(charts.bars("Ergebnis", [("vermittelt", 3), ("Rückruf", 1)]))
    assert [t.text for t in root.iter(SVG + "text")][-1] == "1"
    root = _parse(charts.heatmap("Wochentag", ["Mo", "Di"], ["08", "09"], {(1, 0): 4}))
    tips = [t.text for t in root.iter(SVG + "title")]
    assert "Di 08: 4" in tips and "Mo 09: 0" in tips


def test_empty_data_still_draws():
    _parse(charts.stacked_columns("leer", [], {}))
    _parse(charts.bars("leer", []))
    _parse(charts.heatmap("leer", ["Mo"], ["08"], {}))


def test_nice_axis_maximum():
    assert [charts._nice_max(v) for v in (0, 3, 7, 12, 480, 1000)] == [1, 5, 10, 20, 500, 1000]
