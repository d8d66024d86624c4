"""A background job's page in Chromium: it follows the job by itself (job.js) and
shows the findings once it has finished, within the Content-Security-Policy."""

import pytest
from django.contrib.contenttypes.models import ContentType
from playwright.sync_api import expect

from jobs.models import Job
from organisations.models import Organisation
from tests.e2e.test_admin_merge import logged_in
from tests.e2e.test_csp import WATCH

pytestmark = pytest.mark.browser


def test_the_job_page_follows_the_job_and_shows_its_findings(
    browser, live_server, publisher, transactional_db
):
    job = Job.objects.create(
        kind=Job.Kind.DRY_RUN,
        content_type=ContentType.objects.get_for_model(Organisation),
        created_by=publisher,
        total=10,
    )
    page = logged_in(browser, live_server, publisher)
    page.add_init_script(WATCH)
    page.goto(live_server.url + job.get_absolute_url())
    expect(page.locator("[data-job-count]")).to_have_text("0 of 10")
    expect(page.get_by_text("The job waits for the worker")).to_be_visible()

    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)
    job.set_progress(4)
    expect(page.locator("[data-job-count]")).to_have_text("4 of 10")
    expect(page.locator("[data-job-state]")).to_have_text("running")
    expect(page.get_by_text("The job is running")).to_be_visible()
    expect(page.get_by_text("The job waits for the worker")).to_be_hidden()

    Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE,
        done=10,
        report={"totals": {"new": 9, "update": 1, "skip": 0}, "rejected": 0},
    )
    # Finished: the page reloads itself with what the dry run found.
    expect(
        page.get_by_text("Dry run: 9 to create, 1 to change, 0 rejected")
    ).to_be_visible()
    expect(page.locator(".job-reload")).to_have_count(0)
    assert page.evaluate("window.__violations") == []
