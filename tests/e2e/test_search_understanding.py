"""A visitor's search as typed from the home page: a country word becomes a
removable chip, a dead end is relaxed with a notice, a typo is corrected."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def search_from_home(page, live_server, words):
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox", name=re.compile("^Search by name")).fill(words)
    page.get_by_role("button", name="Search", exact=True).last.click()


def test_a_country_word_becomes_a_chip_and_nothing_is_a_dead_end(
    page, live_server, seeded_live
):
    search_from_home(page, live_server, "cooperative Italy")
    chip = page.locator("a.chip", has_text="Country: Italy")
    expect(chip).to_be_visible()
    notices = page.locator(".notice.interpreted")
    expect(notices).to_contain_text("“Italy” is read as the country filter")
    expect(notices).to_contain_text("No record matches “cooperative”")
    expect(page.locator(".results .card-title").first).to_be_visible()
    chip.click()
    assert "country" not in page.url and "q=cooperative" in page.url
    expect(page.locator(".results .card-title").first).to_be_visible()


def test_a_typo_shows_the_ica_first_with_the_notice(page, live_server, seeded_live):
    search_from_home(page, live_server, "coperative")
    expect(page.locator(".notice.interpreted")).to_contain_text(
        "Showing results for “cooperative”."
    )
    expect(page.locator(".results .card-title").first).to_contain_text(
        "International Cooperative Alliance"
    )
    page.get_by_role("link", name="Search instead for “coperative”").click()
    assert "literal=1" in page.url
