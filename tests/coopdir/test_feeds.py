"""Atom feeds of new and updated records: the whole directory, a country, a sector."""

import datetime
import xml.etree.ElementTree as ET

import pytest
import reversion
from django.utils import timezone

from organisations.models import Organisation, Status
from tests.factories import MechanismFactory, OrganisationFactory, SectorFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    return feed, [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "published": entry.findtext(f"{ATOM}published"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


def touch(record, when):
    type(record).objects.filter(pk=record.pk).update(updated_at=when)


def test_the_directory_feed_lists_published_records_newest_first(client):
    now = timezone.now()
    old = OrganisationFactory(name="Old Federation", summary="Founded long ago.")
    new = MechanismFactory(name="New Council", summary="Set up last week.")
    OrganisationFactory(name="Secret Draft", status=Status.DRAFT)
    touch(old, now - datetime.timedelta(days=3))
    touch(new, now - datetime.timedelta(days=1))

    feed, found = entries(client, "/feed/")
    assert feed.findtext(f"{ATOM}title") == "coopdir: new and updated records"
    assert [e["title"] for e in found] == ["New Council", "Old Federation"]
    assert found[0]["link"] == f"http://testserver{new.get_absolute_url()}"
    assert found[0]["summary"] == "Set up last week."
    assert found[1]["updated"].startswith(
        (now - datetime.timedelta(days=3)).strftime("%Y-%m-%d")
    )


def test_an_entry_is_published_when_its_history_first_shows_it_published(client):
    with reversion.create_revision():
        record = OrganisationFactory(name="Drafted First", status=Status.DRAFT)
    reversion.models.Revision.objects.update(
        date_created=timezone.now() - datetime.timedelta(days=10)
    )
    with reversion.create_revision():
        record.status = Status.PUBLISHED
        record.save()
    published_version = reversion.models.Version.objects.get_for_object(
        record
    ).order_by("-revision__date_created")[0]
    _feed, found = entries(client, "/feed/")
    when = published_version.revision.date_created
    assert found[0]["published"].startswith(when.strftime("%Y-%m-%dT%H:%M"))
    # Without history, the record's creation time.
    Organisation.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=400)
    )
    reversion.models.Version.objects.all().delete()
    _feed, found = entries(client, "/feed/")
    expected = timezone.now() - datetime.timedelta(days=400)
    assert found[0]["published"].startswith(expected.strftime("%Y-%m-%d"))


def test_the_country_feed_has_the_records_in_that_country(client):
    OrganisationFactory(name="Italian Body", hq_country="IT")
    OrganisationFactory(name="Active In Italy", hq_country="CN", countries=["IT"])
    OrganisationFactory(name="Chinese Body", hq_country="CN")
    MechanismFactory(name="China-Italy Council", countries=["CN", "IT"])
    feed, found = entries(client, "/countries/it/feed/")
    assert sorted(e["title"] for e in found) == [
        "Active In Italy",
        "China-Italy Council",
        "Italian Body",
    ]
    assert "Italy" in feed.findtext(f"{ATOM}title")


def test_the_sector_feed_has_the_records_in_that_sector_and_below(client):
    farming = SectorFactory(name="Agriculture", slug="agriculture", name_zh="农业")
    dairy = SectorFactory(name="Dairy", slug="dairy", parent=farming)
    OrganisationFactory(name="Dairy Union", sectors=[dairy])
    MechanismFactory(name="Farm Council", sectors=[farming])
    OrganisationFactory(name="Shipyard", sectors=[SectorFactory(slug="ships")])
    _feed, found = entries(client, "/sectors/agriculture/feed/")
    assert sorted(e["title"] for e in found) == ["Dairy Union", "Farm Council"]

    feed, _found = entries(client, "/zh-hans/sectors/agriculture/feed/")
    assert "农业" in feed.findtext(f"{ATOM}title")


def test_the_chinese_feed_speaks_chinese_and_links_chinese_pages(client):
    record = OrganisationFactory(
        name="China Co-op",
        native_name="中华全国供销合作总社",
        native_language="zh-Hans",
    )
    feed, found = entries(client, "/zh-hans/feed/")
    title = feed.findtext(f"{ATOM}title")
    assert "records" not in title and "新发布和更新" in title
    link = f"http://testserver/zh-hans/organisations/{record.slug}/"
    assert found[0]["link"] == link
    assert found[0]["title"].startswith("中华全国供销合作总社")


@pytest.mark.parametrize(
    "url", ["/countries/XX/feed/", "/countries/%00/feed/", "/sectors/nowhere/feed/"]
)
def test_a_bad_country_or_sector_is_a_404(client, url):
    assert client.get(url).status_code == 404
    assert client.get(f"/zh-hans{url}").status_code == 404


@pytest.mark.parametrize(
    "page, feed",
    [
        ("/", "/feed/"),
        ("/organisations/", "/feed/"),
        ("/organisations/?country=IT", "/countries/IT/feed/"),
        ("/mechanisms/?sector=agriculture", "/sectors/agriculture/feed/"),
        ("/search/?q=body", "/feed/"),
        ("/countries/IT/", "/countries/IT/feed/"),
        ("/sectors/agriculture/", "/sectors/agriculture/feed/"),
        ("/zh-hans/countries/IT/", "/zh-hans/countries/IT/feed/"),
    ],
)
def test_pages_link_their_feeds_in_the_head(client, page, feed):
    SectorFactory(name="Agriculture", slug="agriculture")
    OrganisationFactory(name="Italian Body", hq_country="IT")
    html = client.get(page).content.decode()
    head = html.split("</head>")[0]
    assert 'type="application/atom+xml"' in head
    assert f'href="{feed}"' in head
    assert client.get(feed).status_code == 200
