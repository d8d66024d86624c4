"""What the unified search reads into a query: country words as removable filters,
plurals, typos corrected with a notice, and relaxing rather than a dead end."""

import html
import re

import pytest
from django.utils import translation
from django_countries import countries
from rest_framework.test import APIClient

from coopdir.search.understanding import find_countries


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_it_recognises_every_country_name_django_countries_knows(language):
    with translation.override(language):
        names = [(code, str(name)) for code, name in countries]
    # A name the translation gives two countries (zh: WS and AS) finds one of them.
    codes_of = {}
    for code, name in names:
        codes_of.setdefault(name, set()).add(code)
    missed = [
        (code, name)
        for code, name in names
        for words in ([name], name.split())
        if not set(find_countries(words)[0]) & codes_of[name]
    ]
    assert len(names) > 240 and not missed


@pytest.mark.parametrize(
    "words, code",
    [("Italian", "IT"), ("Finnish", "FI"), ("意大利", "IT"), ("United States", "US")],
)
def test_it_recognises_demonyms_and_short_names(words, code):
    codes, named, rest = find_countries(["dairy", *words.split()])
    assert codes == [code] and rest == ["dairy"]


def test_it_finds_a_chinese_country_name_inside_a_run_of_han():
    assert find_countries(["意大利政府"]) == (["IT"], ["意大利"], ["政府"])


@pytest.fixture
def api(seeded):
    return APIClient()


def search(api, q, **params):
    response = api.get("/api/v1/search/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_country_word_among_others_becomes_a_filter_and_is_said(api):
    body = search(api, "trade agency Italy")
    assert body["interpreted"]["country"] == ["IT"]
    assert body["interpreted"]["searched"] == "trade agency"
    assert body["results"][0]["slug"] == "ice"
    assert all("IT" in hit["countries"] for hit in body["results"])
    assert any("country filter" in notice for notice in body["notices"])


def test_two_country_words_mean_either_country(api):
    body = search(api, "government Italian Finnish")
    assert body["interpreted"]["country"] == ["IT", "FI"]
    assert {hit["slug"] for hit in body["results"]} >= {"gov-it", "gov-fi"}


@pytest.mark.parametrize(
    "q", ["Bank of China", "Bank of China appointed", "China Italy", "Italy"]
)
def test_a_name_or_country_words_alone_stay_words(api, q):
    body = search(api, q)
    assert body["interpreted"]["country"] == []
    assert body["interpreted"]["searched"] == q
    if q.startswith("Bank"):
        assert body["results"][0]["slug"] == "bank-of-china"


def test_nothing_for_all_words_relaxes_keeping_the_country_and_says_so(api):
    body = search(api, "cooperative Italy")
    assert body["interpreted"]["country"] == ["IT"]
    assert body["interpreted"]["relaxed"] == ""
    assert body["count"] > 0
    assert all("IT" in hit["countries"] for hit in body["results"])
    notices = " ".join(body["notices"])
    assert "No record matches “cooperative”" in notices
    assert "Without the filters, “cooperative” finds" in notices


def test_a_typo_is_searched_as_the_word_meant_with_a_notice(api):
    body = search(api, "coperative")
    assert body["interpreted"]["corrected"] == "cooperative"
    assert body["results"][0]["slug"] == "ica"
    assert "acfsmc" in [hit["slug"] for hit in body["results"][:10]]
    assert "Showing results for “cooperative”." in body["notices"]
    literal = search(api, "coperative", literal="true")
    assert literal["interpreted"]["corrected"] == "" and not literal["notices"]


@pytest.mark.parametrize(
    "q, slug",
    [("cooperatives", "ica"), ("alliances", "ica"), ("ministries", "mofcom")],
)
def test_plurals_match_the_names(api, q, slug):
    assert slug in [hit["slug"] for hit in search(api, q)["results"][:3]]


def text_of(body):
    """Return the page's text as a reader sees it (a chip's label is marked up)."""
    return re.sub(r"<[^>]+>", "", body)


def test_the_page_shows_a_removable_country_chip_and_what_it_read(client, seeded):
    response = client.get("/search/", {"q": "trade agency Italy"})
    body = html.unescape(response.content.decode())
    assert "Country: Italy" in text_of(body)
    assert "“Italy” is read as the country filter: Italy." in body
    assert 'href="?q=trade+agency+Italy&literal=1"' in body
    chip = next(c for c in response.context["chips"] if c["label"] == "Italy")
    assert "country" not in chip["url"] and "q=trade+agency" in chip["url"]
    assert response.context["results"][0].slug == "ice"


def test_the_page_relaxes_instead_of_a_dead_end(client, seeded):
    response = client.get("/search/", {"q": "cooperative Italy"})
    body = html.unescape(response.content.decode())
    assert response.context["result_count"] > 0
    assert "No record matches “cooperative”" in body
    assert "Country: Italy" in text_of(body)
    # The heading does not credit the word that found nothing with the results.
    heading = re.search(r'<h2 id="results-heading"[^>]*>(.*?)</h2>', body, re.S)
    assert "cooperative" not in heading.group(1)


def test_a_search_relaxed_to_some_words_names_them_in_its_heading(client, seeded):
    response = client.get("/search/", {"q": "trade agency zzzqqq"})
    body = html.unescape(response.content.decode())
    heading = re.search(r'<h2 id="results-heading"[^>]*>(.*?)</h2>', body, re.S)
    assert response.context["result_count"] > 0
    assert "zzzqqq" not in heading.group(1)


def test_a_country_alone_puts_the_records_in_it_first(api):
    body = search(api, "Italy")
    first = [hit["slug"] for hit in body["results"][:5]]
    assert set(first) == {"ice", "confindustria", "pirelli", "gov-it", "bfic"}


def test_every_word_of_every_seed_name_finds_something_or_says_why(api):
    from mechanisms.models import Mechanism
    from organisations.models import Organisation

    names = [*Organisation.objects.values_list("name", flat=True)]
    names += Mechanism.objects.values_list("name", flat=True)
    words = sorted({word for name in names for word in name.split()})
    dead = [
        word
        for word in words
        if not (body := search(api, word))["count"] and not body["notices"]
    ]
    assert len(words) > 100 and not dead


def test_region_words_among_others_become_filters(api):
    body = search(api, "government Europe")
    assert body["interpreted"]["region"] == ["europe"]
    assert body["interpreted"]["searched"] == "government"
    assert {"gov-de", "gov-it", "gov-fi"} <= {h["slug"] for h in body["results"]}
    assert "gov-cn" not in {h["slug"] for h in body["results"]}
    assert any("region filter" in notice for notice in body["notices"])


@pytest.mark.parametrize("q", ["Europe", "Regional Office Africa"])
def test_a_region_that_is_the_whole_query_or_in_a_name_stays_words(api, q):
    assert search(api, q)["interpreted"]["region"] == []
