from django.conf import settings
from django.core.management import BaseCommand, call_command

from organisations.models import Organisation

SEED_FIXTURES = ["sectors", "sources", "organisations", "mechanisms"]


class Command(BaseCommand):
    help = "Load the seed fixtures (built from shared/seeds/) into an empty directory."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Load even when the database has data."
        )

    def handle(self, *args, force=False, **options):
        if Organisation.objects.exists() and not force:
            self.stdout.write("The directory already has data; seed not loaded.")
            return
        fixtures = [
            settings.BASE_DIR / "fixtures" / f"{name}.json" for name in SEED_FIXTURES
        ]
        call_command("loaddata", *fixtures, verbosity=options["verbosity"])
        # Fixture rows are raw saves in any order: rebuild the index once, whole.
        call_command("rebuild_search_index", verbosity=0)
        self.stdout.write(self.style.SUCCESS("Seed data loaded."))
