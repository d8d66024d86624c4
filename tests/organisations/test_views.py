import json
import re

import pytest
from django.urls import reverse

from organisations.models import Organisation
from tests.factories import OrganisationFactory, SectorFactory
from tests.pages import build_directory

pytestmark = pytest.mark.django_db
LIST = "/organisations/"


@pytest.fixture
def directory():
    return build_directory()


def names(response):
    return [record.name for record in response.context["results"]]


def facet(response, name):
    groups = {g["name"]: g for g in response.context["facet_groups"]}
    return {v["value"]: v for v in groups[name]["values"]} if name in groups else {}


def test_it_lists_published_organisations_only(client, directory):
    response = client.get(LIST)
    assert response.status_code == 200
    assert directory.cccme.name in names(response)
    assert "Hidden Draft Body" not in response.content.decode()
    assert response.context["result_count"] == 4


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=FI", {"acfsmc-europe", "ek"}),
        ("country=fi", {"acfsmc-europe", "ek"}),
        ("country=CN&country=FI", {"cccme", "acfsmc", "acfsmc-europe", "ek"}),
        ("sector=machinery", {"cccme", "ek"}),
        ("sector=machinery&sector=agriculture", {"cccme", "ek", "acfsmc"}),
        ("kind=chamber", {"cccme"}),
        ("kind=chamber&kind=apex_body", {"cccme", "acfsmc"}),
        ("region=europe", {"acfsmc-europe", "ek"}),
        ("country=FI&sector=machinery", {"ek"}),
        ("country=CN&kind=chamber&sector=machinery", {"cccme"}),
        ("region=asia-pacific&kind=apex_body", {"acfsmc"}),
        ("country=FI&kind=chamber", set()),
        ("q=CCCME", {"cccme"}),
        ("q=供销&country=CN", {"acfsmc"}),
        ("q=China Co-op", {"acfsmc"}),
        ("founded_after=2000", {"ek"}),
    ],
)
def test_it_combines_filters_or_within_and_across_facets(
    client, directory, query, expected
):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert {record.slug for record in response.context["results"]} == expected


def test_it_counts_facets_for_the_result_set_with_own_filter_removed(client, directory):
    response = client.get(f"{LIST}?country=FI")
    countries = facet(response, "country")
    # Other countries stay selectable, counted as if Finland were not chosen.
    assert countries["CN"]["count"] == 2
    assert countries["FI"]["selected"] is True
    # Other facets count only the Finnish result set.
    kinds = facet(response, "kind")
    assert set(kinds) == {"association", "office"}
    assert facet(response, "sector")["machinery"]["count"] == 1


def test_it_toggles_facet_values_in_links(client, directory):
    response = client.get(f"{LIST}?country=FI&sector=machinery")
    china = facet(response, "country")["CN"]
    assert "country=FI" in china["url"] and "country=CN" in china["url"]
    finland = facet(response, "country")["FI"]
    assert "country=FI" not in finland["url"] and "sector=machinery" in finland["url"]


def test_it_shows_selected_filters_as_removable_chips(client, directory):
    response = client.get(f"{LIST}?country=FI&sector=machinery")
    chips = {chip["label"]: chip["url"] for chip in response.context["chips"]}
    assert set(chips) == {"Finland", "Machinery and electronics"}
    assert chips["Finland"] == "?sector=machinery"
    assert "Remove filter" in response.content.decode()
    assert (
        "<title>Organisations: Finland, Machinery and electronics"
        in response.content.decode()
    )


def test_it_keeps_a_selected_value_with_no_results_visible(client, directory):
    response = client.get(f"{LIST}?country=FI&kind=chamber")
    assert facet(response, "kind")["chamber"]["selected"] is True
    assert [chip["label"] for chip in response.context["chips"]] == [
        "Finland",
        "Chamber of commerce",
    ]
    body = response.content.decode()
    assert "Nothing found." in body
    assert "clear all filters" in body


@pytest.mark.parametrize(
    ("ordering", "first"),
    [
        ("name", "ACFSMC Regional Office Europe"),
        ("-name", "Confederation of Finnish Industries"),
        ("founded", "All China Federation of Supply and Marketing Cooperatives"),
        ("-founded", "Confederation of Finnish Industries"),
    ],
)
def test_it_sorts(client, directory, ordering, first):
    response = client.get(f"{LIST}?ordering={ordering}")
    assert names(response)[0] == first


def test_its_sort_choices_are_links_that_keep_the_filters(client, directory):
    response = client.get(f"{LIST}?country=FI&q=confederation&page=1&ordering=-name")
    links = {
        label: (url, current) for label, url, current in response.context["sort_links"]
    }
    assert links["Relevance"] == ("?country=FI&q=confederation", False)
    assert links["Name (Z–A)"] == ("?country=FI&q=confederation&ordering=-name", True)
    body = response.content.decode()
    assert 'href="?country=FI&amp;q=confederation&amp;ordering=founded"' in body
    assert '<select id="ordering"' not in body  # one click sorts, no button
    followed = client.get(LIST + links["Founding year (newest first)"][0])
    assert names(followed) == names(
        client.get(f"{LIST}?country=FI&q=confederation&ordering=-founded")
    )


def test_it_ranks_name_matches_first_by_default(client, directory):
    response = client.get(f"{LIST}?q=China")
    assert response.context["sort_options"][0][1] == "Relevance"
    assert names(response)[0].startswith(("All China", "China"))


def test_it_paginates_keeping_the_filters(client, db):
    for n in range(25):
        OrganisationFactory(name=f"Finnish body {n:02d}", hq_country="FI")
    OrganisationFactory(name="Chinese body", hq_country="CN")
    response = client.get(f"{LIST}?country=FI&ordering=name")
    assert response.context["result_count"] == 25
    assert response.context["next_url"] == "?country=FI&ordering=name&page=2"
    page2 = client.get(f"{LIST}{response.context['next_url']}")
    assert len(page2.context["results"]) == 5
    assert page2.context["prev_url"] == "?country=FI&ordering=name&page=1"
    assert "Page 2 of 2" in page2.content.decode()


def make_organisations(count):
    sector = SectorFactory(slug="farming")
    parent = OrganisationFactory()
    for _n in range(count):
        OrganisationFactory(
            parent=parent, sectors=[sector], countries=["FI", "SE"], hq_country="CN"
        )


@pytest.mark.parametrize("count", [3, 30])
def test_its_query_count_does_not_grow_with_the_list(
    client, django_assert_max_num_queries, count
):
    make_organisations(count)
    with django_assert_max_num_queries(20):
        response = client.get(f"{LIST}?sector=farming&country=FI")
    assert response.context["result_count"] == count
    # With words, every card marks what matched: still no query per card.
    with django_assert_max_num_queries(22):
        response = client.get(f"{LIST}?q=Organisation&country=FI")
    assert response.context["result_count"] == count
    assert "<mark>Organisation</mark>" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("country=ZZ", "Unknown country code: ZZ"),
        ("sector=no-such-sector", "Sector:"),
        ("kind=spaceship", "Kind:"),
        ("region=atlantis", "Region:"),
        ("ordering=colour", "Order by:"),
        ("founded_after=abc", "Founded in or after"),
        ("q=" + "x" * 5000, "shortened to its first 500 characters"),
    ],
)
def test_it_explains_bad_parameters_on_a_normal_page(client, directory, query, message):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert message in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=99999",
        "page=-1",
        "q=%00",
        "q=CC%00CME",
        "country=C%00N",
        "sector=agri%00culture",
        "q=%ff%fe%fd",
        "q=%E4%B8",
        "country=%ff",
        "%00=%00",
        "q=" + "%E4%B8%AD" * 2000,
        "q=" + "a%20b%20" * 1000,
        "q=" + "%22%27%25_%5C*%28%29%5B" * 50,
    ],
)
def test_it_never_fails_on_hostile_input(client, directory, query):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert "result" in response.content.decode()


def test_it_strips_nul_bytes_before_filtering(client, directory):
    response = client.get(f"{LIST}?q=CC%00CME")
    assert names(response) == [directory.cccme.name]


def test_detail_shows_names_facts_and_sanitised_description(client, directory):
    response = client.get(directory.cccme.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    for text in [
        "China Chamber of Commerce for Import and Export of Machinery",
        "(CCCME)",
        "中国机电产品进出口商会",
        "Chamber of commerce",
        "1988",
        "Beijing",
        "https://www.cccme.org.cn/",
        "Machinery and electronics",
        "CCCME profile",
        "<strong>members</strong>",
    ]:
        assert text in body
    assert "<script>alert" not in body
    assert "<title>China Chamber of Commerce" in body
    assert '<meta name="description" content="The chamber of the machinery' in body
    assert (
        '<link rel="canonical" href="http://testserver/organisations/cccme/">' in body
    )


def test_detail_lists_every_mechanism_and_role(client, directory):
    response = client.get(directory.cccme.get_absolute_url())
    roles = dict(response.context["mechanism_roles"])
    assert roles == {
        directory.council: [
            "Chinese secretariat (China side)",
            "Chair: ZHANG Yujing, President of CCCME",
        ]
    }
    assert "Secret Draft Council" not in response.content.decode()


def test_detail_shows_structure_members_and_figures(client, directory):
    response = client.get(directory.acfsmc.get_absolute_url())
    body = response.content.decode()
    assert [
        (str(k), [c.slug for c in v])
        for k, v in response.context["children_by_relation"]
    ] == [("Regional office", ["acfsmc-europe"])]
    assert "Confederation of Finnish Industries" in body
    assert "China Co-op" in body
    group = response.context["figure_groups"][0]
    assert group["period"] == "2020"
    assert [(f.label, depth) for f, depth in group["rows"]] == [
        ("Sales", 0),
        ("Agricultural production materials", 1),
    ]
    assert "among them" in body
    assert "5,300,000,000,000 CNY" in body


def test_detail_links_a_child_to_its_parent(client, directory):
    body = client.get(directory.office.get_absolute_url()).content.decode()
    assert "Regional office of" in body
    assert directory.acfsmc.get_absolute_url() in body


def json_ld(response):
    found = re.search(
        r'<script type="application/ld\+json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def test_detail_carries_schema_org_json_ld(client, directory):
    data = json_ld(client.get(directory.acfsmc.get_absolute_url()))
    assert data["@type"] == "Organization"
    assert data["foundingDate"] == "1954"
    assert data["subOrganization"][0]["name"] == "ACFSMC Regional Office Europe"
    assert data["member"][0]["name"] == "Confederation of Finnish Industries"
    assert "China Co-op" in data["alternateName"]
    child = json_ld(client.get(directory.office.get_absolute_url()))
    assert child["parentOrganization"]["url"].endswith("/organisations/acfsmc/")


def test_json_ld_cannot_break_out_of_its_script(client, db):
    organisation = OrganisationFactory(name="</script><script>alert(1)</script>")
    body = client.get(organisation.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in body


def test_drafts_are_404_for_visitors_and_visible_to_staff(
    client, directory, staff_user
):
    url = reverse("organisations:detail", args=["hidden-draft"])
    response = client.get(url)
    assert response.status_code == 404
    assert "Search the directory instead" in response.content.decode()
    client.force_login(staff_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "Staff preview" in response.content.decode()


def test_drafts_are_left_out_of_relations(client, directory):
    draft_child = OrganisationFactory(
        name="Draft Child",
        parent=directory.acfsmc,
        relation_to_parent=Organisation.Relation.SUBSIDIARY,
        status="draft",
    )
    body = client.get(directory.acfsmc.get_absolute_url()).content.decode()
    assert draft_child.name not in body


def test_unknown_slug_is_404(client, db):
    assert client.get("/organisations/no-such-body/").status_code == 404


def test_figure_tables_come_newest_year_first_then_at_present(client, seeded):
    """The same order on SQLite and PostgreSQL, whose NULL years sort apart."""
    page = client.get("/organisations/acfsmc/").content.decode()
    # The sourced tables (the charts above them name figures too).
    body = page[page.index('<table class="figures">') :]
    captions = re.findall(r"<caption>([^<]*)", body)
    assert [c.strip() for c in captions] == ["2020", "At present"]
    first = body.index("<caption>2020")
    assert body.index("Aggregate turnover") > first
    assert body.index("Bodies within the Council") > body.index("<caption>At present")
