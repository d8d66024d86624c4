"""The Chinese interface in Chromium: the switcher without JavaScript, phones, axe."""

import pytest
from playwright.sync_api import expect

from .checks import overflow, serious_violations

pytestmark = pytest.mark.browser

CHINESE_PAGES = [
    "/",
    "/organisations/?country=FI",
    "/organisations/acfsmc/",
    "/mechanisms/china-finland/",
    "/search/?q=zzzz-nothing",
]


def test_a_phone_visitor_switches_to_chinese_and_back_without_javascript(
    browser, live_server, directory
):
    context = browser.new_context(
        java_script_enabled=False,
        viewport={"width": 390, "height": 844},
        extra_http_headers={"Accept-Language": "en-GB,en;q=0.9"},
    )
    page = context.new_page()
    page.goto(live_server.url + "/organisations/?country=FI")
    switcher = page.locator(".lang-switch")
    brand = page.locator(".brand").bounding_box()
    # On a phone the switcher shares the brand's row instead of adding one.
    assert switcher.bounding_box()["y"] < brand["y"] + brand["height"]
    assert overflow(page) <= 0

    page.get_by_role("link", name="简体中文").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("组织机构")
    assert page.url.endswith("/zh-hans/organisations/?country=FI")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert overflow(page) <= 0

    # Links on a Chinese page stay in Chinese.
    page.get_by_role("link", name="组织机构").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith("/organisations/")
    expect(page.get_by_role("link", name="Organisations").first).to_be_visible()
    context.close()


@pytest.mark.parametrize("path", CHINESE_PAGES)
def test_chinese_pages_pass_axe_and_fit_a_phone(browser, live_server, directory, path):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        extra_http_headers={"Accept-Language": "zh-Hans"},
    )
    page = context.new_page()
    page.goto(live_server.url + "/zh-hans" + path)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert overflow(page) <= 0
    assert serious_violations(page) == []
    context.close()
