"""What search must get right; the same tests run on SQLite and on PostgreSQL."""

import pytest

from coopdir.search import (
    EXACT,
    NAME,
    TEXT,
    TYPO,
    highlight,
    search,
    search_all,
    snippet,
    suggest,
)
from mechanisms.models import Mechanism
from organisations.models import Organisation
from tests.factories import (
    MechanismFactory,
    OrganisationFactory,
    OrganisationNameFactory,
    SectorFactory,
)

pytestmark = pytest.mark.django_db


def found(query, model=Organisation):
    return [record.name for record in search(model.objects.all(), query)]


def ranks(query, model=Organisation):
    return [(r.name, r.search_rank) for r in search(model.objects.all(), query)]


def test_it_ranks_exact_names_then_name_words_then_texts_ties_by_name():
    OrganisationFactory(name="Beta Trade Council", summary="")
    OrganisationFactory(name="Zeta Group", summary="A trade council of sorts")
    OrganisationFactory(name="Trade Council")
    OrganisationFactory(name="Alpha Trade Council")
    OrganisationFactory(name="Unrelated", summary="nothing here")
    assert ranks("trade council") == [
        ("Trade Council", EXACT),
        ("Alpha Trade Council", NAME),
        ("Beta Trade Council", NAME),
        ("Zeta Group", TEXT),
    ]


def test_it_ranks_an_exact_acronym_or_other_name_first():
    OrganisationFactory(name="All About ICA Matters")
    OrganisationFactory(name="International Cooperative Alliance", acronym="ICA")
    china_coop = OrganisationFactory(name="All-China Federation")
    OrganisationNameFactory(organisation=china_coop, name="China Co-op")
    assert found("ica")[0] == "International Cooperative Alliance"
    assert ranks("china co-op")[0] == ("All-China Federation", EXACT)


def test_it_ignores_case_and_accents():
    OrganisationFactory(name="Coopérative Agricole de Zürich")
    OrganisationFactory(name="Smørrebrød Łódź Union")
    assert found("cooperative") == ["Coopérative Agricole de Zürich"]
    assert found("ZURICH") == ["Coopérative Agricole de Zürich"]
    assert found("COOPÉRATIVE") == ["Coopérative Agricole de Zürich"]
    assert found("smorrebrod lodz") == ["Smørrebrød Łódź Union"]


def test_it_finds_prefixes_phrases_and_punctuated_words():
    OrganisationFactory(name="China-Finland Committee for Innovative Cooperation")
    OrganisationFactory(name="Finland Committee of China Traders")
    OrganisationFactory(name="Co-op Bank")
    assert found("coop") == [
        "China-Finland Committee for Innovative Cooperation",
        "Co-op Bank",
    ]
    assert found("co-op") == ["Co-op Bank"]
    assert found("China-Finland") == [
        "China-Finland Committee for Innovative Cooperation"
    ]
    assert found('"finland committee"') == [
        "China-Finland Committee for Innovative Cooperation",
        "Finland Committee of China Traders",
    ]
    assert found('"committee of china"') == ["Finland Committee of China Traders"]
    assert found("innov coop") == ["China-Finland Committee for Innovative Cooperation"]


def test_it_finds_chinese_by_characters_and_by_pinyin():
    OrganisationFactory(
        name="All China Federation of Supply and Marketing Cooperatives",
        native_name="中华全国供销合作总社",
        hq_country="BE",
    )
    OrganisationFactory(
        name="Other", native_name="中国机电产品进出口商会", hq_country="BE"
    )
    OrganisationFactory(
        name="Text only", summary="它是供销合作社的成员", hq_country="BE"
    )
    assert found("供销") == [
        "All China Federation of Supply and Marketing Cooperatives",
        "Text only",
    ]
    assert found("供销合作总社") == [
        "All China Federation of Supply and Marketing Cooperatives"
    ]
    assert found("全国供销")[0] == (
        "All China Federation of Supply and Marketing Cooperatives"
    )
    assert found("机电") == ["Other"]
    assert found("gongxiao") == [
        "All China Federation of Supply and Marketing Cooperatives"
    ]
    assert found("gongxiaohezuo") == [
        "All China Federation of Supply and Marketing Cooperatives"
    ]
    assert found("销总") == []


def test_it_finds_sector_and_country_names_in_english_and_chinese():
    farming = SectorFactory(name="Agriculture", name_zh="农业", slug="agriculture")
    OrganisationFactory(name="Alpha", hq_country="FI", sectors=[farming])
    OrganisationFactory(name="Beta", hq_country="IT")
    assert found("agriculture") == ["Alpha"]
    assert found("农业") == ["Alpha"]
    assert found("finland") == ["Alpha"]
    assert found("芬兰") == ["Alpha"]
    assert found("italy") == ["Beta"]


def test_it_forgives_one_typo_in_a_long_word_and_ranks_it_below_exact():
    OrganisationFactory(name="Cooperative Union")
    OrganisationFactory(name="Cooperation Office")
    assert found("coperative") == ["Cooperative Union"]  # missing letter
    assert found("cooperativve") == ["Cooperative Union"]  # extra letter
    assert found("cooperatuve") == ["Cooperative Union"]  # wrong letter
    assert ranks("cooperatuve") == [("Cooperative Union", TYPO)]
    OrganisationFactory(name="Cooperatuve Misspelt Union")
    assert ranks("cooperatuve") == [
        ("Cooperatuve Misspelt Union", NAME),
        ("Cooperative Union", TYPO),
    ]
    # Short words are not corrected: too many neighbours.
    OrganisationFactory(name="Bank")
    assert found("bonk") == []


def test_it_suggests_a_correction_when_nothing_matches():
    OrganisationFactory(name="Cooperative Union", summary="machinery exports")
    assert found("machinnery exprots") == []
    assert suggest("machinnery exprots") == "machinery exports"
    assert suggest("cooperative") == ""


def test_it_searches_mechanisms_and_both_kinds_together():
    MechanismFactory(name="China-Italy Business Forum", purpose="Trade and investment")
    OrganisationFactory(name="Italian Trade Agency", acronym="ITA")
    assert found("forum", Mechanism) == ["China-Italy Business Forum"]
    assert found("investment", Mechanism) == ["China-Italy Business Forum"]
    hits = search_all("trade", [Organisation.objects.all(), Mechanism.objects.all()])
    assert [(record.name, rank) for record, rank in hits] == [
        ("Italian Trade Agency", NAME),
        ("China-Italy Business Forum", TEXT),
    ]
    assert len(search_all("trade", [Organisation.objects.all()], limit=1)) == 1


def test_it_keeps_to_the_given_queryset_and_survives_odd_input():
    OrganisationFactory(name="Draft Union", status="draft")
    OrganisationFactory(name="Published Union")
    assert [o.name for o in search(Organisation.objects.published(), "union")] == [
        "Published Union"
    ]
    for odd in ['"', "***", "a OR b", "NEAR(x)", "'; DROP TABLE x", "(", "-", "\\"]:
        assert isinstance(found(odd), list)
    assert found("AND") == []


def test_it_highlights_and_cuts_snippets_around_the_match():
    record = OrganisationFactory(
        name="Union",
        summary="",
        description="Lots of words before. " * 20 + "It runs Coopérative stores <b>.",
    )
    html = snippet(record, "cooperative")
    assert "<mark>Coopérative</mark>" in html
    assert "&lt;b&gt;" in html
    assert html.startswith("… ")
    assert str(highlight("供销合作总社", "供销")) == "<mark>供销</mark>合作总社"
    assert (
        str(highlight("Co-op <x>", "co-op"))
        == "<mark>Co</mark>-<mark>op</mark> &lt;x&gt;"
    )


def test_it_orders_ties_the_same_way_on_every_engine():
    for name in ["Émile Union", "beta Union", "Zeta Union", "Alpha Union"]:
        OrganisationFactory(name=name)
    expected = ["Alpha Union", "Zeta Union", "beta Union", "Émile Union"]
    assert found("union") == expected
    hits = search_all("union", [Organisation.objects.all()])
    assert [record.name for record, rank in hits] == expected


def test_it_bounds_the_typo_work_of_a_long_query():
    OrganisationFactory(name="Cooperative Union")
    assert found(" ".join(["cooperatuve"] * 40)) == ["Cooperative Union"]
    # Past the first few words, a word must be spelt right.
    words = [f"wordnumber{chr(97 + i)}" for i in range(10)]
    OrganisationFactory(name="Many Words", summary=" ".join(words))
    assert found(" ".join(words)) == ["Many Words"]
    assert found(" ".join([*words[:-1], "wordnumbrj"])) == []
    assert found(" ".join(["wordnumbra", *words[1:]])) == ["Many Words"]


def test_it_combines_with_the_shared_filters():
    from organisations.filters import OrganisationFilter

    farming = SectorFactory(name="Agriculture", slug="agriculture")
    OrganisationFactory(name="Dairy Beta", hq_country="FI", sectors=[farming])
    OrganisationFactory(name="Dairy Alpha", hq_country="FI", sectors=[farming])
    OrganisationFactory(name="Dairy Gamma", hq_country="IT", sectors=[farming])
    OrganisationFactory(name="Dairy Delta", hq_country="FI")
    params = {"q": "dairy", "country": ["FI"], "sector": ["agriculture"]}
    filterset = OrganisationFilter(params, queryset=Organisation.objects.all())
    assert filterset.is_valid(), filterset.errors
    assert [o.name for o in filterset.qs] == ["Dairy Alpha", "Dairy Beta"]
    assert filterset.qs.count() == 2


@pytest.mark.parametrize(
    "query, parts",
    [
        ("'a'", ["'a'"]),
        ("((('a') | ('b')))", ["('a') | ('b')"]),  # an alternative stays whole
        (
            "((((('!chamber'))))) & (('~cocn') & ('~se1'))",
            ["'!chamber'", "'~cocn'", "'~se1'"],  # nested ands, flattened
        ),
        ("(('a') & ('b')) | ('c')", ["(('a') & ('b')) | ('c')"]),
        ("('a' | 'b') & ('c')", ["'a' | 'b'", "'c'"]),
        ("!('x') & ('y' | 'z')", ["('y' | 'z') & !('x')"]),  # never alone
        ("((('a') & !('b'))) & ('c')", ["('a') & !('b')", "'c'"]),
        ("!('x')", ["!('x')"]),
        ("'it''s & so' & 'y'", ["'it''s & so'", "'y'"]),  # quoted: not a part
    ],
)
def test_a_postgresql_query_is_split_into_the_parts_that_must_all_match(query, parts):
    from coopdir.search.engine import conjuncts

    assert conjuncts(query) == parts


def test_each_part_is_its_own_index_condition_and_a_phrase_is_checked_whole():
    from coopdir.search.engine import _pg_match

    condition, params = _pg_match("('a' <-> 'b') & ('~cocn')", hidden=("stdraft",))
    assert condition == (
        "doc @@ %s::tsquery AND doc @@ %s::tsquery AND doc @@ %s::tsquery"
        " AND doc @@ %s::tsquery AND (doc @@ %s::tsquery) IS NOT TRUE"
    )
    assert params[:4] == ["'a'", "'b'", "'~cocn'", "('a' <-> 'b') & ('~cocn')"]


@pytest.mark.django_db
def test_split_conditions_find_what_the_whole_query_finds():
    """PostgreSQL: the parts as separate conditions match the same records as
    the query they come from (SQLite has one MATCH expression)."""
    from django.db import connection

    from coopdir.search import engine

    if not engine.is_postgres():
        pytest.skip("PostgreSQL's tsquery")
    for name in ["Alpine Dairy Union", "Baltic Dairy Guild", "Alpine Wine Union"]:
        OrganisationFactory(name=name)
    table = engine.table(Organisation)
    for query in [
        "(('!alpine') & ('!union'))",
        "((('dairy') | ('wine'))) & !('!baltic')",
        "('alpine' <-> 'dairy') & ('union')",
    ]:
        condition, params = engine._pg_match(query)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT record_id FROM {table} WHERE {condition}", params)
            split = {row[0] for row in cursor.fetchall()}
            cursor.execute(
                f"SELECT record_id FROM {table} WHERE doc @@ %s::tsquery", [query]
            )
            whole = {row[0] for row in cursor.fetchall()}
        assert split == whole and whole, query
