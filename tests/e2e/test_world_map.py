"""The world map driven in Chromium: a click applies the country filter, focus shows
the count, and it works, as a list too, without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from .checks import serious_violations

pytestmark = pytest.mark.browser


def map_count(link):
    """Return the count a map country's name gives ("China: 5" -> 5)."""
    return int(re.search(r"(\d+)$", link.get_attribute("aria-label"))[1])


def test_a_click_on_the_home_map_lands_on_the_country_filtered_list(
    page, live_server, directory
):
    page.goto(live_server.url + "/")
    china = page.locator('.map-country[data-country="CN"]')
    n = map_count(china)
    china.click()
    expect(page.get_by_role("heading", name=f"{n} results")).to_be_visible()
    assert page.url.endswith("/search/?country=CN")
    expect(page.locator(".chip")).to_contain_text("China")
    # The list page's own map marks the country chosen.
    expect(page.locator('.map-country[data-country="CN"]')).to_have_class(
        re.compile("is-selected")
    )


def test_keyboard_focus_on_a_country_shows_its_count(page, live_server, directory):
    page.goto(live_server.url + "/zh-hans/")
    tip = page.locator(".map-tip")
    expect(tip).to_be_hidden()
    finland = page.locator('.map-country[data-country="FI"]')
    # From one country to the next with the keyboard.
    page.locator('.map-country[data-country="CN"]').focus()
    expect(tip).to_have_text(f"中国：{map_count(page.locator('[data-country=CN]'))}")
    page.keyboard.press("Tab")
    expect(finland).to_be_focused()
    expect(tip).to_be_visible()
    expect(tip).to_have_text(f"芬兰：{map_count(finland)}")
    box, tip_box = finland.bounding_box(), tip.bounding_box()
    assert tip_box["y"] + tip_box["height"] <= box["y"] + box["height"]
    assert serious_violations(page) == []
    page.keyboard.press("Tab")
    expect(tip).to_be_hidden()


def test_hovering_a_country_shows_its_count(page, live_server, directory):
    page.goto(live_server.url + "/countries/CN/")
    finland = page.locator('.map-country[data-country="FI"]')
    finland.hover()
    expect(page.locator(".map-tip")).to_have_text(f"Finland: {map_count(finland)}")


def test_without_javascript_the_map_links_and_its_list_show_the_counts(
    browser, live_server, directory
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/")
    listed = page.locator(".map-list")
    expect(listed).to_have_attribute("open", "")
    row = listed.locator("li", has=page.get_by_role("link", name="Finland"))
    expect(row).to_be_visible()
    n = int(row.locator(".count").inner_text())
    page.locator('.map-country[data-country="FI"]').click()
    heading = page.get_by_role("heading", name=re.compile(f"^{n} results?$"))
    expect(heading).to_be_visible()
    context.close()
