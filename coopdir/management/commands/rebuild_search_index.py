from django.core.management import BaseCommand
from tqdm import tqdm

from coopdir.search import rebuild


class Command(BaseCommand):
    help = "Rebuild the search index of organisations and mechanisms from scratch."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-progress", action="store_true", help="Do not show a progress bar."
        )

    def handle(self, *args, no_progress=False, **options):
        models = rebuild.record_models()
        total = sum(model._base_manager.count() for model in models)
        quiet = no_progress or options["verbosity"] == 0
        with tqdm(
            total=total, unit="records", disable=quiet, file=self.stderr._out
        ) as bar:
            rebuild.rebuild(models, progress=bar.update)
        rebuild.vacuum(models)
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Indexed {total} records."))
