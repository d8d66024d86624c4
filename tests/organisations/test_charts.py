"""Key figure charts: amounts in people's words in each language, bars drawn to
scale beside an exact table, and the previous year worked out, labelled so and
never stored."""

import re
from decimal import Decimal

import pytest
from django.utils import translation

from organisations.charts import amount_text, change_text
from organisations.models import KeyFigure
from tests.factories import KeyFigureFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

ACFSMC = "/organisations/acfsmc/"


@pytest.mark.parametrize(
    ("value", "unit", "english", "chinese"),
    [
        ("5300000000000", "CNY", "5.3 trillion yuan", "5.3万亿元"),
        ("866710000000", "CNY", "866.71 billion yuan", "8667.1亿元"),
        ("1045990000000", "CNY", "1,045.99 billion yuan", "10459.9亿元"),
        ("76850000000", "CNY", "76.85 billion yuan", "768.5亿元"),
        ("3000000", "USD", "3 million US dollars", "300万美元"),
        ("1000000000", "people", "1 billion people", "10亿 人"),
        ("14", "bodies", "14 bodies", "14 个机构"),
        ("1", "bodies", "1 body", "1 个机构"),
    ],
)
def test_amounts_are_written_in_each_languages_large_number_words(
    value, unit, english, chinese
):
    with translation.override("en"):
        assert amount_text(Decimal(value), unit) == english
    with translation.override("zh-hans"):
        assert amount_text(Decimal(value), unit) == chinese


def test_a_label_rounds_to_significant_digits_and_a_qualifier_is_kept():
    with translation.override("en"):
        assert amount_text(Decimal("1045990000000"), "CNY", 4) == "1.046 trillion yuan"
        assert amount_text(Decimal("222053000000"), "CNY", 4) == "222.1 billion yuan"
        assert amount_text(Decimal(310), "organisations", None, "more_than") == (
            "more than 310 organisations"
        )
        assert change_text(Decimal("14.2")) == "+14.2\u00a0%"
    with translation.override("zh-hans"):
        assert amount_text(Decimal("866710000000"), "CNY", 4) == "8667亿元"
        assert change_text(Decimal("-3.5")) == "-3.5%"


def charts(html):
    return re.findall(r'<figure class="chart chart-(\w+)".*?</figure>', html, re.S)


def chart_blocks(html):
    return re.findall(r'<figure class="chart [^"]*".*?</figure>', html, re.S)


def bars_and_cells(block):
    """Return the bars' (width, value) and the table's exact values of a chart."""
    bars = re.findall(
        r'class="bar-fill" width="([\d.]+)" height="10" data-value="([\d.]+)"', block
    )
    cells = re.findall(r'<td class="num[^"]*"[^>]*><data value="([\d.]+)">', block)
    return [(float(w), Decimal(v)) for w, v in bars], [Decimal(v) for v in cells]


def test_the_acfsmc_page_charts_its_turnover_parts_and_changes(client, seeded):
    html = client.get(ACFSMC).content.decode()
    assert charts(html) == ["segments", "parts", "parts", "parts", "change", "segments"]
    parts = chart_blocks(html)[1]
    assert '2020: <span lang="en">Aggregate turnover</span> and its parts' in parts
    bars, cells = bars_and_cells(parts)
    # The total and its four parts, in the table's order, drawn to one scale.
    assert (
        [v for _w, v in bars]
        == cells
        == [
            Decimal(5300000000000),
            Decimal(866710000000),
            Decimal(222053000000),
            Decimal(182345000000),
            Decimal(282400000000),
        ]
    )
    assert [w for w, _v in bars] == [100.0, 16.35, 4.19, 3.44, 5.33]
    assert "866.71 billion yuan" in parts  # exact, in the table
    assert "866.7 billion yuan" in parts  # rounded, on the bar


def test_the_prior_year_is_worked_out_labelled_and_never_stored(client, seeded):
    stored = set(KeyFigure.objects.values_list("pk", "year", "value"))
    html = client.get(ACFSMC).content.decode()
    change = chart_blocks(html)[4]
    # 5.3 trillion after +14.2 %: 5.3 / 1.142 = 4.64 trillion the year before.
    assert "about 4.64 trillion yuan" in change
    assert "worked out from the stated +14.2\u00a0%" in change
    assert "2019 (worked out)" in change
    bars, cells = bars_and_cells(change)
    assert cells[:2] == [Decimal("4640000000000"), Decimal("5300000000000")]
    assert bars[0] == (87.55, Decimal("4640000000000"))
    assert 'class="bar-row depth-0 derived"' in change
    # Rendering wrote nothing: no 2019 figure, no value changed.
    assert set(KeyFigure.objects.values_list("pk", "year", "value")) == stored
    assert not KeyFigure.objects.filter(year=2019).exists()


def test_the_chinese_page_writes_amounts_and_labels_in_chinese(client, seeded):
    html = client.get("/zh-hans" + ACFSMC).content.decode()
    change = chart_blocks(html)[4]
    assert "约4.64万亿元" in change
    assert "按所述同比变化+14.2%推算" in change
    assert "2019年（推算）" in change
    parts = chart_blocks(html)[1]
    assert '<span class="bar-label" lang="zh-Hans">农业生产资料</span>' in parts
    assert "8667.1亿元" in parts  # no grouping under 万: as Chinese statistics write it
    assert not any("billion" in chart for chart in chart_blocks(html))
    # The sourced table's rounded values too: 万亿 and 亿, not 十亿 ("billion").
    assert "≈ 5.3万亿元" in html and "十亿" not in html


def test_a_figure_without_parts_segments_or_change_draws_no_chart(client):
    organisation = OrganisationFactory(slug="plain", status="published")
    KeyFigureFactory(organisation=organisation, value=1000)
    html = client.get("/organisations/plain/").content.decode()
    assert 'class="charts"' not in html
    assert "1,000 CNY" in html  # the sourced table is still there


def test_a_change_of_minus_100_per_cent_implies_no_prior_year(client):
    organisation = OrganisationFactory(slug="gone", status="published")
    KeyFigureFactory(organisation=organisation, value=0, change_pct=Decimal(-100))
    KeyFigureFactory(
        organisation=organisation, label="Sales", value=50, change_pct=Decimal(25)
    )
    html = client.get("/organisations/gone/").content.decode()
    (change,) = chart_blocks(html)
    _bars, cells = bars_and_cells(change)
    assert cells == [Decimal(40), Decimal(50)]  # 50 after +25 %: 40 before


def test_a_negative_amount_is_left_to_the_table(client):
    organisation = OrganisationFactory(slug="loss", status="published")
    KeyFigureFactory(
        organisation=organisation, label="Net income", value=-20, segment="Retail"
    )
    KeyFigureFactory(
        organisation=organisation, label="Net income", value=30, segment="Banking"
    )
    html = client.get("/organisations/loss/").content.decode()
    assert chart_blocks(html) == []
    assert "-20 CNY" in html
