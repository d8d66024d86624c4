from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import BaseCommand, CommandError
from knox.models import AuthToken


class Command(BaseCommand):
    help = (
        "Issue an API token for a staff user and print it once (only a hash of it "
        "is stored). It expires after --days (settings.API_TOKEN_DAYS by default); "
        "list and revoke tokens in the admin (API tokens)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="days the token is valid (default: API_TOKEN_DAYS)",
        )

    def handle(self, *args, username, days, **options):
        days = settings.API_TOKEN_DAYS if days is None else days
        if days < 1:
            raise CommandError(f"--days must be at least 1, not {days}.")
        user = get_user_model().objects.filter(username=username).first()
        if user is None or not (user.is_staff and user.is_active):
            # The API takes writes only from active staff: any other token is useless.
            raise CommandError(f"There is no active staff user {username!r}.")
        token, secret = AuthToken.objects.create(user, expiry=timedelta(days=days))
        self.stderr.write(
            f"A token for {username}, valid until {token.expiry:%Y-%m-%d %H:%M} UTC. "
            "Copy it now: it cannot be shown again."
        )
        self.stdout.write(secret)
