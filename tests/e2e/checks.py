"""What the browser tests check on every page: axe-core and horizontal scrolling."""

from pathlib import Path

from django.conf import settings

AXE = Path(settings.BASE_DIR, "static", "vendor", "axe-core", "axe.min.js")
# WCAG 2.1 A/AA and axe's best practices.
WCAG = "{runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}"


def serious_violations(page, options=WCAG):
    """Return [(rule, impact, first targets)] of the serious or critical axe-core
    violations on the page (options: axe.run's, e.g. WCAG; None for every rule)."""
    # Evaluated rather than added as an inline script tag, which the site's
    # Content-Security-Policy refuses.
    page.evaluate("() => {\n" + AXE.read_text(encoding="utf-8") + "\n}")
    arguments = f"document, {options}" if options else ""
    result = page.evaluate(f"async () => await axe.run({arguments})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def overflow(page):
    """Return how many pixels the page is wider than the window (0: no scroll)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - "
        "document.documentElement.clientWidth"
    )
