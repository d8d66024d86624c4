import os

import pytest

# pytest-playwright runs an event loop in the test thread; the ORM calls the
# live-server tests make from there are plain synchronous set-up, not async code.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


@pytest.fixture
def directory(transactional_db):
    from tests.pages import build_directory

    return build_directory()


@pytest.fixture
def seeded_live(transactional_db):
    """The shipped seed, committed so that the live server's thread sees it."""
    from django.core.management import call_command

    call_command("load_seed", verbosity=0)
