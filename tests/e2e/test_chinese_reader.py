"""A visitor who reads only Chinese finds a Sino-German mechanism by Chinese labels."""

import re

import pytest
from playwright.sync_api import expect

from tests.coopdir.test_chinese_pages import unmarked_latin

pytestmark = pytest.mark.browser


def facet(page, title, label):
    """The link of the facet value `label` under the facet headed `title`."""
    group = page.locator(
        "section.facet", has=page.get_by_role("heading", name=title, exact=True)
    )
    return group.locator("a.facet-value", has_text=re.compile(f"^{label}\\s"))


def test_a_chinese_reader_finds_the_chinese_german_advisory_committee(
    page, live_server, seeded_live
):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/zh-hans/")
    # Home → 德国 (the countries panel) → search within that country.
    places = page.locator("section[aria-labelledby=by-place]")
    places.get_by_role("link", name="德国", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("德国")
    page.get_by_role("link", name="在本国范围内搜索").click()
    # Narrow by the Chinese facet labels: kind of record, sector, kind of mechanism.
    facet(page, "类别", "工作机制").click()
    facet(page, "行业", "贸易").click()
    facet(page, "类型", "经济咨询委员会").click()
    chips = page.locator(".chips")
    for label in ("德国", "工作机制", "贸易", "经济咨询委员会"):
        expect(chips).to_contain_text(label)
    cards = page.locator(".results .card")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("经济咨询委员会")
    cards.first.locator(".card-title a").click()

    assert page.url.endswith("/zh-hans/mechanisms/chinese-german-eac/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Chinese German Economic Advisory Committee"
    )
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    # Its interface is Chinese: headings, labels, links to the countries, breadcrumbs.
    facts = page.locator("dl.facts").first
    for label in ("类型", "范围", "国家", "行业"):
        expect(facts.locator("dt", has_text=label)).to_have_count(1)
    expect(facts.get_by_role("link", name="德国")).to_be_visible()
    expect(facts.get_by_role("link", name="中国")).to_be_visible()
    expect(page.locator(".breadcrumbs")).to_contain_text("首页")
    expect(page.locator(".breadcrumbs")).to_contain_text("工作机制")
    # Whatever English is left (the record's own texts) is marked as English.
    assert unmarked_latin(page.content()) == []
