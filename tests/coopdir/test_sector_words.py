"""Sector words in a query become a removable sector filter, as country words do."""

import html
import re

import pytest
from rest_framework.test import APIClient

from coopdir.unified import sector_forms

pytestmark = pytest.mark.usefixtures("seeded")


def search(q, **params):
    response = APIClient().get("/api/v1/search/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    "q, sector, searched",
    [
        ("agricultural cooperatives", "agriculture", "cooperative"),
        ("Agriculture cooperatives", "agriculture", "cooperative"),
        ("housing cooperatives", "housing", "cooperative"),
        ("tourism forum", "tourism", "forum"),
        ("旅游 论坛", "tourism", "论坛"),
        ("financial services cooperatives", "financial-services", "cooperative"),
    ],
)
def test_a_sector_word_among_others_becomes_a_filter_and_is_said(q, sector, searched):
    body = search(q)
    assert body["interpreted"]["sector"] == [sector]
    assert body["interpreted"]["searched"] == searched
    assert any("sector filter" in notice for notice in body["notices"])
    filtered = search(searched, sector=sector)
    assert {hit["slug"] for hit in body["results"]} == {
        hit["slug"] for hit in filtered["results"]
    }


@pytest.mark.parametrize(
    "q",
    [
        "agriculture",  # alone: the word is searched
        "ICA Global Sectoral Organisation for Agriculture",  # an exact name
        "Global Sectoral Organisation for Agriculture",  # held whole by a name
        "ICA Global Sectoral Organisation for Agriculture cooperatives",  # holds one
    ],
)
def test_a_name_or_a_lone_sector_word_is_not_rewritten(q):
    body = search(q)
    assert body["interpreted"]["sector"] == []
    assert "ica-gso-agriculture" in [hit["slug"] for hit in body["results"][:3]]


def test_literal_takes_the_sector_word_as_a_word():
    assert search("tourism forum", literal="1")["interpreted"]["sector"] == []


def test_names_holding_the_sector_rank_first():
    # The ICA is in every sector and its name holds "cooperative"; the housing
    # organisation's holds "housing".
    assert search("housing cooperatives")["results"][0]["slug"] == "ica-gso-housing"


def test_the_page_shows_a_removable_sector_chip(client):
    response = client.get("/search/", {"q": "agricultural cooperatives"})
    body = html.unescape(response.content.decode())
    assert "Sector: Agriculture" in re.sub(r"<[^>]+>", "", body)
    assert "“agricultural” is read as the sector filter: Agriculture." in body
    chip = next(c for c in response.context["chips"] if c["label"] == "Agriculture")
    assert "sector" not in chip["url"] and "q=cooperative" in chip["url"]
    assert response.context["results"][0].slug == "ica-gso-agriculture"

    chinese = client.get("/zh-hans/search/", {"q": "农业 合作社"})
    assert [c["label"] for c in chinese.context["chips"]] == ["农业"]


def test_a_sector_name_is_read_in_the_forms_people_type():
    assert "agricultural" in sector_forms("Agriculture")
    assert "technological" in sector_forms("Technology")
