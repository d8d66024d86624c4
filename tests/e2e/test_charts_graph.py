"""Key figure charts and the relation graph in Chromium: each chart's exact table
beside it with the values its bars draw, the graph's nodes navigate, and axe
finds nothing serious, in English and Chinese, at 1280 and 390 px."""

import re

import pytest
from playwright.sync_api import expect

from .checks import overflow, serious_violations

pytestmark = pytest.mark.browser


def chart_values(chart):
    """Return the bars' (drawn length in px, value) and the table's values."""
    bars = chart.locator(".bar-fill").evaluate_all(
        "rects => rects.map(r => [r.getBoundingClientRect().width,"
        " Number(r.dataset.value)])"
    )
    cells = chart.locator("table data").evaluate_all(
        "cells => cells.map(c => Number(c.value))"
    )
    return bars, cells


@pytest.mark.parametrize("width", [1280, 390])
def test_each_chart_has_its_table_beside_it_with_the_values_it_draws(
    page, live_server, seeded_live, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/organisations/acfsmc/")
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(6)
    parts = charts.filter(has_text="Aggregate turnover and its parts")
    expect(parts.locator("table")).to_be_visible()
    bars, cells = chart_values(parts)
    assert [value for _px, value in bars] == cells
    assert cells[:2] == [5.3e12, 8.6671e11]
    # Drawn to one scale: each bar's length is its value's share of the longest.
    longest = bars[0][0]
    for px, value in bars:
        assert px == pytest.approx(longest * value / cells[0], abs=1.5)
    # The chart and its table side by side on a wide screen, the table under it
    # on a phone; either way inside the same figure, the table right after.
    chart_box = parts.locator(".chart-bars").bounding_box()
    table_box = parts.locator("table").bounding_box()
    if width == 1280:
        assert table_box["x"] > chart_box["x"] + chart_box["width"] - 1
        assert abs(table_box["y"] - chart_box["y"]) < 40
    else:
        assert table_box["y"] >= chart_box["y"] + chart_box["height"] - 1
    assert overflow(page) <= 0


def test_the_change_chart_labels_the_prior_year_as_worked_out(
    page, live_server, seeded_live
):
    page.goto(live_server.url + "/organisations/acfsmc/")
    change = page.locator("figure.chart-change")
    first = change.locator("tbody tr").first
    expect(first.locator("td.derived")).to_contain_text("about 4.64 trillion yuan")
    expect(first.locator("td.derived")).to_contain_text(
        "worked out from the stated +14.2\u00a0%"
    )
    bars, cells = chart_values(change)
    assert cells[:2] == [4.64e12, 5.3e12]
    derived = change.locator(".bar-row.derived .bar-fill").first
    dash = derived.evaluate("el => getComputedStyle(el).strokeDasharray")
    assert dash not in ("", "none")  # drawn open and dashed, unlike a stated value


def test_the_graph_nodes_navigate_to_their_pages(page, live_server, seeded_live):
    page.goto(live_server.url + "/organisations/acfsmc/")
    graph = page.locator("svg.relation-graph")
    expect(graph.locator("a.node")).to_have_count(3)
    graph.locator("a.node", has_text="China Supply and Marketing Group").click()
    expect(page).to_have_url(
        re.compile("/organisations/china-supply-marketing-group/$")
    )
    # The child's graph shows its parent above it, and that node leads back.
    page.locator("svg.relation-graph a.node-parent").click()
    expect(page).to_have_url(re.compile("/organisations/acfsmc/$"))

    page.goto(live_server.url + "/mechanisms/bfic/")
    page.locator("svg.relation-graph .group-countries a.node").first.click()
    expect(page).to_have_url(re.compile("/countries/(CN|IT)/$"))


def test_the_sentences_beside_the_graph_hold_the_same_links(
    page, live_server, seeded_live
):
    page.goto(live_server.url + "/organisations/cccme/")
    nodes = page.locator("svg.relation-graph a.node").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    sentences = page.locator(".relation-sentences a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    assert nodes and sorted(nodes) == sorted(sentences)
    # Read by screen readers instead of the drawing, which keeps out of the way.
    assert page.locator("svg.relation-graph").get_attribute("aria-hidden") == "true"


@pytest.mark.parametrize(
    "path",
    [
        "/organisations/acfsmc/",
        "/zh-hans/organisations/acfsmc/",
        "/mechanisms/bfic/",
        "/zh-hans/mechanisms/china-us-jwg/",
    ],
)
def test_chart_and_graph_pages_pass_axe_at_both_widths(
    page, live_server, seeded_live, path
):
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + path)
        assert (width, serious_violations(page)) == (width, [])
        assert (width, overflow(page)) == (width, 0)
