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


def test_legend_is_a_list_in_series_order_with_their_colours():
    html = str(charts.legend(["Wirtschaftliche Hilfen (AsylbLG)", "Kommunales <Integrationszentrum>"]))
    assert html.startswith('<ul class="chart-legend"><li>')
    assert html.index(charts.PALETTE[0]) < html.index("Wirtschaftliche") < html.index(charts.PALETTE[1])
    assert "Kommunales &lt;Integrationszentrum&gt;</li>" in html


def test_bar_labels_stand_above_their_bars_and_numbers_use_the_given_digits():
    root = _parse(charts.bars("Stellen", [("Wirtschaftliche Hilfen (AsylbLG)", 1234.5)], number=lambda v: f"<{v}>"))
    label, value = root.iter(SVG + "text")
    assert label.get("x") == "0" and label.text == "Wirtschaftliche Hilfen (AsylbLG)"
    assert value.text == "<1234.5>" and float(value.get("y")) > float(label.get("y"))


def test_axis_names_its_unit_and_counts_whole_calls():
    root = _parse(charts.stacked_columns("Anrufe", ["24.11."], {"info": [1]}, unit="Anrufe"))
    texts = [t.text for t in root.iter(SVG + "text")]
    assert texts[0] == "Anrufe" and "0.5" not in texts and {"0", "1"} <= set(texts)
