import pytest
from django.core.management import call_command


@pytest.fixture
def seeded(db):
    """Load the shipped seed fixtures."""
    call_command("load_seed", verbosity=0)


@pytest.fixture
def staff_user(db, django_user_model):
    return django_user_model.objects.create_user(
        username="staff", password="a-Long-test-passphrase-9", is_staff=True
    )


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", password="a-Long-test-passphrase-9", email=""
    )
