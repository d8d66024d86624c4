"""The design system as a browser renders it: print, focus, Chinese type, numbers."""

import pytest
from playwright.sync_api import expect

from tests.factories import KeyFigureFactory

pytestmark = pytest.mark.browser

FOCUS_YELLOW = "rgb(255, 221, 0)"


def test_printing_drops_navigation_and_filters_and_writes_out_addresses(
    page, live_server, directory
):
    page.emulate_media(media="print")
    page.goto(live_server.url + "/organisations/?country=FI")
    for selector in (".site-nav", ".lang-switch", ".listing-filters", ".search-form"):
        expect(page.locator(selector).first).to_be_hidden()
    expect(page.locator(".results .card").first).to_be_visible()
    link = page.locator(".results .card-title a").first
    after = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert link.get_attribute("href") in after
    # A card is never cut across two sheets.
    card = page.locator(".results .card").first
    assert card.evaluate("el => getComputedStyle(el).breakInside") == "avoid"

    page.emulate_media(media="screen")
    expect(page.locator(".site-nav")).to_be_visible()
    after = link.evaluate("a => getComputedStyle(a, '::after').content")
    assert after in ("none", "normal")


def test_keyboard_focus_is_yellow_on_the_header_and_on_the_page(
    page, live_server, directory
):
    page.goto(live_server.url + "/organisations/cccme/")
    nav_link = page.locator(".site-nav a").first
    nav_link.focus()
    assert nav_link.evaluate("a => getComputedStyle(a).backgroundColor") == (
        FOCUS_YELLOW
    )
    search = page.locator("#header-q")
    search.focus()
    assert FOCUS_YELLOW in search.evaluate("el => getComputedStyle(el).outlineColor")
    page.keyboard.press("Tab")  # the header's search button
    page.keyboard.press("Tab")  # the other language
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "简体中文"
    assert (
        page.evaluate("getComputedStyle(document.activeElement).backgroundColor")
        == FOCUS_YELLOW
    )


def test_chinese_pages_use_cjk_fonts_with_more_leading_and_changes_never_wrap(
    page, live_server, directory
):
    KeyFigureFactory(
        organisation=directory.acfsmc, label="Turnover", value=10, change_pct="14.2"
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/zh-hans/organisations/acfsmc/")
    body = page.locator("body")
    family = body.evaluate("el => getComputedStyle(el).fontFamily")
    assert family.index("Noto Sans CJK SC") < family.index("Segoe UI")
    size, height = body.evaluate(
        "el => [getComputedStyle(el).fontSize, getComputedStyle(el).lineHeight]"
    )
    assert float(height[:-2]) / float(size[:-2]) >= 1.7
    change = page.locator(".figures .nowrap", has_text="+14.2").first
    expect(change).to_be_visible()
    box = change.bounding_box()
    line = float(change.evaluate("el => getComputedStyle(el).lineHeight")[:-2])
    assert box["height"] < 1.5 * line  # one line: "+14.2%" is never split
