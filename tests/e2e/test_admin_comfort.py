"""Big records stay workable in the admin: the ACFSMC's change form in Chromium."""

import os

import pytest
from django.urls import reverse

from organisations.models import Organisation
from tests.e2e.test_admin_merge import logged_in

pytestmark = pytest.mark.browser

# The ACFSMC's form with its 22 key figures, each stacked, was 23,613 px tall at
# 1280 px and 45,376 px at 390 px; one line per figure: 5,246 and 6,770.
MAX_FORM_HEIGHT = {1280: 6000, 390: 8000}
SHOTS = os.environ.get("ADMIN_SCREENSHOTS", "")


@pytest.mark.parametrize("width", [1280, 390])
def test_the_acfsmc_change_form_stays_short(
    browser, live_server, seeded_live, publisher, width
):
    org = Organisation.objects.get(slug="acfsmc")
    page = logged_in(browser, live_server, publisher)
    page.set_viewport_size({"width": width, "height": 900})
    url = reverse("admin:organisations_organisation_change", args=[org.pk])
    page.goto(live_server.url + url)
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"ACFSMC change form at {width} px: {height} px tall")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/acfsmc-change-{width}.png", full_page=True)
    # Every key figure is on the page, editable.
    assert (
        page.locator(
            'input[name^="key_figures-"][name$="-value"]:not([name*="__prefix__"])'
        ).count()
        == 22
    )
    assert height < MAX_FORM_HEIGHT[width]
    # Only the figures' table scrolls sideways, not the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
