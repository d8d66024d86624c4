"""Two people on one change form in Chromium: nothing lost, nothing chosen silently."""

from decimal import Decimal

import pytest
import reversion
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from organisations.models import KeyFigure, Organisation
from tests.factories import KeyFigureFactory, OrganisationFactory

pytestmark = pytest.mark.browser

SUMMARY_A = (
    "Leads the supply and marketing cooperatives of the whole country and runs "
    "their shops, markets and cold chains in every province."
)
SUMMARY_B = (
    "Leads the supply and marketing cooperatives of the whole country and runs "
    "their shops, markets and cold chains in every county."
)


def logged_in(browser, live_server, user):
    """Return a page of a browser session logged in as user."""
    client = Client()
    client.force_login(user)
    context = browser.new_context()
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def save(page):
    page.locator('input[name="_continue"]').last.click()


@pytest.fixture
def two_people(browser, live_server, publisher, editor):
    with reversion.create_revision():
        org = OrganisationFactory(name="Union", summary="Old summary", status="draft")
        KeyFigureFactory(organisation=org, label="Turnover", value=Decimal("1000"))
    url = live_server.url + reverse(
        "admin:organisations_organisation_change", args=[org.pk]
    )
    a = logged_in(browser, live_server, publisher)
    b = logged_in(browser, live_server, editor)

    def open_both():
        a.goto(url)
        b.goto(url)

    return org, a, b, open_both


def test_two_people_on_one_form_lose_nothing(two_people):
    org, a, b, open_both = two_people
    conflicts = b.locator("#merge-conflicts")

    # Different fields: both kept, no question asked.
    open_both()
    a.fill("#id_summary", "Summary by A")
    save(a)
    b.fill("#id_hq_city", "Beijing")
    save(b)
    expect(b.locator(".messagelist")).to_contain_text("Merged with the save by")
    expect(conflicts).to_have_count(0)
    org.refresh_from_db()
    assert (org.summary, org.hq_city) == ("Summary by A", "Beijing")

    # The same field: both shown in full, nothing written until B chooses.
    open_both()
    a.fill("#id_summary", SUMMARY_A)
    save(a)
    b.fill("#id_summary", SUMMARY_B)
    save(b)
    expect(conflicts.locator(".merge-theirs")).to_contain_text(SUMMARY_A)
    expect(conflicts.locator(".merge-mine")).to_contain_text(SUMMARY_B)
    expect(conflicts.locator("del")).to_have_text("province")
    expect(conflicts.locator("ins")).to_have_text("county")
    save(b)  # without choosing: still asked, still nothing written
    expect(conflicts).to_be_visible()
    assert Organisation.objects.get(pk=org.pk).summary == SUMMARY_A
    conflicts.get_by_label("Keep mine").check()
    save(b)
    expect(conflicts).to_have_count(0)
    expect(b.locator(".messagelist .success")).to_be_visible()
    assert Organisation.objects.get(pk=org.pk).summary == SUMMARY_B

    # A key figure edited by A and deleted by B: B chooses, and A's edit is kept.
    open_both()
    a.fill("#id_key_figures-0-value", "2000")
    save(a)
    b.check("#id_key_figures-0-DELETE")
    save(b)
    expect(conflicts).to_contain_text("Key figure")
    expect(conflicts.locator(".merge-mine")).to_contain_text("Deleted")
    assert KeyFigure.objects.get(organisation=org).value == Decimal("2000")
    conflicts.get_by_label("Keep theirs").check()
    save(b)
    expect(conflicts).to_have_count(0)
    assert KeyFigure.objects.get(organisation=org).value == Decimal("2000")

    # Deleted by A, edited by B: B keeps theirs or theirs is gone only if chosen.
    open_both()
    a.check("#id_key_figures-0-DELETE")
    save(a)
    b.fill("#id_key_figures-0-value", "5000")
    save(b)
    expect(conflicts.locator(".merge-theirs")).to_contain_text("Deleted")
    expect(conflicts.locator(".merge-mine")).to_contain_text("5000")
    assert not KeyFigure.objects.filter(organisation=org).exists()
    conflicts.get_by_label("Keep mine").check()
    save(b)
    expect(conflicts).to_have_count(0)
    assert KeyFigure.objects.get(organisation=org).value == Decimal("5000")
    assert Organisation.objects.get(pk=org.pk).summary == SUMMARY_B
