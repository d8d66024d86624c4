"""Every list, search and entity page links its data in the API, with its filters,
and each link answers the records the page shows."""

import csv
import html
import io
import re

import pytest

from organisations.models import Status
from tests.factories import MechanismFactory, OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db


def download_links(response):
    """Return {"group label": URL} of the page's data links (the "Data" box), the
    group in English ("These results JSON")."""
    page = response.content.decode()
    box = re.search(r'<aside class="downloads".*?</aside>', page, re.S)
    assert box, "the page has no data links"
    links = {}
    for group, anchors in re.findall(r"<li>([^:<]+): (.*?)</li>", box.group(0)):
        for url, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', anchors):
            group = ENGLISH.get(group.strip(), group.strip())
            links[f"{group} {label}"] = html.unescape(url)
    return links


ENGLISH = {"这些结果": "These results", "本条目": "This record"}


def slugs_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    if response["Content-Type"].startswith("text/csv"):
        return [row["slug"] for row in csv.DictReader(io.StringIO(response.text))]
    return [row["slug"] for row in response.json()["results"]]


def shown_and_links(client, page):
    """Return the slugs a page lists and its data links."""
    response = client.get(page)
    shown = [record.slug for record in response.context["results"]]
    assert shown, "the test needs a page that lists something"
    return shown, download_links(response)


@pytest.fixture
def directory(db):
    farming = SectorFactory(name="Agriculture", slug="agriculture")
    shipping = SectorFactory(name="Shipping", slug="shipping")
    for n, (country, sector) in enumerate(
        [("IT", farming), ("IT", farming), ("IT", shipping), ("FI", farming)]
    ):
        OrganisationFactory(
            name=f"Union {n} of cooperatives",
            hq_country=country,
            sectors=[sector],
            founded_year=1950 + n,
        )
    OrganisationFactory(
        name="Hidden Union", hq_country="IT", sectors=[farming], status=Status.DRAFT
    )
    MechanismFactory(
        name="Italy Farm Council",
        slug="italy-farm-council",
        countries=["IT"],
        sectors=[farming],
    )
    MechanismFactory(name="Finland Council", countries=["FI"], scope="multilateral")
    return farming


@pytest.mark.parametrize(
    "page",
    [
        "/organisations/?country=IT&sector=agriculture&ordering=-name&page=1",
        "/organisations/?q=union&country=IT,FI",
        "/zh-hans/organisations/?region=europe&founded_before=1952",
        "/mechanisms/?country=IT",
        "/mechanisms/?scope=multilateral",
    ],
)
def test_a_list_links_its_json_and_csv_with_its_filters(client, directory, page):
    shown, links = shown_and_links(client, page)
    assert set(links) == {"These results JSON", "These results CSV"}
    for url in links.values():
        assert "page=" not in url
        assert slugs_of(client, url) == shown


def test_a_list_drops_a_filter_it_refused_from_its_links_too(client, directory):
    shown, links = shown_and_links(
        client, "/organisations/?country=XX&sector=agriculture"
    )
    assert "XX" not in links["These results JSON"]
    assert slugs_of(client, links["These results JSON"]) == shown


@pytest.mark.parametrize(
    "page",
    [
        "/search/?q=union&sector=agriculture",
        "/search/?q=cooperatives+Italy",
        "/search/?q=council&type=mechanism",
        "/search/?q=union&ordering=name",
    ],
)
def test_the_search_links_the_api_search_with_its_parameters(client, directory, page):
    shown, links = shown_and_links(client, page)
    assert set(links) == {"These results JSON"}
    assert links["These results JSON"].startswith("/api/v1/search/?")
    assert slugs_of(client, links["These results JSON"]) == shown


@pytest.mark.parametrize("kind", ["organisations", "mechanisms"])
def test_an_entity_page_links_its_record_as_json_and_json_ld(client, kind):
    factory = OrganisationFactory if kind == "organisations" else MechanismFactory
    record = factory(slug="the-record")
    for prefix in ("", "/zh-hans"):
        links = download_links(client.get(f"{prefix}/{kind}/the-record/"))
        data = client.get(links["This record JSON"])
        assert data.json()["slug"] == "the-record"
        linked = client.get(links["This record JSON-LD"])
        assert linked["Content-Type"].startswith("application/ld+json")
        assert linked.json()["name"] == record.name


def test_a_country_page_links_its_counts_and_records(client, directory):
    links = download_links(client.get("/countries/IT/"))
    assert client.get(links["Its counts JSON"]).json()["organisation_count"] == 3
    assert len(slugs_of(client, links["Its organisations CSV"])) == 3
    assert slugs_of(client, links["Its mechanisms JSON"]) == ["italy-farm-council"]


def test_a_sector_page_links_its_counts_and_records(client, directory):
    links = download_links(client.get("/sectors/agriculture/"))
    assert client.get(links["Its counts JSON"]).json()["slug"] == "agriculture"
    assert len(slugs_of(client, links["Its organisations JSON"])) == 3
    assert slugs_of(client, links["Its mechanisms CSV"]) == ["italy-farm-council"]


@pytest.mark.parametrize("page", ["/countries/", "/sectors/"])
def test_the_country_and_sector_lists_link_theirs(client, directory, page):
    links = download_links(client.get(page))
    assert client.get(links["This list JSON"]).json()["count"] >= 2
