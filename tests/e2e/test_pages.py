"""The public pages driven in Chromium: a visitor's journey, accessibility, phones."""

import re

import pytest
from playwright.sync_api import expect

from .checks import overflow, serious_violations

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/organisations/",
    "/organisations/?country=FI&sector=machinery",
    "/mechanisms/",
    "/search/?q=China",
    "/search/?q=zzzz-nothing",
    "/organisations/acfsmc/",
    "/organisations/cccme/",
    "/mechanisms/china-finland/",
    "/countries/",
    "/countries/FI/",
    "/sectors/",
    "/sectors/machinery/",
    "/no-such-page/",
]


def test_a_visitor_finds_a_mechanism_through_its_secretariat_host(
    page, live_server, directory
):
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox", name=re.compile("^Search by name")).fill("Chamber")
    page.get_by_role("button", name="Search", exact=True).last.click()
    expect(page.get_by_role("heading", name=re.compile("results? for"))).to_be_visible()

    page.locator('.facet a[data-facet-value="CN"]').click()
    expect(page.locator(".chip")).to_contain_text("China")
    assert "country=CN" in page.url and "q=Chamber" in page.url

    page.get_by_role("link", name=re.compile("^China Chamber of Commerce")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CCCME")
    mechanisms = page.locator("section", has=page.locator("h2#mechanisms"))
    expect(mechanisms).to_contain_text("Chinese secretariat")

    mechanisms.get_by_role("link", name="China-Finland Business Council").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "China-Finland Business Council"
    )
    expect(page.locator("#secretariats + dl")).to_contain_text(
        "China Chamber of Commerce for Import and Export of Machinery"
    )


def test_facets_and_sorting_work_without_javascript(browser, live_server, directory):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/organisations/")
    page.locator('.facet a[data-facet-value="FI"]').click()
    expect(page.get_by_role("heading", name="2 results")).to_be_visible()
    page.get_by_role("navigation", name="Sort by").get_by_role(
        "link", name="Founding year (newest first)"
    ).click()
    expect(page.locator(".results .card-title").first).to_contain_text(
        "Confederation of Finnish Industries"
    )
    assert "country=FI" in page.url
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_serious_accessibility_violations(
    page, live_server, directory, path
):
    page.goto(live_server.url + path)
    assert serious_violations(page) == []


@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_a_390px_phone_without_horizontal_scroll(
    page, live_server, directory, path
):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + path)
    assert overflow(page) <= 0


def test_the_skip_link_and_focus_are_visible(page, live_server, directory):
    page.goto(live_server.url + "/organisations/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    skip.press("Enter")
    assert page.url.endswith("#main")


SEEDED_PAGES = [
    "/",
    "/organisations/acfsmc/",
    "/organisations/cccme/",
    "/mechanisms/cica-business-council/",
    "/mechanisms/?country=FI",
    "/countries/CN/",
    "/sectors/agriculture/",
]


def test_the_seeded_pages_pass_axe_and_fit_a_phone(page, live_server, seeded_live):
    page.set_viewport_size({"width": 390, "height": 844})
    for path in SEEDED_PAGES:
        page.goto(live_server.url + path)
        assert (path, serious_violations(page, options=None)) == (path, [])
        assert (path, overflow(page)) == (path, 0)


def test_a_visitor_answers_the_seed_questions_in_two_clicks(
    page, live_server, seeded_live
):
    # "Chinese organisations in agriculture": home → Agriculture → China.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Agriculture", exact=True).click()
    page.locator(".pill-links a", has_text="China").click()
    expect(page.locator(".results")).to_contain_text(
        "All-China Federation of Supply and Marketing Cooperatives"
    )
    # "What did the ACFSMC turn over in 2020?": search → its page → key figures.
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox", name=re.compile("^Search by name")).fill("ACFSMC")
    page.get_by_role("searchbox", name=re.compile("^Search by name")).press("Enter")
    page.get_by_role("link", name=re.compile("^All-China Federation")).first.click()
    figures = page.locator("table.figures").first
    expect(figures).to_contain_text("5,300,000,000,000")
    expect(figures).to_contain_text("among them")
