"""Searches answered from the index alone (coopdir.search.found) agree with the ORM.

The list pages and the API ask FilterSet.found(); the same FilterSet's .qs is the
ORM answer (coopdir.search.search plus joins). For every query and filter below
both must give the same records in the same order, the same count and the same
facet counts; past the exact limit the count and facets are estimates, said so.
"""

import random
from collections import Counter

import pytest
from django.db import connection
from django.http import QueryDict

from coopdir.search import engine, facet_counts
from coopdir.search import found as found_module
from coopdir.search.found import Found, QuerysetFound, base_statuses
from mechanisms.filters import MechanismFilter
from mechanisms.models import Mechanism
from organisations.filters import OrganisationFilter
from organisations.models import Organisation, Status
from tests.factories import (
    MechanismFactory,
    OrganisationFactory,
    OrganisationNameFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db

FACETS = ["country", "region", "sector", "kind"]


@pytest.fixture
def directory():
    """Sixty organisations whose names share words, in several scripts and states."""
    farming = SectorFactory(name="Agriculture", slug="agriculture")
    dairy = SectorFactory(name="Dairy", slug="dairy", parent=farming)
    banking = SectorFactory(name="Banking", slug="banking")
    rng = random.Random(7)
    words = ["Dairy", "Credit", "Coffee", "Fisheries", "Wine", "Housing"]
    forms = ["Cooperative", "Co-operative Society", "Union", "Federation"]
    places = ["Zürich", "Helsinki", "Lyon", "Pune", "Osaka"]
    kinds = [Organisation.Kind.COOPERATIVE, Organisation.Kind.FEDERATION]
    countries = ["FI", "CH", "FR", "IN", "JP", "CN", "KE"]
    for index in range(60):
        name = f"{rng.choice(places)} {rng.choice(words)} {rng.choice(forms)}"
        if index % 9 == 0:
            name = name.upper()  # code-point order puts capitals first
        status = Status.DRAFT if index % 11 == 0 else Status.PUBLISHED
        OrganisationFactory(
            name=name,
            acronym="ZDC" if index == 5 else "",
            native_name="苏黎世乳业合作社" if index % 7 == 0 else "",
            summary=f"Serves {rng.choice(words).lower()} farmers"
            f" of {rng.choice(places)}.",
            kind=rng.choice(kinds),
            status=status,
            hq_country=rng.choice(countries),
            countries=rng.sample(countries, 2),
            sectors=rng.sample([farming, dairy, banking], rng.randrange(0, 3)),
        )
    OrganisationNameFactory(
        organisation=Organisation.objects.order_by("pk")[3], name="Molkerei Bund"
    )
    return {"farming": farming, "dairy": dairy, "banking": banking}


QUERIES = [
    "",
    "dairy",
    "Dairy Cooperative",
    "coop",
    "co-op",
    "zurich",
    "ZÜRICH DAIRY",
    "乳业",
    "suli",  # pinyin prefix of 苏黎世
    "cofee",  # a typo
    '"dairy cooperative"',
    "ZDC",
    "molkerei",
    "farmers",
    "nothingmatchesthis",
    "!!!",
]
FILTERS = [
    {},
    {"country": ["FI"]},
    {"country": ["FI", "CH"]},
    {"sector": ["agriculture"]},  # with its sub-sector dairy
    {"sector": ["banking"], "kind": ["cooperative"]},
    {"region": ["europe"]},
    {"region": ["asia-pacific"], "q": "dairy"},
    {"country": ["IN"], "sector": ["dairy"], "kind": ["federation"]},
]


def query_dict(params):
    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def both_ways(filterset_class, queryset, params):
    filterset = filterset_class(query_dict(params), queryset=queryset)
    assert filterset.is_valid(), filterset.errors
    return filterset.found(), filterset.qs


def test_index_answers_agree_with_the_orm(directory):
    published = Organisation.objects.published()
    for query in QUERIES:
        for filters in FILTERS:
            params = {**filters, **({"q": query} if query else {})}
            found, orm = both_ways(OrganisationFilter, published, params)
            assert isinstance(found, Found), params
            expected = list(orm.values_list("pk", flat=True))
            if not query:
                expected = sorted(expected)
                got = sorted(r.pk for r in found[0:100])
            else:
                got = [r.pk for r in found[0:100]]
            assert got == expected, params
            assert found.count() == len(expected) and not found.approximate, params
            # A later page is the same slice of the same order.
            assert [r.pk for r in found[3:7]] == ([r.pk for r in found[0:100]][3:7]), (
                params
            )
            counted = found.facet_counts(FACETS, leave_own_out=False)
            assert dict(counted) == dict(facet_counts(orm, FACETS)), params


def test_ranks_are_the_orm_ranks(directory):
    found, orm = both_ways(
        OrganisationFilter, Organisation.objects.published(), {"q": "dairy"}
    )
    assert [(r.pk, r.search_rank) for r in found[0:100]] == [
        (r.pk, r.search_rank) for r in orm
    ]
    found, _orm = both_ways(
        OrganisationFilter, Organisation.objects.published(), {"q": "zdc"}
    )
    assert found[0].acronym == "ZDC" and found[0].search_rank == 4


def test_each_facet_is_counted_without_its_own_filter(directory):
    params = {"q": "dairy", "country": ["FI"]}
    found, _orm = both_ways(
        OrganisationFilter, Organisation.objects.published(), params
    )
    counts = found.facet_counts(FACETS)
    _found, without_country = both_ways(
        OrganisationFilter, Organisation.objects.published(), {"q": "dairy"}
    )
    assert counts["country"] == facet_counts(without_country, ["country"])["country"]
    _found, orm = both_ways(
        OrganisationFilter, Organisation.objects.published(), params
    )
    assert counts["sector"] == facet_counts(orm, ["sector"])["sector"]


def test_drafts_only_for_those_who_may_see_them(directory):
    everything = Organisation.objects.all()
    public, _ = both_ways(OrganisationFilter, Organisation.objects.published(), {})
    staff, _ = both_ways(OrganisationFilter, everything, {})
    drafts = Organisation.objects.filter(status=Status.DRAFT).count()
    assert drafts and staff.count() == public.count() + drafts
    public, orm = both_ways(
        OrganisationFilter, Organisation.objects.published(), {"q": "cooperative"}
    )
    assert Status.DRAFT not in {r.status for r in public[0:100]}
    staff, orm = both_ways(OrganisationFilter, everything, {"q": "cooperative"})
    assert [r.pk for r in staff[0:100]] == list(orm.values_list("pk", flat=True))
    assert Status.DRAFT in {r.status for r in staff[0:100]}


def test_filters_the_index_does_not_hold_use_the_orm(directory):
    found, orm = both_ways(
        OrganisationFilter,
        Organisation.objects.published(),
        {"q": "dairy", "founded_after": "1900"},
    )
    assert isinstance(found, QuerysetFound)
    found, _orm = both_ways(
        OrganisationFilter, Organisation.objects.published(), {"ordering": "-name"}
    )
    assert isinstance(found, QuerysetFound)
    names = [r.name for r in found[0:100]]
    assert names == sorted(names, reverse=True)
    found, _orm = both_ways(
        OrganisationFilter, Organisation.objects.filter(kind="bank"), {"q": "dairy"}
    )
    assert isinstance(found, QuerysetFound)


def test_base_statuses():
    assert base_statuses(Organisation.objects.all()) == "all"
    assert base_statuses(Organisation.objects.published()) == [Status.PUBLISHED]
    assert base_statuses(Organisation.objects.published().for_list()) == [
        Status.PUBLISHED
    ]
    assert base_statuses(
        Organisation.objects.filter(status__in=[Status.DRAFT, Status.PUBLISHED])
    ) == [Status.DRAFT, Status.PUBLISHED]
    assert base_statuses(Organisation.objects.filter(kind="bank")) is None
    assert base_statuses(Organisation.objects.exclude(status=Status.DRAFT)) is None


def test_mechanisms_too(directory):
    organisation = Organisation.objects.published().first()
    for index in range(12):
        MechanismFactory(
            name=f"China-{'Finland' if index % 2 else 'Kenya'} Business Council"
            f" {index}",
            scope=Mechanism.Scope.BILATERAL if index % 3 else Mechanism.Scope.REGIONAL,
            countries=["CN", "FI" if index % 2 else "KE"],
        )
    for params in (
        {"q": "china-finland"},
        {"q": "business", "scope": ["bilateral"], "country": ["KE"]},
        {"scope": ["regional"]},
    ):
        found, orm = both_ways(MechanismFilter, Mechanism.objects.published(), params)
        assert isinstance(found, Found)
        got = [r.pk for r in found[0:100]]
        expected = list(orm.values_list("pk", flat=True))
        assert (got if "q" in params else sorted(got)) == (
            expected if "q" in params else sorted(expected)
        )
        assert found.count() == len(expected)
    found, _orm = both_ways(
        MechanismFilter,
        Mechanism.objects.published(),
        {"organisation": organisation.slug},
    )
    assert isinstance(found, QuerysetFound)


def past_the_limit(monkeypatch, word, finland, kenya, limit):
    """Return (Found, ORM queryset) of word, held by `finland` records in FI and
    `kenya` in KE, with the exact count's limit lowered to limit."""
    OrganisationFactory.create_batch(
        finland, name=f"{word} Fishing Cooperative", hq_country="FI"
    )
    OrganisationFactory.create_batch(
        kenya, name=f"{word} Fishing Union", hq_country="KE"
    )
    monkeypatch.setattr(found_module, "EXACT_LIMIT", limit)
    monkeypatch.setattr(found_module, "MIN_SAMPLE", 10)
    monkeypatch.setattr(found_module, "SAMPLE_TARGET", 20)
    return both_ways(OrganisationFilter, Organisation.objects.published(), {"q": word})


def test_past_the_exact_limit_counts_and_facets_are_estimates(monkeypatch):
    found, orm = past_the_limit(monkeypatch, "Harbour", 300, 100, 50)
    count = found.count()
    assert found.approximate
    assert 400 * 0.4 < count < 400 * 2.5  # a sample of about 1 in 16 of 400
    counts = found.facet_counts(["country"])
    assert counts.approximate
    by_country = {row["value"]: row["count"] for row in counts["country"]}
    assert by_country["FI"] > by_country["KE"]
    # The page itself is exact: the best hits in name order.
    assert [r.pk for r in found[0:30]] == list(orm.values_list("pk", flat=True)[:30])
    # Words the index has never seen find nothing, past the limit as below it.
    for query in ("无此词语", "zyxwvutsrq"):
        nothing, orm = both_ways(
            OrganisationFilter, Organisation.objects.published(), {"q": query}
        )
        assert (nothing.count(), list(nothing[0:20])) == (0, [])
        assert nothing.facet_counts(["country"])["country"] == []
    # Estimates are the same on every engine: a fixed hash of the pk picks the sample.
    assert engine.sample_levels(1) == engine.sample_levels(1)
    levels = Counter(
        level for pk in range(1, 40001) for level in engine.sample_levels(pk)
    )
    for level in (1, 2, 3):
        assert abs(levels[level] - 40000 / 4**level) < 0.1 * 40000 / 4**level
    # A record's deepest level, worked out at once, is the last of its levels.
    for pk in range(0, 40001):
        assert engine.sample_depth(pk) == max(engine.sample_levels(pk), default=0)


def test_a_samples_facets_are_grouped_by_its_own_read(monkeypatch):
    """PostgreSQL groups the facets of a sample read in the same statement, by
    the records' levels, so an estimate's facet counts need no second read of
    the sampled rows, and a deeper level is answered from a shallower read.
    They equal the facets grouped over the sampled records themselves."""
    from django.test.utils import CaptureQueriesContext

    found, _orm = past_the_limit(monkeypatch, "Estuary", 240, 120, 40)
    query = found.match()
    postgres = connection.vendor == "postgresql"
    for level in (1, 2):  # read, then answered from level 1's read
        pks = [row[0] for row in found._sample(query, level)]
        assert pks and all(engine.sample_depth(pk) >= level for pk in pks)
        groups = found._sample_groups(query, level)
        if not postgres:  # SQLite groups the sampled pks in its facet table
            assert groups is None
            continue
        groups = [row for row in groups if row[0] in FACETS]
        assert sorted(groups) == sorted(found_module.grouped(Organisation, pks, FACETS))
        assert {(f, v) for f, v, _n in groups} >= {("country", "FI"), ("country", "KE")}
    with CaptureQueriesContext(connection) as queries:
        counts = found.facet_counts(FACETS, leave_own_out=False)
    assert counts.approximate
    by_country = {row["value"]: row["count"] for row in counts["country"]}
    assert by_country["FI"] > by_country["KE"] > 0
    if postgres:  # no second read of the sampled rows by pk
        sqls = [q["sql"] for q in queries.captured_queries]
        assert not [sql for sql in sqls if "record_id = ANY" in sql], sqls


def test_the_landing_view_reads_totals_kept_by_every_write(directory):
    def landing():
        found, orm = both_ways(OrganisationFilter, Organisation.objects.published(), {})
        return found, orm

    found, orm = landing()
    assert found.count() == orm.count()
    assert dict(found.facet_counts(FACETS)) == dict(facet_counts(orm, FACETS))
    record = Organisation.objects.published().first()
    record.status = Status.DRAFT
    record.save()
    OrganisationFactory(name="Newcomer", hq_country="KE", countries=["TZ"])
    other = Organisation.objects.published().last()
    other.delete()
    found, orm = landing()
    assert found.count() == orm.count()
    assert dict(found.facet_counts(FACETS)) == dict(facet_counts(orm, FACETS))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {engine.TOTAL_TABLE} WHERE n < 0")
        assert cursor.fetchone()[0] == 0


@pytest.mark.parametrize(
    "walk_records, max_stretches, whole_tier",
    [
        (found_module.WALK_RECORDS, engine.MAX_STRETCHES, 0),
        (0, engine.MAX_STRETCHES, 0),  # never walk: spans narrowed to stretches
        (0, 1, 0),  # never walk: most spans too long to narrow
        (0, engine.MAX_STRETCHES, 10**6),  # every tier read whole
    ],
)
def test_a_page_is_read_from_the_first_spans_of_name_order(
    monkeypatch, walk_records, max_stretches, whole_tier
):
    """PostgreSQL reads a page from the first spans of name order that hold enough
    matches (SQLite reads in name order): with stretches of name order of two,
    four and eight records here, a page crosses many of them, and spans too wide
    to narrow in the index; counted outright and estimated from a sample, walking
    the records where matches are dense or never, or reading a tier whole,
    pages equal the ORM's."""
    monkeypatch.setattr(found_module, "WALK_RECORDS", walk_records)
    monkeypatch.setattr(found_module, "WHOLE_TIER", whole_tier)
    # Places are 2**24 apart: stretches of 2, 4 and 8 records.
    ladder = zip(engine.STRETCHES[:3], (25, 26, 27), strict=True)
    monkeypatch.setattr(engine, "STRETCHES", tuple((f, b) for (f, _), b in ladder))
    monkeypatch.setattr(engine, "MAX_STRETCHES", max_stretches)
    monkeypatch.setattr(found_module, "MARGIN", 1)  # more, shorter spans
    rng = random.Random(11)
    heads = ["Alpine", "Baltic", "Coastal", "Delta", "Eastern", "Zenith"]
    words = ["Dairy", "Coffee", "Timber", "Wine", "Housing"]
    forms = ["Union", "Cooperative", "Federation"]
    for index in range(300):
        # Late in the alphabet, "Zenith" names hold most "timber" names.
        head = "Zenith" if index % 3 == 0 else rng.choice(heads)
        word = "Timber" if head == "Zenith" and index % 2 else rng.choice(words)
        OrganisationFactory(
            name=f"{head} {word} {rng.choice(forms)} {index:03d}",
            summary=f"Trades {rng.choice(words).lower()}"
            + (" and salt" if index % 17 == 0 else ""),
        )
    queries = ["union", "dairy", "timber", "zenith timber", "salt", "coffee wine"]
    for limit in (1000, 30):  # counted outright; estimated from a sample
        monkeypatch.setattr(found_module, "EXACT_LIMIT", limit)
        monkeypatch.setattr(found_module, "OTHERS_LIMIT", limit)
        monkeypatch.setattr(found_module, "MIN_SAMPLE", 8)
        monkeypatch.setattr(found_module, "SAMPLE_TARGET", 16)
        for query in queries:
            found, orm = both_ways(
                OrganisationFilter, Organisation.objects.published(), {"q": query}
            )
            expected = list(orm.values_list("pk", flat=True)[:40])
            assert len(expected) >= 10, query
            assert [r.pk for r in found[0:8]] == expected[:8], (limit, query)
            assert [r.pk for r in found[0:40]] == expected, (limit, query)
            found.count()
            assert found.approximate == (orm.count() > limit), (limit, query)


def read_in_spans(monkeypatch, bits, whole_tier):
    """PostgreSQL only: shrink the stretches of name order to 2**(bits - 24)
    records each, never walk, and count outright only up to 30, so that a page of
    a few hundred records is read span by span from a sample."""
    if not engine.is_postgres():
        pytest.skip("SQLite reads every tier in name order from its index")
    ladder = zip(engine.STRETCHES[:3], bits, strict=True)
    monkeypatch.setattr(engine, "STRETCHES", tuple((f, b) for (f, _), b in ladder))
    for name, value in [
        ("WALK_RECORDS", 0),
        ("WHOLE_TIER", whole_tier),
        ("EXACT_LIMIT", 30),
        ("OTHERS_LIMIT", 30),
        ("MIN_SAMPLE", 8),
        ("SAMPLE_TARGET", 16),
    ]:
        monkeypatch.setattr(found_module, name, value)


@pytest.mark.parametrize("whole_tier, spans", [(10**6, False), (0, True)])
def test_a_tier_the_sample_says_is_small_is_read_whole(monkeypatch, whole_tier, spans):
    """PostgreSQL reads a rank tier whole, not span by span, when its sample
    says it holds no more than WHOLE_TIER matches: one read, no stretches."""
    from django.test.utils import CaptureQueriesContext

    read_in_spans(monkeypatch, (25, 26, 27), whole_tier=whole_tier)
    for index in range(160):
        OrganisationFactory(
            name=f"Timber {'Union' if index % 2 else 'Guild'} {index:03d}"
        )
    found, orm = both_ways(
        OrganisationFilter, Organisation.objects.published(), {"q": "timber"}
    )
    found.count()
    assert found.approximate
    with CaptureQueriesContext(connection) as queries:
        page = [record.pk for record in found[0:20]]
    assert page == list(orm.values_list("pk", flat=True)[:20])
    reads = [q["sql"] for q in queries if "ORDER BY ord" in q["sql"]]
    assert reads
    assert any("'~p" in sql for sql in reads) == spans, reads


def test_a_cluster_late_in_name_order_is_found_without_empty_spans(monkeypatch):
    """PostgreSQL: matches crowded late in name order (names that start with the
    word) are read from spans the sample bounds, not first from ever longer spans
    that the tier's mean density says should hold them and that hold none."""
    read_in_spans(monkeypatch, (25, 27, 29), whole_tier=0)
    for index in range(300):
        head = "Zenith" if index % 3 == 0 else f"Alpine {index:03d}"
        OrganisationFactory(name=f"{head} Union {index:03d}")
    reads = {}
    for clustered in (10**9, 4):  # density never ruled out; ruled out
        monkeypatch.setattr(found_module, "CLUSTERED", clustered)
        found, orm = both_ways(
            OrganisationFilter, Organisation.objects.published(), {"q": "zenith"}
        )
        found.count()
        assert found.approximate
        calls = []

        def counting(*args, matching=engine.matching, calls=calls, **kwargs):
            rows = matching(*args, **kwargs)
            calls.append((kwargs.get("within"), len(rows)))
            return rows

        with monkeypatch.context() as patched:
            patched.setattr(engine, "matching", counting)
            page = [record.pk for record in found[0:20]]
        assert page == list(orm.values_list("pk", flat=True)[:20])
        reads[clustered] = [n for within, n in calls if within]
    assert 0 in reads[10**9]  # spans the density chose found nothing
    assert len(reads[4]) < len(reads[10**9]), reads


@pytest.mark.parametrize(
    "sampled, counted_outright",
    [
        (50, True),  # about 800: counted outright
        (70, True),  # about 1,120, within two errors of a sample of 70 (1,239)
        (80, False),  # about 1,280, past two errors of a sample of 80 (1,224)
        (100, False),  # about 1,600
    ],
)
def test_a_sample_well_past_the_limit_is_kept_not_counted_outright(
    monkeypatch, sampled, counted_outright
):
    found, _orm = both_ways(
        OrganisationFilter, Organisation.objects.published(), {"q": "anything"}
    )
    monkeypatch.setattr(found, "_total", lambda: 10**6)
    monkeypatch.setattr(engine, "estimated_matches", lambda model, query: 5000)
    level = 2  # each sampled match stands for 16
    monkeypatch.setattr(found, "_deepest_sample", lambda *args, **kwargs: level)
    rows = [(pk, pk * engine.GAP) for pk in range(1, sampled + 1)]
    monkeypatch.setattr(found, "_sample", lambda query, at: rows)
    outright = []

    def every(query, without, limit):
        outright.append(limit)
        return [], None

    monkeypatch.setattr(found, "_every", every)
    result = found._count_or_estimate(found.match(), (), 1000)
    assert bool(outright) == counted_outright
    if not counted_outright:
        assert (result.count, result.approximate) == (sampled * 16, True)


def test_name_order_makes_room_when_names_crowd_in(monkeypatch):
    monkeypatch.setattr(engine, "GAP", 4)
    # Two and eight places per stretch.
    monkeypatch.setattr(engine, "STRETCHES", (("stretch 34", 3), ("stretch 36", 5)))
    OrganisationFactory(name="Alpha")
    OrganisationFactory(name="Omega")
    # Each new name falls just after the last one, between the same two places.
    for index in range(12):
        OrganisationFactory(name=f"Beta {index:02d}")
    for index in range(12):
        OrganisationFactory(name=f"Alpha {chr(ord('z') - index)}")
    renamed = Organisation.objects.get(name="Omega")
    renamed.name = "Beta 05½"
    renamed.save()
    expected = [
        pk for _name, pk in sorted(Organisation.objects.values_list("name", "pk"))
    ]
    assert engine.indexed_order(Organisation) == expected
    assert engine.misplaced(Organisation) == []  # moved records, new stretches
    found, orm = both_ways(
        OrganisationFilter, Organisation.objects.all(), {"q": "beta"}
    )
    assert [r.pk for r in found[0:50]] == list(orm.values_list("pk", flat=True))


# The same ranked results from the page and the API, on every engine: these lists
# are literal, so the SQLite and the PostgreSQL runs of the suite both check them.
SEED_RANKINGS = {
    "council": ["ccpit", "acfsmc-council", "acfsmc", "cccme", "cica"],
    "供销": [
        "acfsmc",
        "china-supply-marketing-group",
        "acfsmc-council",
        "acfsmc-supervisory-board",
    ],
    "chamber commerce": ["cccme"],
    "china": [
        "acfsmc",
        "bank-of-china",
        "cccme",
        "ccpit",
        "china-supply-marketing-group",
        "acfsmc-council",
        "gov-cn",
        "mofcom",
        "acfsmc-supervisory-board",
        "business-finland",
        "cosco",
        "ek",
        "confindustria",
        "genertec",
        "gov-california",
        "huawei",
        "ice",
        "pirelli",
    ],
    "coop": [
        "acfsmc",
        "acfsmc-council",
        "ica",
        "acfsmc-supervisory-board",
        "business-finland",
        "cccme",
        "ek",
        "gov-california",
        "ica-development",
        "ica-gender",
    ],
}


@pytest.mark.parametrize("query", SEED_RANKINGS)
def test_pages_and_api_rank_the_seed_alike_on_every_engine(client, seeded, query):
    expected = SEED_RANKINGS[query]
    page = client.get("/organisations/", {"q": query})
    api = client.get("/api/v1/organisations/", {"q": query, "page_size": 100})
    assert [r.slug for r in page.context["results"]][: len(expected)] == expected
    assert [r["slug"] for r in api.json()["results"]][: len(expected)] == expected


def test_the_api_says_when_a_count_is_an_estimate(client, monkeypatch):
    OrganisationFactory.create_batch(120, name="Harbour Fishing Cooperative")
    OrganisationFactory(name="Inland Dairy Union")
    body = client.get("/api/v1/organisations/", {"q": "harbour"}).json()
    assert body["count"] == 120 and body["count_is_estimate"] is False
    monkeypatch.setattr(found_module, "EXACT_LIMIT", 20)
    monkeypatch.setattr(found_module, "MIN_SAMPLE", 5)
    monkeypatch.setattr(found_module, "SAMPLE_TARGET", 10)
    body = client.get("/api/v1/organisations/", {"q": "harbour", "facets": 1}).json()
    assert body["count_is_estimate"] is True and body["count"] > 20
    assert len(body["results"]) == 20  # the page itself is exact
    page = client.get("/organisations/", {"q": "harbour"})
    assert page.context["approximate"] is True
    assert "About " in page.content.decode()
