import re

import pytest

from tests.factories import MechanismFactory, OrganisationFactory
from tests.pages import build_directory

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory():
    return build_directory()


def test_home_offers_search_counts_and_ways_to_browse(client, directory):
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'action="/search/"' in body
    assert "4 organisations" in body and "2 mechanisms" in body
    assert 'href="/organisations/?kind=chamber"' in body
    assert 'href="/sectors/machinery/"' in body
    assert 'href="/search/?region=europe"' in body
    assert 'href="/countries/FI/"' in body
    assert "Recently updated" in body
    assert "Hidden Draft Body" not in body and "Secret Draft" not in body


def records(response):
    return {record.slug for record in response.context["results"]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=CCCME", {"cccme"}),
        ("q=中华全国供销合作总社", {"acfsmc"}),
        ("q=Finnish", {"ek"}),
        ("q=Finland", {"acfsmc-europe", "ek", "china-finland", "innovation-group"}),
        ("country=FI", {"acfsmc-europe", "ek", "china-finland", "innovation-group"}),
        ("country=FI&type=mechanism", {"china-finland", "innovation-group"}),
        ("type=organisation&type=mechanism&kind=chamber", {"cccme"}),
        ("kind=chamber&kind=working_group", {"cccme", "innovation-group"}),
        ("sector=machinery&region=europe", {"ek", "china-finland"}),
        ("q=Finland&type=mechanism", {"china-finland", "innovation-group"}),
        ("q=zzzz-nothing", set()),
        ("scope=bilateral&country=FI", {"china-finland", "innovation-group"}),
        ("organisation=cccme", {"china-finland"}),
    ],
)
def test_search_covers_both_kinds_with_the_same_filters(
    client, directory, query, expected
):
    response = client.get(f"/search/?{query}")
    assert response.status_code == 200
    assert records(response) == expected


def test_search_counts_types_and_kinds_across_both(client, directory):
    response = client.get("/search/?country=FI&type=mechanism")
    groups = {g["name"]: g for g in response.context["facet_groups"]}
    types = {v["value"]: (v["count"], v["selected"]) for v in groups["type"]["values"]}
    assert types == {"organisation": (2, False), "mechanism": (2, True)}
    kinds = {v["value"] for v in groups["kind"]["values"]}
    assert kinds == {"business_council", "working_group"}


def test_search_counts_facets_for_the_matches_of_the_query(client, directory):
    response = client.get("/search/?q=CCCME&type=organisation")
    groups = {g["name"]: g["values"] for g in response.context["facet_groups"]}
    assert {v["value"]: v["count"] for v in groups["type"]} == {"organisation": 1}
    assert {v["value"]: v["count"] for v in groups["country"]} == {"CN": 1}
    assert {v["value"] for v in groups["kind"]} == {"chamber"}


def test_search_sorts_by_name_and_founding_year(client, directory):
    response = client.get("/search/?country=FI&ordering=-founded")
    assert [r.slug for r in response.context["results"]][:2] == ["china-finland", "ek"]
    response = client.get("/search/?country=FI&ordering=name")
    assert response.context["results"][0].slug == "acfsmc-europe"


def test_search_says_when_nothing_is_found(client, directory):
    body = client.get("/search/?q=zzzz-nothing").content.decode()
    assert "Nothing found." in body
    assert "Back to the home page" in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("type=spaceship", "Type: unknown value spaceship"),
        ("kind=spaceship", "Kind: unknown value spaceship"),
        ("country=ZZ", "Unknown country code: ZZ"),
        ("sector=nope", "Sector:"),
        ("ordering=colour", "Unknown sort order"),
        ("q=" + "y" * 5000, "shortened"),
    ],
)
def test_search_explains_bad_parameters(client, directory, query, message):
    response = client.get(f"/search/?{query}")
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "q=%00",
        "q=%ff%fe",
        "country=%00",
        "kind=%E4%B8",
        "q=" + "a%20b%20" * 1000,
        "q=%22%27%25_%5C*%28%29%5B%E4%B8%AD",
    ],
)
def test_search_never_fails_on_hostile_input(client, directory, query):
    assert client.get(f"/search/?{query}").status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_search_query_count_does_not_grow(client, django_assert_max_num_queries, count):
    for n in range(count):
        OrganisationFactory(name=f"Common body {n}", countries=["FI"])
        MechanismFactory(name=f"Common council {n}", countries=["FI"])
    # The query's reading (understanding, kept per index version) reads the
    # version; the first 30 results (re-ranked) may ask every rank tier of a few.
    with django_assert_max_num_queries(32):
        response = client.get("/search/?q=Common&country=FI")
    assert response.context["result_count"] == 2 * count


def test_country_list_counts_each_country(client, directory):
    response = client.get("/countries/")
    rows = {
        row["code"]: row
        for _region, region_rows in response.context["regions"]
        for row in region_rows
    }
    assert rows["FI"]["hq"] == 2
    assert rows["FI"]["active"] == 2
    assert rows["FI"]["mechanisms"] == 2
    assert rows["CN"]["hq"] == 2


def test_country_page_lists_what_is_there(client, directory):
    OrganisationFactory(name="Active in Finland", hq_country="SE", countries=["FI"])
    response = client.get("/countries/FI/")
    sections = [
        (s["title"], {r.slug for r in s["records"]})
        for s in response.context["sections"]
    ]
    assert [title for title, _slugs in sections] == [
        "Organisations in this country",
        "Mechanisms it takes part in",
    ]
    names = {r.name for r in response.context["sections"][0]["records"]}
    assert names >= {"Active in Finland", "Confederation of Finnish Industries"}
    assert sections[1][1] == {"china-finland", "innovation-group"}
    assert "<title>Finland" in response.content.decode()


def test_a_country_page_leaves_out_empty_sections(client, directory):
    OrganisationFactory(hq_country="NO")
    body = client.get("/countries/NO/").content.decode()
    assert "Mechanisms it takes part in" not in body and "(0)" not in body
    assert "None in the directory." in client.get("/countries/PE/").content.decode()


def test_every_page_counts_a_country_alike(client, seeded):
    """Home, the countries table, each country page and the country filter all
    count what is "in a country" as the filter does: any of a record's countries."""
    table = {
        row["code"]: row
        for _region, rows in client.get("/countries/").context["regions"]
        for row in rows
    }
    home = {row["value"]: row["count"] for row in client.get("/").context["countries"]}
    for code, row in table.items():
        sections = {
            str(s["title"]): s["count"]
            for s in client.get(f"/countries/{code}/").context["sections"]
        }
        listed = client.get(f"/organisations/?country={code}").context
        mechanisms = client.get(f"/mechanisms/?country={code}").context
        assert sections.get("Organisations in this country", 0) == row["active"], code
        assert listed["result_count"] == row["active"], code
        assert sections.get("Mechanisms it takes part in", 0) == row["mechanisms"]
        assert mechanisms["result_count"] == row["mechanisms"], code
        if code in home:
            assert home[code] == row["active"] + row["mechanisms"], code


def test_country_codes_are_canonical_and_unknown_ones_404(client, db):
    response = client.get("/countries/fi/")
    assert response.status_code == 301 and response["Location"] == "/countries/FI/"
    response = client.get("/countries/ZZ/")
    assert response.status_code == 404
    assert "There is no country with the code" in response.content.decode()
    assert client.get("/countries/%00/").status_code == 404
    assert client.get("/countries/" + "X" * 300 + "/").status_code == 404


def test_sector_pages(client, directory):
    response = client.get("/sectors/")
    assert "Machinery and electronics" in response.content.decode()
    response = client.get("/sectors/machinery/")
    organisations, mechanisms = response.context["sections"]
    assert {r.slug for r in organisations["records"]} == {"cccme", "ek"}
    assert {r.slug for r in mechanisms["records"]} == {"china-finland"}
    assert client.get("/sectors/no-such-sector/").status_code == 404


def test_long_sections_link_to_the_filtered_list(client, db):
    for _n in range(15):
        OrganisationFactory(hq_country="IT")
    section = client.get("/countries/IT/").context["sections"][0]
    assert section["count"] == 15 and len(section["records"]) == 12


def test_sitemap_lists_published_pages_only(client, directory):
    body = client.get("/sitemap.xml").content.decode()
    assert "/organisations/cccme/" in body
    assert "/mechanisms/china-finland/" in body
    assert "/countries/FI/" in body
    assert "/sectors/machinery/" in body
    assert "hidden-draft" not in body and "secret-draft" not in body


def test_robots_txt_points_to_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()
    assert "Disallow: /admin/" in response.content.decode()


def test_404_page_offers_search(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'role="search"' in body and 'action="/search/"' in body


def test_every_page_has_landmarks_a_skip_link_and_labels(client, directory):
    for url in ["/", "/organisations/", "/search/?q=a", "/organisations/cccme/"]:
        body = client.get(url).content.decode()
        assert 'class="skip-link" href="#main"' in body
        assert '<main id="main"' in body and "<nav" in body and "<footer" in body
        controls = re.findall(
            r"<(?:input|select)\b(?![^>]*type=\"hidden\")[^>]*>", body
        )
        assert controls
        for control in controls:
            control_id = re.search(r'id="([^"]+)"', control).group(1)
            assert f'for="{control_id}"' in body, control


def test_sector_and_country_pages_narrow_to_the_other_in_one_click(client, directory):
    sector = client.get("/sectors/agriculture/")
    assert [row["url"] for row in sector.context["narrow"]] == [
        "/organisations/?sector=agriculture&country=CN"
    ]
    country = client.get("/countries/FI/")
    urls = {row["label"]: row["url"] for row in country.context["narrow"]}
    assert urls == {
        "Machinery and electronics": "/organisations/?country=FI&sector=machinery"
    }


def test_search_corrects_typos_saying_so_and_suggests_when_taken_as_typed(
    client, directory
):
    response = client.get(
        "/search/", {"q": "Finnsih Indstries", "type": "organisation"}
    )
    assert response.context["result_count"] > 0
    body = response.content.decode()
    assert "Showing results for “finnish industries”." in body
    assert "literal=1" in body
    literal = client.get(
        "/search/", {"q": "Finnsih Indstries", "type": "organisation", "literal": "1"}
    )
    assert literal.context["result_count"] == 0
    body = literal.content.decode()
    assert "Did you mean" in body
    assert 'href="?q=finnish+industries&amp;type=organisation&amp;literal=1"' in body


def test_search_marks_the_words_that_matched(client, directory):
    body = client.get("/search/", {"q": "chamber"}).content.decode()
    assert "<mark>Chamber</mark>" in body
    assert "<mark>chamber</mark> of the machinery" in body


@pytest.mark.parametrize(
    "path",
    [
        "/organisations/%ff/",
        "/organisations/%E4%B8/",
        "/mechanisms/%00/",
        "/countries/%ff/",
        "/countries/%E4%B8%AD/",
        "/sectors/%ff%fe/",
        "/no/%00/page/",
    ],
)
def test_broken_paths_are_404_pages_with_search(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    assert 'role="search"' in response.content.decode()


def test_list_canonical_urls_keep_filters_but_not_sorting(client, directory):
    body = client.get(
        "/organisations/?country=FI&ordering=-name&page=1"
    ).content.decode()
    assert (
        '<link rel="canonical" href="http://testserver/organisations/?country=FI">'
        in body
    )


def test_search_pages_in_relevance_order_without_gaps_or_repeats(client):
    for n in range(25):
        OrganisationFactory(name=f"Gapless body {n:02d}")
    MechanismFactory(name="Gapless")
    first = client.get("/search/?q=Gapless").context["page_obj"]
    second = client.get("/search/?q=Gapless&page=2").context["page_obj"]
    names = [r.name for r in first.object_list] + [r.name for r in second.object_list]
    assert names[0] == "Gapless"  # the exact name ranks first
    assert sorted(names) == sorted({*names}) and len(names) == 26


def test_there_is_a_favicon(client, db):
    body = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in body
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"


def test_entity_pages_do_not_repeat_their_summary(client, seeded):
    ica = client.get("/organisations/ica/").content.decode()
    duties = ica[ica.index('<ol class="duties"') :]
    duties = duties[: duties.index("</ol>")]
    assert "Unites, represents and serves cooperatives worldwide." not in duties
    assert "Guardian of the Statement on the Cooperative Identity" in duties
    crccme = client.get("/mechanisms/crccme/").content.decode()
    origin = crccme[crccme.index('<h2 id="origin">') :]
    origin = origin[: origin.index("</section>")]
    assert "heads of state" not in origin
    assert "2007" in origin  # the year the summary gives too, as a fact of its own


def test_the_sitemap_lists_each_page_in_both_languages(client, directory):
    body = client.get("/sitemap.xml").content.decode()
    assert "<loc>http://testserver/organisations/cccme/</loc>" in body
    assert "<loc>http://testserver/zh-hans/organisations/cccme/</loc>" in body
    assert (
        '<xhtml:link rel="alternate" hreflang="zh-hans" '
        'href="http://testserver/zh-hans/organisations/cccme/"/>' in body
    )
