"""Every kind of page runs under the Content-Security-Policy without a violation."""

import pytest
import reversion
from django.conf import settings
from reversion.models import Version

from tests.signin_helpers import authenticator, current_code

from .test_pages import PAGES

pytestmark = pytest.mark.browser

PUBLIC = [*PAGES, "/api/docs/", "/admin/login/"]
ORGANISATIONS = "/admin/organisations/organisation/"
ADMIN = [
    "/admin/",
    ORGANISATIONS,
    ORGANISATIONS + "add/",
    ORGANISATIONS + "{cccme}/change/",
    ORGANISATIONS + "{cccme}/history/",
    ORGANISATIONS + "{cccme}/history/{old}/",
    ORGANISATIONS + "{cccme}/history/compare/?old={old}&new={new}",
    ORGANISATIONS + "import/",
    ORGANISATIONS + "export/",
    ORGANISATIONS + "recover/",
    "/admin/mechanisms/mechanism/{council}/change/",
    "/admin/jobs/job/",
]
# Every violation is reported to the page before any script of the page runs.
WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`);
});
"""


@pytest.fixture
def watched(browser):
    """Return (page, violations): a page that bypasses no policy, and the list the
    console and the page's violation events add to."""
    context = browser.new_context(bypass_csp=False)
    page = context.new_page()
    page.add_init_script(WATCH)
    console = []
    page.on(
        "console",
        lambda m: (
            console.append(m.text)
            if "Content Security Policy" in m.text or "Permissions-Policy" in m.text
            else None
        ),
    )
    yield page, console
    context.close()


def visit(page, console, url):
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.ok or "/no-such-page/" in url, url
    assert "default-src 'self'" in response.headers["content-security-policy"]
    return console + page.evaluate("window.__violations")


def test_public_pages_and_the_api_docs_break_no_policy(watched, live_server, directory):
    page, console = watched
    for path in PUBLIC:
        assert visit(page, console, live_server.url + path) == [], path
    page.goto(live_server.url + "/api/docs/")
    page.locator(".swagger-ui .opblock").first.wait_for()


def test_admin_pages_break_no_policy(watched, live_server, directory, superuser):
    page, console = watched
    authenticator(superuser)
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("a-Long-test-passphrase-9")
    page.locator("[name=otp_token]").fill(current_code("root"))
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(live_server.url + "/admin/")
    for summary in ("First words.", "Second words."):
        with reversion.create_revision():
            directory.cccme.summary = summary
            directory.cccme.save()
    old, new = Version.objects.get_for_object(directory.cccme).order_by("pk")[:2]
    ids = {
        "cccme": directory.cccme.pk,
        "council": directory.council.pk,
        "old": old.pk,
        "new": new.pk,
    }
    for path in ADMIN:
        url = live_server.url + path.format(**ids)
        assert visit(page, console, url) == [], path
    # The export's "Select all" toggle, wired without an inline handler.
    page.goto(live_server.url + ORGANISATIONS + "export/")
    fields = page.locator('.selectable-field-export-row input[type="checkbox"]')
    page.locator(".select-toggle").uncheck()
    assert fields.count() > 2
    assert all(not box.is_checked() for box in fields.all())
    # The import's dry run, with its preview table and styles.
    page.goto(live_server.url + ORGANISATIONS + "import/")
    page.locator("input[type=file]").set_input_files(
        files=[
            {
                "name": "organisations.csv",
                "mimeType": "text/csv",
                "buffer": b"name,kind,country\nCo-op Test,cooperative,DE\n",
            }
        ]
    )
    page.locator("select[name=format]").select_option(label="csv")
    page.locator("input[type=submit]").first.click()
    page.get_by_text("Dry run: 1 to create").wait_for()
    stylesheets = page.evaluate(
        "[...document.styleSheets].map((s) => s.href || 'inline')"
    )
    assert any(s.endswith("css/admin/import.css") for s in stylesheets)
    found = console + page.evaluate("window.__violations")
    assert found == [], found
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["object-src"] == ["'none'"]
