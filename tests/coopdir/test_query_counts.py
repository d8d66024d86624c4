"""Every public page and API endpoint asks the database a fixed number of queries,
the same with 3 records as with 300: nothing is fetched per row or per related row.
"""

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mechanisms.models import Mechanism
from organisations.models import Organisation, OrganisationCountry

pytestmark = pytest.mark.django_db

# path -> the most queries it may take, with 3 records as with 300 (placeholders
# filled from the records). The country and sector pages count a section only
# when it holds more than it shows; the first path also reads what is kept per
# version of the index (the sector tree). The search's reading of a query (country
# and region words, typos, relaxation: coopdir/search/understanding.py) asks a few
# more, as many with 3 records as with 300. An organisation's page reads the
# countries of the mechanisms it hosts and joins for its relation graph (two).
BOUNDS = {
    "/": 8,
    "/search/?q={word}": 25,
    "/search/?q={word}&country={country}": 22,
    "/organisations/": 6,
    "/organisations/?q={word}": 10,
    "/organisations/?country={country}&sector={sector}": 15,
    "/organisations/{organisation}/": 16,
    "/mechanisms/": 6,
    "/mechanisms/?q={word}": 3,
    "/mechanisms/{mechanism}/": 10,
    "/countries/": 4,
    "/countries/{country}/": 16,
    "/sectors/": 5,
    "/sectors/{sector}/": 16,
    "/sitemap.xml": 8,
    "/robots.txt": 0,
    "/api/v1/organisations/": 5,
    "/api/v1/organisations/?facets=1&q={word}": 10,
    "/api/v1/organisations/?facets=1&country={country}": 8,
    "/api/v1/organisations/?format=csv&country={country}": 6,
    "/api/v1/organisations/{organisation}/": 13,
    "/api/v1/organisations/{organisation}/?format=jsonld": 13,
    "/api/v1/mechanisms/": 5,
    "/api/v1/mechanisms/?facets=1": 6,
    "/api/v1/mechanisms/{mechanism}/": 10,
    "/api/v1/sectors/": 6,
    "/api/v1/sectors/{sector}/": 4,
    "/api/v1/countries/": 2,
    "/api/v1/countries/{country}/": 2,
    "/api/v1/search/?q={word}": 14,
}


def placeholders():
    """Return the values the paths name: the busiest records and a common word."""
    org = (
        Organisation.objects.published()
        .order_by("-pk")
        .prefetch_related("sectors", "countries")
        .first()
    )
    busiest = max(
        Organisation.objects.published().prefetch_related("members", "key_figures"),
        key=lambda o: len(o.members.all()) + len(o.key_figures.all()),
    )
    mechanism = max(
        Mechanism.objects.published().prefetch_related("participants"),
        key=lambda m: len(m.participants.all()),
    )
    country = (
        OrganisationCountry.objects.filter(organisation=org)
        .values_list("country", flat=True)
        .first()
    )
    return {
        "word": org.name.split()[-1],
        "country": country,
        "sector": org.sectors.all()[0].slug,
        "organisation": busiest.slug,
        "mechanism": mechanism.slug,
    }


def query_counts(client):
    values = placeholders()
    counts = {}
    for path in BOUNDS:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path.format(**values))
        assert response.status_code == 200, path
        counts[path] = len(queries)
    return counts


@pytest.mark.parametrize("records", [3, 300])
def test_every_page_takes_the_same_few_queries_however_many_records(client, records):
    call_command(
        "generate_directory",
        organisations=records,
        mechanisms=records,
        seed=1,
        verbosity=0,
        no_progress=True,
    )
    counts = query_counts(client)
    over = {path: n for path, n in counts.items() if n > BOUNDS[path]}
    assert not over, f"more queries than pinned: {over}"
