"""The pages people see first, on the shipped seed, at 1280 and 390 px in English and
Chinese: axe-core finds no serious or critical violation and nothing scrolls sideways.

`make screenshots` runs this module with SCREENSHOTS_DIR=docs/screenshots, which also
saves each page, full length, as <name>-<lang>-<width>.png (256 colours, so the
committed files stay small). `make test` runs the same checks without saving.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from .checks import overflow, serious_violations

pytestmark = pytest.mark.browser

SHOTS = {
    "home": "/",
    "list": "/mechanisms/?country=CN&sector=trade",
    "acfsmc": "/organisations/acfsmc/",
    "mechanism": "/mechanisms/chinese-german-eac/",
    "country": "/countries/CN/",
}
LANGUAGES = {"en": "", "zh": "/zh-hans"}
WIDTHS = (1280, 390)


def save(page, path):
    """Save the whole page as a 256-colour PNG: about 0.4 of Chromium's size (China
    at 1280 px: 606 KB to 238 KB), the text as sharp, the pages being flat colours."""
    from PIL import Image

    page.screenshot(path=path, full_page=True, animations="disabled")
    with Image.open(path) as image:
        image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(
            path, optimize=True
        )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_screenshot_pages_pass_axe_and_fit_the_window(
    browser, live_server, seeded_live, width
):
    target = os.environ.get("SCREENSHOTS_DIR")
    if target:
        target = Path(settings.BASE_DIR, target)
        target.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = {}
    for lang, prefix in LANGUAGES.items():
        for name, path in SHOTS.items():
            response = page.goto(live_server.url + prefix + path)
            key = f"{name}-{lang}-{width}"
            assert response.status == 200, key
            assert page.locator("html").get_attribute("lang").startswith(lang), key
            found = serious_violations(page)
            if found or overflow(page) > 0:
                problems[key] = {"axe": found, "overflow": overflow(page)}
            if target:
                save(page, target / f"{key}.png")
    context.close()
    assert problems == {}
