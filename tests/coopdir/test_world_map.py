"""The world map on the home, list, country and mechanism pages (coopdir/worldmap.py,
templates/includes/world_map.html): shades, links and counts the page already has."""

import html
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from coopdir.worldmap import arc, legend, level, world
from mechanisms.models import Mechanism
from organisations.models import Organisation
from tests.factories import MechanismFactory, OrganisationFactory
from tests.pages import build_directory

MAP_LINK = re.compile(
    r'<a href="(?P<href>[^"]*)" class="(?P<cls>map-country[^"]*)" '
    r'data-country="(?P<code>[A-Z]{2})"[^>]*><title>(?P<title>[^<]*)</title>'
    r'<use href="/static/map/world\.svg#(?P<use>n\d+)"/>'
    r'(?P<marker><circle class="map-marker" [^>]*/>)?</a>'
)
LIST_ITEM = re.compile(
    r'<li><a href="(?P<href>[^"]*)"[^>]*>(?P<label>[^<]*)</a>'
    r'(?: <span class="count">(?P<count>\d+)</span>)?'
)
FACET_VALUE = re.compile(
    r'class="facet-value[^"]*" href="(?P<href>[^"]*)" data-facet-value="(?P<code>\w+)"'
    r'.*?<span class="count">(?P<count>\d+)</span>',
    re.S,
)


def the_map(response):
    """Return ({code: (href, classes, title)} of the map's countries, [(href,
    label, count)] of its list) from a page, which must hold one map."""
    page = response.content.decode()
    assert page.count("data-world-map") == 1
    figure = page[page.index("data-world-map") : page.index("</figure>")]
    links = {
        m["code"]: (html.unescape(m["href"]), m["cls"].split(), m["title"])
        for m in MAP_LINK.finditer(figure)
        if m["use"] == world()[2][m["code"]].shape_id
    }
    listed = figure[figure.index('class="map-list"') :] if "map-list" in figure else ""
    rows = [
        (html.unescape(m["href"]), m["label"], m["count"] and int(m["count"]))
        for m in LIST_ITEM.finditer(listed)
    ]
    return links, rows


def country_facet(response):
    """Return {code: (href, count)} of a list page's country facet."""
    page = response.content.decode()
    start = page.index('aria-labelledby="facet-country"')
    section = page[start : page.index("</section>", start)]
    return {
        m["code"]: (html.unescape(m["href"]), int(m["count"]))
        for m in FACET_VALUE.finditer(section)
    }


def in_country(code):
    return (
        Organisation.objects.published().in_country(code).count()
        + Mechanism.objects.published().in_country(code).count()
    )


def test_shades_rise_with_the_count_on_a_log_scale():
    assert level(1, 100) == 1
    assert level(100, 100) == 5
    assert level(10, 100) == 3
    shades = [level(n, 500) for n in range(1, 501)]
    assert shades == sorted(shades)
    assert level(7, 1) == level(1, 1) == 5


def test_the_legend_names_the_counts_each_shade_stands_for():
    assert legend([1, 2, 9, 10, 100], 100) == [
        {"level": 1, "label": "1–2"},
        {"level": 2, "label": "9"},
        {"level": 3, "label": "10"},
        {"level": 5, "label": "100"},
    ]


def test_a_line_joins_its_two_points_bowed_northward():
    path = arc((100.0, 200.0), (300.0, 200.0))
    start, control, end = re.match(r"M([\d.,]+)Q([\d.,]+) ([\d.,]+)", path).groups()
    assert (start, end) == ("100.0,200.0", "300.0,200.0")
    assert float(control.split(",")[1]) < 200  # north is up


def test_every_country_drawn_is_an_iso_country_in_the_shapes_file():
    _width, _height, drawn = world()
    svg = Path(settings.BASE_DIR, "static", "map", "world.svg").read_text()
    ids = set(re.findall(r'id="(n\d+)"', svg))
    assert {d.shape_id for d in drawn.values()} <= ids
    assert {"CN", "US", "FI", "IT", "DE", "RU"} <= {
        code for code, d in drawn.items() if not d.dot
    }
    # Too small for the 1:110m shapes, but still marked and linked, as dots.
    assert drawn["SG"].dot and drawn["HK"].dot
    assert not drawn["CY"].dot  # Natural Earth's N. Cyprus drawn as part of Cyprus


@pytest.mark.django_db
def test_the_home_map_shades_each_country_by_its_records_and_links_the_search(
    client,
):
    build_directory()
    links, rows = the_map(client.get("/"))
    assert set(links) == {"CN", "FI"}
    for code, (href, _classes, title) in links.items():
        n = in_country(code)
        assert title.endswith(f": {n}")
        assert href == f"/search/?country={code}"
    assert "map-b5" in links["CN"][1]  # the most
    # The list says the same, for readers the map does not serve.
    assert sorted(rows) == sorted(
        (href, html.unescape(title.rsplit(":", 1)[0]), in_country(code))
        for code, (href, _c, title) in links.items()
    )


@pytest.mark.django_db
def test_a_small_country_is_marked_with_a_dot_too(client):
    OrganisationFactory(hq_country="BE")
    OrganisationFactory(hq_country="CN")
    page = client.get("/").content.decode()
    markers = {m["code"]: m["marker"] for m in MAP_LINK.finditer(page)}
    assert markers["BE"] and not markers["CN"]
    _w, _h, drawn = world()
    x, y = drawn["BE"].anchor
    assert f'cx="{x}" cy="{y}"' in markers["BE"]


@pytest.mark.django_db
def test_a_home_map_link_lands_on_as_many_results_as_it_says(client):
    build_directory()
    links, _rows = the_map(client.get("/"))
    for href, _classes, title in links.values():
        n = int(title.rsplit(": ", 1)[1])
        page = client.get(href).content.decode()
        assert f"{n} results</h2>" in page or f"{n} result</h2>" in page


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/organisations/", "/mechanisms/", "/search/"])
def test_a_list_map_shows_the_country_facet_with_the_other_filters_kept(client, path):
    directory = build_directory()
    OrganisationFactory(hq_country="IT", sectors=[directory.machinery])
    MechanismFactory(countries=["IT", "CN"], sectors=[directory.machinery])
    response = client.get(f"{path}?sector=machinery&country=FI")
    links, rows = the_map(response)
    facet = country_facet(response)
    assert set(links) == set(facet) >= {"FI", "IT"}
    for code, (href, _classes, title) in links.items():
        facet_href, count = facet[code]
        assert href == facet_href
        assert parse_qs(urlsplit(href).query)["sector"] == ["machinery"]
        assert title.split(" (")[0].endswith(f": {count}")
    # The chosen country is marked; its link removes it, as the facet's does.
    assert "is-selected" in links["FI"][1]
    assert "country" not in parse_qs(urlsplit(links["FI"][0]).query)
    assert sorted(parse_qs(urlsplit(links["IT"][0]).query)["country"]) == ["FI", "IT"]
    assert {(href, count) for href, _label, count in rows} == set(facet.values())


@pytest.mark.django_db
def test_an_empty_result_draws_no_map(client):
    build_directory()
    page = client.get("/organisations/?q=zzzzqqq&literal=1").content.decode()
    assert "data-world-map" not in page


@pytest.mark.django_db
def test_chinese_pages_name_the_countries_in_chinese(client):
    build_directory()
    response = client.get("/zh-hans/")
    links, rows = the_map(response)
    assert links["CN"][2].startswith("中国：")
    assert links["FI"][2].startswith("芬兰：")
    assert links["FI"][0] == "/zh-hans/search/?country=FI"
    assert "各国的组织和机制" in response.content.decode()
    assert {label for _href, label, _n in rows} == {"中国", "芬兰"}


@pytest.mark.django_db
def test_the_country_list_map_sums_its_table_and_links_each_country(client):
    build_directory()
    response = client.get("/countries/")
    links, rows = the_map(response)
    table = {
        row["code"]: row
        for _region, region_rows in response.context["regions"]
        for row in region_rows
    }
    assert set(links) == set(table) == {"CN", "FI"}
    for code, (href, _classes, title) in links.items():
        assert title.endswith(f": {table[code]['active'] + table[code]['mechanisms']}")
        assert title.endswith(f": {in_country(code)}")
        assert href == f"/countries/{code}/"
    assert rows == []  # the table lists them


@pytest.mark.django_db
def test_a_country_page_marks_it_and_shades_its_partners_by_shared_records(client):
    build_directory()
    MechanismFactory(countries=["CN", "IT"])
    OrganisationFactory(hq_country="DE")  # nothing shared with China
    links, _rows = the_map(client.get("/countries/CN/"))
    assert set(links) == {"CN", "FI", "IT"}
    assert "is-current" in links["CN"][1]
    assert links["CN"][2].endswith(f": {in_country('CN')}")
    assert links["CN"][0] == "/search/?country=CN"
    # Finland: the two China-Finland mechanisms; Italy: one.
    assert links["FI"][2].endswith(": 2") and links["IT"][2].endswith(": 1")
    assert links["FI"][0] == "/countries/FI/"


@pytest.mark.django_db
def test_a_bilateral_mechanism_joins_its_two_countries_with_a_line(client):
    directory = build_directory()
    page = client.get(directory.council.get_absolute_url())
    links, rows = the_map(page)
    assert set(links) == {"CN", "FI"}
    assert all("is-involved" in classes for _h, classes, _t in links.values())
    assert links["FI"][0] == "/countries/FI/"
    assert page.content.decode().count('class="map-line"') == 1
    assert rows == []  # listed under "Countries" above it


@pytest.mark.django_db
def test_a_multilateral_mechanism_draws_its_countries_without_lines(client):
    mechanism = MechanismFactory(
        scope=Mechanism.Scope.MULTILATERAL, countries=["CN", "RU", "KZ"]
    )
    page = client.get(mechanism.get_absolute_url())
    links, _rows = the_map(page)
    assert set(links) == {"CN", "RU", "KZ"}
    assert 'class="map-line"' not in page.content.decode()


@pytest.mark.django_db
def test_the_map_carries_no_inline_style_or_script(client):
    build_directory()
    page = client.get("/").content.decode()
    figure = page[page.index("data-world-map") : page.index("</figure>")]
    assert "style=" not in figure and "<style" not in figure
    assert re.findall(r"<script[^>]*>", page[page.index("</figure>") :])[0] == (
        '<script src="/static/js/map.js" defer>'
    )
